"""Sentences for the publication log about an image: why it was left out of a post."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from wagtail_crosspost.adapters.base import ImageRules

from .image_files import SourceInfo
from .image_plan import MIN_SIDE

logger = logging.getLogger("wagtail_crosspost")

DEFAULT_MAX_IMAGE_PIXELS = 128_000_000  # Wagtail's default for WAGTAILIMAGES_MAX_IMAGE_PIXELS


def max_pixels() -> int:
    return int(getattr(settings, "WAGTAILIMAGES_MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS))


def reason(image: Any, code: str, *, info: SourceInfo | None, rules: ImageRules | None) -> str:
    title = getattr(image, "title", "") or _("(untitled)")
    params: dict[str, Any] = {"title": title}
    if info is not None:
        params.update(width=info.width, height=info.height)
    if code == "empty":
        text = _("The image “%(title)s” was left out of this post: its file is empty.")
    elif code == "missing":
        text = _(
            "The image “%(title)s” was left out of this post: its file is missing from the "
            "media storage."
        )
    elif code == "damaged":
        text = _(
            "The image “%(title)s” was left out of this post: its file is damaged or not an "
            "image format that can be read."
        )
    elif code == "too_large":
        params["limit"] = f"{max_pixels() / 1_000_000:g}"
        text = _(
            "The image “%(title)s” was left out of this post: it has too many pixels to be "
            "processed safely (more than %(limit)s megapixels)."
        )
    elif code == "tiny":
        params["min"] = MIN_SIDE
        text = _(
            "The image “%(title)s” was left out of this post: at %(width)s×%(height)s pixels "
            "it is too small (or, cropped to fit, too narrow) to show; it needs at least "
            "%(min)s pixels on each side."
        )
    elif code == "narrow":
        params["min"] = rules.min_width if rules else 0
        text = _(
            "The image “%(title)s” was left out of this post: it is too small for this "
            "platform, which needs images at least %(min)s pixels wide."
        )
    elif code == "format":
        params["formats"] = ", ".join(rules.formats) if rules else ""
        text = _(
            "The image “%(title)s” was left out of this post: this platform accepts only "
            "%(formats)s, which cannot be produced here."
        )
    else:  # "bytes"
        params["limit"] = f"{rules.max_bytes:,}" if rules else "?"
        text = _(
            "The image “%(title)s” was left out of this post: even made smaller it stays "
            "above this platform's limit of %(limit)s bytes."
        )
    return text % params


def unexpected(image: Any, exc: Exception) -> str:
    logger.exception("Could not prepare image %s for crossposting", getattr(image, "name", None))
    return _(
        "The image “%(title)s” was left out of this post: it could not be processed "
        "(%(error)s). See the server log."
    ) % {"title": getattr(image, "title", ""), "error": type(exc).__name__}


def ratio(size: tuple[int, int]) -> str:
    width, height = size
    if width >= height:
        return f"{width / height:.2f}:1".replace(".00:", ":")
    return f"1:{height / width:.2f}".replace(".00", "")
