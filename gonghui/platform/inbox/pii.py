from gonghui.platform.pii.registry import PIField

PI_FIELDS = {
    # Only the keyed hash of the phone: the worker's messages before she has an account.
    "inbox.Message.phone_index": PIField(
        "phone_index",
        "personal",
        "delivering messages about her own applications to the holder of the phone",
    ),
}
