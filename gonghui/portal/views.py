"""Worker portal (/m/): phone + SMS code login, joining by QR, the member's home and card.

A worker's buttons on her own records - 是我本人 / 不是我 on an application made with her ID,
withdrawing her transfer request - are the ``portal`` face of the declared transitions
(members/workflows.py): offered by their ``owner`` tests, rendered by
``workflow/portal_buttons.html``, each posted to ``…/<pk>/<name>/`` and run through the same
declaration (and the same action) as on the console and the API."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gonghui.accounts.actions import member_sign_in
from gonghui.console.pickers import search_orgs
from gonghui.members import joining
from gonghui.members.actions import MEMBER_ORG_KINDS, link_member_account, request_transfer
from gonghui.members.choices import TransferInitiator, TransferState
from gonghui.members.identity import claims_on_my_record
from gonghui.members.models import JoinChannel, JoinRequest, Person, Transfer
from gonghui.members.posters import qr_svg_inline
from gonghui.members.tokens import CARD_VALID_DAYS, card_path, card_token, channel_for_token
from gonghui.members.workflows import join_request_states, transfer_states
from gonghui.orgs.choices import OrgKind
from gonghui.orgs.models import Employer, Org
from gonghui.orgs.queries import union_directory
from gonghui.platform.audit.context import current
from gonghui.platform.audit.middleware import client_ip
from gonghui.platform.audit.services import record_event
from gonghui.platform.consent.models import ConsentChannel, NoticePurpose
from gonghui.platform.consent.services import accept_notice, current_notice
from gonghui.platform.inbox.services import unread_count
from gonghui.platform.pii.masking import mask_phone
from gonghui.platform.sms.services import (
    CodeInvalid,
    RateLimited,
    send_login_code,
    verify_login_code,
)
from gonghui.platform.validators import normalize_mobile
from gonghui.platform.workflow.base import ActionError
from gonghui.platform.workflow.faces import offer_for, offers, run_posted
from gonghui.portal.consent_views import needs_portal_consent
from gonghui.portal.forms import CodeForm, JoinForm, PhoneForm, TransferForm

SESSION_PHONE = "portal_login_phone"
SESSION_DEMO_CODE = "portal_demo_code"
BACKEND = "gonghui.platform.access.backends.GrantBackend"


def member_required(view):
    """A logged-in worker who has accepted the portal's privacy notice in force (she is
    asked once at her first login, and again for a new version: consent_views.py)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated or request.user.kind != "member":
            return redirect(f"{reverse('portal:login')}?next={request.path}")
        consent_first = needs_portal_consent(request)
        if consent_first is not None:
            return redirect(consent_first)
        return view(request, *args, **kwargs)

    return wrapper


def login_phone(request):
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            sent = send_login_code(phone=phone, ip=current().ip)
        except RateLimited as exc:
            form.add_error(None, str(exc))
        else:
            request.session[SESSION_PHONE] = phone
            if settings.SMS_SHOW_CODE_ON_PAGE:
                request.session[SESSION_DEMO_CODE] = sent.code
            return redirect("portal:verify")
    return render(request, "portal/login.html", {"form": form})


def login_verify(request):
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return redirect("portal:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verify_login_code(phone=phone, code=form.cleaned_data["code"].strip())
            user = member_sign_in(actor=request.user, phone=phone)
        except CodeInvalid as exc:
            record_event(
                actor=None,
                action="auth.login_failed",
                actor_label=mask_phone(phone),
                details={"method": "sms", "phone": mask_phone(phone)},
            )
            form.add_error("code", str(exc))
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            request.session.pop(SESSION_PHONE, None)
            request.session.pop(SESSION_DEMO_CODE, None)
            request.login_method = "sms"
            login(request, user, backend=BACKEND)
            target = request.GET.get("next", "")
            if not target.startswith("/m/") or target.startswith("//"):
                target = reverse("portal:home")
            return redirect(target)
    return render(
        request,
        "portal/verify.html",
        {
            "form": form,
            "masked_phone": mask_phone(phone),
            "demo_code": request.session.get(SESSION_DEMO_CODE),
        },
    )


@require_POST
def logout_view(request):
    logout(request)
    return redirect("portal:login")


# --- joining by QR (anonymous) ------------------------------------------------------------------

SESSION_JOIN_DONE = "portal_join_done"


def _holding_pools() -> list[tuple[Org, Org | None]]:
    """Active holding pools with their district (the parent), in tree order: two queries."""
    pools = list(joining.holding_pools().order_by("path"))
    parent_paths = {p.path[: -Org.steplen] for p in pools if p.depth > 1}
    parents = {o.path: o for o in union_directory().filter(path__in=parent_paths)}
    return [(p, parents.get(p.path[: -Org.steplen])) for p in pools]


def _pool_label(pool: Org, district: Org | None) -> str:
    return district.name if district is not None else pool.name


def _join_setup(channel: JoinChannel) -> dict:
    """What the form offers for this channel: locked employers and/or the district choice."""
    org = channel.org
    pools = _holding_pools()
    if org.kind == OrgKind.HOLDING_POOL:
        district = next((d for p, d in pools if p.pk == org.pk), None)
        return {
            "pool_mode": "fixed",
            "employers": [],
            "pools": [],
            "fixed_district": _pool_label(org, district),
            "initial_pool": "",
        }
    employers = []
    if org.kind == OrgKind.GRASSROOTS:
        employers = list(Employer.objects.filter(org=org).order_by("name")[:50])
    # Preselect the pool of the district the channel's union sits in.
    initial_pool = next(
        (str(p.pk) for p, d in pools if d is not None and org.path.startswith(d.path)), ""
    )
    return {
        "pool_mode": "choose" if org.kind in MEMBER_ORG_KINDS else "required",
        "employers": employers,
        "pools": [(p.pk, _pool_label(p, d)) for p, d in pools],
        "fixed_district": "",
        "initial_pool": initial_pool,
    }


def _add_refusal(form, exc: joining.JoinRefused) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def join(request, token):
    """The page a union's QR poster opens: apply to join, verified by an SMS code.

    Sending the code and applying are ``members.joining``'s, as for the public API."""
    channel = channel_for_token(token)
    if channel is None:
        return render(request, "portal/join_invalid.html", status=404)
    setup = _join_setup(channel)
    notice = current_notice(NoticePurpose.JOIN)
    form_kwargs = {
        "employers": setup["employers"],
        "pools": setup["pools"],
        "pool_mode": setup["pool_mode"],
        "notice": notice,
    }
    context = {"channel": channel, "union": channel.org, "notice": notice, **setup}
    if request.method != "POST":
        initial = {"pool": setup["initial_pool"]}
        if len(setup["employers"]) == 1:
            initial["employer"] = str(setup["employers"][0].pk)
        form = JoinForm(initial=initial, **form_kwargs)
        return render(request, "portal/join.html", {**context, "form": form})

    form = JoinForm(request.POST, **form_kwargs)
    valid = form.is_valid()
    if request.POST.get("step") == "send_code":
        # Only the phone matters for sending a code; the rest is checked on submission.
        _send_join_code(request, channel, context)
        return render(request, "portal/join.html", {**context, "form": form})

    if valid:
        if not form.cleaned_data["code"].strip():
            form.add_error("code", _("Enter the code we sent by SMS."))
        else:
            done = _submit_join(request, form, channel)
            if done is not None:
                request.session[SESSION_JOIN_DONE] = done
                return redirect("portal:join-done")
    context["show_errors"] = True
    return render(request, "portal/join.html", {**context, "form": form})


def _send_join_code(request, channel, context) -> None:
    context["show_errors"] = False
    phone = request.POST.get("phone", "")
    try:
        sent = joining.send_join_code(channel=channel, phone=phone, ip=client_ip(request))
    except joining.JoinRefused as exc:
        context["phone_error"] = exc.message
        return
    context["code_sent_to"] = mask_phone(normalize_mobile(phone))
    if settings.SMS_SHOW_CODE_ON_PAGE:
        context["demo_code"] = sent.code


def _submit_join(request, form, channel) -> dict | None:
    """Apply through the one join action. Returns what the success page shows, or None with
    the errors added to ``form`` (a refusal leaves the SMS code unused)."""
    data = form.cleaned_data
    employer = None
    employer_name = (data.get("employer_name") or "").strip()
    if form.employers and not data.get("no_union"):
        employer = next((e for e in form.employers if str(e.pk) == data["employer"]), None)
        if employer is None:
            form.add_error("employer", _("Choose your employer."))
            return None
        employer_name = employer.name
    try:
        join_request = joining.apply_to_join(
            channel=channel,
            ip=client_ip(request),
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            sms_code=data["code"].strip(),
            employment_form=data["employment_form"],
            employer_name=employer_name,
            employer=employer,
            pool_id=int(data["pool"]) if data["goes_to_pool"] else None,
            is_migrant=bool(data.get("is_migrant")),
            extra={k: data[k] for k in ("ethnicity", "education") if data.get(k)},
        )
    except joining.JoinRefused as exc:
        _add_refusal(form, exc)
        # Said only to the holder of the phone on file (members.actions).
        form.already_member = exc.code == "already_member"
        return None
    if form.notice is not None:
        # Her consent, as given on the form she submitted (the version it showed).
        accept_notice(
            actor=None,
            notice=form.notice,
            separate=bool(data.get("sensitive_consent")),
            channel=ConsentChannel.JOIN_FORM,
            phone_index=join_request.phone_index,
            subject=f"members.joinrequest:{join_request.pk}",
        )
    # The same page whatever the records say about the ID (issue #11): even an auto-approved
    # join is told here only that the result comes by SMS, which it does at once.
    return {"org": join_request.org.name, "phone": mask_phone(join_request.phone)}


def join_done(request):
    done = request.session.get(SESSION_JOIN_DONE)
    if not done:
        return redirect("landing")
    return render(request, "portal/join_done.html", {"done": done})


# --- the member's home, card and transfers ------------------------------------------------------


def person_of(user) -> Person | None:
    """The Person behind a member account, linked by phone the first time (an action)."""
    person = Person.objects.filter(user=user).select_related("org").first()
    if person is not None or not user.phone_index:
        return person
    return link_member_account(actor=user)


def _member_context(request, person: Person | None) -> dict:
    membership = person.current_membership() if person else None
    join_filter = Q(phone_index=request.user.phone_index)
    if person is not None:
        join_filter |= Q(id_index=person.id_index)
    join_requests = JoinRequest.objects.filter(join_filter).select_related("org")
    transfers = (
        list(
            Transfer.objects.own(request.user)
            .select_related("from_org", "to_org", "membership__person")
            .order_by("-requested_at")[:10]
        )
        if person
        else []
    )
    open_transfer = next(
        (t for t in transfers if t.state in OPEN_TRANSFER_STATES),
        None,
    )
    for t in transfers:
        t.buttons = offers(t, request.user, "portal")
    claims = list(claims_on_my_record(request.user))
    for claim in claims:
        _claim_context(request, claim)
    return {
        "person": person,
        "membership": membership,
        "claims": claims,
        "join_requests": join_requests.exclude(pk__in=[c.pk for c in claims]).order_by(
            "-submitted_at"
        )[:10],
        "transfers": transfers,
        "open_transfer": open_transfer,
    }


OPEN_TRANSFER_STATES = (TransferState.PENDING_SENDER, TransferState.PENDING_RECEIVER)
TRANSFER_TARGET_KINDS = (OrgKind.GRASSROOTS, OrgKind.HOLDING_POOL)


@member_required
def home(request):
    person = person_of(request.user)
    context = _member_context(request, person)
    query = " ".join(request.GET.get("q", "").split())[:50]
    if context["membership"] is not None and query:
        # By name, short name, credit code or number, as the console's picker finds them.
        context["targets"] = list(
            search_orgs(union_directory(TRANSFER_TARGET_KINDS), query)
            .exclude(pk=context["membership"].org_id)
            .order_by("name")[:20]
        )
    return render(
        request,
        "portal/home.html",
        {
            **context,
            "query": query,
            "transfer_form": TransferForm(),
            "masked_phone": mask_phone(request.user.phone),
            "unread_messages": unread_count(request.user),
        },
    )


@member_required
@require_POST
def transfer_request(request):
    person = person_of(request.user)
    membership = person.current_membership() if person else None
    if membership is None:
        raise Http404
    form = TransferForm(request.POST)
    if form.is_valid():
        to_org = get_object_or_404(
            Org, pk=form.cleaned_data["to_org"], kind__in=TRANSFER_TARGET_KINDS
        )
        try:
            request_transfer(
                actor=request.user,
                membership=membership,
                to_org=to_org,
                initiated_by=TransferInitiator.MEMBER,
                employer_name=form.cleaned_data["employer_name"].strip(),
                reason=form.cleaned_data["reason"].strip(),
            )
        except ActionError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Your transfer request to %(org)s was sent. The union will review it.")
                % {"org": to_org.name},
            )
    else:
        messages.error(request, _("Choose the union you are moving to."))
    return redirect("portal:home")


# --- the worker's own transitions (the portal face of members/workflows.py) --------------------


def _claim_url(claim, name: str) -> str:
    return reverse("portal:join-claim-do", args=[claim.pk, name])


def _transfer_url(transfer, name: str) -> str:
    return reverse("portal:transfer-do", args=[transfer.pk, name])


join_request_states.link("portal", _claim_url)
transfer_states.link("portal", _transfer_url)


def _claim_context(request, claim) -> None:
    claim.masked_phone = mask_phone(claim.phone)
    claim.buttons = offers(claim, request.user, "portal")


def _run_own(request, obj, name: str) -> None:
    """Run the portal transition ``name`` on the worker's own ``obj``: 404 when it is not
    offered to her; its reasons, its form's errors or its ``done`` message as a message."""
    offer = offer_for(obj, request.user, name, "portal")
    if offer is None:
        raise Http404
    if not offer.enabled:
        messages.error(request, " ".join(offer.reasons))
        return
    _result, form = run_posted(request, obj, name, "portal")
    if form.errors:
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, " ".join(errors))
    else:
        messages.success(request, str(offer.transition.done or offer.label))


@member_required
@require_POST
def transfer_do(request, pk, name):
    """The member's own transfer request: withdraw it (``cancel``)."""
    transfer = get_object_or_404(
        Transfer.objects.own(request.user).select_related(
            "membership__person", "from_org", "to_org"
        ),
        pk=pk,
    )
    _run_own(request, transfer, name)
    return redirect("portal:home")


@member_required
@require_GET
def join_claim(request, pk):
    """An application made with her ID number and another phone, for the person on file to
    answer: 是我本人 / 不是我."""
    claim = get_object_or_404(claims_on_my_record(request.user), pk=pk)
    _claim_context(request, claim)
    return render(request, "portal/join_claim.html", {"claim": claim})


@member_required
@require_POST
def join_claim_do(request, pk, name):
    """The person on file answers the claim (``confirm_claim`` or ``disown_claim``)."""
    claim = get_object_or_404(claims_on_my_record(request.user), pk=pk)
    _run_own(request, claim, name)
    return redirect("portal:home")


@member_required
def card(request):
    """The e-membership card; its QR is signed afresh on every visit (valid 30 days)."""
    person = person_of(request.user)
    membership = person.current_membership() if person else None
    context = {"person": person, "membership": membership}
    if membership is not None:
        token = card_token(membership)
        # The QR holds the card's short URL: a staff phone's camera opens the verification,
        # a scanner gun types it into /console/verify/.
        url = request.build_absolute_uri(card_path(token))
        context.update(
            token=token,
            # segno renders the SVG and escapes the title; the signed token is our own.
            qr_svg=mark_safe(  # noqa: S308 # nosec B308 B703
                qr_svg_inline(url, scale=4, title=_("Membership card code"))
            ),
            valid_days=CARD_VALID_DAYS,
        )
    response = render(request, "portal/card.html", context)
    response["Cache-Control"] = "no-store"
    return response
