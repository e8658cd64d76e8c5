"""A Bluesky post's ``embed``: its images, or else the page as a link card.

Bluesky scrapes nothing itself (platforms.md, "2. Bluesky"): the poster builds the card and
uploads its picture. One embed per post, so a post has images *or* a card. ``upload`` is the
adapter's blob upload; nothing else here talks to the network.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import regex

from wagtail_crosspost.stored_messages import gettext as _

from ..base import Media, PermanentError, PlatformRules, Post

logger = logging.getLogger("wagtail_crosspost.adapters.bluesky")

THUMB_MAX_BYTES = 1_000_000  # platforms.md 2: the link-card thumb blob stays at 1 MB
ALT_TEXT_LIMIT = 2000  # the official app's cap; the lexicon has none

Upload = Callable[[Media], dict[str, Any]]


def build_embed(
    post: Post, rules: PlatformRules, *, image_post: bool, upload: Upload
) -> dict[str, Any] | None:
    """The images (``image_post``), or a link card for ``post.link``, or None."""
    if image_post:
        limit = rules.image.alt_text_limit or ALT_TEXT_LIMIT
        return {
            "$type": "app.bsky.embed.images",
            "images": [_image(media, limit, upload) for media in post.media],
        }
    if not post.link:
        return None
    external: dict[str, Any] = {
        "uri": post.link,
        "title": post.title or post.link,
        "description": post.description or "",
    }
    card_image = post.extra.get("card_image")
    thumb_media = card_image if isinstance(card_image, Media) else None
    thumb_media = thumb_media or (post.media[0] if post.media else None)
    if thumb_media is not None:
        thumb = _thumb(thumb_media, upload)
        if thumb:
            external["thumb"] = thumb
    return {"$type": "app.bsky.embed.external", "external": external}


def too_big(media: Media, limit: int) -> str:
    return _(
        "The image “%(name)s” is %(size)s bytes; Bluesky accepts at most %(max)s bytes per image. "
        "Nothing was posted."
    ) % {"name": media.filename, "size": f"{len(media.content):,}", "max": f"{limit:,}"}


def _image(media: Media, alt_limit: int, upload: Upload) -> dict[str, Any]:
    image: dict[str, Any] = {
        "image": upload(media),
        "alt": _cut(media.alt_text or "", alt_limit),  # required; may be empty
    }
    if media.width >= 1 and media.height >= 1:
        image["aspectRatio"] = {"width": media.width, "height": media.height}
    return image


def _thumb(media: Media, upload: Upload) -> dict[str, Any] | None:
    # A card without its picture is better than no post: skip a thumb that cannot go.
    if len(media.content) > THUMB_MAX_BYTES:
        logger.info(
            "Link card image %s is %s bytes (limit %s); posting the card without it.",
            media.filename,
            len(media.content),
            THUMB_MAX_BYTES,
        )
        return None
    try:
        return upload(media)
    except PermanentError as error:
        logger.warning("Bluesky refused the link card image (%s); posting without it.", error)
        return None


def _cut(text: str, limit: int) -> str:
    graphemes = regex.findall(r"\X", text)
    return text if len(graphemes) <= limit else "".join(graphemes[: limit - 1]) + "…"
