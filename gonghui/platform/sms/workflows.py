"""Declared states of an outbox SMS (outbox.py). Only the platform's sender moves a row, with
guarded UPDATEs so two processors never send one SMS twice: queued → sent, or queued → failed
once its attempts are spent or its code expired. No transition has a face; they are declared so
the table of states is complete and the console shows them as every other state."""

from gonghui.platform.sms.models import OutboxSMS, OutboxState
from gonghui.platform.workflow.transitions import StateMachine, Transition, register

S = OutboxState

outbox_states = StateMachine(
    "state",
    [
        Transition("send", frozenset({S.QUEUED}), S.SENT, faces=frozenset()),
        Transition("give_up", frozenset({S.QUEUED}), S.FAILED, faces=frozenset()),
    ],
)


def register_workflows() -> None:
    register(OutboxSMS, outbox_states)
