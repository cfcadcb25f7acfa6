"""Unique identifiers by construction (ID numbers, mobiles), their blind indexes, and the
field encryption with the cipher built once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import random
from array import array
from collections.abc import Iterable
from datetime import date

from django.conf import settings

from gonghui.demo.generate.words import MOBILE_PREFIXES
from gonghui.platform.pii import crypto
from gonghui.platform.validators import id_check_char

BIRTH_FIRST = date(1960, 1, 1)
BIRTH_LAST = date(2006, 12, 31)


class IdNumbers:
    """Valid, unique resident ID numbers: a counter per (region, day, sex) walked through a
    fixed permutation of the 500 sequence numbers of that sex."""

    def __init__(self, regions: Iterable[str], first: date, last: date, exclude=None):
        self.regions = {code: i for i, code in enumerate(sorted(set(regions)))}
        self.first = first.toordinal()
        self.days = last.toordinal() - self.first + 1
        self.used = array("H", bytes(2 * len(self.regions) * self.days * 2))
        self.exclude = exclude  # blind indexes already in the database (append mode)

    def make(self, region: str, day_offset: int, male: bool) -> tuple[str, str] | None:
        """(number, blind index), or None when that day is full (pick another day)."""
        slot = (self.regions[region] * self.days + day_offset) * 2 + male
        while True:
            k = self.used[slot]
            if k >= 500:
                return None
            self.used[slot] = k + 1
            j = (k * 7 + day_offset * 31 + int(region)) % 500
            born = date.fromordinal(self.first + day_offset)
            body = f"{region}{born:%Y%m%d}{2 * j + male:03d}"
            number = body + id_check_char(body)
            index = blind_index("id_number", number)
            if self.exclude is None or index not in self.exclude:
                return number, index


class Mobiles:
    """Unique mainland mobiles: each prefix's 10**8 numbers in a fixed permuted order."""

    def __init__(self, rng: random.Random, exclude=None):
        self.rng = rng
        self.next = dict.fromkeys(MOBILE_PREFIXES, 0)
        self.offset = {p: (int(p) * 7_654_321) % 10**8 for p in MOBILE_PREFIXES}
        self.exclude = exclude

    def make(self) -> tuple[str, str]:
        while True:
            prefix = self.rng.choice(MOBILE_PREFIXES)
            k = self.next[prefix]
            self.next[prefix] = k + 1
            number = f"{prefix}{(k * 48_271 + self.offset[prefix]) % 10**8:08d}"
            index = blind_index("phone", number)
            if self.exclude is None or index not in self.exclude:
                return number, index


def blind_index(kind: str, normalised: str) -> str:
    """:func:`crypto.blind_index` with the key looked up once (values are already normal)."""
    key = _index_key()
    return hmac.new(key, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()


_KEY_CACHE: dict = {}


def _index_key() -> bytes:
    spec = settings.GONGHUI_BLIND_INDEX_KEY
    key = _KEY_CACHE.get(spec)
    if key is None:
        key = _KEY_CACHE[spec] = crypto._index_key_for(spec)
    return key


class Encryptor:
    """:func:`crypto.encrypt` with the cipher built once; same format, random nonces."""

    def __init__(self):
        ring = crypto.key_ring()
        self.key_id = ring.primary_id
        self.aad = ring.primary_id.encode()
        self.cipher = ring.cipher(ring.primary_id)
        self.prefix = f"{crypto.PREFIX}:{ring.primary_id}:"

    def __call__(self, plaintext: str) -> str:
        if not plaintext:
            return plaintext
        nonce = os.urandom(12)
        sealed = self.cipher.encrypt(nonce, plaintext.encode("utf-8"), self.aad)
        return self.prefix + base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
