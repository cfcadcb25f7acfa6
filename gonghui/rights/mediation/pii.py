from gonghui.platform.pii.registry import PIField

_MEDIATING = "mediating the worker's labour dispute and writing its documents"
_DISPUTE = (
    "mediating the worker's labour dispute (what the parties said and agreed: sensitive, "
    "like the 12351 facts and the hardship narratives)"
)
PI_FIELDS = {
    "mediation.Applicant.name": PIField("name", "personal", _MEDIATING),
    "mediation.Applicant.phone": PIField("phone", "personal", _MEDIATING),
    "mediation.Applicant.phone_index": PIField(
        "phone_index", "personal", "finding the worker's own cases by her phone"
    ),
    "mediation.Applicant.id_number": PIField(
        "id_number", "personal", "identifying the parties in the application and the agreement"
    ),
    "mediation.MediationCase.facts": PIField("dispute", "sensitive", _DISPUTE),
    "mediation.MediationCase.agreement_terms": PIField("dispute", "sensitive", _DISPUTE),
    "mediation.MediationCase.dispute_points": PIField("dispute", "sensitive", _DISPUTE),
    "mediation.Referral.feedback": PIField("dispute", "sensitive", _DISPUTE),
    "mediation.Session.note": PIField("dispute", "sensitive", _DISPUTE),
}
