"""Console sidebar: grouped by the five scenarios and the cockpit; a group shows only when the
user may open at least one of its pages, and appears at all only once it has pages."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# (group title, [(item title, icon, url name, permission)]). Later issues add their pages.
GROUPS = [
    (
        _("Deadlines"),
        [
            (
                _("Due, overdue and escalated"),
                "alarm",
                "console:calendar_deadlineevent_changelist",
                "calendar.view_deadlineevent",
            ),
        ],
    ),
    (
        _("Organisation management 一网管"),
        [
            (_("Organisation tree"), "account_tree", "console:orgs_org_tree", "orgs.view_org"),
            (_("Organisations"), "corporate_fare", "console:orgs_org_changelist", "orgs.view_org"),
            (_("Employers"), "factory", "console:orgs_employer_changelist", "orgs.view_employer"),
            (
                _("Members"),
                "badge",
                "console:members_membership_changelist",
                "members.view_membership",
            ),
            (
                _("People"),
                "person_search",
                "console:members_person_changelist",
                "members.view_person",
            ),
            (
                _("Join applications"),
                "how_to_reg",
                "console:members_joinrequest_changelist",
                "members.view_joinrequest",
            ),
            (
                _("Transfers"),
                "swap_horiz",
                "console:members_transfer_changelist",
                "members.view_transfer",
            ),
            (
                _("Correction requests"),
                "edit_note",
                "console:consent_correctionrequest_changelist",
                "consent.view_correctionrequest",
            ),
            (
                _("QR join channels"),
                "qr_code_2",
                "console:members_joinchannel_changelist",
                "members.view_joinchannel",
            ),
            (
                _("Verify a membership card"),
                "verified",
                "console-verify",
                "members.view_membership",
            ),
            (
                _("Roster imports"),
                "upload_file",
                "console:imports_importjob_changelist",
                "members.import_roster",
            ),
            (
                _("Export requests"),
                "download",
                "console:imports_exportrequest_changelist",
                "members.export_membership",
            ),
            (
                _("Union founding"),
                "add_business",
                "console:orgs_foundingapplication_changelist",
                "orgs.view_foundingapplication",
            ),
            (
                _("Committee terms"),
                "event_repeat",
                "console:orgs_term_changelist",
                "orgs.view_term",
            ),
            (
                _("Officials"),
                "person_pin",
                "console:orgs_official_changelist",
                "orgs.view_official",
            ),
            (_("Teams"), "groups", "console:orgs_teammember_changelist", "orgs.view_teammember"),
            (
                _("Duty lists"),
                "checklist",
                "console:orgs_dutylist_changelist",
                "orgs.view_dutylist",
            ),
            (
                _("Responsibility letters"),
                "draw",
                "console:orgs_dutyletter_changelist",
                "orgs.view_dutyletter",
            ),
        ],
    ),
    (_("Member services 一站享"), []),
    (_("Skills and achievement 一链培"), []),
    (
        _("Hardship assistance 一件事"),
        [
            (
                _("Work queues"),
                "inbox",
                "console-assistance-queues",
                "assistance.view_application",
            ),
            (
                _("Aid applications"),
                "assignment",
                "console:assistance_application_changelist",
                "assistance.view_application",
            ),
            (
                _("Hardship files"),
                "folder_shared",
                "console:assistance_hardshipfile_changelist",
                "assistance.view_hardshipfile",
            ),
            (
                _("Budgets"),
                "account_balance_wallet",
                "console:assistance_budget_changelist",
                "assistance.view_budget",
            ),
            (
                _("Payment batches"),
                "payments",
                "console:assistance_paymentbatch_changelist",
                "assistance.view_paymentbatch",
            ),
            (
                _("Unpaid items"),
                "pending_actions",
                "console:assistance_aiditem_changelist",
                "assistance.pay_aiditem",
            ),
            (
                _("Annual reviews"),
                "fact_check",
                "console:assistance_annualreview_changelist",
                "assistance.view_annualreview",
            ),
            (
                _("Campaigns"),
                "volunteer_activism",
                "console:assistance_campaign_changelist",
                "assistance.view_campaign",
            ),
            (
                _("Condolence visits"),
                "diversity_3",
                "console:assistance_visit_changelist",
                "assistance.view_visit",
            ),
        ],
    ),
    (
        _("Rights protection 一键通"),
        [
            (
                _("12351 tickets"),
                "support_agent",
                "console:rights_ticket_changelist",
                "rights.view_ticket",
            ),
            (
                _("Monthly bulletin"),
                "summarize",
                "console:rights_ticket_bulletin",
                "rights.view_ticket",
            ),
            (
                _("Legal consultations"),
                "forum",
                "console:consult_consultation_changelist",
                "consult.view_consultation",
            ),
            (
                _("Consultations to answer"),
                "forum",
                "console:consult_consultation_changelist",
                "consult.answer_as_lawyer",
            ),
            (
                _("Take a call"),
                "call",
                "console:rights_ticket_add",
                "rights.add_ticket",
            ),
            (
                _("Ticket categories"),
                "category",
                "console:rights_ticketcategory_changelist",
                "rights.view_ticketcategory",
            ),
            (
                _("Knowledge base"),
                "menu_book",
                "console:rights_knowledgeanswer_changelist",
                "rights.view_knowledgeanswer",
            ),
            (
                _("Ticket deadlines"),
                "timer",
                "console:rights_ticketdeadline_changelist",
                "rights.view_ticketdeadline",
            ),
            (
                _("Mediation cases"),
                "balance",
                "console:mediation_mediationcase_changelist",
                "mediation.view_mediationcase",
            ),
            (
                _("Referrals"),
                "move_to_inbox",
                "console:mediation_referral_changelist",
                "mediation.view_referral",
            ),
            (
                _("Legal aid"),
                "gavel",
                "console:legalaid_aidapplication_changelist",
                "legalaid.view_aidapplication",
            ),
            (
                _("Partner agencies"),
                "handshake",
                "console:rights_partneragency_changelist",
                "rights.view_partneragency",
            ),
        ],
    ),
    (_("Cockpit 驾驶舱"), []),
    (
        # "System" alone is also unfold's theme choice (follow the system): 跟随系统.
        pgettext_lazy("navigation", "System"),
        [
            (_("Users"), "person", "console:accounts_user_changelist", "accounts.view_user"),
            (
                _("Role grants"),
                "admin_panel_settings",
                "console:access_rolegrant_changelist",
                "access.view_rolegrant",
            ),
            (_("API tokens"), "key", "console:access_apitoken_changelist", "access.view_apitoken"),
            (
                _("Login lockouts"),
                "lock_clock",
                "console:accounts_user_lockouts",
                "accounts.unlock_user",
            ),
            (
                _("Audit log"),
                "policy",
                "console:audit_auditevent_changelist",
                "audit.view_auditevent",
            ),
            (
                _("Holiday calendar"),
                "calendar_month",
                "console:calendar_calendaryear_changelist",
                "calendar.view_calendaryear",
            ),
        ],
    ),
]


def _is_active(path: str, link: str, items) -> bool:
    if not path.startswith(link):
        return False
    # a longer link of another item that also matches wins
    for _title, _icon, url_name, _perm in items:
        try:
            other = reverse(url_name)
        except NoReverseMatch:
            continue
        if len(other) > len(link) and path.startswith(other):
            return False
    return True


def sidebar(request):
    user = request.user
    groups = []
    for title, items in GROUPS:
        visible = []
        for item_title, icon, url_name, perm in items:
            if not user.has_perm(perm):
                continue
            try:
                link = reverse(url_name)
            except NoReverseMatch:
                continue
            entry = {"title": item_title, "icon": icon, "link": link}
            # Unfold marks a link active by prefix; the changelist would light up on every
            # page below it (tree, export). Only an exact section match counts.
            entry["active"] = _is_active(request.path, link, items)
            visible.append(entry)
        if visible:
            groups.append({"title": title, "separator": True, "items": visible})
    return groups


def environment(request):
    from django.conf import settings

    if settings.DEMO_MODE:
        return [_("Demo"), "warning"]
    return None


def styles(request):
    from django.templatetags.static import static

    return static("console/console.css")


def accessibility_script(request):
    """Keyboard access and names for unfold's icon controls (issue #14; see the script)."""
    from django.templatetags.static import static

    return static("console/a11y.js")
