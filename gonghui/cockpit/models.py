"""Summary rows for the cockpit: one row per (org, month) holding the counts of the org's
whole subtree (the org itself and every org below it).

They are kept current by the write paths (``gonghui.cockpit.summaries``, called in the same
transaction as the membership or org change) and can be rebuilt and checked against the live
records at any time (``manage.py rebuild_summaries [--check]``). A cockpit figure is read from
a handful of these rows instead of counting the member table, so it costs the same at 10k and
at 10M members."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.platform.access.scoping import ScopedManager

# The counters of a row, in the order the upsert writes them.
COUNTERS = (
    "members_joined",
    "members_current",
    "members_new_form",
    "members_migrant",
    "members_ended",
    "unions_founded",
)


class SubtreeCounts(models.Model):
    """The counters both summary tables hold (see ``COUNTERS``)."""

    members_joined = models.IntegerField(_("members who joined"), default=0)
    members_current = models.IntegerField(_("current members"), default=0)
    members_new_form = models.IntegerField(
        _("current members in new forms of employment"), default=0
    )
    members_migrant = models.IntegerField(_("current migrant-worker members"), default=0)
    members_ended = models.IntegerField(_("memberships ended"), default=0)
    unions_founded = models.IntegerField(_("grassroots unions founded"), default=0)

    objects = ScopedManager()

    class Meta:
        abstract = True


class OrgMonthStat(SubtreeCounts):
    scope_org_field = "org"

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    # the same counters, with help texts that say what they mean for one month
    members_joined = models.IntegerField(
        _("members who joined"),
        default=0,
        help_text=_("Memberships that began in this month, whatever their state today."),
    )
    members_current = models.IntegerField(
        _("current members"),
        default=0,
        help_text=_("Of the memberships that began in this month, those still current."),
    )
    members_ended = models.IntegerField(
        _("memberships ended"), default=0, help_text=_("Memberships that ended in this month.")
    )

    class Meta:
        verbose_name = _("monthly summary")
        verbose_name_plural = _("monthly summaries")
        constraints = [
            models.UniqueConstraint(fields=["org", "month"], name="orgmonthstat_org_month"),
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.month:%Y-%m}"


class OrgTotal(SubtreeCounts):
    """The all-time sums of an org's monthly rows: one row per org, so totals over many orgs
    (every district's members) read one row each instead of one per month of history."""

    scope_org_field = "org"

    org = models.OneToOneField(
        "orgs.Org",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("summary total")
        verbose_name_plural = _("summary totals")

    def __str__(self) -> str:
        return str(self.org_id)
