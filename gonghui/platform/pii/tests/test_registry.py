"""THE REGISTRY TEST: every personal-information field is registered (PIPL Art. 51).

Every encrypted field, and every field whose name looks personal, of every gonghui model must
be listed in its app's ``pii.py``, either in ``PI_FIELDS`` (with category, sensitivity and
purpose) or in ``NOT_PI`` (with the reason it is not personal information).
"""

import re

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from gonghui.platform.pii import registry
from gonghui.platform.pii.fields import BlindIndexField, EncryptedTextField

PI_NAME = re.compile(
    r"(phone|mobile|id_number|id_no|idcard|id_card|bank|account_no|birth|address|health|disab"
    r"|income|contact_name|display_name|first_name|last_name|email|ethnic|household)"
)


def gonghui_models():
    return [m for m in apps.get_models() if m._meta.app_config.name.startswith("gonghui.")]


def needs_registration(field) -> bool:
    # Blind indexes count too: a keyed hash of a phone still identifies its holder to whoever
    # holds the key (pseudonymised, not anonymised, PI); register them, or say why not.
    return isinstance(field, EncryptedTextField) or bool(PI_NAME.search(field.name))


def test_gonghui_models_are_found():
    labels = {m._meta.label for m in gonghui_models()}
    assert {"orgs.Org", "accounts.User", "audit.AuditEvent"} <= labels


def test_every_personal_field_is_registered():
    registered = set(registry.all_fields()) | set(registry.not_pi())
    missing = []
    for model in gonghui_models():
        for field in model._meta.concrete_fields:
            if needs_registration(field):
                key = registry.key(model, field.name)
                if key not in registered:
                    missing.append(key)
    assert not missing, (
        "personal-information fields missing from the register (add them to PI_FIELDS or "
        "NOT_PI in the app's pii.py): " + ", ".join(sorted(missing))
    )


def test_every_encrypted_field_is_personal_information():
    # Encrypting a field means it is PI: it belongs in PI_FIELDS, not in NOT_PI.
    wrong = [
        registry.key(model, field.name)
        for model in gonghui_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
        and registry.key(model, field.name) not in registry.all_fields()
    ]
    assert not wrong, "encrypted fields not in PI_FIELDS: " + ", ".join(sorted(wrong))


def test_blind_index_sources_are_registered():
    pi = registry.all_fields()
    for model in gonghui_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, BlindIndexField):
                assert registry.key(model, field.source) in pi, (model, field.name)


def _resolve(key: str):
    app_label, model_name, field_name = key.split(".")
    model = apps.get_model(app_label, model_name)
    return model._meta.get_field(field_name)


def test_every_register_entry_names_an_existing_field():
    dangling = []
    for key in [*registry.all_fields(), *registry.not_pi()]:
        try:
            field = _resolve(key)
        except (LookupError, FieldDoesNotExist, ValueError):
            dangling.append(key)
            continue
        if not field.concrete:
            dangling.append(key)
    assert not dangling, "register entries without a model field: " + ", ".join(sorted(dangling))


def test_register_entries_are_well_formed():
    pi = registry.all_fields()
    not_pi = registry.not_pi()
    assert pi, "the register is empty"
    assert not set(pi) & set(not_pi), "a field is both PI and not PI"
    for key, entry in pi.items():
        assert entry.sensitivity in registry.SENSITIVITY, key
        assert entry.category and entry.category.strip(), key
        assert entry.purpose and entry.purpose.strip(), key
    for key, reason in not_pi.items():
        assert isinstance(reason, str) and reason.strip(), key


def test_lookup_uses_model_label():
    from gonghui.accounts.models import User
    from gonghui.orgs.models import Org

    assert registry.lookup(Org, "contact_phone").category == "phone"
    assert registry.lookup(User, "phone").category == "phone"
    assert registry.lookup(Org, "name") is None


def test_invalid_sensitivity_is_refused():
    import pytest

    with pytest.raises(ValueError):
        registry.PIField("phone", "secret", "x")
