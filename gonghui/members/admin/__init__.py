"""Console pages for members: the member list, people, the join review queue, transfers and
QR join channels. Reads go through ``restrict``; every write calls an action; the buttons of
a join request, a transfer and a membership come from their declared transitions
(members/workflows.py) and each runs on the ``<pk>/do/<name>/`` page of ``TransitionAdmin``.

One module per page family; the names other modules use stay importable from here (the roster
upload and the export pages are members/admin_imports.py)."""

from gonghui.members.admin.channels import JoinChannelAdmin, JoinChannelForm, poster_url
from gonghui.members.admin.join_requests import (
    FINDING_LABELS,
    JoinAgeFilter,
    JoinRequestAdmin,
    JoinStateFilter,
)
from gonghui.members.admin.memberships import (
    MEMBERSHIP_DETAIL_FIELDS,
    PERSON_DETAIL_FIELDS,
    MembershipAddForm,
    MembershipAdmin,
    PersonAdmin,
)
from gonghui.members.admin.shared import (
    LapsingFilter,
    PersonColumns,
    SubtreeFilter,
    TransferSubtreeFilter,
    member_org_choices,
    reveal_fields,
    run_action,
)
from gonghui.members.admin.transfers import TransferAdmin

__all__ = [
    "FINDING_LABELS",
    "MEMBERSHIP_DETAIL_FIELDS",
    "PERSON_DETAIL_FIELDS",
    "JoinAgeFilter",
    "JoinChannelAdmin",
    "JoinChannelForm",
    "JoinRequestAdmin",
    "JoinStateFilter",
    "LapsingFilter",
    "MembershipAddForm",
    "MembershipAdmin",
    "PersonAdmin",
    "PersonColumns",
    "SubtreeFilter",
    "TransferAdmin",
    "TransferSubtreeFilter",
    "member_org_choices",
    "poster_url",
    "reveal_fields",
    "run_action",
]
