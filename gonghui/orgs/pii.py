from gonghui.platform.pii.registry import PIField

PI_FIELDS = {
    "orgs.Org.contact_phone": PIField("phone", "personal", "contacting the union's liaison"),
    "orgs.Org.contact_name": PIField("name", "personal", "contacting the union's liaison"),
}

NOT_PI = {
    "orgs.Org.address": "the union's office address, published",
    "orgs.Employer.address": "an employer's registered address, published",
}
