"""Mastodon (and servers that speak its client API: GoToSocial, Pleroma/Akkoma, snac, Hollo …).

Options: ``server_url`` (the instance's https base URL), ``visibility`` (public, unlisted,
private or direct; default public), ``language``. Credentials: ``access_token`` (scopes
``write:statuses`` and ``write:media``; Mastodon tokens do not expire).

Statuses are created with an ``Idempotency-Key``, so a retry after a lost answer cannot post
twice: the server returns the status it already made for that key.

Threads (reply chains, options ``long_text`` and ``thread_max_parts``): each reply is a status
``in_reply_to_id`` the one before, with its own key (the post's key + the part's number). A
reply that fails for a passing reason is sent once more at once, with the same key (the server
still knows it seconds later), if the server asks for at most ``REPLY_RETRY_MAX_WAIT`` seconds.
Otherwise the receipt says the thread is incomplete: the outbox never retries the whole thread,
because its retry may come after the server has forgotten the first post's key (about an hour:
long backoffs, a paused channel, a reconnect, an editor's Retry) and would post it again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import quote

from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import (
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
    TransientError,
    about_option,
    clean_thread_options,
    language_field,
)
from .http import HTTPClient, check_public_url, json_object, trim
from .replies import delete_thread, edited_root_only, publish_replies

logger = logging.getLogger(__name__)

VISIBILITIES = ("public", "unlisted", "private", "direct")


def _visibility_field() -> Any:
    from django import forms

    return forms.ChoiceField(
        label=gettext_lazy("Visibility"),
        choices=[
            ("public", gettext_lazy("Public")),
            ("unlisted", gettext_lazy("Unlisted (public, but not in public timelines)")),
            ("private", gettext_lazy("Followers only")),
            ("direct", gettext_lazy("Mentioned people only")),
        ],
        initial="public",
    )


# Defaults from shared/reference/platforms.md, used when the server does not publish its own.
DEFAULT_MAX_CHARACTERS = 500
DEFAULT_URL_WEIGHT = 23
DEFAULT_IMAGE_SIZE_LIMIT = 16_777_216
# Older servers documented 16,777,216 px (4096²); 4.4 documents 33,177,600. Take the safer one.
DEFAULT_IMAGE_MATRIX_LIMIT = 16_777_216
DEFAULT_DESCRIPTION_LIMIT = 1500
DEFAULT_MAX_MEDIA = 4

# MIME type -> Pillow format name, in our order of preference. GIF is left out on purpose:
# Mastodon turns it into a soundless video.
IMAGE_FORMATS = (
    ("image/jpeg", "JPEG"),
    ("image/png", "PNG"),
    ("image/webp", "WEBP"),
    ("image/avif", "AVIF"),
    ("image/heic", "HEIF"),
)
DEFAULT_FORMATS = ("JPEG", "PNG", "WEBP")

RULES_CACHE_SECONDS = 3600
# A failed reply is sent again at once (same key) if the server asks to wait at most this long.
REPLY_RETRY_MAX_WAIT = 5.0
RULES_FAILURE_CACHE_SECONDS = 300  # a server that cannot say its limits is asked again soon


def rules_from_instance(instance: dict[str, Any] | None) -> PlatformRules:
    """PlatformRules from a ``/api/v2/instance`` (or v1) answer; missing values take defaults."""
    instance = instance if isinstance(instance, dict) else {}
    configuration = _dict(instance.get("configuration"))
    statuses = _dict(configuration.get("statuses"))
    media = _dict(configuration.get("media_attachments"))
    text_limit = _positive(
        statuses.get("max_characters"),
        _positive(instance.get("max_toot_chars"), DEFAULT_MAX_CHARACTERS),  # Pleroma/Akkoma
    )
    mime_types = media.get("supported_mime_types")
    formats: tuple[str, ...] = DEFAULT_FORMATS
    if isinstance(mime_types, list) and mime_types:
        offered = {str(m).lower() for m in mime_types}
        formats = tuple(name for mime, name in IMAGE_FORMATS if mime in offered) or DEFAULT_FORMATS
    return PlatformRules(
        # platforms.md 1: media uploads 30 per 30 minutes, the tightest limit a post meets.
        quota=(30, 30 * 60),
        text_limit=text_limit,
        counting="mastodon",
        url_weight=_positive(statuses.get("characters_reserved_per_url"), DEFAULT_URL_WEIGHT),
        image=ImageRules(
            formats=formats,
            max_bytes=_positive(media.get("image_size_limit"), DEFAULT_IMAGE_SIZE_LIMIT),
            max_pixels=_positive(media.get("image_matrix_limit"), DEFAULT_IMAGE_MATRIX_LIMIT),
            max_images=_positive(
                statuses.get("max_media_attachments"),
                _positive(configuration.get("max_media_attachments"), DEFAULT_MAX_MEDIA),
            ),
            alt_text_limit=_positive(media.get("description_limit"), DEFAULT_DESCRIPTION_LIMIT),
        ),
    )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _positive(value: Any, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


def mastodon_error_text(body: Any) -> str:
    """Mastodon's error text: ``{"error": "...", "details": {...}}`` (or plain text)."""
    if isinstance(body, dict):
        for key in ("error", "error_description", "message", "detail"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key]
        return ""
    return body[:300] if isinstance(body, str) else ""


def _says_token_refused(error: AdapterError) -> bool:
    raw = error.raw if isinstance(error.raw, dict) else {}
    text = mastodon_error_text(raw.get("body")).lower()
    if error.status_code == 422:  # some compatible servers refuse a bad token this way
        return "token" in text and any(w in text for w in ("invalid", "expired", "revoked"))
    if error.status_code == 403:  # token without the needed scopes, or a disabled login
        return "scope" in text or "login" in text
    return False


def _says_still_processing(error: AdapterError) -> bool:
    raw = error.raw if isinstance(error.raw, dict) else {}
    text = mastodon_error_text(raw.get("body")).lower()
    return error.status_code == 422 and "processing" in text


class MastodonAdapter(Adapter):
    key = "mastodon"
    label = gettext_lazy("Mastodon")
    rules = rules_from_instance(None)
    supports = frozenset({"update", "delete", "alt_text", "thread"})
    idempotent = True
    idempotency_window = 3600  # "kept 1 hour" (platforms.md, Mastodon statuses API)
    credential_fields = ("access_token",)
    option_fields = ("server_url", "visibility", "language", *THREAD_OPTION_FIELDS)
    form_fields: ClassVar[dict[str, Any]] = {
        "visibility": _visibility_field,
        "language": language_field,
        **THREAD_FORM_FIELDS,
    }

    #: How often to ask whether an uploaded image is processed, and the waits in between.
    media_poll_delays: ClassVar[tuple[float, ...]] = (0.5, 1, 1, 2, 2, 3, 3, 5, 5, 5)
    #: Replaceable in tests (``adapter.sleep = lambda seconds: None``).
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(self, channel: Any):
        super().__init__(channel)
        self.access_token = str(self.credentials.get("access_token") or "")
        self.http = HTTPClient(
            str(self.label),
            error_text=mastodon_error_text,
            secrets=[self.access_token],
        )
        if self.access_token:
            self.http.session.headers["Authorization"] = f"Bearer {self.access_token}"
        self._checked_server: str | None = None

    # -- options -----------------------------------------------------------------------------

    @staticmethod
    def normalise_server_url(value: Any) -> str:
        """``https://example.social/`` -> ``https://example.social``; a bare host gets https."""
        url = str(value or "").strip()
        if url and "://" not in url:
            url = "https://" + url
        return url.rstrip("/")

    @classmethod
    def clean_options(cls, options: dict[str, Any]) -> dict[str, Any]:
        """Validated, normalised options (for the channel form); raises ConfigurationError."""
        cleaned = dict(options or {})
        server = cls.normalise_server_url(cleaned.get("server_url"))
        with about_option("server_url"):
            if not server:
                raise ConfigurationError(_("Enter the address of the Mastodon server."))
            cleaned["server_url"] = check_public_url(server)
        with about_option("visibility"):
            cleaned["visibility"] = _clean_visibility(cleaned.get("visibility"))
        cleaned["language"] = str(cleaned.get("language") or "").strip()
        return clean_thread_options(cleaned)

    @property
    def server_url(self) -> str:
        """The server's base URL, checked (once per adapter) to be a public http(s) address."""
        server = self.normalise_server_url(self.options.get("server_url"))
        if not server:
            raise ConfigurationError(
                _("The channel “%(name)s” has no Mastodon server address.")
                % {"name": self.channel.name}
            )
        if self._checked_server != server:
            check_public_url(server)
            self._checked_server = server
        return server

    @property
    def visibility(self) -> str:
        return _clean_visibility(self.options.get("visibility"))

    def _url(self, path: str) -> str:
        return self.server_url + path

    # -- HTTP --------------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any):
        if not self.access_token:
            raise AuthError(
                _("The channel “%(name)s” has no access token. Reconnect it.")
                % {"name": self.channel.name}
            )
        try:
            return self.http.request(method, self._url(path), **kwargs)
        except PermanentError as error:
            if _says_token_refused(error):
                raise AuthError(
                    _(
                        "Mastodon refused the channel's access token (%(detail)s). "
                        "Reconnect the channel in Settings → Social channels."
                    )
                    % {"detail": mastodon_error_text(error.raw.get("body"))},
                    raw=error.raw,
                    status_code=error.status_code,
                ) from None
            if _says_still_processing(error):
                raise TransientError(
                    _("Mastodon is still processing an image. It will be tried again."),
                    retry_after=30,
                    raw=error.raw,
                    status_code=error.status_code,
                ) from None
            raise

    # -- limits ------------------------------------------------------------------------------

    def _rules_cache_key(self) -> str | None:
        try:
            server = self.server_url
        except ConfigurationError:
            return None
        return "wagtail_crosspost:mastodon:instance:" + hashlib.sha256(server.encode()).hexdigest()

    def cached_rules(self) -> PlatformRules:
        """The server's limits if they were read before; the defaults otherwise (no request)."""
        key = self._rules_cache_key()
        cached = cache.get(key) if key else None
        return rules_from_instance(cached) if cached else self.rules

    def rules_for_channel(self) -> PlatformRules:
        """The server's own limits from ``/api/v2/instance`` (v1 on older servers), cached."""
        cache_key = self._rules_cache_key()
        if cache_key is None:
            return self.rules
        server = self.server_url
        cached = cache.get(cache_key)
        if cached is not None:
            return rules_from_instance(cached)
        try:
            instance = self._fetch_instance()
        except AdapterError as error:
            logger.warning(
                "Could not read the limits of the Mastodon server %s (%s); using the defaults.",
                server,
                error.message,
            )
            cache.set(cache_key, {}, RULES_FAILURE_CACHE_SECONDS)
            return self.rules
        cache.set(cache_key, _limits_only(instance), RULES_CACHE_SECONDS)
        return rules_from_instance(instance)

    def _fetch_instance(self) -> dict[str, Any]:
        try:
            response = self.http.request("GET", self._url("/api/v2/instance"))
        except PermanentError as error:
            if error.status_code != 404:
                raise
            response = self.http.request("GET", self._url("/api/v1/instance"))
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise PermanentError(_("Mastodon's instance information is not JSON."))
        return data

    # -- publishing --------------------------------------------------------------------------

    def publish(self, post: Post) -> Receipt:
        visibility = self.visibility  # a bad option fails before anything is uploaded
        media_ids = [self._upload(media) for media in post.media]
        data = self._status_fields(post, media_ids)
        data["visibility"] = visibility
        root = self._receipt(self._create_status(data, post.idempotency_key))
        if not post.thread:
            return root

        def reply(number: int, text: str, parent: Receipt) -> Receipt:
            fields = self._status_fields(dataclasses.replace(post, text=text), [])
            fields.update(visibility=visibility, in_reply_to_id=parent.remote_id)
            key = f"{post.idempotency_key}-part-{number}" if post.idempotency_key else ""
            try:
                return self._receipt(self._create_status(fields, key))
            except (TransientError, AmbiguousError) as error:
                wait = error.retry_after if isinstance(error, TransientError) else None
                if not key or (wait or 0) > REPLY_RETRY_MAX_WAIT:
                    raise
                self.sleep(min(wait or 1.0, REPLY_RETRY_MAX_WAIT))
                return self._receipt(self._create_status(fields, key))  # the same key

        # Never back to the outbox: its retry would re-send the first post (see the docstring).
        return publish_replies(post, root, reply, can_retry=lambda error: False)

    def update(self, receipt: Receipt, post: Post) -> Receipt:
        # A thread: the first post is edited; its replies stay as they are (edited_root_only).
        media_ids = [self._upload(media) for media in post.media]
        response = self._request(
            "PUT",
            f"/api/v1/statuses/{quote(receipt.remote_id, safe='')}",
            data=self._status_fields(post, media_ids),
            idempotent=True,
        )
        return edited_root_only(receipt, self._receipt(response), post, self.key)

    def delete(self, receipt: Receipt) -> None:
        delete_thread(receipt, self._delete_status)

    def _delete_status(self, status_id: str) -> None:
        try:
            self._request("DELETE", f"/api/v1/statuses/{quote(status_id, safe='')}")
        except PermanentError as error:
            if error.status_code != 404:  # already gone is what we wanted
                raise

    def _create_status(self, data: dict[str, Any], key: str) -> Any:
        headers = {"Idempotency-Key": key} if key else {}
        return self._request(
            "POST",
            "/api/v1/statuses",
            data=data,
            headers=headers,
            # With the key, the server answers a repeat with the status it already made.
            idempotent=bool(key),
        )

    def check(self) -> Health:
        try:
            response = self._request("GET", "/api/v1/accounts/verify_credentials")
        except AuthError as error:
            return Health(ok=False, detail=error.message, needs_reconnect=True)
        except AdapterError as error:
            return Health(ok=False, detail=error.message)
        account = json_object(response)
        username = account.get("acct") or account.get("username") or ""
        host = self.server_url.split("://", 1)[1].split("/", 1)[0]
        if "@" not in username:
            username = f"{username}@{host}"
        return Health(ok=True, detail=f"@{username}")

    # -- helpers -----------------------------------------------------------------------------

    def _status_fields(self, post: Post, media_ids: list[str]) -> dict[str, Any]:
        data: dict[str, Any] = {"status": post.text}
        if media_ids:
            data["media_ids[]"] = media_ids
        language = _language_code(post.language or self.options.get("language") or "")
        if language:
            data["language"] = language
        return data

    def _upload(self, media: Media) -> str:
        data: dict[str, str] = {}
        if media.alt_text:
            data["description"] = media.alt_text
        if media.focal_point is not None:
            x, y = (max(-1.0, min(1.0, float(v))) for v in media.focal_point)
            data["focus"] = f"{x:.2f},{y:.2f}"
        # An upload that is repeated only leaves an unattached file, which the server deletes.
        response = self._request(
            "POST",
            "/api/v2/media",
            files={"file": (media.filename, media.content, media.mime_type)},
            data=data,
            idempotent=True,
        )
        attachment = json_object(response)
        media_id = str(attachment.get("id") or "")
        if not media_id:
            raise PermanentError(_("Mastodon accepted the image but returned no id."))
        if response.status_code == 202 or not attachment.get("url"):
            self._wait_until_processed(media_id)
        return media_id

    def _wait_until_processed(self, media_id: str) -> None:
        for delay in self.media_poll_delays:
            self.sleep(delay)
            try:
                response = self._request("GET", f"/api/v1/media/{quote(media_id, safe='')}")
            except PermanentError as error:
                if error.status_code in (404, 405, 501):
                    return  # the server cannot tell; the status post will say if it is not ready
                raise
            if json_object(response).get("url"):
                return
        raise TransientError(
            _("Mastodon is still processing the image. It will be tried again."),
            retry_after=60,
        )

    def _receipt(self, response: Any) -> Receipt:
        status = json_object(response)
        remote_id = str(status.get("id") or "")
        if not remote_id:
            raise PermanentError(
                _("Mastodon answered without the id of the post."), raw=trim(status)
            )
        keep = ("id", "url", "uri", "created_at", "edited_at", "visibility", "language")
        raw: dict[str, Any] = {k: status[k] for k in keep if k in status}
        raw["media_attachments"] = [
            {k: m.get(k) for k in ("id", "type", "url", "description")}
            for m in status.get("media_attachments") or []
            if isinstance(m, dict)
        ]
        return Receipt(
            remote_id=remote_id,
            url=str(status.get("url") or status.get("uri") or ""),
            raw=raw,
        )


def _limits_only(instance: dict[str, Any]) -> dict[str, Any]:
    """The part of the instance answer that rules_from_instance reads (small for the cache)."""
    configuration = _dict(instance.get("configuration"))
    return {
        "max_toot_chars": instance.get("max_toot_chars"),
        "configuration": {
            "statuses": _dict(configuration.get("statuses")),
            "media_attachments": _dict(configuration.get("media_attachments")),
            "max_media_attachments": configuration.get("max_media_attachments"),
        },
    }


def _language_code(language: str) -> str:
    """Mastodon takes ISO 639 codes; a page locale such as ``de-CH`` becomes ``de``."""
    language = language.strip().replace("_", "-")
    if not language:
        return ""
    return language.split("-")[0].lower()


def _clean_visibility(value: Any) -> str:
    visibility = str(value or "public").strip().lower()
    if visibility not in VISIBILITIES:
        raise ConfigurationError(
            _("The visibility must be one of: %(choices)s.") % {"choices": ", ".join(VISIBILITIES)}
        )
    return visibility
