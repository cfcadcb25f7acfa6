"""A realistic, deterministic city for benchmarks: ``manage.py generate_city``.

The real Chongqing tree (38 districts and counties, their 1,000+ townships and streets, the
functional zones, the city industry unions and new-employment-form federations), grassroots
unions in proportion to the number of members (one per ~300), employers with valid unique
USCCs, people with valid unique ID numbers and mobiles, memberships in every state and
employment form with join dates over twelve years, transfers, join requests (a small share
pending), and a small share of hardship files, aid applications and condolence visits.

Fast: rows are prepared in Python and written with ``executemany`` (SQLite) or ``COPY``
(PostgreSQL) in batches of 5,000 rows, one transaction per batch, with explicit primary keys
(so card and file numbers need no second write). It never goes through the per-row action
layer, so it writes no audit events: the people are fictitious.

Deterministic: one ``random.Random(seed)`` drives everything, and every date is derived from
a fixed reference date (``as_of``), never from the clock. Only the ciphertexts differ between
runs (AES-GCM nonces are random by design); the plaintexts and blind indexes are identical.

Unique by construction, so memory stays flat: ID numbers draw a sequence number from a
counter per (region, birth date, sex) walked through a fixed permutation; mobiles walk a
permutation of each prefix's 10**8 numbers. With ``append`` the blind indexes already in the
database are loaded and skipped.

The package, by concern: :mod:`.common` (reference date, batch size, the refusal),
:mod:`.words` (word lists and shares), :mod:`.identifiers` (unique ID numbers and mobiles,
blind indexes, encryption), :mod:`.writer` (the bulk insert), :mod:`.tree` (orgs and
employers), :mod:`.people` (people, memberships, transfers, join requests),
:mod:`.assistance` (hardship files to condolence visits) and :mod:`.generator` (the run and
:func:`generate_city`).
"""

from gonghui.demo.generate.common import (
    BATCH,
    DEFAULT_AS_OF,
    GENERATOR_USERNAME,
    GenerateRefused,
)
from gonghui.demo.generate.generator import CityGenerator, generate_city
from gonghui.demo.generate.identifiers import (
    BIRTH_FIRST,
    BIRTH_LAST,
    Encryptor,
    IdNumbers,
    Mobiles,
    blind_index,
)
from gonghui.demo.generate.tree import (
    ALPHABET,
    DATA,
    MEMBERS_PER_GRASSROOTS,
    City,
    Node,
)
from gonghui.demo.generate.words import (
    BRANDS,
    CITY_FEDERATION_FORMS,
    DISTRICT_FEDERATIONS,
    END_REASONS,
    ETHNICITIES,
    FUNCTIONAL_ZONES,
    GIVEN,
    INDUSTRY_SECTIONS,
    MIGRANT_REGIONS,
    MOBILE_PREFIXES,
    NEW_FORMS,
    PLATFORMS,
    SECTION_WEIGHTS,
    STATE_SHARES,
    SURNAMES,
    TRADES,
)
from gonghui.demo.generate.writer import Writer

__all__ = [
    "ALPHABET",
    "BATCH",
    "BIRTH_FIRST",
    "BIRTH_LAST",
    "BRANDS",
    "CITY_FEDERATION_FORMS",
    "DATA",
    "DEFAULT_AS_OF",
    "DISTRICT_FEDERATIONS",
    "END_REASONS",
    "ETHNICITIES",
    "FUNCTIONAL_ZONES",
    "GENERATOR_USERNAME",
    "GIVEN",
    "INDUSTRY_SECTIONS",
    "MEMBERS_PER_GRASSROOTS",
    "MIGRANT_REGIONS",
    "MOBILE_PREFIXES",
    "NEW_FORMS",
    "PLATFORMS",
    "SECTION_WEIGHTS",
    "STATE_SHARES",
    "SURNAMES",
    "TRADES",
    "City",
    "CityGenerator",
    "Encryptor",
    "GenerateRefused",
    "IdNumbers",
    "Mobiles",
    "Node",
    "Writer",
    "blind_index",
    "generate_city",
]
