from gonghui.platform.pii.registry import PIField

PI_FIELDS = {
    "orgs.Org.contact_phone": PIField("phone", "personal", "contacting the union's liaison"),
    "orgs.Org.contact_name": PIField("name", "personal", "contacting the union's liaison"),
    "orgs.FoundingApplication.contact_name": PIField(
        "name", "personal", "contacting the applicants of a union founding"
    ),
    "orgs.FoundingApplication.contact_phone": PIField(
        "phone", "personal", "contacting the applicants of a union founding"
    ),
    "orgs.FoundingApplication.proposed_chair": PIField(
        "name", "personal", "reviewing the proposed committee of a new union"
    ),
    "orgs.FoundingApplication.committee": PIField(
        "name", "personal", "reviewing the proposed committee of a new union"
    ),
    "orgs.Official.name": PIField("name", "personal", "the register of union officials"),
    "orgs.Official.phone": PIField("phone", "personal", "contacting union officials"),
    "orgs.TeamMember.name": PIField("name", "personal", "the register of the three teams"),
    "orgs.TeamMember.phone": PIField("phone", "personal", "contacting team members"),
    "orgs.DutyLetter.signed_by": PIField(
        "name", "personal", "recording who signed a responsibility letter"
    ),
}

NOT_PI = {
    "orgs.Org.address": "the union's office address, published",
    "orgs.Employer.address": "an employer's registered address, published",
}
