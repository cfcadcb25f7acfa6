"""The organisation tree (one tree from the city federation down to grassroots unions) and
the employers that grassroots unions cover."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from gonghui.orgs import naming
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
        # children of an org ("depth = d AND path within the parent's range"), e.g. the
        # districts under the city, without scanning the whole tree
        indexes = [models.Index(fields=["depth", "path"], name="org_depth_path_idx")]
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
        """The name a list shows (gonghui/orgs/naming.py: a holding pool names its district)."""
        return naming.display_name(self)


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


# --- union building (建会, 换届, 三支队伍, 四类责任清单) -------------------------------------


class FoundingKind(models.TextChoices):
    """The kinds of union a founding application may propose."""

    GRASSROOTS = OrgKind.GRASSROOTS.value, OrgKind.GRASSROOTS.label
    UNION_FEDERATION = OrgKind.UNION_FEDERATION.value, OrgKind.UNION_FEDERATION.label
    TOWNSHIP_FEDERATION = OrgKind.TOWNSHIP_FEDERATION.value, OrgKind.TOWNSHIP_FEDERATION.label


class FoundingState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved (registered)")
    RETURNED = "returned", _("Returned for changes")
    REJECTED = "rejected", _("Rejected")


class TermLength(models.IntegerChoices):
    THREE = 3, _("3 years")
    FIVE = 5, _("5 years")


class OfficialPosition(models.TextChoices):
    CHAIR = "chair", _("Chair")
    VICE_CHAIR = "vice_chair", _("Vice chair")
    COMMITTEE_MEMBER = "committee_member", _("Committee member")
    AUDIT_CHAIR = "audit_chair", _("Chair of the audit committee")
    AUDIT_MEMBER = "audit_member", _("Audit committee member")
    WOMEN_CHAIR = "women_chair", _("Chair of the women workers' committee")
    WOMEN_MEMBER = "women_member", _("Women workers' committee member")


class Team(models.TextChoices):
    """三支队伍."""

    SAFETY_INFORMANT = "safety_informant", _("Labour safety informant")
    LEGAL_SUPERVISOR = "legal_supervisor", _("Labour law supervisor")
    LABOUR_PROTECTION_INSPECTOR = (
        "labour_protection_inspector",
        _("Labour protection inspector"),
    )


class DutyLevel(models.TextChoices):
    """The four org levels of 四类责任清单."""

    CITY = "city", _("City federation")
    DISTRICT = "district", _("District/county federation")
    INDUSTRY = "industry", _("Industry union")
    GRASSROOTS = "grassroots", _("Grassroots union")


# Which org kinds sign the duty list of a level. Township and union federations have no list
# of their own in the four-list scheme; extend here if a city adds one.
DUTY_LEVEL_KINDS = {
    DutyLevel.CITY: (OrgKind.CITY_FEDERATION,),
    DutyLevel.DISTRICT: (OrgKind.DISTRICT_FEDERATION,),
    DutyLevel.INDUSTRY: (OrgKind.INDUSTRY_UNION,),
    DutyLevel.GRASSROOTS: (OrgKind.GRASSROOTS,),
}


class DutyListState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class FoundingApplication(models.Model):
    """A 建会 application: a proposed union, reviewed by the federation it will sit under.

    Scoped by ``parent`` (the reviewing federation). Approval creates the org, its first term
    and officials, and moves the employer to the new grassroots union.
    """

    scope_org_field = "parent"

    parent = models.ForeignKey(
        Org,
        verbose_name=_("reviewing federation"),
        on_delete=models.PROTECT,
        related_name="founding_applications",
    )
    name = models.CharField(_("proposed union name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=32, choices=FoundingKind.choices, default=FoundingKind.GRASSROOTS
    )
    employer = models.ForeignKey(
        Employer,
        verbose_name=_("employer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="founding_applications",
    )
    area_description = models.TextField(
        _("area or industry covered"),
        blank=True,
        help_text=_("For a federation: the area, park or industry it covers."),
    )
    proposed_chair = models.CharField(_("proposed chair"), max_length=50, blank=True)
    committee = models.JSONField(
        _("proposed committee"),
        default=list,
        blank=True,
        help_text=_("A list of {name, position} of the proposed committee members."),
    )
    meeting_date = models.DateField(_("founding meeting date"), null=True, blank=True)
    term_years = models.PositiveSmallIntegerField(
        _("term length"), choices=TermLength.choices, default=TermLength.FIVE
    )
    member_count = models.PositiveIntegerField(_("number of members"), default=0)
    contact_name = models.CharField(_("applicant contact person"), max_length=50, blank=True)
    contact_phone = EncryptedTextField(_("applicant contact phone"), kind="phone", blank=True)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=FoundingState.choices,
        default=FoundingState.DRAFT,
        db_index=True,
    )
    reason = models.TextField(_("reason for returning or rejecting"), blank=True)
    certificate_no = models.CharField(
        _("legal-person certificate number"),
        max_length=64,
        blank=True,
        help_text=_("工会法人资格证书号码, recorded on approval."),
    )
    union_uscc = models.CharField(
        _("union's unified social credit code"), max_length=18, blank=True
    )
    org = models.OneToOneField(
        Org,
        verbose_name=_("registered union"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="founding_application",
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("union founding application")
        verbose_name_plural = _("union founding applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate_no"],
                condition=~Q(certificate_no=""),
                name="founding_certificate_unique",
            ),
            # One open application per employer: two unions for one employer is the mistake
            # this prevents.
            models.UniqueConstraint(
                fields=["employer"],
                condition=Q(state__in=["draft", "submitted", "returned"]),
                name="founding_one_open_per_employer",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def scope_org(self):
        return self.parent


def add_years(day: datetime.date, years: int) -> datetime.date:
    """``day`` plus whole years; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class Term(models.Model):
    """A term of office (届) of an org's committee. At most one is current per org.

    ``ends_on`` is computed from the start and the length, and stored so that "due within 90
    days" and "overdue" are plain indexed filters.
    """

    scope_org_field = "org"

    org = models.ForeignKey(
        Org, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="terms"
    )
    number = models.PositiveSmallIntegerField(_("term number"))
    started_on = models.DateField(_("start date"))
    years = models.PositiveSmallIntegerField(
        _("length"), choices=TermLength.choices, default=TermLength.FIVE
    )
    ends_on = models.DateField(_("due date"), db_index=True, editable=False)
    is_current = models.BooleanField(_("current"), default=True, db_index=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("committee term")
        verbose_name_plural = _("committee terms")
        ordering = ["org__path", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["org"], condition=Q(is_current=True), name="term_one_current_per_org"
            ),
            models.UniqueConstraint(fields=["org", "number"], name="term_number_unique"),
        ]

    def __str__(self) -> str:
        return _("%(org)s, term %(number)s") % {"org": self.org, "number": self.number}

    def save(self, *args, **kwargs):
        if self.started_on and self.years:
            self.ends_on = add_years(self.started_on, int(self.years))
        super().save(*args, **kwargs)

    def scope_org(self):
        return self.org

    def days_left(self, today: datetime.date | None = None) -> int:
        return (self.ends_on - (today or timezone.localdate())).days


class Official(models.Model):
    """A committee office holder of one term: chair, vice chair, member, audit or women
    workers' committee."""

    scope_org_field = "org"

    org = models.ForeignKey(
        Org, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="officials"
    )
    term = models.ForeignKey(
        Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="officials"
    )
    name = models.CharField(_("name"), max_length=50)
    position = models.CharField(_("position"), max_length=32, choices=OfficialPosition.choices)
    full_time = models.BooleanField(
        _("full-time"), default=False, help_text=_("Full-time (专职) rather than part-time.")
    )
    phone = EncryptedTextField(_("mobile phone"), kind="phone", blank=True)
    started_on = models.DateField(_("start date"))
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        ordering = ["org__path", "term__number", "position", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_position_display()})"

    def scope_org(self):
        return self.org

    @property
    def is_serving(self) -> bool:
        return self.ended_on is None


class TeamMember(models.Model):
    """A member of one of the three teams (三支队伍) appointed by an org."""

    scope_org_field = "org"

    org = models.ForeignKey(
        Org, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="team_members"
    )
    team = models.CharField(_("team"), max_length=32, choices=Team.choices, db_index=True)
    name = models.CharField(_("name"), max_length=50)
    phone = EncryptedTextField(_("mobile phone"), kind="phone", blank=True)
    employer_name = models.CharField(_("employer"), max_length=200, blank=True)
    appointed_on = models.DateField(_("appointed on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["org__path", "team", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_team_display()})"

    def scope_org(self):
        return self.org

    @property
    def is_serving(self) -> bool:
        return self.ended_on is None


class DutyList(models.Model):
    """A duty-list template (责任清单) for one org level and year, published by ``org`` (a
    federation) for the orgs of that level in its subtree."""

    scope_org_field = "org"

    org = models.ForeignKey(
        Org, verbose_name=_("published by"), on_delete=models.PROTECT, related_name="duty_lists"
    )
    level = models.CharField(_("level"), max_length=16, choices=DutyLevel.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=DutyListState.choices,
        default=DutyListState.DRAFT,
        db_index=True,
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("duty list")
        verbose_name_plural = _("duty lists")
        ordering = ["-year", "level", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "level", "year"], name="dutylist_one_per_level_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"

    def scope_org(self):
        return self.org


class DutyItem(models.Model):
    """One duty of a list, in order."""

    scope_org_field = "list__org"

    list = models.ForeignKey(
        DutyList, verbose_name=_("duty list"), on_delete=models.CASCADE, related_name="items"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.TextField(_("duty"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("duty item")
        verbose_name_plural = _("duty items")
        ordering = ["list", "order"]
        constraints = [
            models.UniqueConstraint(fields=["list", "order"], name="dutyitem_order_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.text[:40]}"

    def scope_org(self):
        return self.list.org


class DutyLetter(models.Model):
    """A signed responsibility letter (责任书): ``org`` signed ``list`` for ``year``. A letter
    exists only once signed, so "not signed" is the absence of a row."""

    scope_org_field = "org"

    org = models.ForeignKey(
        Org, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="duty_letters"
    )
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    list = models.ForeignKey(
        DutyList, verbose_name=_("duty list"), on_delete=models.PROTECT, related_name="letters"
    )
    signed_on = models.DateField(_("signed on"))
    signed_by = models.CharField(_("signed by"), max_length=50)
    file = models.FileField(_("scanned letter"), upload_to="duty_letters/%Y/", blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("responsibility letter")
        verbose_name_plural = _("responsibility letters")
        ordering = ["-year", "org__path"]
        constraints = [
            models.UniqueConstraint(fields=["org", "list"], name="dutyletter_one_per_list"),
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.year}"

    def scope_org(self):
        return self.org


__all__ = [
    "DutyItem",
    "DutyLetter",
    "DutyList",
    "Employer",
    "FoundingApplication",
    "Official",
    "Org",
    "ScopedQuerySet",
    "TeamMember",
    "Term",
]
