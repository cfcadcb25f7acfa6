from gonghui.platform.pii.registry import PIField

_AID = "handling the worker's application for the union's legal aid"
_DISPUTE = f"{_AID} (a labour dispute: sensitive, like hardship narratives)"
PI_FIELDS = {
    "legalaid.AidApplication.applicant_name": PIField("name", "personal", _AID),
    "legalaid.AidApplication.applicant_phone": PIField("phone", "personal", _AID),
    "legalaid.AidApplication.applicant_phone_index": PIField(
        "phone_index", "personal", "her messages and her applications by phone"
    ),
    "legalaid.AidApplication.applicant_id_number": PIField("id_number", "personal", _AID),
    "legalaid.AidApplication.facts": PIField("dispute", "sensitive", _DISPUTE),
    "legalaid.AidApplication.claims": PIField("dispute", "sensitive", _DISPUTE),
}
NOT_PI = {
    "legalaid.AidApplication.employer_name": "the name of an employer or platform, not a person",
    "legalaid.AidApplication.lawyer_name": "the name of the lawyer acting, in that role",
    "legalaid.AidDocument.original_name": "the file name the uploader gave, kept for staff",
}
