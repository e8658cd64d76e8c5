"""Meta's Graph API errors → the contract's errors, in one table shared by Facebook, Instagram
and Threads (platforms.md §5–§7): :func:`meta_error`, the usage headers' wait, the HTTP client that
reads Graph API error bodies, and the helpers for ids in answers and "already gone" deletes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from wagtail_crosspost.stored_messages import gettext as _

from ..base import AdapterError, AuthError, PermanentError, TransientError
from ..http import HTTPClient, parse_retry_after, response_body, trim

# -- Meta's error body → the contract's errors ---------------------------------------------------

AUTH = "auth"  # the token is invalid or expired: reconnect
RATE = "rate"  # a call-rate limit: wait as long as the usage headers say
QUOTA = "quota"  # a publishing quota (posts per rolling 24 h): wait for the window
INVALID = "invalid"  # Meta refused the request itself: retrying cannot help

#: Graph API error ``code`` → kind. platforms.md §5 "Rate limits and errors": 190 = invalid or
#: expired token; 4, 17, 32, 613, 80000–80009 and 80014 = rate limits. 102 (API session), 463
#: and 467 (expired / invalid token, also sent as subcodes) → reconnect; 100 (invalid parameter)
#: and the 200–299 permission range → refused with Meta's own words.
ERROR_CODES: dict[int, str] = {
    190: AUTH,
    102: AUTH,
    463: AUTH,
    467: AUTH,
    4: RATE,
    17: RATE,
    32: RATE,
    613: RATE,
    **{code: RATE for code in range(80000, 80010)},
    80014: RATE,
    100: INVALID,
    **{code: INVALID for code in range(200, 300)},
}

#: ``error_subcode`` → kind; a subcode decides before its code. platforms.md §6 "Typical errors":
#: 2207042 = Instagram's daily publishing limit reached; 463/467 = expired / invalid session.
ERROR_SUBCODES: dict[int, str] = {
    463: AUTH,
    467: AUTH,
    2207042: QUOTA,
}

#: Our own choice, not a platform number: the wait when a rate limit comes without a usage hint.
DEFAULT_RATE_LIMIT_WAIT = 600.0
#: platforms.md §6/§7 "Rate limit": publishing quotas are per rolling 24 h (``quota_duration``).
DEFAULT_QUOTA_DURATION = 86_400

USAGE_HEADERS = ("X-Business-Use-Case-Usage", "X-App-Usage")


def meta_error_fields(body: Any) -> dict[str, Any]:
    """The ``error`` object of a Graph API answer (``{}`` when the body is not one)."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"]
    return {}


def meta_error_text(body: Any) -> str:
    """Meta's message, with the user-facing explanation when Meta gives one."""
    error = meta_error_fields(body)
    message = str(error.get("message") or "")
    user_message = str(error.get("error_user_msg") or "")
    if user_message and user_message not in message:
        message = f"{message} – {user_message}" if message else user_message
    if message:
        return message
    if isinstance(body, dict):  # the token endpoints answer OAuth-style errors
        return str(body.get("error_description") or body.get("error") or "")
    return body[:300] if isinstance(body, str) else ""


def usage_wait(headers: Any) -> float | None:
    """Seconds until access returns, from the usage headers (platforms.md §5: minutes).

    ``X-Business-Use-Case-Usage`` maps business ids to lists of usage entries; ``X-App-Usage`` is
    one entry. The longest ``estimated_time_to_regain_access`` wins.
    """
    minutes: list[float] = []
    for name in USAGE_HEADERS:
        value = headers.get(name) if headers is not None else None
        if not value:
            continue
        try:
            usage = json.loads(value)
        except ValueError:
            continue
        for entry in _usage_entries(usage):
            try:
                minutes.append(float(entry.get("estimated_time_to_regain_access") or 0))
            except (TypeError, ValueError):
                continue
    longest = max(minutes, default=0.0)
    return longest * 60 if longest > 0 else None


def _usage_entries(usage: Any) -> list[dict[str, Any]]:
    if isinstance(usage, list):
        return [entry for item in usage for entry in _usage_entries(item)]
    if not isinstance(usage, dict):
        return []
    if "estimated_time_to_regain_access" in usage or "call_count" in usage:
        return [usage]
    return [entry for item in usage.values() for entry in _usage_entries(item)]


def error_kind(body: Any) -> str | None:
    """The kind of a Graph API error from its subcode, then its code; None: decide by status."""
    error = meta_error_fields(body)
    for key, table in (("error_subcode", ERROR_SUBCODES), ("code", ERROR_CODES)):
        try:
            kind = table.get(int(error.get(key) or 0))
        except (TypeError, ValueError):
            kind = None
        if kind:
            return kind
    return None


def meta_error(
    status: int,
    body: Any,
    headers: Any,
    *,
    platform: str,
    scrub: Callable[[str], str] = str,
    scrub_raw: Callable[[Any], Any] = trim,
) -> AdapterError:
    """The contract error for a Graph API (or Threads API) error answer.

    One function with one table, so Facebook, Instagram and Threads map alike. ``scrub`` and
    ``scrub_raw`` remove secrets from the message and the raw answer.
    """
    detail = scrub(meta_error_text(body) or f"HTTP {status}")
    raw = {"status": status, "body": scrub_raw(body)}
    params = {"platform": platform, "status": status, "detail": detail}
    kind = error_kind(body)
    if kind == AUTH or (kind is None and status == 401):
        return AuthError(
            _(
                "%(platform)s refused the channel's access token (%(detail)s). "
                "Reconnect the channel in Settings → Social channels."
            )
            % params,
            raw=raw,
            status_code=status,
        )
    if kind == QUOTA:
        return TransientError(
            _(
                "%(platform)s's publishing limit for this account is reached (%(detail)s). "
                "It will be tried again when the 24-hour window frees up."
            )
            % params,
            retry_after=DEFAULT_QUOTA_DURATION,
            raw=raw,
            status_code=status,
        )
    if kind == RATE or (kind is None and status == 429):
        wait = usage_wait(headers) or parse_retry_after(headers) or DEFAULT_RATE_LIMIT_WAIT
        return TransientError(
            _("%(platform)s asks us to slow down (%(detail)s). It will be tried again.") % params,
            retry_after=wait,
            raw=raw,
            status_code=status,
        )
    if meta_error_fields(body).get("is_transient") is True or status >= 500:
        return TransientError(
            _("%(platform)s had a temporary problem (%(detail)s). It will be tried again.")
            % params,
            retry_after=usage_wait(headers) or parse_retry_after(headers),
            raw=raw,
            status_code=status,
        )
    return PermanentError(
        _("%(platform)s refused the request: %(detail)s") % params,
        raw=raw,
        status_code=status,
    )


class MetaHTTPClient(HTTPClient):
    """HTTPClient whose error answers are read as Graph API error bodies."""

    def __init__(self, platform_label: str, **kwargs: Any):
        kwargs.setdefault("error_text", meta_error_text)
        super().__init__(platform_label, **kwargs)

    def add_secret(self, secret: str) -> None:
        if secret and secret not in self.secrets:
            self.secrets.append(secret)

    def raise_for_status(self, response: Any) -> None:
        raise meta_error(
            response.status_code,
            response_body(response),
            response.headers,
            platform=self.platform,
            scrub=self._scrub,
            scrub_raw=self._scrub_raw,
        )


def answer_id(
    answer: dict[str, Any],
    platform: Any,
    what: str,
    *,
    key: str = "id",
    error: type[AdapterError] = PermanentError,
) -> str:
    """The id in an answer, or an error (PermanentError by default) naming what was missing."""
    value = str(answer.get(key) or "")
    if not value:
        raise error(
            _("%(platform)s answered without the id of the %(what)s.")
            % {"platform": platform, "what": what},
            raw=trim(answer),
        )
    return value


def already_gone(error: PermanentError) -> bool:
    """Meta answers a delete of a post that no longer exists with code 100 ("Unsupported delete
    request … does not exist"): the post is gone, which is what a delete wants."""
    body = error.raw.get("body") if isinstance(error.raw, dict) else None
    meta = body.get("error") if isinstance(body, dict) else None
    if not isinstance(meta, dict) or meta.get("code") != 100:
        return False
    message = str(meta.get("message", "")).lower()
    return "does not exist" in message or "unsupported delete request" in message
