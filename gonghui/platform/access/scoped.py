"""The abstract base of new scoped models."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.scoping import ScopedManager


class ScopedModel(models.Model):
    """Base for a new scoped model: timestamps and the scoped manager.

    A subclass says where its org is with ``scope_org_field`` (or ``scope_org_fields``);
    without one the system check ``access.E001`` fails and ``restrict`` refuses to read it.
    Existing models keep their own fields (moving them here would change their tables)."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        abstract = True
