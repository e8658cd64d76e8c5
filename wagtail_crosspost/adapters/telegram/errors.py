"""The Bot API's error answers, in the error classes the outbox acts on."""

from __future__ import annotations

from typing import Any

from wagtail_crosspost.stored_messages import gettext as _

from ..base import AdapterError, AuthError, PermanentError, TransientError


def telegram_error_text(body: Any) -> str:
    """The Bot API's ``{"ok": false, "error_code": …, "description": "…"}``."""
    if isinstance(body, dict):
        description = body.get("description")
        return description if isinstance(description, str) else ""
    return body[:300] if isinstance(body, str) else ""


def _parameters(error: AdapterError) -> dict[str, Any]:
    raw = error.raw if isinstance(error.raw, dict) else {}
    body = raw.get("body") if isinstance(raw.get("body"), dict) else {}
    parameters = body.get("parameters") if isinstance(body, dict) else None
    return parameters if isinstance(parameters, dict) else {}


def translate(error: AdapterError) -> AdapterError:
    """A Bot API refusal as the error the outbox acts on (flood control, revoked token …)."""
    status = error.status_code
    if status is None:
        return error  # network failures: HTTPClient already chose and scrubbed
    raw = error.raw if isinstance(error.raw, dict) else {}
    detail = telegram_error_text(raw.get("body"))
    parameters = _parameters(error)
    if status == 429:
        # platforms.md 8: flood control answers 429 with parameters.retry_after (seconds).
        retry_after = parameters.get("retry_after")
        return TransientError(
            _("Telegram asks us to slow down (%(detail)s). It will be tried again.")
            % {"detail": detail or "Too Many Requests"},
            retry_after=float(retry_after)
            if isinstance(retry_after, int | float)
            else getattr(error, "retry_after", None),
            raw=raw,
            status_code=status,
        )
    if status == 401:
        # The token is wrong or was revoked in @BotFather: only a new token helps.
        return AuthError(
            _(
                "Telegram refused the bot token (%(detail)s): it is wrong or was revoked. "
                "Create a new token with @BotFather and enter it in the channel settings."
            )
            % {"detail": detail or "Unauthorized"},
            raw=raw,
            status_code=status,
        )
    if status == 403:
        # Bot removed from the channel or not an admin: every post fails the same way
        # until someone fixes the channel, so stop the queue and flag it (AuthError).
        return AuthError(
            _(
                "Telegram does not let the bot post in this channel (%(detail)s). Add the "
                "bot to the channel as an administrator with the right to post messages, "
                "then test the channel."
            )
            % {"detail": detail or "Forbidden"},
            raw=raw,
            status_code=status,
        )
    if status == 400 and parameters.get("migrate_to_chat_id"):
        return PermanentError(
            _(
                "The Telegram group became a supergroup with the id %(chat_id)s. "
                "Enter that id as the channel's chat."
            )
            % {"chat_id": parameters["migrate_to_chat_id"]},
            raw=raw,
            status_code=status,
        )
    if 400 <= status < 500 and status not in (408, 425):
        return PermanentError(
            _("Telegram refused the request: %(detail)s") % {"detail": detail or status},
            raw=raw,
            status_code=status,
        )
    return error
