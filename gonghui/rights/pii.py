from gonghui.platform.pii.registry import PIField

_HANDLING = "handling the worker's 12351 ticket"
_DISPUTE = (
    "handling the worker's 12351 ticket (a labour dispute: sensitive, like hardship narratives)"
)
PI_FIELDS = {
    "rights.Ticket.caller_name": PIField("name", "personal", _HANDLING),
    "rights.Ticket.caller_phone": PIField("phone", "personal", _HANDLING),
    "rights.Ticket.caller_phone_index": PIField(
        "phone_index", "personal", "her messages and her tickets by phone"
    ),
    "rights.Ticket.facts": PIField("dispute", "sensitive", _DISPUTE),
    "rights.Ticket.request": PIField("dispute", "sensitive", _DISPUTE),
    "rights.Ticket.reply": PIField("dispute", "sensitive", _DISPUTE),
}
NOT_PI = {
    "rights.Ticket.employer_name": "the name of an employer or platform, not of a person",
    "rights.PartnerAgency.address": "the address of a court, agency or law firm, not a person's",
    "rights.Ticket.employer_address": "the typed address of an employer, not of a person",
    "rights.TicketAttachment.original_name": "the uploader's file name; contents are private files",
    "rights.KnowledgeAnswer.question": "a common question of the hotline's answer table",
    "rights.KnowledgeAnswer.answer": "the hotline's published answer, about no one",
    "rights.KnowledgeAnswer.keywords": "search words of the answer table",
}
