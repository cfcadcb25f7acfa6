"""Base classes for console pages: every read goes through ``restrict``, every write through
an action, out-of-scope objects answer 404, and history shows the audit log."""

from __future__ import annotations

import re

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.forms import CheckboxInput
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from gonghui.platform.access.scoping import restrict
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.workflow.base import OutOfScope

# One class per list cell instead of unfold's 26 utilities (static/console/lists.css says what
# they do): a 100-row list was 550 KB of repeated class names.
LIST_CELL_CLASSES = ["gh-cell"]
LIST_CHECKBOX_CELL_CLASSES = ["action-checkbox", "gh-check"]
LIST_LINK_CLASSES = ["gh-link"]


# A row's selection box with one class (lists.css draws it as unfold does) instead of 30.
ROW_CHECKBOX = CheckboxInput(
    {"class": "gh-box action-select", "aria-label": _("Select record")}, lambda value: False
)


def tune_unfold_lists() -> None:
    """Make unfold's changelist rows lighter and quicker (called once, from the console's
    ``AppConfig.ready``). unfold reads its module-level class lists and ``result_headers`` each
    time it renders a row, so replacing them changes every list and nothing else:

    * one class per cell, checkbox cell and record link instead of unfold's utilities
      (static/console/lists.css draws them the same);
    * the column headers worked out once per list instead of once per row (unfold builds every
      header again for each row to label its cells: 900 times for 100 rows of 9 columns, a
      third of the list's time)."""
    from unfold.templatetags import unfold_list

    unfold_list.ROW_CLASSES = list(LIST_CELL_CLASSES)
    unfold_list.CHECKBOX_CLASSES = list(LIST_CHECKBOX_CELL_CLASSES)
    unfold_list.LINK_CLASSES = list(LIST_LINK_CLASSES)
    if not getattr(unfold_list.result_headers, "once_per_list", False):
        unfold_list.result_headers = _headers_once_per_list(unfold_list.result_headers)


def _headers_once_per_list(result_headers):
    def headers(cl):
        cached = getattr(cl, "_console_headers", None)
        if cached is None:
            cached = cl._console_headers = list(result_headers(cl))
        return iter(cached)

    headers.once_per_list = True
    return headers


# Whitespace-only runs between tags (the templates' indentation: 20-30 KB of a list page).
_BETWEEN_TAGS = re.compile(rb">(\s+)<")
_INDENT = re.compile(rb"\n[ \t]+")
# Where whitespace is content: pre-formatted text, a text area's value, pre-wrap utilities.
_WHITESPACE_MATTERS = re.compile(rb"<pre[\s>]|<textarea[\s>]|whitespace-pre|white-space:\s*pre")


def compact_whitespace(response):
    """Drop the templates' indentation from an HTML page: a whitespace-only run between two
    tags becomes one newline (or one space), and a line's leading spaces go. The browser
    collapses both to the same single space, so the page renders the same; a page with
    pre-formatted text or a text area is left as it is."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return response
    content = response.content
    if _WHITESPACE_MATTERS.search(content):
        return response
    content = _BETWEEN_TAGS.sub(lambda m: b">\n<" if b"\n" in m.group(1) else b"> <", content)
    response.content = _INDENT.sub(b"\n", content)
    return response


def grouped_column(model_admin, name: str):
    """The list column ``name`` (a model field or an admin method) showing its number with
    thousands separators: 12,345 people, 3,500.00 yuan (a Decimal keeps its places). The
    project leaves USE_THOUSAND_SEPARATOR off: it would group every number a template prints,
    years (2,026) and ids in links among them."""
    try:
        field = model_admin.model._meta.get_field(name)
    except FieldDoesNotExist:
        method = getattr(model_admin, name)
        label = getattr(method, "short_description", name)
        ordering = getattr(method, "admin_order_field", None)
        read = method
    else:
        label, ordering = field.verbose_name, name

        def read(obj):
            return getattr(obj, name)

    def column(obj):
        value = read(obj)
        if value is None or value == "":
            return model_admin.get_empty_value_display()
        return number_format(value, force_grouping=True)

    column.__name__ = name  # the cell keeps its class, field-<name>
    column.short_description = label
    column.admin_order_field = ordering
    return column


def is_scoped(model) -> bool:
    from gonghui.platform.access.scoping import org_fields

    return bool(getattr(model, "scope_is_org", False) or org_fields(model))


class ActionForm:
    """Mixin for console ModelForms whose save runs an action.

    ``run_action()`` is called from ``clean()`` so that a refused guard becomes a form error
    on the same page; the admin's change view is atomic, so nothing survives a later error.
    """

    request = None
    action_result = None

    def run_action(self):  # pragma: no cover - each form implements it
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.action_result = self.run_action()
        except OutOfScope as exc:
            raise ValidationError(_("You cannot place the record there.")) from exc
        except PermissionDenied as exc:
            raise ValidationError(_("You do not have permission to do this.")) from exc
        return cleaned

    def _post_clean(self):
        # The action validated and saved; model validation here would re-check a row that
        # now exists (and report it as its own duplicate).
        return None

    def save(self, commit=True):
        return self.action_result

    def save_m2m(self):
        return None


class ScopedModelAdmin(ModelAdmin):
    """Console base for every model. Subclasses set ``form`` to an :class:`ActionForm`."""

    actions = None
    history_template = "console/history.html"
    # List columns holding counts or amounts: shown grouped, 12,345 (see grouped_column).
    grouped_numbers: tuple[str, ...] = ()

    def get_list_display(self, request):
        names = super().get_list_display(request)
        if not self.grouped_numbers:
            return names
        return [
            grouped_column(self, name) if name in self.grouped_numbers else name for name in names
        ]

    def action_checkbox(self, obj):
        return ROW_CHECKBOX.render(ACTION_CHECKBOX_NAME, str(obj.pk))

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if hasattr(response, "add_post_render_callback"):
            response.add_post_render_callback(compact_whitespace)
        return response

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_scoped(self.model):
            return restrict(qs, request.user, "view")
        return qs if self.has_view_permission(request) else qs.none()

    def get_object(self, request, object_id, from_field=None):
        # Django's admin redirects with "doesn't exist" for a missing object; scope policy
        # says an object outside your subtree does not exist: answer 404.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is not None and is_scoped(self.model):
            return restrict(type(obj), request.user, "change").filter(pk=obj.pk).exists()
        return True

    def has_delete_permission(self, request, obj=None):
        return False  # records are closed through actions, never deleted from the console

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if is_scoped(related) and "queryset" not in kwargs:
            kwargs["queryset"] = restrict(related, request.user, "view")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)

        class RequestForm(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                self.request = request
                # Forms whose choices depend on the user (scoped querysets) set them here.
                if hasattr(self, "bind_request"):
                    self.bind_request(request)

        RequestForm.__name__ = form_class.__name__
        return RequestForm

    def save_form(self, request, form, change):
        return form.save(commit=False)

    def save_model(self, request, obj, form, change):
        # The action already saved in form.clean(); a plain save here would bypass it.
        return None

    def save_related(self, request, form, formsets, change):
        return None

    def log_addition(self, request, obj, message):
        return None  # the action wrote an audit event

    def log_change(self, request, obj, message):
        return None

    def log_deletion(self, request, obj, object_repr):
        return None

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        if getattr(request.user, "kind", None) == "partner":
            # The history names the union's staff and everything they did; a court or law
            # firm reads the case it was referred or assigned, not the union's audit trail.
            raise PermissionDenied
        events = AuditEvent.objects.filter(
            object_type=self.model._meta.label_lower, object_id=str(obj.pk)
        ).order_by("-id")[:200]
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %s") % obj,
            "subtitle": None,
            "events": events,
            "module_name": str(self.opts.verbose_name_plural),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.history_template, context)
