from gonghui.platform.pii.registry import PIField

PI_FIELDS = {
    "accounts.User.phone": PIField("phone", "personal", "login by SMS code and notifications"),
    "accounts.User.display_name": PIField("name", "personal", "showing who acted"),
    "accounts.User.first_name": PIField("name", "personal", "unused; inherited from Django"),
    "accounts.User.last_name": PIField("name", "personal", "unused; inherited from Django"),
    "accounts.User.email": PIField("email", "personal", "staff notifications"),
    # A keyed hash of the phone: pseudonymised, still personal information (PIPL Art. 73).
    "accounts.User.phone_index": PIField(
        "phone_index", "personal", "finding the account of a phone number at login"
    ),
}
