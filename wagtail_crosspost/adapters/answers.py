"""Reading platform answers: retry hints, error texts, trimming for the log, safe URLs.

Split out of ``http.py`` (which re-exports these names): pure helpers about answers and
addresses, no session and no request.
"""

from __future__ import annotations

import email.utils
import json
import math
import time
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

import requests

from wagtail_crosspost import conf
from wagtail_crosspost.stored_messages import gettext as _

from . import gate
from .base import (
    AdapterError,
    AuthError,
    ConfigurationError,
    Health,
    PermanentError,
)

T = TypeVar("T")
RAW_LIMIT = 4000  # characters of a platform answer kept for the log
RATE_LIMIT_HEADERS = (
    "Retry-After",
    "x-rate-limit-reset",  # X: epoch seconds
    "RateLimit-Reset",  # Bluesky: epoch seconds
    "X-RateLimit-Reset",  # Mastodon: ISO 8601 timestamp
)


def parse_retry_after(headers: Any, now: float | None = None) -> float | None:
    """Seconds to wait, from whichever rate-limit header the platform sent.

    Accepts delta seconds, epoch seconds, HTTP dates and ISO 8601 timestamps. A value that is
    not a finite number or lies beyond ``WAGTAILCROSSPOST_RETRY_AFTER_MAX_SECONDS`` (24 h) is
    absurd: None, so the normal backoff applies.
    """
    now = time.time() if now is None else now
    for name in RATE_LIMIT_HEADERS:
        value = headers.get(name) if headers is not None else None
        if value in (None, ""):
            continue
        try:
            seconds = _seconds_from(str(value).strip()[:100], now)
        except (OverflowError, ValueError):
            seconds = None
        if seconds is None or not math.isfinite(seconds):
            continue
        if seconds > float(conf.get("RETRY_AFTER_MAX_SECONDS")):
            return None
        return max(0.0, seconds)
    return None


def _seconds_from(value: str, now: float) -> float | None:
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        # A number this large is an epoch timestamp, not a delay.
        return number - now if number > 1_000_000_000 else number
    try:
        parsed = email.utils.parsedate_to_datetime(value)
        return parsed.timestamp() - now
    except (TypeError, ValueError, IndexError):
        pass
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:  # a timestamp without offset is UTC on the wire, not local time
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp() - now


def check_public_url(url: str, *, allow_private: bool | None = None) -> str:
    """Return ``url`` if it is an http(s) address of a public host; raise ConfigurationError.

    The address is read as the HTTP library reads it (``gate.parse``): a user name, a password or
    a backslash in it is refused. Hosts that resolve to loopback, private, link-local or
    otherwise non-public addresses are refused (so a channel cannot make the server call itself
    or its network), unless ``WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS`` (or ``allow_private``) is
    true. This is the check for forms: a name that does not resolve right now passes here (an
    offline save, a split DNS), and the gate, which checks again when it connects and connects
    to the address it checked, refuses it then.
    """
    if allow_private is None:
        allow_private = bool(conf.get("ALLOW_PRIVATE_URLS"))
    try:
        if allow_private:
            gate.parse(url)
        else:
            gate.check_url(url, allow_private=False)
    except gate.Refused as refusal:
        if refusal.unresolved:
            return url
        raise ConfigurationError(refusal.message) from None
    return url


def without_nul(value: Any) -> Any:
    """``value`` with NUL characters removed from every string and key: PostgreSQL's text and
    JSON columns cannot hold them, and a hostile answer must not make the row unsavable after
    the post was made (which could lead to a second post)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_nul(v) for v in value]
    return value


def trim(raw: Any) -> Any:
    """Keep a platform answer small enough for the log (and storable: no NUL characters)."""
    raw = without_nul(raw)
    text = raw if isinstance(raw, str) else json.dumps(raw, default=str)
    if len(text) <= RAW_LIMIT:
        return raw
    return text[:RAW_LIMIT] + "…"


def response_body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return trim(response.text)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return text


def default_error_text(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("error_description", "message", "error", "detail", "description"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"]
    if isinstance(body, str):
        return body[:300]
    return ""


def _safe_method(method: str) -> bool:
    return method.upper() in ("GET", "HEAD", "OPTIONS")


def _text(response: requests.Response) -> str:
    try:
        return response.content.decode("utf-8", "replace")
    except Exception:
        return ""


def _readable(response: requests.Response) -> bool:
    """An empty answer (204, or 201 with a header) or a JSON one."""
    content = response.content or b""
    if not content.strip():
        return True
    try:
        json.loads(content)
    except ValueError:
        return False
    return True


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    text = repr(exc)
    return any(
        marker in text
        for marker in (
            "NewConnectionError",
            "Connection refused",
            "Name or service not known",
            "Failed to resolve",
            "NameResolutionError",
        )
    )


def check_api_base(value: Any, default: str) -> str:
    """The platform's API base URL: ``default``, or a channel's ``api_base`` override.

    An override (a proxy, a test server) must be https, and public, unless
    ``WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS`` is set; a trailing slash is dropped.
    """
    url = str(value or "").strip().rstrip("/")
    if not url:
        return default
    return check_https_url(url, _("The API address “%(url)s” must start with https://."))


def check_https_url(url: str, not_https: str) -> str:
    """``url`` if it is https and public (both waived by ``WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS``);
    ConfigurationError otherwise, with ``not_https`` (``%(url)s`` in it is the address)."""
    allow_private = bool(conf.get("ALLOW_PRIVATE_URLS"))
    if urlsplit(url).scheme.lower() != "https" and not allow_private:
        raise ConfigurationError(not_https % {"url": url})
    return check_public_url(url, allow_private=allow_private)


class APIBaseOption:
    """For an adapter whose channels may name another server for the platform's API (option
    ``api_base``: a proxy, a test server): ``default_api_base`` unless they do."""

    default_api_base: ClassVar[str] = ""
    options: dict[str, Any]

    @property
    def api_base(self) -> str:
        return check_api_base(self.options.get("api_base"), self.default_api_base)

    @classmethod
    def clean_api_base(cls, cleaned: dict[str, Any]) -> dict[str, Any]:
        """``cleaned`` (changed in place) with its ``api_base``, if any, checked."""
        if cleaned.get("api_base"):
            cleaned["api_base"] = check_api_base(cleaned["api_base"], cls.default_api_base)
        return cleaned


# -- shapes every adapter shares -----------------------------------------------------------------


def health_from(probe: Callable[[], Health | str]) -> Health:
    """``check()``: run ``probe`` (it names the account, or returns a Health of its own). A
    refused credential means the channel needs reconnecting; any other adapter error is a failed
    check with the platform's sentence."""
    try:
        result = probe()
    except AuthError as error:
        return Health(ok=False, detail=error.message, needs_reconnect=True)
    except AdapterError as error:
        return Health(ok=False, detail=error.message)
    return result if isinstance(result, Health) else Health(ok=True, detail=str(result))


def unless_gone(call: Callable[[], T], gone: Callable[[PermanentError], bool]) -> T | None:
    """Run a delete; a refusal that ``gone`` reads as "no such post" is what a delete wants, so it
    returns None instead of raising."""
    try:
        return call()
    except PermanentError as error:
        if gone(error):
            return None
        raise


def gone_status(error: PermanentError) -> bool:
    """HTTP 404 or 410: the post no longer exists."""
    return error.status_code in (404, 410)


def not_found(error: PermanentError) -> bool:
    """HTTP 404: the post no longer exists (platforms that answer a deleted post with 404 only)."""
    return error.status_code == 404


def json_object(response: Any) -> dict[str, Any]:
    """The answer's JSON object, or ``{}`` when it is not one."""
    data = json_dict(response)
    return {} if data is None else data


def json_dict(response: Any) -> dict[str, Any] | None:
    """The answer's JSON object, or None when it is not one (not JSON, or another JSON value)."""
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def first_text(body: Any, keys: Iterable[str]) -> str:
    """The first non-empty string among ``keys`` of an error body (a plain-text body: its start)."""
    if isinstance(body, dict):
        for key in keys:
            if isinstance(body.get(key), str) and body[key]:
                return body[key]
        return ""
    return body[:300] if isinstance(body, str) else ""
