"""Demo data for hardship assistance (困难帮扶"一件事").

Staff of 渝北区总工会 (the district assistance centre) and of the city run a set of household
files and applications through every state of the review path, budgets for the year are
partly spent, two payment batches went to the bank (one with a failed transfer), the district
ran its annual review with the 30 % spot-check draw, and two seasonal campaigns recorded
condolence visits.

Everything after the staff accounts goes through :mod:`gonghui.assistance.actions` (and, when
the tiny test demo has too few members in 渝北, :func:`gonghui.members.actions.register_member`),
so every step has its audit event. Deterministic and idempotent: once any hardship file exists
in 渝北 the seeder only makes sure the accounts exist.

The package, by concern: :mod:`.staff` (accounts), :mod:`.households` (applicants and their
households), :mod:`.documents` (generated attachments), :mod:`.cases` (the case table),
:mod:`.review` (driving each case through the actions), :mod:`.timeline` (dates and step
times that agree with each case's state), :mod:`.campaigns` (seasonal campaigns and visits)
and :mod:`.seeder` (:func:`seed_assistance`). Cases in publicity are on 渝北's public notice
(``/gs/<org id>/``).
"""

from gonghui.demo.seed_assistance.cases import CASES, LI_NA_CASE, ORDER
from gonghui.demo.seed_assistance.households import (
    CHILD_GIVEN,
    EXTRA_NAMES,
    PARENT_GIVEN,
    POSITIONS,
    SPOUSE_NAMES,
)
from gonghui.demo.seed_assistance.seeder import (
    CITY_BUDGETS,
    DEMO_NOTE,
    YUBEI_BUDGETS,
    seed_assistance,
)
from gonghui.demo.seed_assistance.staff import AssistanceSeed, AssistanceStaff, ensure_staff

__all__ = [
    "CASES",
    "CHILD_GIVEN",
    "CITY_BUDGETS",
    "DEMO_NOTE",
    "EXTRA_NAMES",
    "LI_NA_CASE",
    "ORDER",
    "PARENT_GIVEN",
    "POSITIONS",
    "SPOUSE_NAMES",
    "YUBEI_BUDGETS",
    "AssistanceSeed",
    "AssistanceStaff",
    "ensure_staff",
    "seed_assistance",
]
