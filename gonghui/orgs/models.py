"""The organisation tree (one tree from the city federation down to grassroots unions) and
the employers that grassroots unions cover."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from gonghui.orgs.choices import IndustrySection, OrgKind, OrgStatus, Ownership
from gonghui.platform.access.scoping import ScopedManager, ScopedQuerySet, restrict_queryset
from gonghui.platform.pii.fields import EncryptedTextField


class OrgQuerySet(MP_NodeQuerySet):
    def restrict(self, user, action: str = "view"):
        """Orgs ``user`` may ``action``: the subtrees (or single orgs) of their grants."""
        return restrict_queryset(self, user, action)


class OrgManager(MP_NodeManager):
    def get_queryset(self):
        return OrgQuerySet(self.model).order_by("path")

    def restrict(self, user, action: str = "view"):
        return self.get_queryset().restrict(user, action)


class Org(MP_Node):
    """A union organisation at any level: 市总工会, 区县总工会, 产业工会, 联合会, 镇街工会,
    基层工会, or a district's holding pool (周转库) for workers not yet placed.

    The materialised path (treebeard ``MP_Node``) makes "this org and everything below it" a
    single indexed prefix match; access scoping is built on it.
    """

    scope_is_org = True
    node_order_by = None

    kind = models.CharField(_("kind"), max_length=32, choices=OrgKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        help_text=_("The union's own 统一社会信用代码, where it has one."),
    )
    region_code = models.CharField(
        _("region code (GB/T 2260)"), max_length=6, blank=True, db_index=True
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), kind="phone", blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=OrgStatus.choices,
        default=OrgStatus.ACTIVE,
        db_index=True,
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OrgManager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"], condition=~models.Q(uscc=""), name="org_uscc_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def scope_org(self):
        return self

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class Employer(models.Model):
    """A 用人单位 with its 统一社会信用代码.

    ``org`` is the union responsible for it: the grassroots union that covers it, or, while
    it has none, the federation that is organising it. Scoping follows ``org``.
    """

    scope_org_field = "org"

    name = models.CharField(_("name"), max_length=200, db_index=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    uscc_checksum_confirmed = models.BooleanField(
        _("checksum failure confirmed"),
        default=False,
        help_text=_("Set when a person confirmed a code that fails the GB 32100 checksum."),
    )
    industry_section = models.CharField(
        _("industry (GB/T 4754 section)"), max_length=1, choices=IndustrySection.choices
    )
    ownership = models.CharField(_("ownership"), max_length=16, choices=Ownership.choices)
    headcount = models.PositiveIntegerField(_("headcount"), default=0)
    region_code = models.CharField(_("region code (GB/T 2260)"), max_length=6, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    org = models.ForeignKey(
        Org,
        verbose_name=_("responsible union"),
        on_delete=models.PROTECT,
        related_name="employers",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def scope_org(self):
        return self.org

    @property
    def has_union(self) -> bool:
        return self.org.kind == OrgKind.GRASSROOTS


__all__ = ["Employer", "Org", "ScopedQuerySet"]
