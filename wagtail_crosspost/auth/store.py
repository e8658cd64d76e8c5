"""Server-side state of a connection in the session: Fernet-encrypted, single use, expiring.

Two kinds of entries: *flows* (started, waiting for the platform's callback; keyed by the OAuth
``state`` or the OAuth 1.0a request token) and *pending* connections (tokens received, waiting for
the administrator to choose the account). The whole blob is encrypted with the credential keys
(``crypto``), so not even a cookie-based session backend ever holds a token in the clear.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from .. import crypto

SESSION_KEY = "wagtail_crosspost_connect"
FLOW_SECONDS = 10 * 60  # the administrator has ten minutes to log in at the platform
PENDING_SECONDS = 15 * 60  # and fifteen to choose the account
MAX_ENTRIES = 5  # per kind; the oldest is dropped (a session cannot be filled up)


def _load(session: Any) -> dict[str, dict[str, Any]]:
    token = session.get(SESSION_KEY)
    data: dict[str, Any] = {}
    if isinstance(token, str) and token:
        try:
            data = crypto.decrypt(token)
        except ImproperlyConfigured:  # the keys changed: start over
            data = {}
    now = time.time()
    cleaned: dict[str, dict[str, Any]] = {}
    for kind, ttl in (("flows", FLOW_SECONDS), ("pending", PENDING_SECONDS)):
        entries = data.get(kind) if isinstance(data.get(kind), dict) else {}
        cleaned[kind] = {
            k: v
            for k, v in (entries or {}).items()
            if isinstance(v, dict) and now - float(v.get("created") or 0) < ttl
        }
    return cleaned


def _save(session: Any, data: dict[str, dict[str, Any]]) -> None:
    if any(data.values()):
        session[SESSION_KEY] = crypto.encrypt(data)
    else:
        session.pop(SESSION_KEY, None)
    session.modified = True


def put(session: Any, kind: str, key: str, entry: dict[str, Any]) -> None:
    data = _load(session)
    entries = data[kind]
    entries[key] = {**entry, "created": time.time()}
    while len(entries) > MAX_ENTRIES:
        oldest = min(entries, key=lambda k: float(entries[k].get("created") or 0))
        del entries[oldest]
    _save(session, data)


def take(session: Any, kind: str, key: str) -> dict[str, Any] | None:
    """Remove and return the entry (single use); None when unknown or expired."""
    data = _load(session)
    entry = data[kind].pop(key, None) if key else None
    _save(session, data)
    return entry


def take_flow(
    session: Any, key: str, user_id: Any, protocol: str, *, unknown: str, code: str
) -> dict[str, Any]:
    """The connection flow stored under ``key``, removed from the session (single use).

    FlowError with the message ``unknown`` when there is none (unknown, used or expired), or when
    it belongs to another protocol or to another user: nothing is saved in those cases.
    """
    from ..adapters.oauth import FlowError

    flow = take(session, "flows", key)
    if flow is None or flow.get("protocol") != protocol:
        raise FlowError(unknown, code=code)
    if flow.get("user") != str(user_id):
        raise FlowError(
            _("This connection was started by another user. Nothing was saved."), code=code
        )
    return flow


def peek(session: Any, kind: str, key: str) -> dict[str, Any] | None:
    return _load(session)[kind].get(key) if key else None


def new_key() -> str:
    return secrets.token_urlsafe(32)
