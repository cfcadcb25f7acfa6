"""Joining, membership states and transfers. The only write path for members.

Messages are English msgids translated to Chinese; guards raise ActionError with a code the
API returns and the tests check. One module per concern; every name stays importable from
``gonghui.members.actions``:

* ``people`` - the identifying fields, the person found city-wide, memberships and cards;
* ``join_requests`` - applying, approving and refusing, the review's working-day clock;
* ``memberships`` - members entered by staff, retain/withdraw/lapse/reinstate/expel;
* ``transfers`` - asking, approving on each side, refusing and withdrawing a transfer;
* ``channels`` - the QR posters.

The states these actions move, and who is offered each move on the console, the API and the
portal, are declared once in members/workflows.py; the actions move a state only through
those declarations (``people.move``).
"""

from gonghui.members.actions.channels import create_join_channel, revoke_join_channel
from gonghui.members.actions.join_requests import (
    BatchResult,
    _approve,
    approve_join_request,
    batch_approve_join_requests,
    channel_usable,
    is_overdue,
    reject_join_request,
    review_due,
    submit_join_request,
    working_days_between,
)
from gonghui.members.actions.memberships import (
    ENDING,
    STATE_CHANGES,
    change_membership_state,
    flag_lapsing_memberships,
    register_member,
)
from gonghui.members.actions.people import (
    MEMBER_ORG_KINDS,
    CleanPerson,
    _check_member_org,
    _create_membership,
    _link_account,
    _notify,
    _upsert_person,
    card_number_for,
    clean_person,
    current_membership_of_id,
    link_member_account,
    member_org_problem,
    move,
    pinyin_of,
)
from gonghui.members.actions.review_flags import clear_review_flag, flag_for_review
from gonghui.members.actions.transfers import (
    _end_transfer,
    _sender_must_approve,
    approve_transfer,
    approve_transfer_sending,
    cancel_transfer,
    describe_phone,
    find_receiving_org,
    reject_transfer,
    request_transfer,
)

__all__ = [
    "ENDING",
    "MEMBER_ORG_KINDS",
    "STATE_CHANGES",
    "BatchResult",
    "CleanPerson",
    "_approve",
    "_check_member_org",
    "_create_membership",
    "_end_transfer",
    "_link_account",
    "_notify",
    "_sender_must_approve",
    "_upsert_person",
    "approve_join_request",
    "approve_transfer",
    "approve_transfer_sending",
    "batch_approve_join_requests",
    "cancel_transfer",
    "card_number_for",
    "change_membership_state",
    "channel_usable",
    "clean_person",
    "clear_review_flag",
    "create_join_channel",
    "current_membership_of_id",
    "describe_phone",
    "find_receiving_org",
    "flag_for_review",
    "flag_lapsing_memberships",
    "is_overdue",
    "link_member_account",
    "member_org_problem",
    "move",
    "pinyin_of",
    "register_member",
    "reject_join_request",
    "reject_transfer",
    "request_transfer",
    "review_due",
    "revoke_join_channel",
    "submit_join_request",
    "working_days_between",
]
