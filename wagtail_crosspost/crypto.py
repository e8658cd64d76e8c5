"""Credentials encrypted at rest with Fernet; ``WAGTAILCROSSPOST_ENCRYPTION_KEYS`` rotates keys.

The first key encrypts; every key decrypts (``MultiFernet``), so a new key can be put in front and
old rows re-encrypted with ``manage.py crosspost_rotate_keys``. Without the setting a key is
derived from ``SECRET_KEY``.
"""

from __future__ import annotations

import base64
import contextvars
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from . import conf


def _derived_key(secret: str) -> bytes:
    digest = hashlib.sha256(f"wagtail-crosspost:{secret}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


def get_fernet() -> MultiFernet:
    keys = conf.get("ENCRYPTION_KEYS")
    if not keys:
        keys = [_derived_key(settings.SECRET_KEY)]
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "WAGTAILCROSSPOST_ENCRYPTION_KEYS must be a list of Fernet keys; generate one with "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())'`."
        ) from exc


def encrypt(value: dict[str, Any]) -> str:
    return get_fernet().encrypt(json.dumps(value, sort_keys=True).encode()).decode()


def decrypt(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        return json.loads(get_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "Channel credentials cannot be decrypted: the key that encrypted them is not in "
            "WAGTAILCROSSPOST_ENCRYPTION_KEYS (or SECRET_KEY changed). Add the old key to the list."
        ) from exc


#: While a delivery batch runs (``outbox.batch.scope``): the tokens it decrypted, so that the
#: rows of one channel decrypt its credentials once. None outside a batch: nothing is kept.
batch_decrypted: contextvars.ContextVar[dict[str, dict[str, Any]] | None] = contextvars.ContextVar(
    "crosspost_batch_decrypted", default=None
)


def decrypt_in_batch(token: str) -> dict[str, Any]:
    memo = batch_decrypted.get()
    if memo is None or not token:
        return decrypt(token)
    if token not in memo:
        memo[token] = decrypt(token)
    return memo[token]


def rotate(token: str) -> str:
    return get_fernet().rotate(token.encode()).decode() if token else token


class Secret(dict):
    """A dict whose repr never shows its values (tracebacks and debug pages print reprs)."""

    def __repr__(self) -> str:
        return "<credentials: " + ", ".join(sorted(self)) + ">"

    __str__ = __repr__


class EncryptedJSONField(models.TextField):
    """Stores a dict as a Fernet token. The database never sees the plain value."""

    description = "Encrypted JSON"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return Secret()
        return Secret(decrypt_in_batch(value))  # a copy: a change stays in this row

    def to_python(self, value):
        if isinstance(value, dict):
            return Secret(value)
        if not value:
            return Secret()
        return Secret(decrypt(value))

    def get_prep_value(self, value):
        if value is None:
            value = {}
        if isinstance(value, str):
            return value  # already a token
        return encrypt(dict(value))

    def value_to_string(self, obj):
        # dumpdata writes the token, never the plain secret.
        return self.get_prep_value(self.value_from_object(obj))

    def formfield(self, **kwargs):
        return None  # never rendered into a form; adapters' forms write it explicitly
