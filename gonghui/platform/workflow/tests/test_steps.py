"""The step indicator's main path is read from the declared transitions of each workflow."""

import pytest

from gonghui.platform.workflow.steps import CURRENT, DONE, TODO, main_path, step_marks
from gonghui.platform.workflow.transitions import StateMachine, Transition, registered


def test_the_main_path_follows_primary_transitions_and_skips_the_way_back():
    machine = StateMachine(
        "state",
        [
            Transition("send", frozenset({"draft"}), "sent"),
            Transition("refuse", frozenset({"sent"}), "refused", style="danger"),
            Transition("back", frozenset({"sent"}), "draft"),
            Transition("accept", frozenset({"sent"}), "accepted"),
            Transition("again", frozenset({"accepted"}), "accepted"),
        ],
    )
    assert main_path(machine, "draft") == ["draft", "sent", "accepted"]


def test_every_registered_workflow_has_a_main_path_from_its_default_state():
    for label, machine in registered().items():
        field = machine.model._meta.get_field(machine.field_name)
        path = main_path(machine, field.get_default())
        assert len(path) == len(set(path)), label


@pytest.mark.django_db
def test_marks_of_a_case_on_and_off_the_path():
    from gonghui.assistance.models import Application

    on_path = Application(state="verification")
    marks, off = step_marks(on_path)
    statuses = {m.state: m.status for m in marks}
    assert off == ""
    assert statuses["home_visit"] == DONE and statuses["verification"] == CURRENT
    assert statuses["closed"] == TODO

    returned = Application(state="returned")
    marks, off = step_marks(returned, ["draft", "submitted", "home_visit"])
    assert off == "Returned for correction"
    assert [m.status for m in marks][:4] == [DONE, DONE, DONE, TODO]
