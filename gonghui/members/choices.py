from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class EmploymentForm(models.TextChoices):
    STANDARD = "standard", _("Standard employee")
    FOOD_DELIVERY = "food_delivery", _("Food delivery rider")
    COURIER = "courier", _("Courier")
    RIDE_HAILING = "ride_hailing", _("Ride-hailing driver")
    TRUCK_DRIVER = "truck_driver", _("Truck driver")
    DOMESTIC = "domestic", _("Domestic worker")
    PLATFORM_OTHER = "platform_other", _("Other online-platform worker")
    FLEXIBLE = "flexible", _("Flexible / self-employed")
    OTHER = "other", _("Other")


NEW_EMPLOYMENT_FORMS = frozenset(
    {
        EmploymentForm.FOOD_DELIVERY,
        EmploymentForm.COURIER,
        EmploymentForm.RIDE_HAILING,
        EmploymentForm.TRUCK_DRIVER,
        EmploymentForm.DOMESTIC,
        EmploymentForm.PLATFORM_OTHER,
    }
)


class Education(models.TextChoices):
    PRIMARY = "primary", _("Primary school or below")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary / vocational")
    COLLEGE = "college", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor")
    MASTER = "master", _("Master or above")


class HouseholdType(models.TextChoices):
    AGRICULTURAL = "agricultural", _("Agricultural household")
    NON_AGRICULTURAL = "non_agricultural", _("Non-agricultural household")
    RESIDENT = "resident", _("Unified resident household")


class SkillLevel(models.TextChoices):
    NONE = "", _("None")
    LEVEL5 = "5", _("Junior worker (level 5)")
    LEVEL4 = "4", _("Intermediate worker (level 4)")
    LEVEL3 = "3", _("Senior worker (level 3)")
    LEVEL2 = "2", _("Technician (level 2)")
    LEVEL1 = "1", _("Senior technician (level 1)")


class ModelWorkerLevel(models.TextChoices):
    NONE = "", _("None")
    NATIONAL = "national", _("National model worker")
    PROVINCIAL = "provincial", _("Provincial/ministerial model worker")
    CITY = "city", _("City model worker")
    DISTRICT = "district", _("District/county model worker")


class MembershipState(models.TextChoices):
    ACTIVE = "active", _("Active")
    TRANSFERRING = "transferring", _("Transferring")
    RETAINED = "retained", _("Retained (retired)")
    TRANSFERRED = "transferred", _("Transferred out")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    LAPSED = "lapsed", _("Lapsed")
    EXPELLED = "expelled", _("Expelled")


# A person holds at most one membership in these states (a database constraint).
CURRENT_STATES = (MembershipState.ACTIVE, MembershipState.TRANSFERRING, MembershipState.RETAINED)


class MembershipSource(models.TextChoices):
    QR = "qr", _("QR code")
    IMPORT = "import", _("Roster import")
    MANUAL = "manual", _("Entered by staff")
    TRANSFER = "transfer", _("Transfer")


class JoinRequestState(models.TextChoices):
    PENDING = "pending", _("Pending review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class IdentityProof(models.TextChoices):
    """How a join that claims an existing person with another phone proved who it is."""

    NONE = "", _("Not proved")
    PHONE_ON_FILE = "phone_on_file", _("Confirmed from the phone on file")
    IN_PERSON = "in_person", _("ID card checked in person")


class TransferState(models.TextChoices):
    PENDING_SENDER = "pending_sender", _("Waiting for the sending union")
    PENDING_RECEIVER = "pending_receiver", _("Waiting for the receiving union")
    APPROVED = "approved", _("Completed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class TransferInitiator(models.TextChoices):
    MEMBER = "member", _("The member")
    SENDER = "sender", _("The sending union")
    RECEIVER = "receiver", _("The receiving union")
