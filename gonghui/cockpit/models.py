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


# The counters of a ticket row, in the order the upsert writes them (the money last).
TICKET_COUNTERS = (
    "received",
    "reopened",
    "closed",
    "closed_on_time",
    "rated",
    "satisfied",
    "arrears_workers",
    "arrears_recovered",
)


class TicketMonthStat(models.Model):
    """12351 ticket figures of an org's whole subtree for one month, per category and
    complexity class (a leaf category: the root is looked up when the figures are read, so
    moving a subcategory under another root needs no recount).

    Which month a counter falls in (``gonghui/cockpit/tickets.py`` says why):
    ``received`` and ``reopened`` in the month the ticket was received; ``closed``,
    ``closed_on_time`` and the arrears in the month it was closed (结案); ``rated`` and
    ``satisfied`` in the month of the visit back or the worker's rating."""

    scope_org_field = "org"

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    category = models.ForeignKey(
        "rights.TicketCategory",
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    complexity = models.CharField(_("complexity"), max_length=10)
    received = models.IntegerField(_("tickets received"), default=0)
    reopened = models.IntegerField(_("times handled again"), default=0)
    closed = models.IntegerField(_("tickets closed"), default=0)
    closed_on_time = models.IntegerField(
        _("closed on time"),
        default=0,
        help_text=_("Of the tickets closed, those resolved by their deadline for finishing."),
    )
    rated = models.IntegerField(_("tickets rated"), default=0)
    satisfied = models.IntegerField(
        _("satisfied or fairly satisfied"), default=0, help_text=_("Of the tickets rated.")
    )
    arrears_workers = models.IntegerField(_("workers paid their arrears"), default=0)
    arrears_recovered = models.DecimalField(
        _("wage arrears recovered (yuan)"), max_digits=16, decimal_places=2, default=0
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("monthly ticket figures")
        verbose_name_plural = _("monthly ticket figures")
        constraints = [
            models.UniqueConstraint(
                fields=["org", "month", "category", "complexity"],
                name="ticketmonthstat_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.month:%Y-%m} {self.category_id} {self.complexity}"
