"""Member, join-request, join-channel and transfer endpoints (the public join form is in
``members.api_public``).

Every read goes through ``restrict``; every write calls an action. ID numbers and phones
leave the server masked only: there is no plain value in any response body.

The state changes of a membership, a join request and a transfer are one endpoint each,
``POST …/{id}/{name}``, built from their declarations (members/workflows.py) with each its own
body schema; every detail says ``allowed_transitions`` (name, label, enabled, reasons). A
failing ``check`` answers 409 ``transition_refused`` with the reasons in ``details``. The old
catch-all ``POST /members/{id}/state`` and ``POST /transfers/{id}/approve`` answer 410 naming
the new paths; ``/join-requests/{id}/approve`` and ``/reject`` and ``/transfers/{id}/reject``
are the generated endpoints themselves.
"""

from gonghui.members.api.channel_routes import join_channels
from gonghui.members.api.join_request_routes import join_requests
from gonghui.members.api.member_routes import _visible_members, members
from gonghui.members.api.transfer_routes import transfers

__all__ = ["_visible_members", "join_channels", "join_requests", "members", "transfers"]
