"""Every stateful model declares its transitions (issue #12 §1): a model with a state field and
no registered workflow fails here, so the next workflow cannot skip the engine."""

from django.apps import apps

from gonghui.platform.workflow.transitions import machine_for, registered

STATE_FIELDS = ("state", "status", "decision")

# Rows with a state that no person moves. Each needs its reason.
NOT_WORKFLOWS = {
    "idempotency.idempotencykey": "replay bookkeeping of one API request, set by the middleware",
}


def stateful_models():
    for model in apps.get_models():
        if not model.__module__.startswith("gonghui"):
            continue
        for field in model._meta.fields:
            if field.choices and field.name in STATE_FIELDS:
                yield model, field.name


def test_every_stateful_model_declares_its_transitions():
    missing = [
        model._meta.label
        for model, _field in stateful_models()
        if model._meta.label_lower not in NOT_WORKFLOWS and machine_for(model) is None
    ]
    assert missing == [], f"stateful models without declared transitions: {missing}"


def test_declarations_cover_every_state_of_their_field():
    """A state that no transition leads to or from is a state nobody can reach or leave."""
    problems = []
    for label, machine in registered().items():
        field = machine.model._meta.get_field(machine.field_name)
        states = {value for value, _label in field.choices}
        touched = set()
        for t in machine.transitions.values():
            touched |= set(t.source)
            if t.target:
                touched.add(t.target)
        unknown = touched - states
        if unknown:
            problems.append(f"{label}: transitions name unknown states {sorted(unknown)}")
        untouched = states - touched - set(getattr(machine, "initial", ()) or ())
        if untouched:
            problems.append(f"{label}: no transition reaches or leaves {sorted(untouched)}")
    assert problems == []


def test_every_offered_transition_is_labelled_and_runs_something():
    problems = []
    for label, machine in registered().items():
        for t in machine.transitions.values():
            if not t.faces:
                continue  # run by the platform itself (a job), never offered
            if not t.label:
                problems.append(f"{label}.{t.name}: no label")
            if t.execute is None:
                problems.append(f"{label}.{t.name}: offered but runs nothing")
    assert problems == []


def test_every_field_a_person_fills_in_has_a_translatable_title():
    """A form built from an input schema labels each field with its ``title`` (translated);
    without one the console or portal would show the identifier, in English."""
    untitled = []
    for label, machine in registered().items():
        for t in machine.transitions.values():
            if not t.faces or t.input is None or t.form is not None:
                continue
            for name, info in t.input.model_fields.items():
                if not info.title:
                    untitled.append(f"{label}.{t.name}.{name}")
    assert untitled == []
