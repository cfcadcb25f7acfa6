"""Readable names for permission names (``members.view_membership`` → "查看: 会员"), for pages
where a user picks permissions, such as their own API tokens."""

from __future__ import annotations

from django.apps import apps
from django.utils.translation import gettext_lazy as _

_VERBS = {
    "view": _("View"),
    "add": _("Create"),
    "change": _("Change"),
    "delete": _("Delete"),
}

# Permissions that are not one of the four model verbs.
_NAMED = {
    "assistance.approve_application": _("Approve aid applications"),
    "assistance.export_paymentbatch": _("Export payment batches (bank files)"),
    "assistance.first_review_application": _("First review of aid applications"),
    "assistance.import_visit": _("Import condolence visits"),
    "assistance.pay_aiditem": _("Record payments of aid items"),
    "assistance.publicise_application": _("Publicise aid applications"),
    "assistance.review_hardshipfile": _("Review hardship files"),
    "assistance.verify_application": _("Verify aid applications"),
    "assistance.view_sensitive": _("See sensitive assistance details (health, family)"),
    "assistance.visit_application": _("Record home visits of aid applications"),
    "members.approve_export": _("Approve member exports"),
    "members.approve_joinrequest": _("Approve join applications"),
    "members.approve_transfer": _("Approve transfers"),
    "members.export_membership": _("Export members"),
    "members.import_roster": _("Import rosters"),
    "orgs.approve_foundingapplication": _("Approve union founding applications"),
    "orgs.export_org": _("Export organisations"),
    "pii.reveal_bank_card": _("Reveal full bank card numbers"),
    "pii.reveal_id_number": _("Reveal full ID numbers"),
    "pii.reveal_phone": _("Reveal full phone numbers"),
    "rights.dispatch_ticket": _("Dispatch hotline tickets"),
    "rights.handle_ticket": _("Sign for, handle and resolve hotline tickets"),
    "rights.approve_ticket": _("Decide extensions of hotline tickets"),
    "rights.visit_ticket": _("Visit back, check and close hotline tickets"),
}


def permission_label(name: str) -> str:
    """A translated label; the permission name itself when nothing better is known."""
    if name in _NAMED:
        return str(_NAMED[name])
    app_label, _dot, codename = name.partition(".")
    verb, _sep, model_name = codename.partition("_")
    if verb in _VERBS and model_name:
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            return name
        return _("%(verb)s: %(model)s") % {
            "verb": _VERBS[verb],
            "model": model._meta.verbose_name,
        }
    return name


def permission_choices(names) -> list[tuple[str, str]]:
    """(name, label) pairs sorted by label, for a checkbox list."""
    return sorted(((n, permission_label(n)) for n in names), key=lambda c: (c[1], c[0]))
