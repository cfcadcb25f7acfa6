"""Console pages of hardship assistance outside the model admins: the work queues and the
download of a supporting document.

Routed in config/urls.py before ``console_site.urls`` and wrapped with
``console_site.admin_view``, so only console users reach them.
"""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.http import FileResponse, Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.assistance import queries, todos
from gonghui.assistance.admin_cases import _render, case_url
from gonghui.assistance.choices import ApplicationState, ObjectionDecision
from gonghui.assistance.models import AidItem, Application, Attachment
from gonghui.platform.access.scoping import get_scoped_or_404
from gonghui.platform.audit.services import record_event
from gonghui.platform.pii.files import open_for_download
from gonghui.platform.pii.masking import mask_name

QUEUE_ROWS = 50

# (queue name in queries.QUEUES or "unpaid", title)
QUEUE_TITLES = [
    ("first_review", _("Awaiting my first review")),
    ("home_visit", _("Awaiting home visit")),
    ("verification", _("Awaiting verification")),
    ("publicity", _("In publicity")),
    ("approval", _("Awaiting approval")),
    ("returned", _("Returned for correction")),
    ("unpaid", _("Approved, unpaid")),
]
UNPAID_PERMISSION = "assistance.pay_aiditem"


def _queue_permission(name: str) -> str:
    return UNPAID_PERMISSION if name == "unpaid" else queries.QUEUES[name][0]


def _application_row(app, today) -> dict:
    since = getattr(app, "since", None)
    return {
        "url": case_url(app),
        "number": app.number,
        "name": mask_name(app.applicant.name),
        "org": app.org.name,
        "date": app.submitted_at,
        "amount": getattr(app, "requested_total", None),
        "publicity_end": app.publicity_end,
        # How long the case has waited at its step (working days), and the step's due day
        # where a deadline rule sets one (the publicity's last working day).
        "waiting": todos.waiting_days(since, today),
        "due": app.publicity_end if app.state == ApplicationState.PUBLICITY else None,
        # Publicity has run its working days: the case waits for 结束公示 (end_publicity).
        "publicity_over": bool(app.publicity_end and timezone.localdate() > app.publicity_end),
        "objections": getattr(app, "objection_count", None),
        "open_objections": getattr(app, "open_objection_count", None),
    }


def _item_row(item, today) -> dict:
    app = item.application
    return {
        "waiting": todos.waiting_days(app.approved_at, today),
        "url": case_url(app),
        "number": app.number,
        "name": mask_name(app.applicant.name),
        "org": app.org.name,
        "date": app.approved_at,
        "aid": item.get_aid_type_display(),
        "amount": item.amount_approved,
    }


def queues_view(request):
    """The user's work queues: one section per step the user may act on."""
    user = request.user
    today = timezone.localdate()
    sections = []
    for name, title in QUEUE_TITLES:
        if not user.has_perm(_queue_permission(name)):
            continue
        qs = queries.queue(user, name)
        if name == "unpaid":
            count = qs.count()
            rows = [
                _item_row(i, today)
                for i in qs.order_by("application__approved_at", "pk")[:QUEUE_ROWS]
            ]
        else:
            qs = qs.annotate(
                requested_total=Subquery(
                    AidItem.objects.filter(application=OuterRef("pk"))
                    .order_by()
                    .values("application")
                    .annotate(total=Sum("amount_requested"))
                    .values("total")
                ),
                objection_count=Count("objections", distinct=True),
                open_objection_count=Count(
                    "objections",
                    filter=Q(objections__decision=ObjectionDecision.PENDING),
                    distinct=True,
                ),
            )
            # Most urgent first: the publicity that ends first, else the longest waiting.
            urgency = ["since", "pk"]
            if name == "publicity":
                urgency = ["publicity_end", *urgency]
            qs = qs.annotate(since=todos.in_step_since()).order_by(*urgency)
            count = qs.count()
            rows = [_application_row(a, today) for a in qs[:QUEUE_ROWS]]
        link = None
        if name == "unpaid":
            try:
                link = reverse("console:assistance_aiditem_changelist")
            except NoReverseMatch:
                link = None
        sections.append(
            {
                "name": name,
                "title": title,
                "count": count,
                "rows": rows,
                "more": count > len(rows),
                "link": link,
                "is_items": name == "unpaid",
                "is_publicity": name == "publicity",
            }
        )
    return _render(
        request,
        "assistance/console/cases_queues.html",
        {"sections": sections, "home_url": f"{reverse('console:index')}?home=1"},
        title=_("Work queues"),
        opts=Application._meta,
    )


# Supporting documents hold health and household details: the user needs the sensitive-data
# permission on the file (no role holds a separate attachment permission).
ATTACHMENT_PERMISSION = queries.SENSITIVE


def attachment_download(request, public_id):
    """Stream one attachment to a user whose scope covers its file; 404 for anyone else."""
    attachment = get_scoped_or_404(
        Attachment.objects.select_related("file__org"),
        request.user,
        ATTACHMENT_PERMISSION,
        public_id=public_id,
    )
    file = attachment.file
    if not queries.visible_files(request.user).filter(pk=file.pk).exists():
        raise Http404
    handle = open_for_download(attachment.content)  # sealed at rest: decrypted as it streams
    record_event(
        actor=request.user,
        action="assistance.download_attachment",
        obj=attachment,
        org=file.org,
        details={"kind": attachment.kind, "file": file.number},
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name or "document",
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
