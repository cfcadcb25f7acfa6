"""Adversarial identity: someone claims a person on file (issue #11, findings 1 and 7).

The attacks, each tried through the portal, the API and the console:

* a returning member with a new phone — or an attacker who knows a former member's name and
  ID number and proves *his own* phone by SMS;
* a current member's ID submitted from another phone (the membership oracle);
* a phone already on file for another person;
* a changed phone (staff entry, roster import) and what the old number's account keeps;
* account linking: who may answer a claim, and which record an account opens.

The rule under test: nothing that arrives through an unauthenticated channel changes a
person's verified contact data; a claim is approved only after proof (the person confirms
from the phone on file, or staff record an in-person ID check); the person on file is told.
"""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from gonghui.members import actions, identity
from gonghui.members.choices import IdentityProof, JoinRequestState, MembershipState
from gonghui.members.models import JoinRequest, Membership, Person
from gonghui.members.tests.test_search import make_id, make_phone, member
from gonghui.members.tokens import join_token
from gonghui.platform.consent.testing import api_join_consent
from gonghui.platform.pii.fields import index_for
from gonghui.platform.sms.backends import LocmemBackend
from gonghui.platform.sms.models import SMSCode
from gonghui.platform.testing.factories import MemberFactory
from gonghui.platform.testing.workflow import rendered_transitions
from gonghui.platform.workflow.base import ActionError, OutOfScope

pytestmark = pytest.mark.django_db

VICTIM_PHONE = make_phone(1)
ATTACKER_PHONE = "13700137000"
VICTIM_ID = make_id(1)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def former_member(tree):
    """邓某: joined, withdrew; her record has her phone and her account is linked."""
    m = member(tree, 1, name="邓丽", phone=VICTIM_PHONE)
    actions.change_membership_state(
        actor=tree.yubei_admin, membership=m, transition="withdraw", reason="离职"
    )
    person = Person.objects.get(pk=m.person_id)
    person.user = MemberFactory(phone=VICTIM_PHONE)
    person.save(update_fields=["user"])
    return person


@pytest.fixture
def channel(tree):
    return actions.create_join_channel(actor=tree.yubei_admin, org=tree.grassroots, label="海报")


def apply_as(tree, *, name="邓丽", id_number=VICTIM_ID, phone=ATTACKER_PHONE, channel=None):
    """An application made straight through the action, as both public faces make it."""
    return actions.submit_join_request(
        actor=None,
        org=tree.grassroots,
        channel=channel,
        name=name,
        id_number=id_number,
        phone=phone,
        employer_name="某某公司",
        employment_form="standard",
    )


def texts_to(phone: str) -> list[str]:
    return [text for to, text in LocmemBackend.outbox if to == phone]


def portal_join(client, channel, capture, *, name, id_number, phone):
    data = {
        "name": name,
        "id_number": id_number,
        "phone": phone,
        "employer_name": "某某外卖平台",
        "employment_form": "food_delivery",
        "privacy_notice": "on",
        "sensitive_consent": "on",
    }
    url = f"/m/join/{join_token(channel)}/"
    with capture(execute=True):
        client.post(url, {**data, "step": "send_code"})
    code = re.search(r"(?<!\d)\d{6}(?!\d)", texts_to(phone)[-1]).group(0)
    with capture(execute=True):
        response = client.post(url, {**data, "code": code, "step": "submit"})
    done = client.get("/m/join/done/") if response.status_code == 302 else None
    return response, done


def api_join(client, channel, capture, *, name, id_number, phone):
    from gonghui.platform.sms.services import send_login_code

    code = send_login_code(phone=phone, ip=None, purpose="join").code
    body = {
        "token": join_token(channel),
        "name": name,
        "id_number": id_number,
        "phone": phone,
        "sms_code": code,
        "employer_name": "某某外卖平台",
        "employment_form": "food_delivery",
        **api_join_consent(),
    }
    with capture(execute=True):
        return client.post(
            "/api/v1/public/join/", json.dumps(body), content_type="application/json"
        )


# --- 1. returning member with a new phone (the takeover of a former member's record) ----------


@pytest.mark.parametrize("face", ["portal", "api"])
def test_claiming_a_former_member_changes_nothing_until_proved(
    client, tree, former_member, channel, face, django_capture_on_commit_callbacks
):
    join = portal_join if face == "portal" else api_join
    LocmemBackend.outbox.clear()
    join(
        client,
        channel,
        django_capture_on_commit_callbacks,
        name="邓丽",
        id_number=VICTIM_ID,
        phone=ATTACKER_PHONE,
    )
    claim = JoinRequest.objects.get(phone_index=index_for("phone", ATTACKER_PHONE))
    assert claim.state == JoinRequestState.PENDING  # waits, even on the reviewer's desk
    # The person on file is told, on her own phone, with the new number masked.
    warned = texts_to(VICTIM_PHONE)
    assert len(warned) == 1 and "137****7000" in warned[0] and ATTACKER_PHONE not in warned[0]
    # The reviewer cannot approve yet, on any face, and nothing of hers changes.
    with pytest.raises(ActionError) as err:
        actions.approve_join_request(actor=tree.yubei_admin, request=claim)
    assert err.value.code == identity.PHONE_DIFFERS
    client.force_login(tree.yubei_admin)
    api = client.post(f"/api/v1/join-requests/{claim.pk}/approve")
    assert api.status_code == 409 and api.json()["error"]["code"] == "transition_refused"
    assert "this phone is not the one on file" in api.json()["error"]["details"][0]["message"]
    page = client.get(reverse("console:members_joinrequest_change", args=[claim.pk]))
    html = page.content.decode()
    assert "this phone is not the one on file" in html
    assert rendered_transitions(html)["approve"] is False  # 同意入会 shown disabled, with why
    client.post(reverse("console:members_joinrequest_do", args=[claim.pk, "approve"]))
    victim = Person.objects.get(pk=former_member.pk)
    assert victim.phone == VICTIM_PHONE and victim.user_id == former_member.user_id
    assert not Membership.objects.filter(person=victim, state=MembershipState.ACTIVE).exists()
    # The attacker's own account opens nothing of hers.
    client.force_login(MemberFactory(phone=ATTACKER_PHONE))
    home = client.get("/m/").content.decode()
    assert "邓丽" not in home and 'id="card-link"' not in home
    assert "邓丽" not in client.get("/m/card/").content.decode()


def test_the_person_on_file_disowns_the_claim(
    client, tree, former_member, channel, django_capture_on_commit_callbacks
):
    api_join(
        client,
        channel,
        django_capture_on_commit_callbacks,
        name="邓丽",
        id_number=VICTIM_ID,
        phone=ATTACKER_PHONE,
    )
    claim = JoinRequest.objects.get()
    client.force_login(former_member.user)
    home = client.get("/m/").content.decode()
    assert f'id="join-claim-{claim.pk}"' in home and "137****7000" in home
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/m/join-claims/{claim.pk}/disown_claim/")
    claim.refresh_from_db()
    assert claim.state == JoinRequestState.REJECTED and claim.decided_by == former_member.user
    assert "not approved" in texts_to(ATTACKER_PHONE)[-1]
    assert Person.objects.get(pk=former_member.pk).phone == VICTIM_PHONE


def test_the_person_on_file_confirms_and_her_new_phone_takes_over(
    client, tree, former_member, channel, django_capture_on_commit_callbacks
):
    new_phone = ATTACKER_PHONE  # here the claimant is really her, with a new number
    api_join(
        client,
        channel,
        django_capture_on_commit_callbacks,
        name="邓丽",
        id_number=VICTIM_ID,
        phone=new_phone,
    )
    claim = JoinRequest.objects.get()
    client.force_login(former_member.user)
    client.post(f"/m/join-claims/{claim.pk}/confirm_claim/")
    claim.refresh_from_db()
    assert claim.identity_proof == IdentityProof.PHONE_ON_FILE
    LocmemBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        membership = actions.approve_join_request(actor=tree.yubei_admin, request=claim)
    person = Person.objects.get(pk=former_member.pk)
    assert membership.person_id == person.pk and person.phone == new_phone
    # The old number's account no longer opens the record, and the old number is told.
    assert person.user_id != former_member.user_id
    assert any("was changed to 137****7000" in t for t in texts_to(VICTIM_PHONE))
    client.force_login(former_member.user)
    assert 'id="card-link"' not in client.get("/m/").content.decode()
    client.force_login(MemberFactory(phone=new_phone))
    assert 'id="card-link"' in client.get("/m/").content.decode()


@pytest.mark.parametrize("face", ["console", "api"])
def test_staff_record_an_in_person_check_then_approve(client, tree, former_member, channel, face):
    claim = apply_as(tree, channel=channel)
    client.force_login(tree.yubei_admin)
    if face == "console":
        url = reverse("console:members_joinrequest_do", args=[claim.pk, "check_identity"])
        assert client.post(url, {"note": ""}).status_code == 200  # a note is required
        client.post(url, {"note": "核对身份证原件，本人到场"})
    else:
        url = f"/api/v1/join-requests/{claim.pk}/identity-check"
        response = client.post(url, json.dumps({"note": "核对身份证原件"}), "application/json")
        assert response.status_code == 200
        assert response.json()["identity_proof"] == IdentityProof.IN_PERSON
        assert not any(c["blocks_approval"] for c in response.json()["checks"])
    claim.refresh_from_db()
    assert claim.identity_proof == IdentityProof.IN_PERSON
    assert claim.identity_proved_by == tree.yubei_admin
    actions.approve_join_request(actor=tree.yubei_admin, request=claim)
    assert Person.objects.get(pk=former_member.pk).phone == ATTACKER_PHONE


def test_an_outsider_cannot_record_the_check_or_answer_the_claim(client, tree, former_member):
    claim = apply_as(tree)
    with pytest.raises(OutOfScope):
        identity.record_identity_check(actor=tree.jiangbei_admin, request=claim, note="看过了")
    # A member account that is not the person on file's (the attacker's, or anyone's).
    for stranger in (MemberFactory(phone=ATTACKER_PHONE), MemberFactory()):
        with pytest.raises(OutOfScope):
            identity.confirm_join_claim(actor=stranger, request=claim)
        client.force_login(stranger)
        response = client.post(f"/m/join-claims/{claim.pk}/confirm_claim/")
        assert response.status_code == 404
    claim.refresh_from_db()
    assert claim.identity_proof == ""


def test_auto_approving_channel_does_not_admit_a_claim(tree, former_member):
    channel = actions.create_join_channel(
        actor=tree.yubei_admin, org=tree.grassroots, label="自动", auto_approve=True
    )
    claim = apply_as(tree, channel=channel)
    assert claim.state == JoinRequestState.PENDING
    assert Person.objects.get(pk=former_member.pk).phone == VICTIM_PHONE


# --- 2. a current member's ID from another phone (the membership oracle) ----------------------


@pytest.mark.parametrize("face", ["portal", "api"])
def test_the_public_join_answers_the_same_for_a_members_id(
    client, tree, channel, face, django_capture_on_commit_callbacks
):
    """Two submissions from the same stranger's phone: one with a new ID, one with the ID of
    a member of another district. The answers must not differ in anything but the id."""
    member(
        tree, 1, name="邓丽", org=tree.jb_grassroots, phone=VICTIM_PHONE, actor=tree.jiangbei_admin
    )
    answers = []
    for n in (2, 1):
        SMSCode.objects.update(created_at="2000-01-01T00:00:00Z")  # past the resend wait
        kwargs = {"name": "邓丽", "id_number": make_id(n), "phone": ATTACKER_PHONE}
        if face == "portal":
            response, page = portal_join(
                client, channel, django_capture_on_commit_callbacks, **kwargs
            )
            assert response.status_code == 302
            # The page but its per-request CSRF token.
            answers.append(re.sub(r'value="[^"]{40,}"', "", page.content.decode()))
        else:
            response = api_join(client, channel, django_capture_on_commit_callbacks, **kwargs)
            assert response.status_code == 201
            body = response.json()
            body.pop("id")
            answers.append(body)
    assert answers[0] == answers[1]
    for answer in answers:
        assert "江北" not in str(answer) and "member of" not in str(answer)
    # The answer about the membership reached the phone on file, not the asker.
    assert any("already a member" in t for t in texts_to(VICTIM_PHONE))
    assert not any("already a member" in t for t in texts_to(ATTACKER_PHONE))


def test_staff_are_not_told_which_union_outside_their_scope(client, tree):
    member(tree, 1, org=tree.jb_grassroots, actor=tree.jiangbei_admin)
    # Registering someone else's ID: the refusal names no union the registrar cannot see.
    with pytest.raises(ActionError) as err:
        member(tree, 1, org=tree.grassroots, actor=tree.yubei_admin)
    assert err.value.code == "already_member"
    assert "江北" not in " ".join(err.value.messages)
    client.force_login(tree.yubei_admin)
    response = client.post(
        "/api/v1/members/",
        json.dumps(
            {
                "org_id": tree.grassroots.pk,
                "name": "张三",
                "id_number": make_id(1),
                "phone": make_phone(1),
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 400 and "江北" not in response.content.decode()
    # The reviewer of a join sees "another union" too; the city, which sees both, is told which.
    claim = apply_as(tree, name="张三", id_number=make_id(1))
    html = client.get(reverse("console:members_joinrequest_change", args=[claim.pk]))
    assert "member of another union" in html.content.decode()
    assert "江北" not in html.content.decode()
    with pytest.raises(ActionError) as err:
        actions.approve_join_request(actor=tree.city_admin, request=claim)
    assert "江北测试公司工会" in " ".join(err.value.messages)


# --- 3. a phone already on file for another person ----------------------------------------------


def test_a_phone_of_another_person_is_flagged_and_takes_nothing_of_hers(client, tree):
    sister = member(tree, 1, name="王芳", phone=VICTIM_PHONE).person
    sister.user = MemberFactory(phone=VICTIM_PHONE)
    sister.save(update_fields=["user"])
    claim = apply_as(tree, name="王敏", id_number=make_id(2), phone=VICTIM_PHONE)
    client.force_login(tree.yubei_admin)
    checks = client.get(f"/api/v1/join-requests/{claim.pk}").json()["checks"]
    assert [c["code"] for c in checks] == [identity.PHONE_OF_ANOTHER]
    assert (
        "on file for another person"
        in client.get(reverse("console:members_joinrequest_changelist")).content.decode()
    )
    newcomer = actions.approve_join_request(actor=tree.yubei_admin, request=claim).person
    sister.refresh_from_db()
    assert sister.user.phone == VICTIM_PHONE and sister.name == "王芳"
    assert newcomer.user_id is None  # the account already opens her sister's record


# --- 4. a changed phone ---------------------------------------------------------------------


@pytest.mark.parametrize("face", ["action", "api"])
def test_staff_replace_a_phone_on_file_only_after_an_in_person_check(
    client, tree, former_member, face, django_capture_on_commit_callbacks
):
    def register(checked: bool):
        if face == "action":
            return member(tree, 1, name="邓丽", phone=ATTACKER_PHONE, identity_checked=checked)
        client.force_login(tree.yubei_admin)
        body = {
            "org_id": tree.grassroots.pk,
            "name": "邓丽",
            "id_number": VICTIM_ID,
            "phone": ATTACKER_PHONE,
            "identity_checked": checked,
        }
        response = client.post("/api/v1/members/", json.dumps(body), "application/json")
        if response.status_code == 400:
            raise ActionError(
                response.json()["error"]["message"], code=response.json()["error"]["code"]
            )
        return response

    with pytest.raises(ActionError) as err:
        register(False)
    assert err.value.code == "phone_differs"
    assert Person.objects.get(pk=former_member.pk).phone == VICTIM_PHONE
    LocmemBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        register(True)
    person = Person.objects.get(pk=former_member.pk)
    assert person.phone == ATTACKER_PHONE and person.user_id is None
    assert any("was changed to 137****7000" in t for t in texts_to(VICTIM_PHONE))


def test_a_roster_import_that_changes_a_phone_unlinks_the_old_account(
    tree, former_member, django_capture_on_commit_callbacks
):
    from gonghui.members.tests.test_roster import row, run

    LocmemBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        stats, errors, _ = run(
            tree,
            [row(name="邓丽", id_number=VICTIM_ID, phone=ATTACKER_PHONE, org=tree.grassroots.pk)],
        )
    assert not errors
    person = Person.objects.get(pk=former_member.pk)
    assert person.phone == ATTACKER_PHONE and person.user_id is None
    assert texts_to(VICTIM_PHONE), "the old number is told"


# --- 5. account linking ---------------------------------------------------------------------


def test_an_account_opens_only_the_record_of_its_phone_on_file(client, tree):
    m = member(tree, 3, name="赵六", phone=make_phone(3))
    # A stranger's account: no record, nothing of 赵六's on any page.
    client.force_login(MemberFactory(phone=ATTACKER_PHONE))
    assert "赵六" not in client.get("/m/").content.decode()
    # The account of the phone on file is linked on its first visit.
    owner = MemberFactory(phone=make_phone(3))
    client.force_login(owner)
    assert "赵六" in client.get("/m/").content.decode()
    assert Person.objects.get(pk=m.person_id).user == owner
