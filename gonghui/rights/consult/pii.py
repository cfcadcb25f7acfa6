from gonghui.platform.pii.registry import PIField

_ANSWERING = "answering the worker's legal consultation"
_DISPUTE = (
    "answering the worker's legal consultation (a labour dispute: sensitive, like hardship "
    "narratives)"
)
PI_FIELDS = {
    "consult.Consultation.worker_name": PIField("name", "personal", _ANSWERING),
    "consult.Consultation.worker_phone": PIField(
        "phone", "personal", "telling the worker by SMS that her question was answered"
    ),
    "consult.Consultation.worker_phone_index": PIField(
        "phone_index", "personal", "her messages by phone"
    ),
    "consult.Consultation.question": PIField("dispute", "sensitive", _DISPUTE),
    "consult.Message.text": PIField("dispute", "sensitive", _DISPUTE),
}
