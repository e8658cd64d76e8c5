"""Discord, through a channel webhook (platforms.md, section 11).

Credentials: ``webhook_url`` (``https://discord.com/api/webhooks/<id>/<token>``: the token in it
is the secret). Options: ``username`` (overrides the webhook's name), ``embed`` (default on: a
card with the page's title, introduction, link and image).

- Execute ``POST <webhook>?wait=true``: ``wait=true`` makes Discord answer with the message, so
  its id can be stored; ``content`` ≤ 2000 characters; up to 10 embeds; files as multipart
  ``files[n]`` plus ``attachments`` metadata (alt text in ``description``, ≤ 1024).
- Edit ``PATCH <webhook>/messages/<id>``, delete ``DELETE <webhook>/messages/<id>`` (204).
- 429 carries ``retry_after`` (float seconds) in the JSON body and ``Retry-After`` /
  ``X-RateLimit-Reset-After`` headers; the body's value is the precise one.

Discord has no idempotency key for webhooks, so a lost answer is ambiguous (``idempotent`` is
False). Mentions in page text never ping anyone (``allowed_mentions`` is empty).

Only wagtail-crosspost's public API is used: ``adapters.base`` and ``adapters.http``.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, ClassVar
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wagtail_crosspost.adapters.base import (
    Adapter,
    AdapterError,
    AuthError,
    ConfigurationError,
    Health,
    ImageRules,
    PermanentError,
    PlatformRules,
    Post,
    Receipt,
    TransientError,
)
from wagtail_crosspost.adapters.http import HTTPClient, check_public_url, json_object, trim

DISCORD_HOSTS = ("discord.com", "discordapp.com", "canary.discord.com", "ptb.discord.com")
WEBHOOK_RE = re.compile(
    r"^(?P<base>https?://[^/]+(?:/api(?:/v\d+)?)?)/webhooks/(?P<id>\d+)/(?P<token>[\w-]+)/?$"
)
CONTENT_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
UNKNOWN_WEBHOOK = 10015  # Discord JSON error codes
UNKNOWN_MESSAGE = 10008


class _HideWebhookTokens(logging.Filter):
    """urllib3 logs each request line at DEBUG, and a webhook's path holds its token."""

    pattern = re.compile(r"(/webhooks/\d+/)[\w-]+")

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is not ours to fix
            return True
        if "/webhooks/" in message:
            record.msg, record.args = self.pattern.sub(r"\1[redacted]", message), ()
        return True


def _install_log_filter() -> None:
    # A filter on the logger that creates the record runs before any handler sees it.
    for name in ("urllib3", "urllib3.connectionpool"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _HideWebhookTokens) for f in logger.filters):
            logger.addFilter(_HideWebhookTokens())


_install_log_filter()


def discord_error_text(body: Any) -> str:
    """``{"message": "Invalid Form Body", "code": 50035, "errors": {…nested _errors…}}``."""
    if not isinstance(body, dict):
        return body[:300] if isinstance(body, str) else ""
    details = [str(e.get("message")) for e in _nested_errors(body.get("errors")) if e]
    message = str(body.get("message") or "")
    return "; ".join([message, *details]) if details else message


def _nested_errors(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        found = [e for e in value.get("_errors", []) if isinstance(e, dict)]
        for key, item in value.items():
            if key != "_errors":
                found += _nested_errors(item)
        return found
    return []


def _truthy(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off")
    return bool(value)


class DiscordAdapter(Adapter):
    key = "discord"
    label = gettext_lazy("Discord")
    # platforms.md 11: content ≤ 2000 (counted in UTF-16 units here: never fewer than Discord
    # counts), files ≤ 10 MiB by default, attachment descriptions ≤ 1024.
    rules = PlatformRules(
        text_limit=CONTENT_LIMIT,
        counting="utf16",
        image=ImageRules(
            formats=("JPEG", "PNG", "WEBP"),
            max_bytes=10 * 1024 * 1024,
            max_images=1,
            alt_text_limit=1024,
        ),
    )
    supports = frozenset({"update", "delete", "alt_text"})
    idempotent = False  # webhooks take no idempotency key
    credential_fields = ("webhook_url",)
    option_fields = ("username", "embed")
    form_fields: ClassVar[dict[str, Any]] = {
        "webhook_url": lambda: forms.URLField(
            label=gettext_lazy("Webhook URL"),
            help_text=gettext_lazy(
                "Channel settings → Integrations → Webhooks → Copy Webhook URL. "
                "Anyone with this address can post to the channel: it is stored encrypted."
            ),
        ),
        "username": lambda: forms.CharField(
            label=gettext_lazy("Post as"), required=False, max_length=80
        ),
        "embed": lambda: forms.BooleanField(
            label=gettext_lazy("Add a card with title, introduction and image"),
            required=False,
            initial=True,
        ),
    }

    def __init__(self, channel: Any):
        super().__init__(channel)
        self.webhook_url = str(self.credentials.get("webhook_url") or "").strip()
        match = WEBHOOK_RE.match(self.webhook_url)
        token = match["token"] if match else ""
        self.http = HTTPClient(
            str(self.label), error_text=discord_error_text, secrets=[self.webhook_url, token]
        )

    # -- options -----------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """The checked webhook URL, without a trailing slash or query."""
        match = WEBHOOK_RE.match(self.webhook_url)
        if not match:
            raise AuthError(
                _(
                    "The channel “%(name)s” has no valid Discord webhook URL. Copy it from the "
                    "Discord channel's settings (Integrations → Webhooks)."
                )
                % {"name": self.channel.name}
            )
        host = (urlsplit(match["base"]).hostname or "").lower()
        testing = bool(getattr(settings, "WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS", False))
        if host not in DISCORD_HOSTS and not testing:
            raise ConfigurationError(_("A Discord webhook URL starts with https://discord.com/."))
        url = f"{match['base']}/webhooks/{match['id']}/{match['token']}"
        return check_public_url(url)

    # -- publishing --------------------------------------------------------------------------

    def payload(self, post: Post) -> dict[str, Any]:
        payload: dict[str, Any] = {"content": post.text, "allowed_mentions": {"parse": []}}
        username = str(self.options.get("username") or "").strip()
        if username:
            payload["username"] = username[:80]
        if _truthy(self.options.get("embed"), True) and (post.title or post.link):
            embed: dict[str, Any] = {"title": post.title[:EMBED_TITLE_LIMIT] or post.link}
            if post.description:
                embed["description"] = post.description[:EMBED_DESCRIPTION_LIMIT]
            if post.link:
                embed["url"] = post.link
            if post.media:
                embed["image"] = {"url": f"attachment://{post.media[0].filename}"}
            payload["embeds"] = [embed]
        return payload

    def publish(self, post: Post) -> Receipt:
        payload = self.payload(post)
        kwargs: dict[str, Any] = {"json": payload}
        if post.media:
            media = post.media[0]
            payload["attachments"] = [
                {"id": 0, "filename": media.filename, "description": media.alt_text[:1024]}
            ]
            kwargs = {
                "data": {"payload_json": json.dumps(payload)},
                "files": {"files[0]": (media.filename, media.content, media.mime_type)},
            }
        response = self._request("POST", self.endpoint, params={"wait": "true"}, **kwargs)
        return self._receipt(response)

    def update(self, receipt: Receipt, post: Post) -> Receipt:
        payload = self.payload(post)  # attachments left out: the message keeps its image
        response = self._request("PATCH", self._message_url(receipt), json=payload, idempotent=True)
        return self._receipt(response)

    def delete(self, receipt: Receipt) -> None:
        try:
            self._request("DELETE", self._message_url(receipt))
        except PermanentError as error:
            if _code(error) != UNKNOWN_MESSAGE and error.status_code != 404:
                raise  # "already gone" is what we wanted

    def check(self) -> Health:
        try:
            webhook = json_object(self._request("GET", self.endpoint))
        except AuthError as error:
            return Health(ok=False, detail=error.message, needs_reconnect=True)
        except AdapterError as error:
            return Health(ok=False, detail=error.message)
        # The answer holds the token too: only the name and channel are shown.
        return Health(
            ok=True,
            detail=_("Webhook “%(name)s” posts to channel %(channel)s.")
            % {"name": webhook.get("name") or "?", "channel": webhook.get("channel_id") or "?"},
        )

    # -- helpers -----------------------------------------------------------------------------

    def _request(self, method: str, url: str, **kwargs: Any) -> Any:
        try:
            return self.http.request(method, url, **kwargs)
        except TransientError as error:
            if error.status_code == 429:
                # The body's retry_after is precise (float seconds); the header is rounded.
                seconds = _body(error).get("retry_after")
                if isinstance(seconds, int | float) and seconds >= 0:
                    error.retry_after = float(seconds)
            raise
        except PermanentError as error:
            if error.status_code == 404 and _code(error) == UNKNOWN_WEBHOOK:
                raise AuthError(
                    _(
                        "Discord says the webhook no longer exists. Create a new webhook in "
                        "the Discord channel and enter its URL in the channel settings."
                    ),
                    raw=error.raw,
                    status_code=error.status_code,
                ) from None
            raise

    def _message_url(self, receipt: Receipt) -> str:
        if not receipt.remote_id.isdigit():
            raise PermanentError(
                _("“%(id)s” is not a Discord message id.") % {"id": receipt.remote_id}
            )
        return f"{self.endpoint}/messages/{receipt.remote_id}"

    def _receipt(self, response: Any) -> Receipt:
        message = json_object(response)
        message_id = str(message.get("id") or "")
        if not message_id:
            raise PermanentError(
                _("Discord answered without the id of the message."), raw=trim(message)
            )
        guild, channel = message.get("guild_id"), message.get("channel_id")
        url = f"https://discord.com/channels/{guild}/{channel}/{message_id}" if guild else ""
        raw = {"id": message_id, "channel_id": channel, "guild_id": guild}
        return Receipt(remote_id=message_id, url=url, raw=raw)


def _body(error: AdapterError) -> dict[str, Any]:
    raw = error.raw if isinstance(error.raw, dict) else {}
    body = raw.get("body")
    return body if isinstance(body, dict) else {}


def _code(error: AdapterError) -> int | None:
    code = _body(error).get("code")
    return code if isinstance(code, int) else None
