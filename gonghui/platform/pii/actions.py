"""Revealing a masked value: its own permission, a stated purpose, an audit event."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gonghui.platform.pii import registry
from gonghui.platform.workflow.base import ActionError, action

REVEAL_PERMISSIONS = {
    "phone": "pii.reveal_phone",
    "id_number": "pii.reveal_id_number",
    "bank_card": "pii.reveal_bank_card",
}
SENSITIVE_REVEAL = "pii.reveal_sensitive"


def reveal_permission(category: str, sensitivity: str) -> str:
    """A category with its own reveal permission keeps it also when sensitive (a bank account
    is sensitive under PIPL, and only the finance officer who pays may reveal it); other
    sensitive fields need ``pii.reveal_sensitive``."""
    if category in REVEAL_PERMISSIONS:
        return REVEAL_PERMISSIONS[category]
    if sensitivity == "sensitive":
        return SENSITIVE_REVEAL
    return f"pii.reveal_{category}"


@action("pii.reveal", permission=None)
def reveal(ctx, *, obj, field: str, purpose: str) -> str:
    """Return the full value of ``obj.field`` for a stated purpose, and log that it was seen.

    The object must be inside the actor's scope for the field's reveal permission; outside
    it the object "does not exist" (404), inside it without the permission is 403.
    """
    from django.core.exceptions import PermissionDenied

    entry = registry.lookup(type(obj), field)
    if entry is None:
        raise ActionError(_("This field cannot be revealed."), code="not_pi")
    purpose = (purpose or "").strip()
    if len(purpose) < 2:
        raise ActionError(_("State why you need to see the full value."), code="purpose_required")
    obj = ctx.require(obj, "view")
    perm = reveal_permission(entry.category, entry.sensitivity)
    if not ctx.has(perm):
        raise PermissionDenied(_("You may not see full values of this kind."))
    obj = ctx.require(obj, perm)
    ctx.primary = obj
    ctx.details.update({"field": field, "category": entry.category, "purpose": purpose[:200]})
    return getattr(obj, field)
