from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FileState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FILED = "filed", _("Filed")
    ADJUSTED = "adjusted", _("Adjusted")
    CLOSED = "closed", _("Closed")


# A household has at most one file in these states.
OPEN_FILE_STATES = frozenset({FileState.DRAFT, FileState.FILED, FileState.ADJUSTED})


class Tier(models.TextChoices):
    DEEP = "deep", _("Deep hardship")
    RELATIVE = "relative", _("Relative hardship")
    ACCIDENT = "accident", _("Accident-caused hardship")


class FileLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    CITY = "city", _("City")


class Cause(models.TextChoices):
    ILLNESS = "illness", _("Illness")
    DISABILITY = "disability", _("Disability")
    DISASTER = "disaster", _("Natural disaster")
    EDUCATION = "education", _("Children's education")
    UNEMPLOYMENT = "unemployment", _("Unemployment")
    ACCIDENT = "accident", _("Accident")
    SINGLE_PARENT = "single_parent", _("Single parent")
    ZERO_EMPLOYMENT = "zero_employment", _("Zero-employment household")
    LOW_WAGE = "low_wage", _("Low wages")
    ELDER_CARE = "elder_care", _("Caring for elderly or sick relatives")
    OTHER = "other", _("Other")


class Housing(models.TextChoices):
    OWN = "own", _("Own home")
    RENTED = "rented", _("Rented")
    PUBLIC_RENTAL = "public_rental", _("Public rental housing")
    RELATIVES = "relatives", _("Living with relatives")
    DORMITORY = "dormitory", _("Dormitory")
    NONE = "none", _("No fixed home")


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    GRANDPARENT = "grandparent", _("Grandparent")
    GRANDCHILD = "grandchild", _("Grandchild")
    OTHER = "other", _("Other")


class AidType(models.TextChoices):
    LIVING = "living", _("Living aid")
    MEDICAL = "medical", _("Medical aid")
    EDUCATION = "education", _("School aid (Golden Autumn)")
    EMPLOYMENT = "employment", _("Employment help")
    WARMTH = "warmth", _("Winter warmth")


# Aid that is a referral, not money.
NON_MONEY_AID = frozenset({AidType.EMPLOYMENT})


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting first review")
    HOME_VISIT = "home_visit", _("Awaiting home visit")
    VERIFICATION = "verification", _("Awaiting verification")
    PUBLICITY = "publicity", _("In publicity")
    APPROVAL = "approval", _("Awaiting approval")
    APPROVED = "approved", _("Approved, being paid")
    CLOSED = "closed", _("Completed")
    RETURNED = "returned", _("Returned for correction")
    REJECTED = "rejected", _("Rejected")
    # "Withdrawn" alone is a membership's 已退会: an application is 已撤回.
    WITHDRAWN = "withdrawn", pgettext_lazy("application", "Withdrawn")


# States in which the application is being handled by the unions.
IN_REVIEW_STATES = frozenset(
    {
        ApplicationState.SUBMITTED,
        ApplicationState.HOME_VISIT,
        ApplicationState.VERIFICATION,
        ApplicationState.PUBLICITY,
        ApplicationState.APPROVAL,
    }
)
# The applicant (or the staff who entered it) may edit in these states.
EDITABLE_STATES = frozenset({ApplicationState.DRAFT, ApplicationState.RETURNED})
OPEN_APPLICATION_STATES = EDITABLE_STATES | IN_REVIEW_STATES | {ApplicationState.APPROVED}


class Channel(models.TextChoices):
    PORTAL = "portal", _("Worker, online")
    STAFF = "staff", _("Union staff on the worker's behalf")


class CivilAffairsResult(models.TextChoices):
    ELIGIBLE = "eligible", _("Meets the criteria")
    INELIGIBLE = "ineligible", _("Does not meet the criteria")
    NOT_REQUIRED = "not_required", _("Check not required for this aid")


class ItemState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved, unpaid")
    IN_BATCH = "in_batch", _("In a payment batch")
    PAID = "paid", _("Paid")
    REFERRED = "referred", _("Referred")
    REJECTED = "rejected", _("Not granted")


class PaymentState(models.TextChoices):
    PENDING = "pending", _("Sent to the bank")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")


# A payment in these states blocks another payment of the same item (database constraint).
LIVE_PAYMENT_STATES = ("pending", "paid")


class BatchState(models.TextChoices):
    OPEN = "open", _("Being built")
    EXPORTED = "exported", _("Bank file exported")
    DONE = "done", _("Settled")


class ObjectionDecision(models.TextChoices):
    PENDING = "pending", _("Not yet decided")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class ReviewOutcome(models.TextChoices):
    PENDING = "pending", _("Not yet reviewed")
    KEEP = "keep", _("Keep")
    CHANGE_TIER = "change_tier", _("Change tier")
    CLOSE = "close", _("Close the file")


class AttachmentKind(models.TextChoices):
    APPLICATION_FORM = "application_form", _("Application form")
    INCOME_AUTHORISATION = "income_authorisation", _("Signed income-check authorisation")
    MEDICAL_CERTIFICATE = "medical_certificate", _("Medical certificate")
    ID_COPY = "id_copy", _("ID card copy")
    HOUSEHOLD_REGISTER = "household_register", _("Household register copy")
    EMPLOYER_CERTIFICATE = "employer_certificate", _("Employer's certificate")
    HOSPITAL_BILLS = "hospital_bills", _("Hospital bills")
    SCHOOL_PROOF = "school_proof", _("Proof of school enrolment")
    PUBLICITY = "publicity", _("Publicity material")
    OTHER = "other", _("Other")


class CampaignKind(models.TextChoices):
    SPRING_JOBS = "spring_jobs", _("Spring: jobs")
    SUMMER_COOL = "summer_cool", _("Summer: cooling")
    AUTUMN_SCHOOL = "autumn_school", _("Autumn: school aid")
    WINTER_WARMTH = "winter_warmth", _("Winter warmth")
    FESTIVALS = "festivals", _("New Year and Spring Festival warmth")
    OTHER = "other", _("Other")
