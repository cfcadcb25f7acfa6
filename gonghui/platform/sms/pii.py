from gonghui.platform.pii.registry import PIField

PI_FIELDS = {
    # Only the keyed hash of the phone is kept, never the number.
    "sms.SMSCode.phone_index": PIField(
        "phone_index", "personal", "rate-limiting and checking login codes sent to a phone"
    ),
}
PI_FIELDS.update(
    {
        "sms.OutboxSMS.phone": PIField(
            "phone", "personal", "delivering an SMS the platform sends (codes, notices, digests)"
        ),
        # The text may hold a login code or the masked details of an application.
        "sms.OutboxSMS.message": PIField(
            "message", "personal", "delivering an SMS the platform sends (codes, notices, digests)"
        ),
    }
)
