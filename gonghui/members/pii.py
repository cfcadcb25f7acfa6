from gonghui.platform.pii.registry import PIField

_ID = "identifying the member city-wide and checking membership"
PI_FIELDS = {
    "members.Person.name": PIField("name", "personal", "membership records and casework"),
    "members.Person.name_pinyin": PIField("name", "personal", "finding a member by pinyin"),
    "members.Person.name_initials": PIField("name", "personal", "finding a member by initials"),
    "members.Person.id_number": PIField("id_number", "personal", _ID),
    "members.Person.id_index": PIField("id_index", "personal", _ID),
    "members.Person.gender": PIField("gender", "personal", "membership statistics"),
    "members.Person.birth_date": PIField("birth_date", "personal", "membership statistics"),
    "members.Person.phone": PIField("phone", "personal", "login, notifications"),
    "members.Person.phone_index": PIField("phone_index", "personal", "finding by phone"),
    "members.Person.ethnicity": PIField(
        "ethnicity", "sensitive", "statistics required by the ACFTU member register"
    ),
    "members.Person.education": PIField("education", "personal", "member register"),
    "members.Person.household_type": PIField("household", "personal", "migrant-worker statistics"),
    "members.Person.residence_region": PIField(
        "address", "personal", "routing new-employment-form joiners"
    ),
    "members.JoinRequest.name": PIField("name", "personal", "reviewing the application"),
    "members.JoinRequest.id_number": PIField("id_number", "personal", _ID),
    "members.JoinRequest.id_index": PIField("id_index", "personal", _ID),
    "members.JoinRequest.phone": PIField("phone", "personal", "SMS about the decision"),
    "members.JoinRequest.phone_index": PIField("phone_index", "personal", "rate limiting"),
    "members.JoinRequest.residence_region": PIField(
        "address", "personal", "routing to a holding pool"
    ),
}
