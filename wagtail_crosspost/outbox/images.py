"""Wagtail images for ``compose.images``: the page's image, its file as an ``ImageSource``, and
the made variants kept as Wagtail renditions (so a retry, another worker or the preview finds
them and decodes nothing)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from io import BytesIO
from typing import Any

from django.core.files.base import File

from .. import conf
from ..adapters.base import ImageRules, Media
from ..compose import images
from ..compose.images import ImageSource


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


def source_of(image: Any) -> ImageSource:
    """A Wagtail image as plain data for ``compose``; its file is opened only when needed."""
    try:
        focal = image.get_focal_point() if image.has_focal_point() else None
    except Exception:
        focal = None
    return ImageSource(
        open=image.open_file,
        key=(type(image).__name__, image.pk, image.file.name, getattr(image, "file_hash", "")),
        title=image.title or "",
        description=str(getattr(image, "description", "") or ""),
        name=f"image-{image.pk}",
        width=image.width or 0,
        height=image.height or 0,
        focal_point=focal,
    )


class _Stored:
    def __init__(self, rendition: Any):
        self.rendition = rendition
        self.url = absolute_media_url(getattr(rendition, "full_url", None) or rendition.url)

    def read(self) -> bytes | None:
        try:
            with self.rendition.file.open("rb") as handle:
                return handle.read()
        except (OSError, ValueError):  # the file went missing: make it again
            return None


class RenditionStore:
    """Variants kept as the Wagtail renditions of their specs, as ``create_rendition`` would."""

    def __init__(self, image: Any):
        self.image = image

    def find(self, specs: Sequence[str]) -> Mapping[str, images.StoredVariant]:
        from wagtail.images.models import Filter

        filters = {spec: Filter(spec) for spec in specs}
        existing = self.image.find_existing_renditions(*filters.values())
        return {
            spec: _Stored(existing[f]) for spec, f in filters.items() if existing.get(f) is not None
        }

    def save(self, spec: str, content: bytes, extension: str) -> str:
        from wagtail.images.models import Filter

        image = self.image
        key = Filter(spec).get_cache_key(image)
        stem = os.path.splitext(os.path.basename(image.file.name))[0]
        suffix = (f"{key}." if key else "") + spec.replace("|", ".") + "." + extension
        name = stem[: max(1, 59 - len(suffix))] + "." + suffix
        rendition, _created = image.renditions.get_or_create(
            filter_spec=spec,
            focal_point_key=key,
            defaults={"file": File(BytesIO(content), name=name)},
        )
        model = image.get_rendition_model()
        model.cache_backend.set(model.construct_cache_key(image, key, spec), rendition)
        return _Stored(rendition).url


def prepare_media(image: Any, rules: ImageRules) -> tuple[Media | None, str]:
    """``compose.images.prepare_media`` for a Wagtail image, its variants kept as renditions."""
    return prepare_media_many(image, [rules])[0]


def prepare_media_many(image: Any, rules_list: list[ImageRules]) -> list[tuple[Media | None, str]]:
    if image is None:
        return [(None, "") for _rules in rules_list]
    return images.prepare_media_many(source_of(image), rules_list, RenditionStore(image))


def absolute_media_url(url: str) -> str:
    """Platforms that fetch the image (Instagram, Threads) need an absolute address.

    Wagtail makes rendition URLs absolute only with ``WAGTAILADMIN_BASE_URL``; otherwise the
    ``WAGTAILCROSSPOST_BASE_URL`` setting, then the default Site's root URL, are used.
    """
    if not url or "://" in url:
        return url
    base = conf.get("BASE_URL")
    if not base:
        from django.conf import settings as django_settings

        base = getattr(django_settings, "WAGTAILADMIN_BASE_URL", "")
    if not base:
        from wagtail.models import Site

        site = Site.objects.filter(is_default_site=True).first()
        base = site.root_url if site else ""
    return base.rstrip("/") + "/" + url.lstrip("/") if base else url


def lacks_alt_text(image: Any) -> bool:
    """Whether ``image`` has no description to send as its alt text (the title is sent instead,
    often the file name). False for image models without a description field."""
    if image is None or not hasattr(image, "description"):
        return False
    return not " ".join(str(image.description or "").split())
