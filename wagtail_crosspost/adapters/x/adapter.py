"""X (Twitter), API v2 (shared/reference/platforms.md, section 3).

Options: ``auth`` (``"oauth2"``, the default, or ``"oauth1"``), ``max_characters`` (280; X
Premium accounts may post longer, an unverified number, so the channel says), ``api_base``.
Credentials, OAuth 2 user token: ``access_token``, ``refresh_token``, ``expires_at`` (unix
seconds or ISO 8601). OAuth 1.0a: ``consumer_key``, ``consumer_secret``, ``access_token``,
``access_token_secret``.

X has no idempotency key and rejects identical text, so a post whose answer was lost is
ambiguous (the outbox asks the editor) rather than retried.

Threads (reply chains, options ``long_text`` and ``thread_max_parts``): each reply is a post with
``reply.in_reply_to_tweet_id`` the one before. Without idempotency a retry would post the first
post again, so a reply that fails is never retried: the receipt of what went out carries a note
that the thread is incomplete.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar
from urllib.parse import quote

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base import (
    THREAD_FORM_FIELDS,
    THREAD_OPTION_FIELDS,
    Adapter,
    AdapterError,
    AmbiguousError,
    AuthError,
    ConfigurationError,
    Health,
    ImageRules,
    Media,
    PermanentError,
    PlatformRules,
    Post,
    Receipt,
    clean_option,
    clean_thread_options,
)
from ..http import APIBaseOption, HTTPClient, json_object, not_found, trim, unless_gone
from ..oauth import oauth1_signer
from ..replies import delete_thread, publish_replies
from .metrics import XMetrics

DEFAULT_API_BASE = "https://api.x.com"  # platforms.md 3: https://api.x.com/2/...
AUTH_MODES = ("oauth2", "oauth1")
OAUTH1_FIELDS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
DUPLICATE_MARKER = "duplicate content"  # platforms.md 3, "Typical errors" (POSTIZ)
# platforms.md 3, "Typical errors": these mean the token cannot do this any more -> reconnect.
RECONNECT_MARKERS = ("unsupported authentication", "invalid or expired token")


def x_error_text(body: Any) -> str:
    """X's error text: ``{"errors": [{"message"}]}`` (the specific one) or RFC 7807 ``detail``."""
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list):
            texts = [
                str(e.get("message") or e.get("detail") or "")
                for e in errors
                if isinstance(e, dict)
            ]
            if any(texts):
                return "; ".join(t for t in texts if t)
        for key in ("detail", "error_description", "title", "error"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key]
        return ""
    return body[:300] if isinstance(body, str) else ""


class XAdapter(XMetrics, APIBaseOption, Adapter):
    key = "x"
    label = gettext_lazy("X")
    default_api_base = DEFAULT_API_BASE
    # platforms.md 3 and the summary table: 280 weighted (twitter-text v3), URL = 23, 4 images,
    # image ≤ 5 MB, alt text ≤ 1000 via /2/media/metadata. Counting kind "twitter" is the
    # compose.length name of the twitter-text algorithm.
    rules = PlatformRules(
        iri_links=False,  # platforms.md 3: URL = 23 either way; text is NFC-normalised
        # platforms.md 3: POST /2/tweets 100 per 15 minutes per user.
        quota=(100, 15 * 60),
        text_limit=280,
        counting="twitter",
        url_weight=23,
        image=ImageRules(
            formats=("JPEG", "PNG", "WEBP"),
            max_bytes=5_000_000,
            max_images=4,
            alt_text_limit=1000,
        ),
    )
    supports = frozenset({"delete", "alt_text", "thread"})
    # What an admin types: the four OAuth 1.0a values. OAuth 2 credentials (access_token,
    # refresh_token, expires_at) come from the connect flow, which calls set_credentials.
    credential_fields = OAUTH1_FIELDS
    # Typed in for OAuth 1.0a; an OAuth 2.0 channel gets its tokens from the Connect button.
    optional_credential_fields = OAUTH1_FIELDS
    option_fields = ("auth", "max_characters", *THREAD_OPTION_FIELDS)
    #: Shown by the channel form: links cost extra on X's pay-per-use API (platforms.md 3).
    form_help = gettext_lazy(
        "Posts with a link cost more on X's paid API: at the time of writing X bills "
        "$0.200 per post with a link against $0.015 per post without (about 13 times as "
        "much). Check X's current prices before connecting a channel that posts every page."
    )
    form_fields: ClassVar[dict[str, Any]] = {
        "auth": lambda: forms.ChoiceField(
            label=gettext_lazy("Authorisation"),
            choices=[
                ("oauth2", gettext_lazy("OAuth 2.0 user token")),
                ("oauth1", gettext_lazy("OAuth 1.0a (consumer key and access token)")),
            ],
            initial="oauth2",
        ),
        "max_characters": lambda: forms.IntegerField(
            label=gettext_lazy("Characters per post"),
            required=False,
            min_value=1,
            help_text=gettext_lazy("280, unless the account has X Premium (longer posts)."),
        ),
        **THREAD_FORM_FIELDS,
    }

    def __init__(self, channel: Any):
        super().__init__(channel)
        creds = self.credentials
        self.http = HTTPClient(
            str(self.label),
            error_text=x_error_text,
            secrets=[str(creds.get(name) or "") for name in (*OAUTH1_FIELDS, "refresh_token")],
        )
        self.auth_mode = str(self.options.get("auth") or "oauth2").strip().lower()
        if self.auth_mode == "oauth1":
            if all(creds.get(name) for name in OAUTH1_FIELDS):
                self.http.session.auth = oauth1_signer(creds)
        elif creds.get("access_token"):
            self.http.session.headers["Authorization"] = f"Bearer {creds['access_token']}"

    # -- options -----------------------------------------------------------------------------

    @classmethod
    def clean_options(cls, options: dict[str, Any]) -> dict[str, Any]:
        cleaned = dict(options or {})
        clean_option(cleaned, "auth", _clean_auth)
        if cleaned.get("max_characters") in ("", None):
            cleaned.pop("max_characters", None)
        return clean_thread_options(cls.clean_api_base(cleaned))

    def rules_for_channel(self) -> PlatformRules:
        # platforms.md 3: Premium's longer limit is unverified, so the channel may say it.
        try:
            limit = int(self.options.get("max_characters") or 0)
        except (TypeError, ValueError):
            limit = 0
        return replace(self.rules, text_limit=limit) if limit > 0 else self.rules

    # -- HTTP --------------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any):
        _clean_auth(self.auth_mode)
        needed = OAUTH1_FIELDS if self.auth_mode == "oauth1" else ("access_token",)
        if not all(self.credentials.get(name) for name in needed):
            raise AuthError(
                _("The channel “%(name)s” is missing X credentials. Reconnect it.")
                % {"name": self.channel.name}
            )
        try:
            return self.http.request(method, self.api_base + path, **kwargs)
        except PermanentError as error:
            raise _refine(error) from None

    # -- publishing --------------------------------------------------------------------------

    def publish(self, post: Post) -> Receipt:
        media_ids = [self._upload(media) for media in post.media]
        body: dict[str, Any] = {"text": post.text}
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        root = self._create(body)
        root = replace(root, raw={**root.raw, "media_ids": media_ids})
        if not post.thread:
            return root

        def reply(number: int, text: str, parent: Receipt) -> Receipt:
            return self._create({"text": text, "reply": {"in_reply_to_tweet_id": parent.remote_id}})

        # Never retried: without an idempotency key the retry would post the first post again.
        return publish_replies(post, root, reply, can_retry=lambda error: False)

    def delete(self, receipt: Receipt) -> None:
        delete_thread(receipt, self._delete)

    def _create(self, body: dict[str, Any]) -> Receipt:
        # No idempotency key on X: a lost answer stays ambiguous (platforms.md, cross-platform).
        response = self._request("POST", "/2/tweets", json=body)
        data = json_object(response).get("data")
        data = data if isinstance(data, dict) else {}
        remote_id = str(data.get("id") or "")
        if not remote_id:
            raise AmbiguousError(
                _("X accepted the post but did not say its id; check the account."),
                raw=trim(json_object(response)),
            )
        return Receipt(
            remote_id=remote_id,
            url=f"https://x.com/i/web/status/{remote_id}",
            raw={"id": remote_id, "text": data.get("text")},
        )

    def _delete(self, tweet_id: str) -> None:
        # a 404: already gone, which is what a delete wants
        unless_gone(
            lambda: self._request("DELETE", f"/2/tweets/{quote(tweet_id, safe='')}"), not_found
        )

    def check(self) -> Health:
        try:
            response = self._request("GET", "/2/users/me")
        except AuthError as error:
            return Health(ok=False, detail=error.message, needs_reconnect=True)
        except AdapterError as error:
            return Health(ok=False, detail=error.message)
        user = json_object(response).get("data") or {}
        return Health(ok=True, detail=f"@{user.get('username') or '?'}")

    # -- helpers -----------------------------------------------------------------------------

    def _upload(self, media: Media) -> str:
        # platforms.md 3: one-shot POST /2/media/upload for images, media_category=tweet_image.
        # A repeated upload only leaves an unused file that X expires, hence idempotent.
        response = self._request(
            "POST",
            "/2/media/upload",
            files={"media": (media.filename, media.content, media.mime_type)},
            data={"media_category": "tweet_image", "media_type": media.mime_type},
            idempotent=True,
        )
        data = json_object(response).get("data")
        media_id = str((data or {}).get("id") or "") if isinstance(data, dict) else ""
        if not media_id:
            raise PermanentError(
                _("X accepted the image but returned no media id."), raw=trim(json_object(response))
            )
        if media.alt_text:
            # platforms.md 3: alt text through POST /2/media/metadata, ≤ 1000 characters.
            self._request(
                "POST",
                "/2/media/metadata",
                json={"id": media_id, "metadata": {"alt_text": {"text": media.alt_text}}},
                idempotent=True,
            )
        return media_id


def _refine(error: PermanentError) -> AdapterError:
    raw = error.raw if isinstance(error.raw, dict) else {}
    text = x_error_text(raw.get("body"))
    lowered = text.lower()
    if error.status_code == 403 and DUPLICATE_MARKER in lowered:
        return PermanentError(
            _(
                "X refuses identical text: this account already posted exactly this text. "
                "Change the text (or delete the earlier post) and post again."
            ),
            raw=raw,
            status_code=error.status_code,
        )
    if error.status_code == 403 and any(m in lowered for m in RECONNECT_MARKERS):
        return AuthError(
            _(
                "X refused the channel's credentials (%(detail)s). "
                "Reconnect the channel in Settings → Social channels."
            )
            % {"detail": text},
            raw=raw,
            status_code=error.status_code,
        )
    return error


def _clean_auth(value: Any) -> str:
    mode = str(value or "oauth2").strip().lower()
    if mode not in AUTH_MODES:
        raise ConfigurationError(
            _("The X authorisation must be one of: %(choices)s.")
            % {"choices": ", ".join(AUTH_MODES)}
        )
    return mode
