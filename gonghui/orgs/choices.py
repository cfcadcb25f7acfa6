from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    CITY_FEDERATION = "city_federation", _("City federation of trade unions")
    DISTRICT_FEDERATION = "district_federation", _("District/county federation")
    INDUSTRY_UNION = "industry_union", _("Industry union")
    UNION_FEDERATION = "union_federation", _("Union federation")
    TOWNSHIP_FEDERATION = "township_federation", _("Township/sub-district federation")
    GRASSROOTS = "grassroots", _("Grassroots union")
    HOLDING_POOL = "holding_pool", _("Holding pool")


# Which kinds may sit under which: keeps the tree meaningful (a grassroots union has no
# children; a holding pool hangs under a district).
ALLOWED_CHILDREN = {
    OrgKind.CITY_FEDERATION: {
        OrgKind.DISTRICT_FEDERATION,
        OrgKind.INDUSTRY_UNION,
        OrgKind.UNION_FEDERATION,
        OrgKind.GRASSROOTS,
        OrgKind.HOLDING_POOL,
    },
    OrgKind.DISTRICT_FEDERATION: {
        OrgKind.TOWNSHIP_FEDERATION,
        OrgKind.UNION_FEDERATION,
        OrgKind.INDUSTRY_UNION,
        OrgKind.GRASSROOTS,
        OrgKind.HOLDING_POOL,
    },
    OrgKind.INDUSTRY_UNION: {OrgKind.UNION_FEDERATION, OrgKind.GRASSROOTS},
    OrgKind.UNION_FEDERATION: {OrgKind.GRASSROOTS, OrgKind.UNION_FEDERATION},
    OrgKind.TOWNSHIP_FEDERATION: {OrgKind.UNION_FEDERATION, OrgKind.GRASSROOTS},
    OrgKind.GRASSROOTS: set(),
    OrgKind.HOLDING_POOL: set(),
}


class OrgStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISSOLVED = "dissolved", _("Dissolved")
    MERGED = "merged", _("Merged")


class Ownership(models.TextChoices):
    STATE = "state", _("State-owned")
    COLLECTIVE = "collective", _("Collective")
    PRIVATE = "private", _("Private")
    FOREIGN = "foreign", _("Foreign-invested")
    HMT = "hmt", _("Hong Kong/Macao/Taiwan-invested")
    JOINT = "joint", _("Joint/mixed ownership")
    OTHER = "other", _("Other")


class IndustrySection(models.TextChoices):
    """GB/T 4754-2017 门类 (sections A–T)."""

    A = "A", _("Agriculture, forestry, animal husbandry and fishery")
    B = "B", _("Mining")
    C = "C", _("Manufacturing")
    D = "D", _("Electricity, heat, gas and water supply")
    E = "E", _("Construction")
    F = "F", _("Wholesale and retail")
    G = "G", _("Transport, storage and postal services")
    H = "H", _("Accommodation and catering")
    I = "I", _("Information transmission, software and IT services")  # noqa: E741
    J = "J", _("Finance")
    K = "K", _("Real estate")
    L = "L", _("Leasing and business services")
    M = "M", _("Scientific research and technical services")
    N = "N", _("Water, environment and public facilities management")
    O = "O", _("Residential, repair and other services")  # noqa: E741
    P = "P", _("Education")
    Q = "Q", _("Health and social work")
    R = "R", _("Culture, sports and entertainment")
    S = "S", _("Public administration, social security and social organisations")
    T = "T", _("International organisations")
