"""Union building: founding (建会), committee terms (换届), the three teams (三支队伍) and the
duty lists with their responsibility letters (四类责任清单).

The package is split by what a module holds; every name is importable from here as before:

* :mod:`.common` — position codes, the committee text format and the shared guards;
* :mod:`.founding` — the founding application's declared transitions and its actions;
* :mod:`.terms` — terms, officials and the three teams (actions; no state machine);
* :mod:`.duties` — the duty list's declared transition and the list and letter actions;
* :mod:`.queries` — the scoped reads the console needs (terms due, letters not signed).

The actions are the only write path for these models; the console calls them.
"""

from gonghui.orgs.building.common import (
    DUE_WITHIN_DAYS,
    POSITION_ALIASES,
    UNION_AUTHORITY,
    format_committee,
    parse_committee,
)
from gonghui.orgs.building.duties import (
    create_duty_list,
    duty_list_states,
    publish_duty_list,
    sign_duty_letter,
    update_duty_list,
)
from gonghui.orgs.building.founding import (
    FOUNDING_FIELDS,
    approve_founding_application,
    create_founding_application,
    founding_states,
    reject_founding_application,
    return_founding_application,
    submit_founding_application,
    update_founding_application,
)
from gonghui.orgs.building.queries import (
    lists_for_org,
    signable_lists,
    terms_due,
    terms_overdue,
    unsigned_letters,
)
from gonghui.orgs.building.terms import (
    TEAM_MEMBER_FIELDS,
    appoint_official,
    appoint_team_member,
    end_official,
    end_team_member,
    start_term,
    update_team_member,
)

__all__ = [
    "DUE_WITHIN_DAYS",
    "FOUNDING_FIELDS",
    "POSITION_ALIASES",
    "TEAM_MEMBER_FIELDS",
    "UNION_AUTHORITY",
    "appoint_official",
    "appoint_team_member",
    "approve_founding_application",
    "create_duty_list",
    "create_founding_application",
    "duty_list_states",
    "end_official",
    "end_team_member",
    "format_committee",
    "founding_states",
    "lists_for_org",
    "parse_committee",
    "publish_duty_list",
    "reject_founding_application",
    "return_founding_application",
    "sign_duty_letter",
    "signable_lists",
    "start_term",
    "submit_founding_application",
    "terms_due",
    "terms_overdue",
    "unsigned_letters",
    "update_duty_list",
    "update_founding_application",
    "update_team_member",
]
