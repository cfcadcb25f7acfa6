"""The permission matrix (security.md §6, AC-1..AC-5): one test per role × object × action.

The expected answers live in ``gonghui/platform/access/matrix.yaml`` (reviewed). Each cell
runs every probe (the API and/or console request that performs the action) of its
object × action, and checks the HTTP status, the exact JSON field set of 200s, whether the
object is visible in lists/exports/reveals, and that refused writes changed nothing.
"""

from __future__ import annotations

import json
import os
import uuid

import pytest
from django.db import transaction

from gonghui.platform.access.tests.matrix import World, build_world, load_matrix, xlsx_text

MATRIX = load_matrix()
ROLES = list(MATRIX["roles"])
OBJECTS = list(MATRIX["objects"])
ACTIONS = list(MATRIX["actions"])


def actions_of(obj: str) -> list[str]:
    """The eight actions every object has, plus the object's own (``extra_actions``)."""
    return ACTIONS + list(MATRIX["objects"][obj].get("extra_actions", []))


CELLS = [(r, o, a) for r in ROLES for o in OBJECTS for a in actions_of(o)]

# Set MATRIX_RECORD=/path.json to write what each cell observed (for reviewing a change to
# the YAML); the tests still assert.
RECORD = os.environ.get("MATRIX_RECORD")
_recorded: dict = {}


@pytest.fixture(autouse=True)
def _password_only(settings):
    # The second factor has its own tests (gonghui/accounts/tests/test_twofactor.py); the
    # matrix is about what a logged-in, verified user may do.
    settings.GONGHUI_REQUIRE_2FA = False


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction that is rolled back at the end; each test
    runs in its own savepoint (pytest-django's ``db``), so allowed writes do not leak."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            if RECORD:
                with open(RECORD, "w", encoding="utf-8") as handle:
                    json.dump(_recorded, handle, ensure_ascii=False, indent=1, sort_keys=True)


def _fmt(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k.format(**ids): _fmt(v, ids) for k, v in value.items()}
    return value


def _snapshot(world: World, obj: str):
    """Every stored value of the rows the object's writes would touch ("*": every row of the
    model, so that a created row counts as a change)."""
    from django.apps import apps

    rows = []
    for label, key in MATRIX["objects"][obj]["rows"].items():
        model = apps.get_model(label)
        qs = model.objects.all() if key == "*" else model.objects.filter(pk=world.ids[key])
        rows.append(list(qs.order_by("pk").values()))
    return rows


def _totp(probe: dict, user) -> dict:
    """``totp: {field: name, valid: bool}``: a code from the logged-in user's authenticator
    typed now (or one it does not accept), as a form field."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from gonghui.platform.testing.tokens import current_code, wrong_code

    spec = probe.get("totp")
    if not spec or user is None:
        return {}
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    code = current_code(device) if spec.get("valid", True) else wrong_code(device)
    return {spec["field"]: code}


def run_probe(client, world: World, obj: str, probe: dict, user=None) -> dict:
    ids = world.ids
    url = _fmt(probe["url"], ids)
    method = probe.get("method", "GET").lower()
    kwargs = {}
    if "data" in probe:
        data = {**_fmt(probe["data"], ids), **_totp(probe, user)}
        if probe.get("json"):
            kwargs = {"data": json.dumps(data), "content_type": "application/json"}
        else:
            kwargs = {"data": data}
    elif probe.get("json"):
        kwargs = {"data": "{}", "content_type": "application/json"}
    if probe.get("idempotency_key"):
        kwargs["headers"] = {"Idempotency-Key": str(uuid.uuid4())}
    before = _snapshot(world, obj) if probe.get("mutates") else None
    response = getattr(client, method)(url, **kwargs)
    seen: dict = {"status": response.status_code}
    is_json = response.get("Content-Type", "").startswith("application/json")
    if response.status_code == 200 and is_json and not probe.get("mutates"):
        body = response.json()
        if "sees_id" in probe:  # a paginated list: {"items": [...], "count": n}
            items = body["items"]
            seen["fields"] = sorted(items[0]) if items else None
            seen["sees"] = any(item.get("id") == int(_fmt(probe["sees_id"], ids)) for item in items)
        else:
            seen["fields"] = sorted(body)
    if response.status_code == 200 and "sees_text" in probe:
        content = b"".join(response.streaming_content) if response.streaming else response.content
        if content[:2] == b"PK":  # xlsx
            content = xlsx_text(content).encode()
        elif is_json:  # compare with the decoded text, not \uXXXX escapes
            content = json.dumps(response.json(), ensure_ascii=False).encode()
        seen["sees"] = _fmt(probe["sees_text"], ids) in content.decode("utf-8", "replace")
    if before is not None:
        seen["changed"] = _snapshot(world, obj) != before
    return seen


def _expected(cell, probe_name):
    want = cell[probe_name]
    if isinstance(want, int):
        want = {"status": want}
    want = dict(want)
    fieldset = want.get("fields")
    if isinstance(fieldset, str):
        want["fields"] = sorted(MATRIX["fields"][fieldset])
    return want


@pytest.mark.parametrize(("role", "obj", "act"), CELLS, ids=["-".join(c) for c in CELLS])
def test_cell(client, db, world, role, obj, act):
    cell = MATRIX["expect"][role][obj][act]
    probes = MATRIX["probes"][obj][act]
    assert set(cell) - {"note"} == set(probes), "every probe of the action needs an answer"
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    failures = []
    for name, probe in probes.items():
        sid = transaction.savepoint()
        seen = run_probe(client, world, obj, probe, user=user)
        transaction.savepoint_rollback(sid)
        if RECORD:
            _recorded.setdefault(role, {}).setdefault(obj, {}).setdefault(act, {})[name] = seen
        want = _expected(cell, name)
        got = {k: seen.get(k) for k in want if k != "note"}
        want = {k: v for k, v in want.items() if k != "note"}
        if got != want:
            failures.append(f"{name}: expected {want}, got {seen}")
        if probe.get("mutates") and seen["status"] in (401, 403, 404, 405):
            assert not seen.get("changed"), f"{name}: a refused request changed the row"
    assert not failures, "; ".join(failures)


def test_matrix_is_complete():
    """Every role × object × action has a cell, every decision names a real cell, every
    field-set name is used."""
    for role in ROLES:
        for obj in OBJECTS:
            assert set(MATRIX["expect"][role][obj]) == set(actions_of(obj)), (role, obj)
    for obj in OBJECTS:
        assert set(MATRIX["probes"][obj]) == set(actions_of(obj)), obj
    for obj, acts in MATRIX["decisions"].items():
        assert obj in OBJECTS and set(acts) <= set(actions_of(obj)), obj
    used = {
        want["fields"]
        for role in ROLES
        for obj in OBJECTS
        for act in actions_of(obj)
        for name, want in MATRIX["expect"][role][obj][act].items()
        if isinstance(want, dict) and isinstance(want.get("fields"), str)
    }
    assert used == set(MATRIX["fields"])
