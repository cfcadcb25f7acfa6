"""Encryption at rest (AES-256-GCM with a key ring) and keyed blind indexes."""

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import IntegrityError, connection, transaction

from config.env import new_pii_key
from gonghui.accounts.models import User
from gonghui.orgs.models import Org
from gonghui.platform.pii import crypto
from gonghui.platform.pii.crypto import DecryptionError, parse_key_ring
from gonghui.platform.pii.fields import index_for
from gonghui.platform.testing.factories import MemberFactory, make_org

PHONE = "13812345678"


# --- crypto ----------------------------------------------------------------------------------


def test_round_trip():
    for text in ["13812345678", "张三丰", "", "a" * 5000, "11010519491231002X"]:
        assert crypto.decrypt(crypto.encrypt(text)) == text


def test_ciphertext_is_prefixed_and_differs_every_time():
    first = crypto.encrypt(PHONE)
    second = crypto.encrypt(PHONE)
    assert first != second
    assert first.startswith("v1:") and second.startswith("v1:")
    assert PHONE not in first and PHONE not in second
    assert crypto.decrypt(first) == crypto.decrypt(second) == PHONE


@pytest.mark.parametrize("position", [0, 5, 20, -1])
def test_tampered_ciphertext_raises(position):
    token = crypto.encrypt(PHONE)
    prefix, key_id, body = token.split(":", 2)
    chars = list(body)
    chars[position] = "A" if chars[position] != "A" else "B"
    tampered = f"{prefix}:{key_id}:{''.join(chars)}"
    assert tampered != token
    with pytest.raises(DecryptionError):
        crypto.decrypt(tampered)


def test_truncated_and_foreign_values_raise():
    token = crypto.encrypt(PHONE)
    with pytest.raises(DecryptionError):
        crypto.decrypt(token[:-6])
    with pytest.raises(DecryptionError):
        crypto.decrypt(PHONE)
    with pytest.raises(DecryptionError):
        crypto.decrypt("v2:k1:" + token.split(":", 2)[2])


def test_key_id_is_authenticated():
    # The key id is bound to the ciphertext as associated data: relabelling fails.
    key = new_pii_key()
    ring = parse_key_ring(f"k2:{key},k1:{key}")
    token = crypto.encrypt(PHONE, ring=ring)
    assert crypto.key_id_of(token) == "k2"
    relabelled = token.replace("v1:k2:", "v1:k1:", 1)
    with pytest.raises(DecryptionError):
        crypto.decrypt(relabelled, ring=ring)


def test_key_rotation():
    key_a, key_b = new_pii_key(), new_pii_key()
    old_ring = parse_key_ring(f"k1:{key_a}")
    new_ring = parse_key_ring(f"k2:{key_b},k1:{key_a}")
    assert new_ring.primary_id == "k2"

    old_token = crypto.encrypt(PHONE, ring=old_ring)
    assert crypto.key_id_of(old_token) == "k1"
    # Old ciphertext is still readable after the new key was put in front.
    assert crypto.decrypt(old_token, ring=new_ring) == PHONE

    new_token = crypto.encrypt(PHONE, ring=new_ring)
    assert crypto.key_id_of(new_token) == "k2"
    assert crypto.decrypt(new_token, ring=new_ring) == PHONE
    # The old ring does not know k2.
    with pytest.raises(DecryptionError):
        crypto.decrypt(new_token, ring=old_ring)


def test_wrong_key_with_same_id_raises():
    token = crypto.encrypt(PHONE, ring=parse_key_ring(f"k1:{new_pii_key()}"))
    with pytest.raises(DecryptionError):
        crypto.decrypt(token, ring=parse_key_ring(f"k1:{new_pii_key()}"))


def test_new_pii_key_is_32_bytes():
    ring = parse_key_ring(f"k1:{new_pii_key()}")
    assert len(ring.keys["k1"]) == 32
    assert new_pii_key() != new_pii_key()


@pytest.mark.parametrize(
    "spec",
    [
        "",
        " , ",
        "k1",
        "no-colon-here",
        "k-1:{key}",
        ":{key}",
        "k1:",
        "k1:c2hvcnQ=",  # "short": 5 bytes
        "k1:{short}",  # 16 bytes: AES-128, not allowed
        "k1:{long}",  # 64 bytes
        "k1:!!!!",
        "k1:{key},k2",
    ],
)
def test_invalid_key_specs(spec):
    import base64
    import os

    spec = spec.format(
        key=new_pii_key(),
        short=base64.urlsafe_b64encode(os.urandom(16)).decode(),
        long=base64.urlsafe_b64encode(os.urandom(64)).decode(),
    )
    with pytest.raises(ImproperlyConfigured):
        parse_key_ring(spec)


def test_blind_index_kind_separates_values():
    assert crypto.blind_index("phone", PHONE) != crypto.blind_index("id_number", PHONE)
    assert len(crypto.blind_index("phone", PHONE)) == 64


# --- EncryptedTextField -----------------------------------------------------------------------


@pytest.mark.django_db
def test_encrypted_field_stores_ciphertext_returns_plaintext():
    org = make_org(contact_phone=PHONE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM orgs_org WHERE id = %s", [org.pk])
        (raw,) = cursor.fetchone()
    assert raw.startswith("v1:")
    assert PHONE not in raw
    assert "12345678" not in raw
    assert Org.objects.get(pk=org.pk).contact_phone == PHONE
    assert Org.objects.filter(pk=org.pk).values_list("contact_phone", flat=True)[0] == PHONE


@pytest.mark.django_db
def test_encrypted_field_saves_again_after_update():
    org = make_org(contact_phone=PHONE)
    org.contact_phone = "13912345678"
    org.save()
    fresh = Org.objects.get(pk=org.pk)
    assert fresh.contact_phone == "13912345678"
    fresh.save()  # a plain re-save must not double-encrypt
    assert Org.objects.get(pk=org.pk).contact_phone == "13912345678"


@pytest.mark.django_db
def test_encrypted_field_keeps_empty_and_null_as_is():
    org = make_org()
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM orgs_org WHERE id = %s", [org.pk])
        (raw,) = cursor.fetchone()
    assert raw == ""
    assert Org.objects.get(pk=org.pk).contact_phone == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lookup", ["contact_phone", "contact_phone__exact", "contact_phone__startswith"]
)
def test_encrypted_field_refuses_lookups(lookup):
    make_org(contact_phone=PHONE)
    with pytest.raises(FieldError):
        list(Org.objects.filter(**{lookup: PHONE}))


@pytest.mark.django_db
def test_encrypted_field_allows_isnull():
    org = make_org(contact_phone=PHONE)
    assert org in Org.objects.filter(contact_phone__isnull=False)
    assert not Org.objects.filter(pk=org.pk, contact_phone__isnull=True).exists()


# --- BlindIndexField --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "spelling",
    [
        "13812345678",
        "+86 138 1234 5678",
        "１３８１２３４５６７８",
        "+86-138-1234-5678",
        "008613812345678",
    ],
)
def test_phone_index_equal_for_equivalent_spellings(spelling):
    member = MemberFactory(phone=spelling)
    member.refresh_from_db()
    assert member.phone == spelling
    assert member.phone_index == index_for("phone", "13812345678")
    assert User.objects.get_by_phone("13812345678") == member
    assert User.objects.get_by_phone("+86 138 1234 5678") == member


@pytest.mark.django_db
def test_phone_index_differs_for_different_phones():
    one = MemberFactory(phone="13812345678")
    two = MemberFactory(phone="13812345679")
    assert one.phone_index and two.phone_index
    assert one.phone_index != two.phone_index
    assert PHONE not in one.phone_index


@pytest.mark.django_db
def test_phone_index_is_null_without_phone():
    user = MemberFactory(phone="")
    assert user.phone_index is None


@pytest.mark.django_db
def test_phone_index_is_unique():
    MemberFactory(phone="13812345678")
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(phone="+86 138 1234 5678")
    assert User.objects.filter(phone_index=index_for("phone", PHONE)).count() == 1


@pytest.mark.django_db
def test_phone_index_follows_phone_changes():
    member = MemberFactory(phone="13812345678")
    member.phone = "13912345678"
    member.save()
    member.refresh_from_db()
    assert member.phone_index == index_for("phone", "13912345678")
    member.phone = ""
    member.save()
    member.refresh_from_db()
    assert member.phone_index is None


# --- serialisation (dumpdata / loaddata) ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml", "python"])
def test_serialisers_write_ciphertext_and_read_it_back(fmt):
    from django.core import serializers

    org = make_org(contact_phone=PHONE)
    data = serializers.serialize(fmt, [org])
    assert PHONE not in str(data)
    (restored,) = serializers.deserialize(fmt, data)
    assert restored.object.contact_phone == PHONE
    Org.objects.filter(pk=org.pk).update(contact_phone="")
    restored.save()
    assert Org.objects.get(pk=org.pk).contact_phone == PHONE  # encrypted once, not twice


@pytest.mark.django_db
def test_deserialising_an_undecryptable_value_fails():
    from django.core import serializers
    from django.core.serializers.base import DeserializationError

    org = make_org(contact_phone=PHONE)
    data = serializers.serialize("python", [org])
    data[0]["fields"]["contact_phone"] = crypto.encrypt(
        PHONE, ring=parse_key_ring(f"k1:{new_pii_key()}")
    )
    with pytest.raises(DeserializationError):
        list(serializers.deserialize("python", data))


@pytest.mark.django_db
def test_clean_does_not_decrypt_user_input():
    # A ciphertext pasted into a form stays an opaque string: no decryption oracle.
    org = make_org(contact_phone=PHONE)
    stolen = crypto.encrypt("13900000000")
    field = Org._meta.get_field("contact_phone")
    assert field.clean(stolen, org) == stolen
    org.contact_phone = stolen
    org.clean_fields(exclude=[f.name for f in Org._meta.fields if f.name != "contact_phone"])
    assert org.contact_phone == stolen
