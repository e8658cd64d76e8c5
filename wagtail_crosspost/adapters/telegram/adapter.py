"""Telegram channels, through the Bot API (shared/reference/platforms.md, section 8).

Options: ``chat_id`` (``@channelname`` or the numeric id, e.g. ``-1001234567890``),
``link_preview`` (default on), ``api_base`` (another Bot API server; https). Credentials:
``bot_token`` from @BotFather. The bot must be an administrator of the channel with the right
to post messages.

The token is part of every URL (``/bot<token>/<method>``), so it could leak through anything
that prints a URL: error messages (scrubbed by ``HTTPClient``), ``requests``/``urllib3``
exceptions (scrubbed too) and urllib3's DEBUG log lines (see ``http.RedactURLSecrets``).

A post's ``remote_id`` is ``"<chat id>:<message id>"``: a message id alone means nothing in
another chat, and the outbox rebuilds receipts from ``remote_id`` and ``url`` only.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

from django.utils.translation import gettext_lazy

from wagtail_crosspost.stored_messages import gettext as _

from ..base import (
    Adapter,
    AdapterError,
    AuthError,
    Health,
    ImageRules,
    PermanentError,
    PlatformRules,
    Post,
    Receipt,
    clean_option,
    truthy,
)
from ..http import APIBaseOption, HTTPClient, health_from, trim
from .connect import FORM_FIELDS, clean_chat_id
from .errors import telegram_error_text, translate

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.telegram.org"  # platforms.md 8: /bot<token>/<method>
# platforms.md 8: "deleteMessage only for messages < 48 h old".
DELETE_WINDOW_SECONDS = 48 * 3600


class TelegramAdapter(APIBaseOption, Adapter):
    key = "telegram"
    label = gettext_lazy("Telegram")
    default_api_base = DEFAULT_API_BASE
    # platforms.md 8 and the summary table: 4096 message, 1024 caption, photo ≤ 10 MB,
    # w + h ≤ 10000, ratio ≤ 20; one photo per sendPhoto; no alt text.
    rules = PlatformRules(
        iri_links=False,  # platforms.md 8: link detection in messages unverified
        # platforms.md 8: about 1 message/s per chat, 20 per minute in groups.
        quota=(20, 60),
        text_limit=4096,
        counting="utf16",
        caption_limit=1024,
        image=ImageRules(
            formats=("JPEG", "PNG"),
            max_bytes=10_000_000,
            max_dimension_sum=10_000,  # platforms.md 8: width + height ≤ 10,000
            min_aspect=1 / 20,
            max_aspect=20,
            max_images=1,
            alt_text_limit=None,
        ),
    )
    supports = frozenset({"delete"})
    credential_fields = ("bot_token",)
    option_fields = ("chat_id", "link_preview")
    form_fields: ClassVar[dict[str, Any]] = FORM_FIELDS

    def __init__(self, channel: Any):
        super().__init__(channel)
        self.bot_token = str(self.credentials.get("bot_token") or "").strip()
        self.http = HTTPClient(
            str(self.label),
            error_text=telegram_error_text,
            # The token as typed and as it appears percent-encoded in a URL.
            secrets=[self.bot_token, quote(self.bot_token, safe="")],
        )

    # -- options -----------------------------------------------------------------------------

    @property
    def chat_id(self) -> str:
        return clean_chat_id(self.options.get("chat_id"))

    @classmethod
    def clean_options(cls, options: dict[str, Any]) -> dict[str, Any]:
        cleaned = dict(options or {})
        clean_option(cleaned, "chat_id", clean_chat_id)
        cleaned["link_preview"] = truthy(cleaned.get("link_preview"), True)
        return cls.clean_api_base(cleaned)

    # -- HTTP --------------------------------------------------------------------------------

    def _call(self, method: str, *, idempotent: bool = False, **kwargs: Any) -> Any:
        """Call a Bot API method; return its ``result`` or raise the contract's errors."""
        if not self.bot_token:
            raise AuthError(
                _("The channel “%(name)s” has no bot token. Enter the token from @BotFather.")
                % {"name": self.channel.name}
            )
        url = f"{self.api_base}/bot{self.bot_token}/{method}"
        try:
            response = self.http.request("POST", url, idempotent=idempotent, **kwargs)
        except AdapterError as error:
            # The original requests exception (kept as __context__) prints the URL, token
            # included: cut the chain so no traceback, logger or error tracker can show it.
            error.__context__ = error.__cause__ = None
            raise translate(error) from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not answer.get("ok"):
            raise PermanentError(
                _("Telegram answered %(method)s without success: %(detail)s")
                % {"method": method, "detail": telegram_error_text(answer) or "?"},
                raw=trim(answer),
            )
        return answer.get("result")

    # -- publishing --------------------------------------------------------------------------

    def publish(self, post: Post) -> Receipt:
        chat_id = self.chat_id
        if post.media:
            media = post.media[0]
            data: dict[str, Any] = {"chat_id": chat_id}
            if post.text:
                data["caption"] = post.text
            message = self._call(
                "sendPhoto",
                data=data,
                files={"photo": (media.filename, media.content, media.mime_type)},
            )
        else:
            payload: dict[str, Any] = {"chat_id": chat_id, "text": post.text}
            # Link preview options: platforms.md 8 calls them unverified; a server that does
            # not know the field ignores it, and the preview is on by default anyway.
            if truthy(self.options.get("link_preview"), True):
                preview: dict[str, Any] = {"is_disabled": False}
                if post.link:
                    preview["url"] = post.link
                payload["link_preview_options"] = preview
            else:
                payload["link_preview_options"] = {"is_disabled": True}
            message = self._call("sendMessage", json=payload)
        return self._receipt(message)

    def delete(self, receipt: Receipt) -> None:
        chat_id, message_id = self._split_remote_id(receipt)
        sent_at = _sent_at(receipt.raw)
        if sent_at is not None and time.time() - sent_at >= DELETE_WINDOW_SECONDS:
            raise PermanentError(self._too_old_message())
        try:
            self._call("deleteMessage", json={"chat_id": chat_id, "message_id": message_id})
        except PermanentError as error:
            detail = telegram_error_text((error.raw or {}).get("body")).lower()
            if "not found" in detail:
                return  # already gone is what we wanted
            if "can't be deleted" in detail or "cannot be deleted" in detail:
                raise PermanentError(
                    self._too_old_message(), raw=error.raw, status_code=error.status_code
                ) from None
            raise

    def check(self) -> Health:
        return health_from(self._check_bot)

    def _check_bot(self) -> Health:
        me = self._call("getMe")
        chat_id = self.chat_id
        member = self._call(
            "getChatMember", json={"chat_id": chat_id, "user_id": (me or {}).get("id")}
        )
        username = f"@{(me or {}).get('username') or '?'}"
        member = member if isinstance(member, dict) else {}
        if member.get("status") == "creator":
            return Health(ok=True, detail=username)
        if member.get("status") != "administrator" or member.get("can_post_messages") is False:
            return Health(
                ok=False,
                detail=_(
                    "The bot %(bot)s is not an administrator of %(chat)s with the right to "
                    "post messages."
                )
                % {"bot": username, "chat": chat_id},
                needs_reconnect=True,
            )
        return Health(ok=True, detail=username)

    # -- helpers -----------------------------------------------------------------------------

    def _receipt(self, message: Any) -> Receipt:
        if not isinstance(message, dict) or "message_id" not in message:
            raise PermanentError(
                _("Telegram answered without the sent message."), raw=trim(message)
            )
        chat: dict[str, Any] = message["chat"] if isinstance(message.get("chat"), dict) else {}
        chat_id = str(chat.get("id") or self.chat_id)
        message_id = str(message["message_id"])
        username = chat.get("username") or ""
        if not username and self.chat_id.startswith("@"):
            username = self.chat_id[1:]
        url = f"https://t.me/{username}/{message_id}" if username else ""
        raw = {
            "message_id": message["message_id"],
            "chat_id": chat.get("id"),
            "chat_username": username,
            "date": message.get("date"),
        }
        return Receipt(remote_id=f"{chat_id}:{message_id}", url=url, raw=raw)

    def _split_remote_id(self, receipt: Receipt) -> tuple[str, int]:
        chat_id, _sep, message_id = receipt.remote_id.rpartition(":")
        if not chat_id:
            chat_id = str((receipt.raw or {}).get("chat_id") or self.chat_id)
        try:
            return chat_id, int(message_id)
        except ValueError:
            raise PermanentError(
                _("“%(id)s” is not a Telegram message id.") % {"id": receipt.remote_id}
            ) from None

    @staticmethod
    def _too_old_message() -> str:
        return _(
            "Telegram only lets a bot delete messages that are less than 48 hours old. "
            "Delete this one in the Telegram app."
        )


def _sent_at(raw: Any) -> float | None:
    """When the message was sent, from a receipt's raw answer (Telegram's unix ``date``)."""
    if not isinstance(raw, dict):
        return None
    date = raw.get("date")
    if isinstance(date, int | float) and date > 0:
        return float(date)
    sent_at = raw.get("sent_at")
    if isinstance(sent_at, str) and sent_at:
        try:
            moment = datetime.fromisoformat(sent_at.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    return None
