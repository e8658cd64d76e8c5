"""Mastodon's limits: each server publishes its own (``/api/v2/instance``, v1 on older servers);
read once, cached, with platforms.md's numbers as the defaults."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.core.cache import cache

from wagtail_crosspost.stored_messages import gettext as _

from ..base import AdapterError, ImageRules, PermanentError, PlatformRules
from ..http import HTTPClient, json_dict
from .software import MASTODON, ServerInfo, Software, read_server_info

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

#: A larger advertised limit is not believed (snac hard-codes 100,000, the largest seen).
MAX_BELIEVABLE_CHARACTERS = 100_000

RULES_CACHE_SECONDS = 3600
RULES_FAILURE_CACHE_SECONDS = 300  # a server that cannot say its limits is asked again soon


def advertised_limit(instance: dict[str, Any] | None) -> int | None:
    """The text limit the instance answer states (None: none, or none that can be believed)."""
    instance = instance if isinstance(instance, dict) else {}
    statuses = _dict(_dict(instance.get("configuration")).get("statuses"))
    limit = _positive(statuses.get("max_characters"), _positive(instance.get("max_toot_chars"), 0))
    return limit if 0 < limit <= MAX_BELIEVABLE_CHARACTERS else None


def rules_from_instance(
    instance: dict[str, Any] | None, software: Software = MASTODON
) -> PlatformRules:
    """PlatformRules from a ``/api/v2/instance`` (or v1) answer, counted the way ``software``
    counts; missing values take defaults, an unbelievable limit too."""
    instance = instance if isinstance(instance, dict) else {}
    configuration = _dict(instance.get("configuration"))
    statuses = _dict(configuration.get("statuses"))
    media = _dict(configuration.get("media_attachments"))
    text_limit = advertised_limit(instance) or DEFAULT_MAX_CHARACTERS
    url_weight: int | None = None  # every other software counts a URL in full
    if software.counting == "mastodon":
        # Mastodon's validator always counts 23, whatever is advertised: never believe less.
        advertised = _positive(statuses.get("characters_reserved_per_url"), DEFAULT_URL_WEIGHT)
        url_weight = max(advertised, DEFAULT_URL_WEIGHT)
    mime_types = media.get("supported_mime_types")
    formats: tuple[str, ...] = DEFAULT_FORMATS
    if isinstance(mime_types, list) and mime_types:
        offered = {str(m).lower() for m in mime_types}
        formats = tuple(name for mime, name in IMAGE_FORMATS if mime in offered) or DEFAULT_FORMATS
    return PlatformRules(
        # platforms.md 1: media uploads 30 per 30 minutes, the tightest limit a post meets.
        quota=(30, 30 * 60),
        text_limit=text_limit,
        counting=software.counting,
        url_weight=url_weight,
        iri_links=True,  # platforms.md 1: links only need http(s)://; the readable form is sent
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


def cached_state(server: str | None) -> dict[str, Any] | None:
    """What was read from the server before (limits and software), or None (no request)."""
    cached = cache.get(_cache_key(server)) if server else None
    return cached if isinstance(cached, dict) else None


def server_state(http: HTTPClient, server: str) -> dict[str, Any]:
    """The server's limits (``instance``) and software (``software``), read through ``http`` on
    a cache miss (each limits refresh) and cached; a part it cannot say is left empty."""
    cache_key = _cache_key(server)
    cached = cache.get(cache_key)
    if isinstance(cached, dict) and "software" in cached:
        return cached
    seconds = RULES_CACHE_SECONDS
    try:
        instance = _limits_only(_fetch_instance(http, server))
    except AdapterError as error:
        logger.warning(
            "Could not read the limits of the Mastodon server %s (%s); using the defaults.",
            server,
            error.message,
        )
        instance, seconds = {}, RULES_FAILURE_CACHE_SECONDS
    info = read_server_info(http, server)
    if info.problem:
        logger.warning("Could not tell which software %s runs: %s", server, info.problem)
        seconds = RULES_FAILURE_CACHE_SECONDS
    state = {"instance": instance, "software": info.as_option()}
    cache.set(cache_key, state, seconds)
    return state


def state_info(state: dict[str, Any] | None, stored: Any = None) -> ServerInfo:
    """The server's software from ``state``, else as the channel stored it (``stored``)."""
    if state is not None:
        return ServerInfo.from_option(state.get("software"))
    return ServerInfo.from_option(stored)


def rules_from_state(state: dict[str, Any] | None, stored: Any = None) -> PlatformRules:
    """The channel's rules: from ``state`` (a fresh or cached read), else from what the channel
    stored (its software and limit), else the strictest rule at the default limit."""
    info = state_info(state, stored)
    if state is not None:
        instance = _dict(state.get("instance"))
    else:
        limit = _dict(stored).get("limit")
        instance = {"max_toot_chars": limit} if limit else {}
    return rules_from_instance(instance, info.software)


def stored_option(state: dict[str, Any]) -> dict[str, Any]:
    """What the channel keeps in ``options["server_software"]``: software, version, limit and a
    problem met while reading them (shown on the channel page)."""
    info = state_info(state)
    instance = _dict(state.get("instance"))
    problem = info.problem
    claimed = _positive(
        _dict(_dict(instance.get("configuration")).get("statuses")).get("max_characters"),
        _positive(instance.get("max_toot_chars"), 0),
    )
    if claimed and advertised_limit(instance) is None:
        problem = _(
            "it claims a limit of %(claimed)s characters, which cannot be right; %(used)s is used"
        ) % {"claimed": claimed, "used": DEFAULT_MAX_CHARACTERS}
    return {
        **info.as_option(),
        "problem": problem,
        "limit": advertised_limit(instance) or DEFAULT_MAX_CHARACTERS,
    }


def _fetch_instance(http: HTTPClient, server: str) -> dict[str, Any]:
    try:
        response = http.request("GET", server + "/api/v2/instance")
    except PermanentError as error:
        if error.status_code != 404:
            raise
        response = http.request("GET", server + "/api/v1/instance")
    data = json_dict(response)
    if data is None:
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
