from gonghui.platform.pii.registry import PIField

PI_FIELDS = {
    # Only the keyed hash of the phone is kept, never the number.
    "sms.SMSCode.phone_index": PIField(
        "phone_index", "personal", "rate-limiting and checking login codes sent to a phone"
    ),
}
