"""A generic signed JSON webhook: POST each post to a URL of your choice.

Options: ``url`` (must be a public http(s) address unless
``WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS``). Credentials: ``secret`` (the signing key).

The request body is JSON::

    {"text": "…", "link": "https://…", "title": "…", "description": "…",
     "media": [{"url": "https://…/image.jpg", "alt_text": "…", "mime_type": "image/jpeg",
                "width": 1200, "height": 630}],
     "idempotency_key": "…", "channel": {"id": 3, "name": "Intranet"},
     "sent_at": "2026-05-01T09:30:00Z"}

Headers: ``X-Crosspost-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">``
(Stripe's scheme; verify with :func:`verify_signature`, and refuse old timestamps to stop
replays) and ``X-Crosspost-Idempotency-Key``. **A retry sends the same idempotency key**: a
receiver must store the keys it has handled and answer a repeat with 2xx without acting again.
That is what makes retries after a lost answer safe (``idempotent = True``).

The receiver answers 2xx, optionally with JSON ``{"id": "…", "url": "…"}`` naming what it made;
without an id, the idempotency key stands for the post.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from django.utils.translation import gettext_lazy

from wagtail_crosspost import conf
from wagtail_crosspost.stored_messages import gettext as _

from ..base import (
    Adapter,
    AdapterError,
    ConfigurationError,
    Health,
    ImageRules,
    PermanentError,
    PlatformRules,
    Post,
    Receipt,
    about_option,
)
from ..http import HTTPClient, check_public_url, first_text, json_object, trim
from .connect import FORM_FIELDS

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Crosspost-Signature"
IDEMPOTENCY_HEADER = "X-Crosspost-Idempotency-Key"
DEFAULT_TOLERANCE = 300  # seconds; as Stripe's libraries default


def sign(secret: str | bytes, timestamp: int, body: bytes) -> str:
    """The ``v1`` signature: hex HMAC-SHA256 of ``b"<timestamp>." + body``."""
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: str | bytes, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify_signature(
    secret: str | bytes,
    header: str,
    body: bytes | str,
    tolerance: int = DEFAULT_TOLERANCE,
    *,
    now: float | None = None,
) -> bool:
    """True when ``header`` (``X-Crosspost-Signature``) signs ``body`` with ``secret``.

    For receivers; copy it if you do not want to depend on this package::

        import hashlib, hmac, time

        def verify_signature(secret, header, body, tolerance=300):
            parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
            stamps = [v for k, v in parts if k.strip() == "t"]
            signatures = [v.strip() for k, v in parts if k.strip() == "v1"]
            if len(stamps) != 1 or not stamps[0].strip().isdigit() or not signatures:
                return False
            if abs(time.time() - int(stamps[0])) > tolerance:
                return False  # too old (a replay) or from a wrong clock
            body = body.encode() if isinstance(body, str) else body
            key = secret.encode() if isinstance(secret, str) else secret
            expected = hmac.new(key, stamps[0].strip().encode() + b"." + body,
                                hashlib.sha256).hexdigest()
            return any(hmac.compare_digest(expected, s) for s in signatures)

    Pass the raw request body, exactly as received (not re-serialised JSON). Several ``v1``
    values are accepted, so a sender can sign with an old and a new secret while rotating.
    """
    if not secret or not header:
        return False
    parts = [part.split("=", 1) for part in str(header).split(",") if "=" in part]
    stamps = [value.strip() for key, value in parts if key.strip() == "t"]
    signatures = [value.strip() for key, value in parts if key.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].isdigit() or not signatures:
        return False
    timestamp = int(stamps[0])
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    raw = body.encode() if isinstance(body, str) else body
    expected = sign(secret, timestamp, raw)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


def webhook_error_text(body: Any) -> str:
    return first_text(body, ("error", "message", "detail"))


class WebhookAdapter(Adapter):
    key = "webhook"
    label = gettext_lazy("Webhook")
    # platforms.md "Cross-platform notes": our own format, no platform limit ("webhook" counter).
    rules = PlatformRules(
        text_limit=10_000,
        counting="graphemes",
        image=ImageRules(
            formats=("JPEG", "PNG", "WEBP"),
            max_bytes=20_000_000,
            max_images=10,
            alt_text_limit=5000,
            needs_public_url=True,  # the receiver gets URLs, not bytes
        ),
    )
    supports = frozenset({"alt_text"})
    idempotent = True  # the receiver deduplicates by X-Crosspost-Idempotency-Key
    credential_fields = ("secret",)
    option_fields = ("url",)
    form_fields: ClassVar[dict[str, Any]] = FORM_FIELDS

    def __init__(self, channel: Any):
        super().__init__(channel)
        self.secret = str(self.credentials.get("secret") or "")
        self.http = HTTPClient(
            str(self.label),
            error_text=webhook_error_text,
            secrets=[self.secret],
            json_answers=False,  # a receiver may answer "ok"
        )

    @property
    def url(self) -> str:
        url = str(self.options.get("url") or "").strip()
        if not url:
            raise ConfigurationError(
                _("The channel “%(name)s” has no webhook URL.") % {"name": self.channel.name}
            )
        return check_public_url(url)

    @classmethod
    def clean_options(cls, options: dict[str, Any]) -> dict[str, Any]:
        cleaned = dict(options or {})
        with about_option("url"):
            cleaned["url"] = check_public_url(str(cleaned.get("url") or "").strip())
        return cleaned

    # -- publishing --------------------------------------------------------------------------

    def payload(self, post: Post, sent_at: datetime | None = None) -> dict[str, Any]:
        """The JSON document a receiver gets (documented in the module docstring)."""
        sent_at = sent_at or datetime.now(UTC)
        return {
            "text": post.text,
            "link": post.link,
            "title": post.title,
            "description": post.description,
            "media": [
                {
                    "url": url,
                    "alt_text": media.alt_text,
                    "mime_type": media.mime_type,
                    "width": media.width,
                    "height": media.height,
                }
                for media in post.media
                if (url := _absolute(media.url))
            ],
            "idempotency_key": self._key(post),
            "channel": {"id": getattr(self.channel, "pk", None), "name": self.channel.name},
            "sent_at": sent_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        }

    def publish(self, post: Post) -> Receipt:
        url = self.url
        if not self.secret:
            raise ConfigurationError(
                _("The channel “%(name)s” has no signing secret.") % {"name": self.channel.name}
            )
        skipped = [m.filename for m in post.media if not _absolute(m.url)]
        if skipped:
            logger.warning(
                "Webhook channel %s: images without a public URL were left out: %s",
                getattr(self.channel, "pk", None),
                ", ".join(skipped),
            )
        payload = self.payload(post)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        response = self.http.request(
            "POST",
            url,
            data=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                SIGNATURE_HEADER: signature_header(self.secret, body),
                IDEMPOTENCY_HEADER: payload["idempotency_key"],
            },
            # A redirect could lead anywhere (a private address): the URL must be the final one.
            allow_redirects=False,
            idempotent=True,
        )
        if response.status_code >= 300:
            raise PermanentError(
                _(
                    "The webhook answered with a redirect (HTTP %(status)s) to %(location)s; "
                    "enter the final address as the channel's URL."
                )
                % {
                    "status": response.status_code,
                    "location": response.headers.get("Location") or "?",
                },
                status_code=response.status_code,
            )
        answer = json_object(response)
        remote_id = str(answer.get("id") or "") or payload["idempotency_key"]
        remote_url = str(answer.get("url") or "")
        return Receipt(
            remote_id=remote_id,
            url=remote_url if remote_url.startswith(("https://", "http://")) else "",
            raw={"status": response.status_code, "body": trim(answer) if answer else None},
        )

    def check(self) -> Health:
        try:
            url = self.url
        except AdapterError as error:
            return Health(ok=False, detail=error.message)
        if not self.secret:
            return Health(ok=False, detail=_("No signing secret is set."), needs_reconnect=True)
        return Health(
            ok=True,
            detail=_("Posts go to %(host)s.") % {"host": urlsplit(url).hostname},
        )

    def _key(self, post: Post) -> str:
        if post.idempotency_key:
            return post.idempotency_key
        # Deterministic, so a retry of the same post carries the same key.
        digest = hashlib.sha256(
            json.dumps(
                [getattr(self.channel, "pk", None), post.text, post.link], ensure_ascii=False
            ).encode()
        ).hexdigest()
        return f"sha256-{digest[:32]}"


def _absolute(url: str) -> str:
    if url.startswith(("https://", "http://")):
        return url
    base = conf.get("BASE_URL")
    if url and base:
        return urljoin(str(base), url)
    return ""
