"""AES-256-GCM encryption with a rotating key ring, and keyed blind indexes.

Ciphertext format (text, so it fits any database column): ``v1:<key id>:<base64url(nonce ||
ciphertext || tag)>``. The key id tells which key of the ring decrypts it, so keys can be
rotated: the first key of ``GONGHUI_PII_KEYS`` encrypts, every key decrypts, and
``manage.py rotate_pii_keys`` re-encrypts old rows with the first key. Private files
(uploads, error workbooks) use the same ring in a segmented format: ``files.py``.

The blind index is HMAC-SHA256 over ``<kind>:<normalised value>`` with a separate key. The
kind (``phone``, ``id_number``...) keeps equal values of different kinds apart while letting
the same phone match across tables.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "v1"


class DecryptionError(Exception):
    """A stored value cannot be decrypted with any key of the ring."""


@dataclass(frozen=True)
class KeyRing:
    primary_id: str
    keys: dict[str, bytes]

    def cipher(self, key_id: str) -> AESGCM:
        return AESGCM(self.key(key_id))

    def key(self, key_id: str) -> bytes:
        """The raw key of ``key_id`` (private files derive a key per file from it)."""
        try:
            return self.keys[key_id]
        except KeyError as exc:
            raise DecryptionError(f"unknown PII key id {key_id!r}") from exc


def _decode_key(text: str, name: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{name}: key is not valid base64") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{name}: keys must be 32 bytes (AES-256), got {len(raw)}")
    return raw


def parse_key_ring(spec: str) -> KeyRing:
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        key_id, sep, text = part.partition(":")
        if not sep or not key_id.isalnum():
            raise ImproperlyConfigured("GONGHUI_PII_KEYS must look like 'k2:<base64>,k1:<base64>'")
        keys[key_id] = _decode_key(text, "GONGHUI_PII_KEYS")
        order.append(key_id)
    if not order:
        raise ImproperlyConfigured("GONGHUI_PII_KEYS holds no key")
    return KeyRing(primary_id=order[0], keys=keys)


@lru_cache(maxsize=4)
def _ring_for(spec: str) -> KeyRing:
    return parse_key_ring(spec)


def key_ring() -> KeyRing:
    return _ring_for(settings.GONGHUI_PII_KEYS)


@lru_cache(maxsize=4)
def _index_key_for(spec: str) -> bytes:
    return _decode_key(spec, "GONGHUI_BLIND_INDEX_KEY")


def encrypt(plaintext: str, *, ring: KeyRing | None = None) -> str:
    ring = ring or key_ring()
    nonce = os.urandom(12)
    sealed = ring.cipher(ring.primary_id).encrypt(
        nonce, plaintext.encode("utf-8"), ring.primary_id.encode()
    )
    body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
    return f"{PREFIX}:{ring.primary_id}:{body}"


def key_id_of(token: str) -> str | None:
    parts = token.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == PREFIX else None


def decrypt(token: str, *, ring: KeyRing | None = None) -> str:
    ring = ring or key_ring()
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise DecryptionError("not an encrypted value")
    _, key_id, body = parts
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        plain = ring.cipher(key_id).decrypt(raw[:12], raw[12:], key_id.encode())
    except DecryptionError:
        raise
    except Exception as exc:  # InvalidTag, bad padding: both mean tampered or wrong key
        raise DecryptionError("cannot decrypt value") from exc
    return plain.decode("utf-8")


def blind_index(kind: str, normalised: str) -> str:
    key = _index_key_for(settings.GONGHUI_BLIND_INDEX_KEY)
    digest = hmac.new(key, f"{kind}:{normalised}".encode(), hashlib.sha256)
    return digest.hexdigest()


class Sealer:
    """:func:`encrypt` and :func:`blind_index` for many values in a row (an import): one
    AES-GCM object and one pre-keyed HMAC instead of one per value, and nonces drawn from the
    system's random source 1,024 at a time (each still 96 random bits, used once). Same
    formats, same keys; ~3x cheaper per value (measured with the roster import)."""

    NONCES = 1024

    def __init__(self, ring: KeyRing | None = None):
        self.ring = ring or key_ring()
        self.key_id = self.ring.primary_id
        self._aad = self.key_id.encode()
        self._aead = self.ring.cipher(self.key_id)
        self._prefix = f"{PREFIX}:{self.key_id}:"
        self._hmac = hmac.new(
            _index_key_for(settings.GONGHUI_BLIND_INDEX_KEY), digestmod=hashlib.sha256
        )
        self._pool = b""
        self._at = 0

    def _nonce(self) -> bytes:
        if self._at >= len(self._pool):
            self._pool, self._at = os.urandom(12 * self.NONCES), 0
        nonce = self._pool[self._at : self._at + 12]
        self._at += 12
        return nonce

    def encrypt(self, plaintext: str) -> str:
        nonce = self._nonce()
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), self._aad)
        return self._prefix + base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")

    def index(self, kind: str, normalised: str) -> str:
        digest = self._hmac.copy()
        digest.update(f"{kind}:{normalised}".encode())
        return digest.hexdigest()
