"""Hardship file endpoints (/assistance/files/): list, detail and create."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from gonghui.assistance import actions, queries
from gonghui.assistance.api._shared import ERRORS, Money, MoneyIn, _Lazy
from gonghui.assistance.choices import Cause, FileLevel, FileState, Housing, Relation, Tier
from gonghui.assistance.models import HardshipFile
from gonghui.members.models import Person
from gonghui.orgs.models import Org
from gonghui.platform.access.scoping import get_scoped_or_404
from gonghui.platform.api.pagination import LimitOffsetPagination
from gonghui.platform.pii.masking import mask_bank_card, mask_id_detail, mask_name, mask_phone

files = Router(tags=["assistance: files"])


class FileOut(Schema):
    id: int
    number: str
    org_id: int
    org_name: str
    applicant_name: str = Field(description="Masked (王*)")
    state: FileState
    tier: str
    level: str
    main_cause: Cause | Literal[""] = Field(
        description="Empty while a member's portal draft has not named it yet"
    )
    household_size: int
    filed_at: datetime | None
    next_review_due: date | None


class HouseholdOut(Schema):
    id: int
    name: str
    relation: Relation
    id_number: str = Field(description="Masked (500112********123X)")
    birth_date: date | None = Field(
        description="Only for a member without an ID number: next to the masked number it "
        "would rebuild the full one (issue #11), so it is null whenever there is one"
    )
    monthly_income: str
    health: str
    school_or_employer: str


class FileDetail(FileOut):
    applicant_name: str = Field(description="Full name")
    applicant_id: int
    applicant_id_number: str = Field(description="Masked (500112********123X)")
    applicant_phone: str = Field(description="Masked (137****0001)")
    secondary_causes: list[str]
    other_cause: str
    employer_position: str
    personal_monthly_income: Money | None
    housing: str
    housing_area: Decimal | None
    household_monthly_income: Money | None
    household_annual_income: Money | None
    single_parent: bool
    zero_employment: bool
    bank_name: str
    bank_account: str = Field(description="Masked (622202*********3445)")
    closed_at: datetime | None
    close_reason: str
    created_at: datetime
    sensitive_hidden: bool = Field(
        description="True when health, disability and household are withheld (null)"
    )
    health: str | None
    disability: str | None
    household: list[HouseholdOut] | None


class FileFilter(Schema):
    state: FileState | None = None
    tier: Tier | None = None


class HouseholdIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    relation: Relation
    id_number: str = Field("", max_length=18)
    birth_date: date | None = None
    monthly_income: MoneyIn | None = None
    health: str = Field("", max_length=200)
    school_or_employer: str = Field("", max_length=200)


class FileIn(Schema):
    org_id: int
    applicant_id: int = Field(description="The person (members) the file is for")
    main_cause: Cause
    secondary_causes: list[Cause] = Field(default_factory=list, max_length=3)
    other_cause: str = Field("", max_length=200)
    tier: Tier | Literal[""] = ""
    level: FileLevel | Literal[""] = ""
    employer_position: str = Field("", max_length=200)
    personal_monthly_income: MoneyIn | None = None
    housing: Housing | Literal[""] = ""
    housing_area: Decimal | None = Field(None, ge=0, le=10000)
    household_size: int = Field(1, ge=1, le=30)
    household_monthly_income: MoneyIn | None = None
    household_annual_income: MoneyIn | None = None
    single_parent: bool = False
    zero_employment: bool = False
    health: str = Field("", max_length=200)
    disability: str = Field("", max_length=200)
    bank_name: str = Field("", max_length=100)
    bank_account: str = Field("", max_length=40)
    household: list[HouseholdIn] | None = None


def _visible_files(user):
    return queries.visible_files(user).select_related("org", "applicant")


def _file(f: HardshipFile) -> dict:
    return {
        "id": f.pk,
        "number": f.number,
        "org_id": f.org_id,
        "org_name": f.org.name,
        "applicant_name": mask_name(f.applicant.name),
        "state": f.state,
        "tier": f.tier,
        "level": f.level,
        "main_cause": f.main_cause,
        "household_size": f.household_size,
        "filed_at": f.filed_at,
        "next_review_due": f.next_review_due,
    }


def _file_detail(f: HardshipFile, user) -> dict:
    data = _file(f)
    person = f.applicant
    sensitive = queries.can_see_sensitive(user, f)
    data.update(
        {
            "applicant_name": person.name,
            "applicant_id": person.pk,
            "applicant_id_number": mask_id_detail(person.id_number),
            "applicant_phone": mask_phone(person.phone) if person.phone else "",
            "secondary_causes": list(f.secondary_causes or []),
            "other_cause": f.other_cause,
            "employer_position": f.employer_position,
            "personal_monthly_income": f.personal_monthly_income,
            "housing": f.housing,
            "housing_area": f.housing_area,
            "household_monthly_income": f.household_monthly_income,
            "household_annual_income": f.household_annual_income,
            "single_parent": f.single_parent,
            "zero_employment": f.zero_employment,
            "bank_name": f.bank_name,
            "bank_account": mask_bank_card(f.bank_account) or "",
            "closed_at": f.closed_at,
            "close_reason": f.close_reason,
            "created_at": f.created_at,
            "sensitive_hidden": not sensitive,
            "health": f.health if sensitive else None,
            "disability": f.disability if sensitive else None,
            "household": [
                {
                    "id": m.pk,
                    "name": m.name,
                    "relation": m.relation,
                    "id_number": mask_id_detail(m.id_number) or "",
                    "birth_date": None if m.id_number else m.birth_date,
                    "monthly_income": m.monthly_income,
                    "health": m.health,
                    "school_or_employer": m.school_or_employer,
                }
                for m in f.household.all()
                if m.name  # rows blanked out when the household shrank
            ]
            if sensitive
            else None,
        }
    )
    return data


@files.get(
    "",
    response=list[FileOut],
    summary="Hardship files in your scope",
    operation_id="gonghui_assistance_api_list_files",
)
@paginate(LimitOffsetPagination)
def list_files(request, filters: Query[FileFilter]):
    qs = _visible_files(request.user).order_by("-id")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.tier:
        qs = qs.filter(tier=filters.tier)
    return _Lazy(qs, _file)


@files.get(
    "/{int:file_id}",
    response=FileDetail,
    summary="One hardship file",
    operation_id="gonghui_assistance_api_get_file",
)
def get_file(request, file_id: int):
    f = get_scoped_or_404(_visible_files(request.user), request.user, "view", pk=file_id)
    return _file_detail(f, request.user)


@files.post(
    "",
    response={201: FileDetail, **ERRORS},
    summary="Create a hardship file",
    operation_id="gonghui_assistance_api_create_file",
)
def create_file(request, payload: FileIn):
    org = get_scoped_or_404(Org, request.user, "view", pk=payload.org_id)
    person = get_scoped_or_404(Person, request.user, "members.view_person", pk=payload.applicant_id)
    data = payload.dict(exclude={"org_id", "applicant_id", "household"})
    data["secondary_causes"] = [str(c) for c in data["secondary_causes"]]
    household = None
    if payload.household is not None:
        household = [m.dict() for m in payload.household]
    f = actions.save_file(
        actor=request.user, org=org, applicant=person, data=data, household=household
    )
    f = _visible_files(request.user).get(pk=f.pk)
    return Status(201, _file_detail(f, request.user))
