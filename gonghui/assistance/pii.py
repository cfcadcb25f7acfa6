from gonghui.platform.pii.registry import PIField

_CASE = "assessing and paying hardship assistance"
_SENSITIVE = "assessing hardship (PIPL Art. 28: health and minors' data, separate consent)"
PI_FIELDS = {
    "assistance.HardshipFile.health": PIField("health", "sensitive", _SENSITIVE),
    "assistance.HardshipFile.disability": PIField("health", "sensitive", _SENSITIVE),
    "assistance.HardshipFile.bank_account": PIField("bank_card", "sensitive", "paying the aid"),
    "assistance.HardshipFile.employer_position": PIField("employment", "personal", _CASE),
    "assistance.HardshipFile.personal_monthly_income": PIField("income", "personal", _CASE),
    "assistance.HardshipFile.household_monthly_income": PIField("income", "personal", _CASE),
    "assistance.HardshipFile.household_annual_income": PIField("income", "personal", _CASE),
    "assistance.HouseholdMember.name": PIField("family", "sensitive", _SENSITIVE),
    "assistance.HouseholdMember.id_number": PIField("family", "sensitive", _SENSITIVE),
    "assistance.HouseholdMember.id_index": PIField(
        "id_index", "sensitive", "one open file per household"
    ),
    "assistance.HouseholdMember.birth_date": PIField("family", "sensitive", _SENSITIVE),
    "assistance.HouseholdMember.monthly_income": PIField("family", "sensitive", _SENSITIVE),
    "assistance.HouseholdMember.health": PIField("family", "sensitive", _SENSITIVE),
    "assistance.HouseholdMember.school_or_employer": PIField("family", "sensitive", _SENSITIVE),
    "assistance.Application.situation": PIField("family", "sensitive", _SENSITIVE),
    "assistance.Application.visit_findings": PIField("family", "sensitive", _SENSITIVE),
    "assistance.HardshipFile.household_size": PIField("family", "personal", _CASE),
    "assistance.Visit.recipient": PIField("name", "personal", "recording condolence visits"),
    "assistance.Objection.raised_by": PIField(
        "name", "personal", "calling back whoever objected to a case in publicity"
    ),
    "assistance.Objection.contact_phone": PIField(
        "phone", "personal", "calling back whoever objected to a case in publicity"
    ),
}
NOT_PI = {
    "assistance.HardshipFile.bank_name": "the name of a bank, not of a person",
    "assistance.Payment.bank_reference": "the bank's transaction reference",
    "assistance.HouseholdClaim.id_index": "a keyed hash copied from id_index fields, no lookup key",
    "assistance.Attachment.original_name": "the uploader's file name; contents are private files",
}
