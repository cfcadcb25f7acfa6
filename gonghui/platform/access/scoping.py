"""``restrict(user, action)``: the one way scoped data is read.

A scoped model declares where its org is:

* the org tree itself sets ``scope_is_org = True`` (its own materialised path is the scope);
* every other scoped model sets ``scope_org_field = "org"`` (a path of foreign keys to the
  scope model) and uses :class:`ScopedManager` as its default manager (new models inherit
  :class:`gonghui.platform.access.scoped.ScopedModel`).

The org tree is named by one setting, ``GONGHUI_SCOPE_MODEL = "orgs.Org"`` (read through
:func:`scope_model`, as Django reads ``AUTH_USER_MODEL``): the platform imports no app.

Scoping fails closed: a model whose manager is a ``ScopedManager`` but that says nothing about
its org is a system check error (``access.E001``), and ``restrict`` refuses it with
``ImproperlyConfigured`` instead of returning the whole table. Administrative models with no
org (users, grants, the audit log) keep a plain manager: for them the permission alone decides.

The filter is the OR of the user's active grants that carry the permission: a prefix match
on the org path for grants that include descendants, an equality for those that do not.
Users with no such grant see nothing. Partner agencies are scoped by hooks (their open
referrals), never by the tree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import models
from django.db.models import Expression, F, Q
from django.utils import timezone

from gonghui.platform.access.roles import ROLES
from gonghui.platform.security.prepared import PreparedRead


@dataclass(frozen=True)
class GrantScope:
    org_id: int
    path: str
    include_descendants: bool
    permissions: frozenset[str]


_CACHE_ATTR = "_gonghui_grant_scopes"


# --- the two reads every scoped request makes, compiled once ---------------------------------
# Building and compiling a queryset costs ~0.3-0.5 ms of CPU, several times what these two
# indexed reads cost the database, and restrict() makes both on every request (bench B4, B5).
# The querysets below stay the one definition of what is read (see PreparedRead).


def _grants_query(user_id, at, _text):
    from gonghui.platform.access.models import RoleGrant

    return (
        RoleGrant.objects.active(at)
        .filter(user_id=user_id, org__status="active")
        .values_list("org_id", "org__path", "include_descendants", "role")
    )


_GRANTS = PreparedRead(_grants_query, uses=("number", "at"))

# Partner hooks: fn(user, perm, model) -> Q | None. Rights/mediation registers one for
# referrals; until then partner users see nothing.
_partner_hooks: list[Callable] = []
# Labels of models a partner hook scopes without an org field ("app_label.Model").
_partner_scoped_models: set[str] = set()


def register_partner_scope(hook: Callable, models: tuple[str, ...] = ()) -> None:
    """Add a partner scope; ``models`` names the models it alone scopes (no org field)."""
    _partner_hooks.append(hook)
    _partner_scoped_models.update(models)


def grant_scopes(user) -> list[GrantScope]:
    """Active grants of ``user`` with their org paths, cached on the user object.

    ``request.user`` is loaded once per request, so the cache lives for one request; actions
    that change grants call :func:`clear_cache`.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    scopes = []
    rows = _GRANTS.rows(number=user.pk, at=timezone.now())
    token_perms = getattr(user, "token_permissions", None)
    for org_id, path, include, role in rows:
        perms = ROLES[role].permissions if role in ROLES else frozenset()
        if token_perms is not None:
            perms = perms & token_perms
        scopes.append(GrantScope(org_id, path, bool(include), perms))
    setattr(user, _CACHE_ATTR, scopes)
    return scopes


def clear_cache(user) -> None:
    for attr in (_CACHE_ATTR, _IDS_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def user_permissions(user) -> frozenset[str]:
    perms: set[str] = set()
    for scope in grant_scopes(user):
        perms |= scope.permissions
    return frozenset(perms)


def highest_covering_depth(user, perm: str, org) -> int | None:
    """The depth (1 = root) of the highest org at which ``user`` holds ``perm`` with ``org``
    inside that grant, or None. Used where the level of the grant matters, e.g. approvals
    above an amount must be made at district or city level."""
    steplen = _steplen()
    depths = [
        len(s.path) // steplen
        for s in grant_scopes(user)
        if perm in s.permissions
        and (s.org_id == org.pk or (s.include_descendants and org.path.startswith(s.path)))
    ]
    return min(depths) if depths else None


def permission_name(model, action: str) -> str:
    """``"view"`` on ``orgs.Org`` → ``"orgs.view_org"``; full names pass through."""
    if "." in action:
        return action
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


# Treebeard paths use the alphabet 0-9A-Z; "~" sorts after all of them in binary order.
_PATH_UPPER = "~"


def subtree_q(path_field: str, prefix: str) -> Q:
    """Rows whose org path starts with ``prefix``, in a form the database can index.

    PostgreSQL answers ``LIKE 'prefix%'`` from the pattern-ops index Django creates for the
    path. SQLite cannot use an index for Django's ``LIKE … ESCAPE`` (measured 28–80x slower
    than a literal id list, bench B7), but its BINARY collation makes the range
    ``prefix <= path < prefix~`` exact and indexable. A range is not used on PostgreSQL
    because a non-C collation may order "~" before digits.
    """
    from django.db import connection

    if connection.vendor == "sqlite":
        return Q(**{f"{path_field}__gte": prefix, f"{path_field}__lt": prefix + _PATH_UPPER})
    return Q(**{f"{path_field}__startswith": prefix})


# Up to this many orgs, rows of other models are filtered by a literal list of org ids;
# above it by a subquery. Bench B7: on PostgreSQL the join/subquery forms mis-plan ordered
# pages at township scope (48 ms against 0.8 ms for the literal list), while the literal
# list costs one indexed read of the org table.
LITERAL_ORG_IDS = 2000
_IDS_ATTR = "_gonghui_subtree_ids"


def scope_model():
    """The model of the org tree (``settings.GONGHUI_SCOPE_MODEL``, e.g. ``"orgs.Org"``): a
    treebeard materialised-path node with ``scope_is_org = True``."""
    return apps.get_model(settings.GONGHUI_SCOPE_MODEL, require_ready=False)


def _steplen() -> int:
    return scope_model().steplen


def clear_subtree_ids(user) -> None:
    """Forget the cached subtree ids (an action may just have added an org)."""
    if hasattr(user, _IDS_ATTR):
        delattr(user, _IDS_ATTR)


def subtree_ids(user, prefix: str):
    """The ids of the orgs under ``prefix`` (a list), or a subquery when there are many.

    Cached on the user object, i.e. for one request, like the grants."""
    cache = getattr(user, _IDS_ATTR, None)
    if cache is None:
        cache = {}
        setattr(user, _IDS_ATTR, cache)
    if prefix not in cache:
        ids = [row[0] for row in _SUBTREE_IDS.rows(text=prefix)]
        if len(ids) > LITERAL_ORG_IDS:
            ids = scope_model().objects.filter(subtree_q("path", prefix)).order_by().values("pk")
        cache[prefix] = ids
    return cache[prefix]


def _subtree_ids_query(_number, _at, prefix):
    subtree = scope_model().objects.filter(subtree_q("path", prefix)).order_by()
    return subtree.values_list("pk")[: LITERAL_ORG_IDS + 1]


_SUBTREE_IDS = PreparedRead(_subtree_ids_query, uses=("text",))


class IdIn(Expression):
    """``column IN (%s, …)`` for a literal list of integer ids, as a filter condition.

    The same SQL as ``Q(column__in=ids)``, without the ``__in`` lookup's per-value
    preparation, which cost ~0.5 ms of CPU for a district's 90 org ids on every scoped
    query (bench B5). The ids come from the org table and are coerced to ``int`` here.
    Made for ``filter()``: unlike the lookup, ``exclude()`` does not add ``OR column IS
    NULL`` for a nullable column."""

    conditional = True

    def __init__(self, column: str, ids):
        super().__init__(output_field=models.BooleanField())
        self.column = F(column)
        self.ids = tuple(int(i) for i in ids)

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def as_sql(self, compiler, connection):
        if not self.ids:
            raise EmptyResultSet
        column, params = compiler.compile(self.column)
        return f"{column} IN ({', '.join(['%s'] * len(self.ids))})", (*params, *self.ids)


def id_in(column: str, ids) -> Q:
    """``Q(column__in=ids)``; a literal id list takes the cheaper :class:`IdIn`."""
    if isinstance(ids, list | tuple) and ids:
        return Q(IdIn(column, ids))
    return Q(**{f"{column}__in": ids})


def _minimal(scopes: list[GrantScope]) -> tuple[list[str], list[int]]:
    prefixes = sorted({s.path for s in scopes if s.include_descendants})
    kept: list[str] = []
    for path in prefixes:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    singles = sorted(
        {
            s.org_id
            for s in scopes
            if not s.include_descendants and not any(s.path.startswith(k) for k in kept)
        }
    )
    return kept, singles


def org_fields(model) -> tuple[str, ...]:
    """The foreign-key paths to the scope model that scope ``model`` (several are OR-ed: a
    transfer is visible to the sending and the receiving union)."""
    fields = getattr(model, "scope_org_fields", None)
    if fields:
        return tuple(fields)
    field = getattr(model, "scope_org_field", None)
    return (field,) if field else ()


def _org_filter(prefixes: list[str], singles: list[int]) -> Q:
    if any(len(prefix) == _steplen() for prefix in prefixes):
        return Q(pk__isnull=False)
    q = Q(pk__in=singles) if singles else Q(pk__in=[])
    for prefix in prefixes:
        q |= subtree_q("path", prefix)
    return q


def scope_q(user, perm: str, model) -> Q | None:
    """The filter for ``model`` rows ``user`` may ``perm``, or None for nothing."""
    scopes = [s for s in grant_scopes(user) if perm in s.permissions]
    hook_qs = [q for hook in _partner_hooks if (q := hook(user, perm, model)) is not None]
    if not scopes and not hook_qs:
        return None
    parts: list[Q] = []  # OR-ed; none at all matches nothing
    if scopes:
        prefixes, singles = _minimal(scopes)
        fields = org_fields(model)
        if getattr(model, "scope_is_org", False):
            parts.append(_org_filter(prefixes, singles))
        elif not fields:
            if declares_scoped_manager(model):
                # Fail closed: a scoped model that names no org would open its whole table.
                raise ImproperlyConfigured(undeclared_scope_message(model))
            # Administrative models with a plain manager (users, grants, audit): the
            # permission alone decides; any grant carrying it opens the whole table.
            return Q()
        elif any(len(prefix) == _steplen() for prefix in prefixes):
            # A grant on the root covers the whole tree: no filter at all.
            return Q(pk__isnull=False)
        else:
            for field in fields:
                for prefix in prefixes:
                    parts.append(id_in(f"{field}_id", subtree_ids(user, prefix)))
                if singles:
                    parts.append(id_in(f"{field}_id", singles))
    parts.extend(hook_qs)
    if not parts:
        return Q(pk__in=[])
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


def restrict_queryset(queryset, user, action: str = "view"):
    perm = permission_name(queryset.model, action)
    q = scope_q(user, perm, queryset.model)
    if q is None:
        return queryset.none()
    return queryset.filter(q)


class ScopedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        """Rows of this queryset that ``user`` may ``action`` (``view``, ``change``...)."""
        return restrict_queryset(self, user, action)

    def own(self, user):
        """A worker's own rows (the portal's read, not a staff grant): those whose
        ``owner_field``, a path through the person link to the user account (e.g.
        ``"applicant__user"``), is ``user``. A model without ``owner_field`` is refused."""
        path = getattr(self.model, "owner_field", None)
        if not path:
            raise ImproperlyConfigured(
                f"{self.model._meta.label} declares no owner_field: it has no own(user) read"
            )
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(**{path: user})


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass


def declares_scoped_manager(model) -> bool:
    """Whether ``model`` reads through a scoped manager, i.e. promises to be filtered by org."""
    manager = model._meta.default_manager
    return isinstance(manager, ScopedManager) or issubclass(
        getattr(manager, "_queryset_class", models.QuerySet), ScopedQuerySet
    )


def has_declared_scope(model) -> bool:
    """Whether ``model`` says where its org is: the tree itself, org field(s), or a
    registered partner scope (``register_partner_scope(hook, models=[...])``)."""
    return bool(
        getattr(model, "scope_is_org", False)
        or org_fields(model)
        or model._meta.label in _partner_scoped_models
    )


def undeclared_scope_message(model) -> str:
    return (
        f"{model._meta.label} has a ScopedManager but declares no scope: set "
        "scope_org_field (or scope_org_fields) to the path of its org, or register a partner "
        "scope for it. Without one restrict() would return every row."
    )


@checks.register(checks.Tags.security, checks.Tags.models)
def check_scoped_models(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """``access.E001``: every model with a scoped manager declares its scope."""
    if app_configs is None:
        candidates = apps.get_models()
    else:
        candidates = [m for config in app_configs for m in config.get_models()]
    return [
        checks.Error(
            undeclared_scope_message(model),
            hint="Scoping fails closed; see gonghui/platform/access/scoping.py.",
            obj=model,
            id="access.E001",
        )
        for model in candidates
        if not model._meta.abstract
        and declares_scoped_manager(model)
        and not has_declared_scope(model)
    ]


def restrict(model_or_qs, user, action: str = "view"):
    """Module-level spelling: ``restrict(Org, user, "view")`` or on a queryset."""
    if isinstance(model_or_qs, models.QuerySet):
        qs = model_or_qs
    else:
        qs = model_or_qs._default_manager.all()
    return restrict_queryset(qs, user, action)


def get_scoped_or_404(model_or_qs, user, action: str = "view", **lookup):
    """Fetch one object through ``restrict``; missing and out-of-scope both raise Http404."""
    from django.http import Http404

    try:
        return restrict(model_or_qs, user, action).get(**lookup)
    except (models.ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
