"""Hardship assistance: the only write path for files, applications, budgets and payments.

The review path of an application::

    draft ─submit→ submitted ─first_review→ home_visit ─home_visit→ verification
      ─verify→ publicity ─end_publicity→ approval ─approve→ approved ─(all paid)→ closed

From every step in review the case can be returned for correction (→ returned, the submitter
edits and submits again) or rejected (→ rejected), each with a required reason. An upheld
objection during publicity sends the case back to verification. An approver below the level
of the verified total refers the case up (escalate, approval → approval).

The transitions are declared once in :mod:`gonghui.assistance.workflows_cases` (label,
permission, input, the reasons they cannot run now); the actions move a state only through
those declarations (``application_states.apply``).

Money: approving reserves each item's amount in the budget of the nearest org (the union
itself or an ancestor) that has one for the year and aid type; paying moves it from reserved
to paid. Row locks on the item and the budget serialise payments; the partial unique index
on live payments is the backstop (see ``tests/test_payment_race.py``).

The actions live in one module per area (files, applications, review, approval, money,
annual_review, campaigns); this package re-exports them, so callers import
``gonghui.assistance.actions`` and use ``actions.<name>``.
"""

from gonghui.assistance.actions._common import (
    ALLOWED_UPLOAD_TYPES,
    CENT,
    MAX_AMOUNT,
    MAX_BUDGET,
    MAX_UPLOAD_BYTES,
    S,
    parse_amount,
)
from gonghui.assistance.actions.annual_review import (
    MIN_SPOT_CHECK,
    decide_review_entry,
    draw_sample,
    start_annual_review,
)
from gonghui.assistance.actions.applications import (
    STEP_PERMISSION,
    application_states,
    completeness_problems,
    member_save_application,
    save_application,
    submit_application,
    withdraw_application,
)
from gonghui.assistance.actions.approval import (
    LEVEL_NAMES,
    MAKER,
    above_level,
    approve,
    below_level,
    budget_for,
    escalate_application,
    level_name,
    made_by,
    required_approval_depth,
    verified_total,
)
from gonghui.assistance.actions.campaigns import (
    CleanVisit,
    clean_visit,
    record_visit,
    save_campaign,
)
from gonghui.assistance.actions.files import (
    FILE_FIELDS,
    FILE_MONEY_FIELDS,
    FILE_TEXT_FIELDS,
    CleanMember,
    _write_file,
    close_file,
    file_states,
    has_open_applications,
    save_file,
    upload_attachment,
)
from gonghui.assistance.actions.money import (
    BANK_FILE_HEADER,
    BankFile,
    create_batch,
    export_bank_file,
    record_payment,
    record_payment_failure,
    set_budget,
)
from gonghui.assistance.actions.review import (
    OBJECTION_OPEN,
    VERIFY_LEVEL,
    decide_objection,
    end_publicity,
    first_review,
    has_open_objections,
    may_verify,
    objection_states,
    record_home_visit,
    record_objection,
    reject_application,
    return_application,
    verify,
)

__all__ = [
    "ALLOWED_UPLOAD_TYPES",
    "BANK_FILE_HEADER",
    "CENT",
    "FILE_FIELDS",
    "FILE_MONEY_FIELDS",
    "FILE_TEXT_FIELDS",
    "LEVEL_NAMES",
    "MAKER",
    "MAX_AMOUNT",
    "MAX_BUDGET",
    "MAX_UPLOAD_BYTES",
    "MIN_SPOT_CHECK",
    "OBJECTION_OPEN",
    "STEP_PERMISSION",
    "VERIFY_LEVEL",
    "BankFile",
    "CleanMember",
    "CleanVisit",
    "S",
    "_write_file",
    "above_level",
    "application_states",
    "approve",
    "below_level",
    "budget_for",
    "clean_visit",
    "close_file",
    "completeness_problems",
    "create_batch",
    "decide_objection",
    "decide_review_entry",
    "draw_sample",
    "end_publicity",
    "escalate_application",
    "export_bank_file",
    "file_states",
    "first_review",
    "has_open_applications",
    "has_open_objections",
    "level_name",
    "made_by",
    "may_verify",
    "member_save_application",
    "objection_states",
    "parse_amount",
    "record_home_visit",
    "record_objection",
    "record_payment",
    "record_payment_failure",
    "record_visit",
    "reject_application",
    "required_approval_depth",
    "return_application",
    "save_application",
    "save_campaign",
    "save_file",
    "set_budget",
    "start_annual_review",
    "submit_application",
    "upload_attachment",
    "verified_total",
    "verify",
    "withdraw_application",
]
