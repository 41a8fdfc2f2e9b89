"""Encryption at rest for sensitive fields, and keyed blind indexes for finding them.

A sensitive value (an ID number, a phone number) is stored three ways, never in clear:

* ``encrypt(value, purpose)`` — AES-256-GCM (the ``cryptography`` package, the audited primitive
  every Python project uses), a fresh 96-bit nonce per value, the ``purpose`` bound as associated
  data so a ciphertext cannot be moved to another field. Stored as text ``"<key id>$<base64>"``.
* ``blind_index(value, purpose)`` — HMAC-SHA256 under a separate key: equal values give equal
  indexes, so exact search and de-duplication work without decrypting anything.
* a masked form for display (``shegong.core.masking``).

Keys come from the environment (settings ``SHEGONG_DATA_KEYS`` and ``SHEGONG_INDEX_KEYS``):
``"k2:<base64 of 32 bytes>,k1:<...>"``, the first one current. Decryption uses the key named in the
ciphertext, and searches compute the index under every listed index key, so a new key can be put
first at any moment; ``shegong keys rotate`` then rewrites each row under the current keys, after
which the old ones may be removed. Without configuration both keys are derived from SECRET_KEY
(a demo or a test), which ``check --deploy`` reports as an error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DERIVED_KEY_ID = "dev"
_SEPARATOR = "$"


class DecryptionError(Exception):
    """A ciphertext could not be opened: unknown key, damaged value or wrong field."""


@dataclass(frozen=True)
class Keyring:
    data: tuple[tuple[str, bytes], ...]  # (id, key), current first
    index: tuple[tuple[str, bytes], ...]
    derived: bool

    def data_key(self, key_id: str) -> bytes:
        for kid, key in self.data:
            if kid == key_id:
                return key
        raise DecryptionError(f"unknown data key {key_id!r}")


def _parse(setting_name: str, raw: str) -> tuple[tuple[str, bytes], ...]:
    keys = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        kid, sep, encoded = part.partition(":")
        if not sep or not kid or _SEPARATOR in kid:
            raise ImproperlyConfigured(f"{setting_name}: each key is 'id:base64', got {part[:12]!r}…")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise ImproperlyConfigured(f"{setting_name}: key {kid!r} is not valid base64") from exc
        if len(key) != 32:
            raise ImproperlyConfigured(f"{setting_name}: key {kid!r} must be 32 bytes, is {len(key)}")
        if any(k == kid for k, _ in keys):
            raise ImproperlyConfigured(f"{setting_name}: key id {kid!r} is listed twice")
        keys.append((kid, key))
    return tuple(keys)


def _derive(label: bytes) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"shegong-field-key:" + label, hashlib.sha256).digest()


@cache
def _keyring(data_raw: str, index_raw: str, secret: str) -> Keyring:
    data = _parse("SHEGONG_DATA_KEYS", data_raw)
    index = _parse("SHEGONG_INDEX_KEYS", index_raw)
    derived = not data or not index
    if not data:
        data = ((DERIVED_KEY_ID, _derive(b"data")),)
    if not index:
        index = ((DERIVED_KEY_ID, _derive(b"index")),)
    return Keyring(data=data, index=index, derived=derived)


def keyring() -> Keyring:
    """The keys in force (read from settings; cached per value, so tests may override them)."""
    return _keyring(settings.SHEGONG_DATA_KEYS, settings.SHEGONG_INDEX_KEYS, settings.SECRET_KEY)


@cache
def _aead(key: bytes) -> AESGCM:
    return AESGCM(key)


def encrypt(value: str, purpose: str) -> str:
    """Ciphertext of ``value`` (empty stays empty) under the current data key."""
    if not value:
        return ""
    kid, key = keyring().data[0]
    nonce = os.urandom(12)
    sealed = _aead(key).encrypt(nonce, value.encode(), purpose.encode())
    return f"{kid}{_SEPARATOR}{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str, purpose: str) -> str:
    """The clear value of a ciphertext made by :func:`encrypt` for the same ``purpose``."""
    if not token:
        return ""
    kid, sep, encoded = token.partition(_SEPARATOR)
    if not sep:
        raise DecryptionError("not a ciphertext")
    key = keyring().data_key(kid)
    try:
        raw = base64.b64decode(encoded)
        return _aead(key).decrypt(raw[:12], raw[12:], purpose.encode()).decode()
    except Exception as exc:  # InvalidTag, bad base64, truncated value
        raise DecryptionError("ciphertext damaged or bound to another field") from exc


def key_id_of(token: str) -> str:
    return token.partition(_SEPARATOR)[0] if token else ""


def _index_with(key: bytes, value: str, purpose: str) -> str:
    return hmac.new(key, purpose.encode() + b"\x00" + value.encode(), hashlib.sha256).hexdigest()


def blind_index(value: str, purpose: str) -> str | None:
    """The current blind index of ``value`` (None for an empty value)."""
    if not value:
        return None
    return _index_with(keyring().index[0][1], value, purpose)


def blind_indexes(value: str, purpose: str) -> list[str]:
    """The index of ``value`` under every listed index key (for lookups during a rotation)."""
    if not value:
        return []
    return [_index_with(key, value, purpose) for _, key in keyring().index]


def generate_key() -> str:
    """A fresh random key, base64 (for ``shegong keys generate``)."""
    return base64.b64encode(os.urandom(32)).decode()
