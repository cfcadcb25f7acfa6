from gonghui.platform.pii.registry import PIField

PI_FIELDS = {
    # Only the keyed hash of the phone: whose consent it is, before she has an account.
    "consent.Consent.phone_index": PIField(
        "phone_index",
        "personal",
        "proving that the person who applied with this phone consented (PIPL Art. 14, 29)",
    ),
    "consent.CorrectionRequest.requested": PIField(
        "correction",
        "personal",
        "correcting the worker's personal information as she asks (PIPL Art. 46)",
    ),
    "consent.CorrectionRequest.explanation": PIField(
        "correction",
        "personal",
        "correcting the worker's personal information as she asks (PIPL Art. 46)",
    ),
}
