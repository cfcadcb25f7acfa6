"""Org tree and employer endpoints, scoped like every read.

An org's status moves by its declared transitions (:data:`gonghui.orgs.actions.org_status`):
one ``POST /orgs/{org_id}/{name}`` per transition with its own body schema, and every org
detail says ``allowed_transitions`` (name, label, enabled, reasons) for the caller."""

from datetime import date

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from gonghui.orgs import actions, queries
from gonghui.orgs.actions import org_status
from gonghui.orgs.choices import IndustrySection, OrgKind, OrgStatus, Ownership
from gonghui.orgs.models import Employer, Org
from gonghui.platform.access.scoping import get_scoped_or_404
from gonghui.platform.api.pagination import LimitOffsetPagination
from gonghui.platform.api.schemas import PatchSchema
from gonghui.platform.pii.masking import mask_phone
from gonghui.platform.workflow.schemas import AllowedTransition
from gonghui.platform.workflow.transitions import add_transition_routes

router = Router(tags=["orgs"])
employers = Router(tags=["employers"])


class OrgOut(Schema):
    id: int
    name: str
    short_name: str
    kind: OrgKind
    region_code: str
    status: OrgStatus
    depth: int
    parent_id: int | None
    children: int = Field(description="Visible direct children")


class OrgDetail(OrgOut):
    uscc: str
    address: str
    contact_name: str
    contact_phone: str = Field(description="Masked (138****5678)")
    founded_on: date | None
    members: int
    ancestors: list[str]
    allowed_transitions: list[AllowedTransition] = Field(
        description="The status changes you may make now, and why a disabled one cannot run"
    )


class OrgFilter(Schema):
    q: str | None = Field(None, max_length=50, description="Name contains")
    kind: OrgKind | None = None
    status: OrgStatus | None = None
    parent: int | None = Field(None, description="Only direct children of this org")


class OrgIn(Schema):
    parent_id: int
    kind: OrgKind
    name: str = Field(..., min_length=1, max_length=200)
    short_name: str = Field("", max_length=60)
    uscc: str = Field("", max_length=18)
    uscc_confirmed: bool = False
    region_code: str = Field("", max_length=6)
    address: str = Field("", max_length=255)
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20)
    founded_on: date | None = None


class OrgPatch(PatchSchema):
    """Only the fields sent change; none may be null but ``founded_on`` ("" empties text)."""

    name: str = Field(None, min_length=1, max_length=200)
    short_name: str = Field(None, max_length=60)
    uscc: str = Field(None, max_length=18)
    uscc_confirmed: bool = False
    region_code: str = Field(None, max_length=6)
    address: str = Field(None, max_length=255)
    contact_name: str = Field(None, max_length=50)
    contact_phone: str = Field(None, max_length=20)
    founded_on: date | None = None


def _parent_ids(orgs: list[Org], user) -> dict[int, int | None]:
    # A parent outside the user's scope is not shown (None), like every other read.
    paths = {o.path[: -Org.steplen] for o in orgs if o.depth > 1}
    by_path = dict(queries.visible_orgs(user).filter(path__in=paths).values_list("path", "pk"))
    return {o.pk: by_path.get(o.path[: -Org.steplen]) for o in orgs}


def _out(orgs: list[Org], user) -> list[dict]:
    parents = _parent_ids(orgs, user)
    children = queries.child_counts(user, orgs)
    return [
        {
            "id": o.pk,
            "name": o.name,
            "short_name": o.short_name,
            "kind": o.kind,
            "region_code": o.region_code,
            "status": o.status,
            "depth": o.depth,
            "parent_id": parents[o.pk],
            "children": children.get(o.pk, 0),
        }
        for o in orgs
    ]


def _detail(org: Org, user) -> dict:
    data = _out([org], user)[0]
    data.update(
        {
            "uscc": org.uscc,
            "address": org.address,
            "contact_name": org.contact_name,
            "contact_phone": mask_phone(org.contact_phone) if org.contact_phone else "",
            "founded_on": org.founded_on,
            "members": queries.member_counts([org])[org.pk],
            "ancestors": queries.ancestors_names(org, user),
            "allowed_transitions": org_status.describe(org, user, "api"),
        }
    )
    return data


@router.get("", response=list[OrgOut], summary="List organisations in your scope")
@paginate(LimitOffsetPagination)
def list_orgs(request, filters: Query[OrgFilter]):
    qs = queries.visible_orgs(request.user)
    if filters.q:
        qs = qs.filter(name__icontains=filters.q)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.parent is not None:
        parent = get_scoped_or_404(Org, request.user, "view", pk=filters.parent)
        qs = qs.filter(path__startswith=parent.path, depth=parent.depth + 1)
    return _LazyOrgs(qs, request.user)


class _LazyOrgs:
    """Lets the paginator slice the queryset first, then builds rows for one page only."""

    def __init__(self, qs, user):
        self.qs, self.user = qs, user

    def count(self):
        return self.qs.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        return _out(list(self.qs[item]), self.user)


@router.get("/tree", response=list[OrgOut], summary="Top of your tree, or children of an org")
def tree(request, parent: int | None = None):
    if parent is None:
        nodes = list(queries.tree_roots(request.user))
    else:
        org = get_scoped_or_404(Org, request.user, "view", pk=parent)
        nodes = list(queries.children_of(request.user, org)[:1000])
    return _out(nodes, request.user)


@router.get("/{int:org_id}", response=OrgDetail, summary="One organisation")
def get_org(request, org_id: int):
    return _detail(_load_org(request, org_id), request.user)


@router.post("", response={201: OrgDetail}, summary="Create an organisation")
def create_org(request, payload: OrgIn):
    parent = get_scoped_or_404(Org, request.user, "view", pk=payload.parent_id)
    data = payload.dict()
    for key in ("parent_id", "kind", "name", "uscc_confirmed"):
        data.pop(key)
    org = actions.create_org(
        actor=request.user,
        parent=parent,
        kind=payload.kind,
        name=payload.name,
        uscc_confirmed=payload.uscc_confirmed,
        **data,
    )
    return Status(201, _detail(org, request.user))


@router.patch("/{int:org_id}", response=OrgDetail, summary="Change an organisation")
def update_org(request, org_id: int, payload: OrgPatch):
    org = get_scoped_or_404(Org, request.user, "view", pk=org_id)
    changes = payload.dict(exclude_unset=True)
    confirmed = changes.pop("uscc_confirmed", False)
    if not changes:
        return _detail(org, request.user)
    org = actions.update_org(actor=request.user, org=org, uscc_confirmed=confirmed, **changes)
    return _detail(org, request.user)


def _load_org(request, org_id: int) -> Org:
    return get_scoped_or_404(Org, request.user, "view", pk=org_id)


# POST /orgs/{org_id}/dissolve, /mark_merged, /reactivate: each with its own body.
add_transition_routes(
    router,
    org_status,
    id_param="org_id",
    load=_load_org,
    respond=lambda request, org: _detail(org, request.user),
    response={200: OrgDetail},
)


class EmployerOut(Schema):
    id: int
    name: str
    uscc: str
    industry_section: IndustrySection
    ownership: Ownership
    headcount: int
    region_code: str
    org_id: int
    org_name: str
    has_union: bool


def _employer(e: Employer) -> dict:
    return {
        "id": e.pk,
        "name": e.name,
        "uscc": e.uscc,
        "industry_section": e.industry_section,
        "ownership": e.ownership,
        "headcount": e.headcount,
        "region_code": e.region_code,
        "org_id": e.org_id,
        "org_name": e.org.name,
        "has_union": e.org.kind == OrgKind.GRASSROOTS,
    }


@employers.get("", response=list[EmployerOut], summary="Employers in your scope")
@paginate(LimitOffsetPagination)
def list_employers(request, q: str | None = Query(None, max_length=50)):
    qs = queries.visible_employers(request.user)
    if q:
        qs = qs.filter(name__icontains=q)
    return _LazyEmployers(qs)


class _LazyEmployers(_LazyOrgs):
    def __init__(self, qs):
        self.qs = qs

    def __getitem__(self, item):
        return [_employer(e) for e in self.qs[item]]


@employers.get("/{int:employer_id}", response=EmployerOut, summary="One employer")
def get_employer(request, employer_id: int):
    employer = get_scoped_or_404(
        queries.visible_employers(request.user), request.user, "view", pk=employer_id
    )
    if employer is None:
        raise Http404
    return _employer(employer)
