"""Every concrete model of the project has a factory_boy factory, and each factory writes rows
that the model itself accepts (issue #12 §4).

Each app lists its factories in ``FACTORIES`` of its testing module (the platform's in
``gonghui/platform/testing/factories.py``). A new model without a factory fails
``test_every_model_has_a_factory`` until its app's list names one."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from gonghui.platform.pii.fields import BlindIndexField, EncryptedTextField, index_for

pytestmark = pytest.mark.django_db

TESTING_MODULES = (
    "gonghui.platform.testing.factories",
    "gonghui.accounts.testing",
    "gonghui.orgs.testing",
    "gonghui.members.testing",
    "gonghui.assistance.testing",
    "gonghui.rights.testing",
    "gonghui.rights.mediation.testing",
    "gonghui.rights.legalaid.testing",
    "gonghui.rights.consult.testing",
    "gonghui.cockpit.testing",
)


def listed_factories() -> list:
    return [
        factory for name in TESTING_MODULES for factory in importlib.import_module(name).FACTORIES
    ]


def registry() -> dict:
    return {factory._meta.model: factory for factory in listed_factories()}


def project_models() -> list:
    """The concrete models of the project's apps (abstract ones are not in the registry)."""
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith("gonghui.") and not model._meta.proxy
    ]


MODELS = sorted(m._meta.label for m in project_models())


def test_every_model_has_a_factory():
    have = set(registry())
    missing = sorted(m._meta.label for m in project_models() if m not in have)
    assert not missing, "models without a factory in their app's testing FACTORIES:\n" + (
        "\n".join(missing)
    )


def test_each_model_has_one_factory_and_each_factory_a_project_model():
    models = [factory._meta.model for factory in listed_factories()]
    twice = sorted({m._meta.label for m in models if models.count(m) > 1})
    assert not twice, f"listed more than once: {twice}"
    assert set(models) <= set(project_models())


def _check_pi(obj) -> None:
    """Encrypted fields read back as the plaintext, and their blind indexes match it."""
    for field in obj._meta.concrete_fields:
        if not isinstance(field, BlindIndexField):
            continue
        source = obj._meta.get_field(field.source)
        assert isinstance(source, EncryptedTextField)
        value = getattr(obj, field.source)
        expected = index_for(field.kind, value) if value not in (None, "") else None
        assert getattr(obj, field.attname) == expected, f"{field.name} out of step"


@pytest.mark.parametrize("label", MODELS)
def test_factory_writes_valid_rows(label):
    model = apps.get_model(label)
    factory = registry()[model]
    rows = [factory(), factory()]  # twice: unique fields do not collide
    for row in rows:
        stored = model._base_manager.get(pk=row.pk)
        stored.full_clean()
        _check_pi(stored)
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                assert getattr(stored, field.attname) == getattr(row, field.attname), field.name


@pytest.mark.parametrize("label", MODELS)
def test_factory_builds_without_saving(label):
    model = apps.get_model(label)
    before = model._base_manager.count()
    obj = registry()[model].build()
    assert isinstance(obj, model)
    assert obj.pk is None or model._meta.pk.name == "org"
    assert model._base_manager.count() == before


def test_audit_events_from_the_factory_keep_the_chain_whole(tree):
    from gonghui.platform.audit.chain import verify_chain
    from gonghui.platform.audit.models import AuditEvent
    from gonghui.platform.testing.factories import AuditEventFactory

    AuditEventFactory(org=tree.yubei)
    AuditEventFactory(actor=tree.city_admin, action="tests.other")
    checked, broken, reason = verify_chain(AuditEvent.objects.all())
    assert broken is None, reason
    assert checked == AuditEvent.objects.count() >= 2
    assert AuditEvent.objects.filter(org_path=tree.yubei.path).exists()


def test_a_person_with_an_account_shares_its_phone():
    from gonghui.members.testing import MembershipFactory, PersonFactory
    from gonghui.platform.testing.factories import MemberFactory

    user = MemberFactory()
    person = PersonFactory(user=user)
    assert person.phone == user.phone and person.phone_index == user.phone_index
    membership = MembershipFactory(person=person, org=person.org)
    assert membership.card_no and membership.card_no.endswith(f"{membership.pk:08d}")
