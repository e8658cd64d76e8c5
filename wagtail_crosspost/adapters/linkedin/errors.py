"""LinkedIn's error answers, in the error classes the outbox acts on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from wagtail_crosspost.stored_messages import gettext as _

from ..base import AdapterError, AuthError, PermanentError, TransientError
from ..http import first_text

# platforms.md 4, "Typical errors": POSTIZ retries these intermittent answers.
RETRYABLE_MARKERS = ("unable to obtain activity", "resource is forbidden")


def linkedin_error_text(body: Any) -> str:
    """LinkedIn's ``{"status": 422, "message": "…", "code": "…"}`` (or OAuth errors)."""
    return first_text(body, ("message", "error_description", "error"))


def seconds_until_midnight_utc(now: datetime | None = None) -> float:
    """platforms.md 4: daily limits reset at midnight UTC and no Retry-After is sent."""
    now = now or datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()


def refine(error: PermanentError) -> AdapterError:
    raw = error.raw if isinstance(error.raw, dict) else {}
    body = raw.get("body") if isinstance(raw.get("body"), dict) else {}
    text = linkedin_error_text(body)
    lowered = text.lower()
    if error.status_code == 403 and any(m in lowered for m in RETRYABLE_MARKERS):
        return TransientError(
            _("LinkedIn refused the request for now (%(detail)s). It will be tried again.")
            % {"detail": text},
            raw=raw,
            status_code=error.status_code,
        )
    if error.status_code == 403 and (
        "permission" in lowered or str((body or {}).get("code") or "") == "ACCESS_DENIED"
    ):
        return AuthError(
            _(
                "LinkedIn does not let this account post as the chosen author (%(detail)s). "
                "Reconnect with an account that administers the Page, with the posting "
                "permission."
            )
            % {"detail": text},
            raw=raw,
            status_code=error.status_code,
        )
    if error.status_code in (400, 422) and text:
        return PermanentError(
            _("LinkedIn refused the post: %(detail)s") % {"detail": text},
            raw=raw,
            status_code=error.status_code,
        )
    return error
