"""Page image → per-platform variant through Wagtail renditions (focal point aware).

Returns ``Media`` ready to upload, or a plain-language note saying why the image was left out.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext as _

from wagtail_crosspost import conf
from wagtail_crosspost.adapters.base import ImageRules, Media

logger = logging.getLogger("wagtail_crosspost")

MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
FILTER_FORMAT = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
QUALITY_STEPS = (85, 75, 65, 50)
DEFAULT_MAX_SIDE = 2048


def page_image(page: Any) -> Any:
    """The image that represents the page: ``get_crosspost_image()``, the configured field, or
    the first of the usual field names."""
    getter = getattr(page, "get_crosspost_image", None)
    if callable(getter):
        return getter()
    field = conf.get("IMAGE_FIELD")
    names = (field,) if field else conf.get("IMAGE_FIELD_NAMES")
    for name in names:
        image = getattr(page, name, None)
        if image is not None and hasattr(image, "get_rendition"):
            return image
    return None


def alt_text(image: Any, limit: int | None) -> str:
    text = (getattr(image, "description", "") or getattr(image, "title", "") or "").strip()
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)].rstrip() + "…"
    return text


def filter_spec(image: Any, rules: ImageRules, fmt: str, quality: int) -> str:
    width, height = image.width, image.height
    max_w = rules.max_width or DEFAULT_MAX_SIDE
    max_h = rules.max_height or DEFAULT_MAX_SIDE
    parts = []
    aspect = width / height if height else 1
    if rules.max_aspect and aspect > rules.max_aspect:
        target_w, target_h = round(height * rules.max_aspect), height
        parts.append(f"fill-{min(target_w, max_w)}x{min(target_h, max_h)}-c100")
    elif rules.min_aspect and aspect < rules.min_aspect:
        target_w, target_h = width, round(width / rules.min_aspect)
        parts.append(f"fill-{min(target_w, max_w)}x{min(target_h, max_h)}-c100")
    else:
        parts.append(f"max-{max_w}x{max_h}")
    parts.append(f"format-{FILTER_FORMAT[fmt]}")
    if fmt in ("JPEG", "WEBP"):
        parts.append(f"{'jpegquality' if fmt == 'JPEG' else 'webpquality'}-{quality}")
    return "|".join(parts)


def prepare_media(image: Any, rules: ImageRules) -> tuple[Media | None, str]:
    """One upload-ready variant of ``image`` within ``rules``, or (None, reason)."""
    if image is None or rules.max_images < 1:
        return None, ""
    fmt = next((f for f in rules.formats if f in FILTER_FORMAT), "JPEG")
    try:
        for quality in QUALITY_STEPS:
            rendition = image.get_rendition(filter_spec(image, rules, fmt, quality))
            with rendition.file.open("rb") as handle:
                content = handle.read()
            if len(content) <= rules.max_bytes:
                return _media(image, rendition, content, fmt, rules), ""
            if fmt == "PNG":
                fmt = "JPEG" if "JPEG" in rules.formats else fmt
    except Exception as exc:  # a corrupt or unreadable source must not stop the post
        logger.warning("Could not prepare image %s: %s", getattr(image, "pk", None), exc)
        return None, _(
            "The image “%(title)s” could not be read (%(error)s), so the post went out without it."
        ) % {"title": getattr(image, "title", ""), "error": type(exc).__name__}
    return None, _(
        "The image “%(title)s” could not be made smaller than %(limit)s bytes, so the post went "
        "out without it."
    ) % {"title": image.title, "limit": f"{rules.max_bytes:,}"}


def _media(image: Any, rendition: Any, content: bytes, fmt: str, rules: ImageRules) -> Media:
    focal = None
    if image.has_focal_point():
        fx, fy = image.focal_point_x, image.focal_point_y
        focal = (round(fx / image.width * 2 - 1, 2), round(1 - fy / image.height * 2, 2))
    extension = {"JPEG": "jpg"}.get(fmt, fmt.lower())
    url = rendition.full_url if hasattr(rendition, "full_url") else rendition.url
    return Media(
        content=content,
        mime_type=MIME[fmt],
        filename=f"image-{image.pk}.{extension}",
        width=rendition.width,
        height=rendition.height,
        alt_text=alt_text(image, rules.alt_text_limit),
        url=url,
        focal_point=focal,
    )
