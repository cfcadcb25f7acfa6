"""Where a record is among the steps of its declared workflow: the step indicator.

The main path is read from the declarations (``transitions.StateMachine``), not written again:
from the field's default state, follow the first primary transition to a state not yet on the
path (returning, refusing and withdrawing are secondary or danger buttons; a transition back,
such as an upheld objection, leads to a state already on the path). A record in a state off
that path (returned, rejected, withdrawn) is shown after the last main step it reached.
"""

from __future__ import annotations

from dataclasses import dataclass

from gonghui.platform.workflow.transitions import StateMachine, machine_for

DONE, CURRENT, TODO = "done", "current", "todo"


@dataclass(frozen=True)
class StepMark:
    state: str
    label: str
    status: str  # done, current or todo


def main_path(machine: StateMachine, start: str) -> list[str]:
    path = [start]
    while True:
        state = path[-1]
        following = next(
            (
                t.target
                for t in machine.transitions.values()
                if state in t.source
                and t.style == "primary"
                and t.target is not None
                and t.target not in path
            ),
            None,
        )
        if following is None:
            return path
        path.append(following)


def step_marks(obj, reached: list[str] | tuple[str, ...] = ()) -> tuple[list[StepMark], str]:
    """The main path of ``obj``'s workflow, each step done, current or to do, and the label of
    the state ``obj`` is in when that is off the path ("" otherwise). ``reached`` lists the
    states the record has been in, oldest first (its history), for a record off the path."""
    machine = machine_for(type(obj))
    if machine is None:
        return [], ""
    field = obj._meta.get_field(machine.field_name)
    labels = dict(field.flatchoices)
    state = getattr(obj, machine.field_name)
    path = main_path(machine, field.get_default())
    if state in path:
        here, off = path.index(state), ""
    else:
        on_path = [s for s in reached if s in path]
        here = path.index(on_path[-1]) + 1 if on_path else 0
        off = str(labels.get(state, state))
    marks = []
    for i, step in enumerate(path):
        status = DONE if i < here else CURRENT if i == here and not off else TODO
        marks.append(StepMark(step, str(labels.get(step, step)), status))
    return marks, off
