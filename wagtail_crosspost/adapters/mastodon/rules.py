"""Mastodon's limits: each server publishes its own (``/api/v2/instance``, v1 on older servers);
read once, cached, with platforms.md's numbers as the defaults."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _

from ..base import AdapterError, ImageRules, PermanentError, PlatformRules
from ..http import HTTPClient

logger = logging.getLogger(__name__)

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


def _cache_key(server: str) -> str:
    return "wagtail_crosspost:mastodon:instance:" + hashlib.sha256(server.encode()).hexdigest()


def cached_server_rules(server: str | None, default: PlatformRules) -> PlatformRules:
    """The server's limits if they were read before; ``default`` otherwise (no request)."""
    cached = cache.get(_cache_key(server)) if server else None
    return rules_from_instance(cached) if cached else default


def server_rules(http: HTTPClient, server: str, default: PlatformRules) -> PlatformRules:
    """The server's own limits, read through ``http`` and cached; ``default`` if it cannot say."""
    cache_key = _cache_key(server)
    cached = cache.get(cache_key)
    if cached is not None:
        return rules_from_instance(cached)
    try:
        instance = _fetch_instance(http, server)
    except AdapterError as error:
        logger.warning(
            "Could not read the limits of the Mastodon server %s (%s); using the defaults.",
            server,
            error.message,
        )
        cache.set(cache_key, {}, RULES_FAILURE_CACHE_SECONDS)
        return default
    cache.set(cache_key, _limits_only(instance), RULES_CACHE_SECONDS)
    return rules_from_instance(instance)


def _fetch_instance(http: HTTPClient, server: str) -> dict[str, Any]:
    try:
        response = http.request("GET", server + "/api/v2/instance")
    except PermanentError as error:
        if error.status_code != 404:
            raise
        response = http.request("GET", server + "/api/v1/instance")
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise PermanentError(_("Mastodon's instance information is not JSON."))
    return data


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
