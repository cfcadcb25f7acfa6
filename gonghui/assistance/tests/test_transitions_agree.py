"""The console, the API and the declarations offer the same transitions (issue #12 §1): for a
sample of users and of cases in several states, the case page's buttons, the API detail's
``allowed_transitions`` and ``declared(obj, user, face)`` are one set, each with the same
enabled/disabled verdict; likewise an objection's buttons and a file's."""

import pytest
from django.urls import reverse

from gonghui.assistance import actions
from gonghui.assistance.choices import ApplicationState as S
from gonghui.assistance.testing import advance, make_person, staff_application
from gonghui.assistance.workflows_cases import application_states
from gonghui.platform.testing.factories import staff_with_role
from gonghui.platform.testing.workflow import api_transitions, declared, rendered_transitions

pytestmark = pytest.mark.django_db

BIG = [
    {"aid_type": "medical", "amount_requested": "15000"},
    {"aid_type": "living", "amount_requested": "8000"},
]


@pytest.fixture
def cases(tree, staff, funded):
    """One case in each state a person acts in (and two that are over)."""
    out = {}
    for n, state in enumerate(
        [S.SUBMITTED, S.HOME_VISIT, S.VERIFICATION, S.PUBLICITY, S.APPROVAL, S.APPROVED], start=1
    ):
        person = make_person(tree.grassroots, n)
        out[state] = advance(staff, staff_application(staff, tree.grassroots, person, n=n), state)
    out["draft"] = staff_application(staff, tree.grassroots, make_person(tree.grassroots, 7), n=7)
    returned = advance(
        staff,
        staff_application(staff, tree.grassroots, make_person(tree.grassroots, 8), n=8),
        S.HOME_VISIT,
    )
    out["returned"] = actions.return_application(
        actor=staff.officer, application=returned, reason="补充病历"
    )
    objected = advance(
        staff,
        staff_application(staff, tree.grassroots, make_person(tree.grassroots, 9), n=9),
        S.PUBLICITY,
    )
    actions.record_objection(actor=staff.reviewer, application=objected, content="收入不实")
    out["objected"] = objected
    big = staff_application(
        staff, tree.grassroots, make_person(tree.grassroots, 10), items=BIG, n=10
    )
    out["big"] = advance(staff, big, S.APPROVAL)
    return out


@pytest.fixture
def users(tree, staff):
    return {
        "officer": staff.officer,
        "reviewer": staff.reviewer,
        "approver": staff.approver,
        "city_approver": staff.city_approver,
        "finance": staff.finance,
        "viewer": staff_with_role(tree.yubei, "viewer", username="viewer"),
    }


def _fresh(application):
    return (
        type(application).objects.select_related("applicant", "org", "file").get(pk=application.pk)
    )


def test_console_api_and_declarations_agree(client, cases, users):
    seen_enabled, seen_disabled = set(), set()
    for who, user in users.items():
        client.force_login(user)
        for key, case in cases.items():
            case = _fresh(case)
            page = client.get(reverse("console:assistance_application_change", args=[case.pk]))
            assert page.status_code == 200, (who, key)
            console = rendered_transitions(page.content)
            detail = client.get(f"/api/v1/assistance/applications/{case.pk}")
            assert detail.status_code == 200, (who, key)
            api = api_transitions(detail.json())
            assert console == declared(case, user, "console"), (who, key)
            assert api == declared(case, user, "api"), (who, key)
            assert console == api, (who, key)  # every case transition has both faces
            seen_enabled |= {n for n, on in console.items() if on}
            seen_disabled |= {n for n, on in console.items() if not on}
    # The sample reaches every transition a person takes, and the disabled ones with reasons.
    offered = {n for n, t in application_states.transitions.items() if "console" in t.faces}
    assert seen_enabled | seen_disabled == offered
    assert {"end_publicity", "approve"} <= seen_disabled


def test_objection_buttons_agree(client, cases, users):
    objection = cases["objected"].objections.get()
    for who, user in users.items():
        client.force_login(user)
        html = client.get(
            reverse("console:assistance_application_change", args=[objection.application_id])
        ).content.decode()
        console = {
            name: f'data-objection-transition="{name}" data-disabled' not in html
            for name in ("uphold", "dismiss")
            if f'data-objection-transition="{name}"' in html
        }
        detail = client.get(f"/api/v1/assistance/applications/{objection.application_id}")
        api = api_transitions(detail.json()["objections"][0])
        assert console == api == declared(objection, user, "console"), who


def test_file_buttons_agree(client, cases, users):
    file = cases["draft"].file
    for who, user in users.items():
        client.force_login(user)
        response = client.get(reverse("console:assistance_hardshipfile_change", args=[file.pk]))
        assert rendered_transitions(response.content) == declared(file, user, "console"), who
    # A file with a case in progress: 撤档 is shown disabled, with the reason on the page.
    file = cases[S.SUBMITTED].file
    client.force_login(users["officer"])
    html = client.get(reverse("console:assistance_hardshipfile_change", args=[file.pk]))
    html = html.content.decode()
    assert rendered_transitions(html) == {"close": False}
    assert "Finish or reject the open applications of this file first." in html
