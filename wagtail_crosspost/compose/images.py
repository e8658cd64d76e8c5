"""Image → per-platform variant (focal point aware). Pure: the source file and a store of
variants are handed in; nothing here reads or writes a database row.

For each platform a *plan* is made from the file header alone: the crop into the platform's
aspect range (Wagtail's own ``fill`` geometry, so the focal point stays in the picture), the size
within its pixel limits, and a ladder of attempts (format and quality, then smaller sizes) until
the file is under the byte limit. Each attempt has a real Wagtail filter spec, such as
``fill-1440x754|format-jpeg|jpegquality-85``, and the variant that fits is kept in the
``VariantStore`` handed in under that spec (the outbox's store keeps it as the Wagtail rendition
of that spec): a second call (another worker, the preview, a retry) finds it and decodes nothing.

Only when no rendition fits yet is the source decoded, once, at the smallest size that serves
every platform (JPEGs straight from the DCT at ½, ¼ …), and kept for the next platform of the
same page: the delivery of one page's channels decodes a 24-megapixel original once, not once per
platform.

``prepare_media`` never raises: a file that cannot be used gives ``(None, reason)``, a sentence
for the publication log.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from io import BytesIO
from typing import IO, Any, Protocol

import regex
from django.utils.translation import gettext as _
from wagtail.images.rect import Rect

from wagtail_crosspost.adapters.base import ImageRules, Media

from . import image_files, image_notes
from .image_files import MIME, SourceInfo, UnreadableImage
from .image_plan import DEFAULT_MAX_SIDE, MIN_SIDE, Attempt, Plan, plan_variant

__all__ = [  # the planning lives in image_plan; these names stay importable from here
    "DEFAULT_MAX_SIDE",
    "MIN_SIDE",
    "Attempt",
    "ImageSource",
    "Plan",
    "StoredVariant",
    "VariantStore",
    "alt_text",
    "forget_sources",
    "plan_variant",
    "prepare_media",
    "prepare_media_many",
]


HEAVY_CROP = 0.5  # say so in the log when a crop keeps less than this share of the picture


# -- public API ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ImageSource:
    """One source image, as plain data: its file (opened on demand, at most twice: the header,
    then the pixels if no stored variant fits) and what the post says about it."""

    open: Callable[[], AbstractContextManager[IO[bytes]]]
    key: tuple = ()  # identifies the file's content: the decoded source is kept under it
    title: str = ""
    description: str = ""
    name: str = "image"  # the uploaded file's name, without extension
    width: int = 0  # the size ``focal_point`` is given in (Wagtail: image.width, image.height)
    height: int = 0
    focal_point: Rect | None = None

    @classmethod
    def from_bytes(cls, content: bytes, **kwargs: Any) -> ImageSource:
        kwargs.setdefault("key", ("bytes", len(content), hash(content)))
        return cls(open=lambda: BytesIO(content), **kwargs)


class StoredVariant(Protocol):
    url: str

    def read(self) -> bytes | None: ...  # None: its file went missing


class VariantStore(Protocol):
    """Where made variants are kept, by spec (the outbox keeps them as Wagtail renditions)."""

    def find(self, specs: Sequence[str]) -> Mapping[str, StoredVariant]: ...

    def save(self, spec: str, content: bytes, extension: str) -> str: ...  # returns its URL


class _NoStore:
    """Nothing kept: every call makes the variant again, and it has no URL."""

    def find(self, specs: Sequence[str]) -> Mapping[str, StoredVariant]:
        return {}

    def save(self, spec: str, content: bytes, extension: str) -> str:
        return ""


def alt_text(image: Any, limit: int | None) -> str:
    """The image's description (or title), cut at a word to ``limit`` characters with "…"."""
    text = " ".join(
        str(getattr(image, "description", "") or getattr(image, "title", "") or "").split()
    )
    if limit is None or len(text) <= limit:
        return text
    if limit < 1:
        return ""
    kept, used = [], 0
    for grapheme in regex.findall(r"\X", text):  # never split an emoji or accented letter
        if used + len(grapheme) > limit - 1:
            break
        kept.append(grapheme)
        used += len(grapheme)
    cut = "".join(kept)
    space = cut.rfind(" ")
    if space > len(cut) * 0.8:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def prepare_media(
    image: ImageSource | None, rules: ImageRules, store: VariantStore | None = None
) -> tuple[Media | None, str]:
    """One upload-ready variant of ``image`` within ``rules``, or ``(None, reason)``.

    The second value is a sentence for the publication log: why the image was left out, or how
    it was changed noticeably (a heavy crop); empty when there is nothing to say.
    """
    return prepare_media_many(image, [rules], store)[0]


def prepare_media_many(
    image: ImageSource | None, rules_list: list[ImageRules], store: VariantStore | None = None
) -> list[tuple[Media | None, str]]:
    """``prepare_media`` for several platforms at once: the source is decoded at most once."""
    store = store or _NoStore()
    if image is None:
        return [(None, "") for _rules in rules_list]
    try:
        info = _source_info(image)
    except UnreadableImage as exc:
        note = image_notes.reason(image, exc.reason, info=None, rules=None)
        return [(None, note if r.max_images >= 1 else "") for r in rules_list]
    except Exception as exc:
        return [(None, image_notes.unexpected(image, exc)) for _rules in rules_list]
    plans: list[Plan | str | None] = []
    for rules in rules_list:
        if rules.max_images < 1:
            plans.append(None)
            continue
        try:
            plans.append(plan_variant(info, _focal_point(image, info), rules))
        except UnreadableImage as exc:
            plans.append(image_notes.reason(image, exc.reason, info=info, rules=rules))
    needed = max([p.decode_scale for p in plans if isinstance(p, Plan)], default=1.0)
    shared_scale = max(needed, min(1.0, DEFAULT_MAX_SIDE / max(info.width, info.height)))
    results: list[tuple[Media | None, str]] = []
    for rules, plan in zip(rules_list, plans, strict=True):
        if not isinstance(plan, Plan):
            results.append((None, plan or ""))
            continue
        try:
            results.append(_make(image, info, plan, rules, shared_scale, store))
        except UnreadableImage as exc:
            results.append((None, image_notes.reason(image, exc.reason, info=info, rules=rules)))
        except Exception as exc:  # a broken image must never stop the post
            results.append((None, image_notes.unexpected(image, exc)))
    return results


# -- making the variant --------------------------------------------------------------------------


def _make(
    image: ImageSource,
    info: SourceInfo,
    plan: Plan,
    rules: ImageRules,
    shared_scale: float,
    store: VariantStore,
) -> tuple[Media | None, str]:
    existing = store.find([a.spec for a in plan.attempts])
    for attempt in plan.attempts:
        stored = existing.get(attempt.spec)
        if stored is None:
            continue
        content = stored.read()
        if content is not None and len(content) <= rules.max_bytes:
            return _media(image, info, plan, attempt, stored.url, content, rules)
    return _generate(image, info, plan, rules, shared_scale, store)


def _generate(image, info, plan, rules, shared_scale, store) -> tuple[Media | None, str]:
    pixels = _working_pixels(image, info, max(plan.decode_scale, shared_scale))
    kx, ky = pixels.width / info.width, pixels.height / info.height
    left, top, right, bottom = plan.crop
    box = (left * kx, top * ky, min(pixels.width, right * kx), min(pixels.height, bottom * ky))
    resized: dict[tuple[int, int], Any] = {}
    at_full_size: int | None = None
    for attempt in plan.attempts:
        if at_full_size is not None and attempt.size != plan.attempts[0].size:
            share = (
                attempt.size[0]
                * attempt.size[1]
                / (plan.attempts[0].size[0] * plan.attempts[0].size[1])
            )
            if at_full_size * share > rules.max_bytes * 1.5:
                continue  # clearly too big still: skip the encode
        if attempt.size not in resized:
            resized.clear()
            resized[attempt.size] = image_files.fit(pixels, box, attempt.size)
        content = image_files.encode(resized[attempt.size], attempt.fmt, attempt.quality)
        if len(content) <= rules.max_bytes:
            url = store.save(attempt.spec, content, image_files.EXTENSIONS[attempt.fmt])
            return _media(image, info, plan, attempt, url, content, rules)
        if attempt.size == plan.attempts[0].size and attempt.fmt != "PNG":
            at_full_size = len(content)
    return None, image_notes.reason(image, "bytes", info=info, rules=rules)


def _media(image, info, plan, attempt, url, content, rules) -> tuple[Media, str]:
    focal = None
    focal_point = _focal_point(image, info)
    if focal_point is not None:
        left, top, right, bottom = plan.crop
        cx, cy = focal_point.centroid
        x = (cx - left) / max(1e-9, right - left)
        y = (cy - top) / max(1e-9, bottom - top)
        focal = (round(min(1, max(-1, x * 2 - 1)), 2), round(min(1, max(-1, 1 - y * 2)), 2))
    media = Media(
        content=content,
        mime_type=MIME[attempt.fmt],
        filename=f"{image.name}.{image_files.EXTENSIONS[attempt.fmt]}",
        width=attempt.size[0],
        height=attempt.size[1],
        alt_text=alt_text(image, rules.alt_text_limit),
        url=url,
        focal_point=focal,
    )
    left, top, right, bottom = plan.crop
    kept = (right - left) * (bottom - top) / (info.width * info.height)
    note = ""
    if plan.cropped and kept < HEAVY_CROP:
        note = _(
            "The image “%(title)s” was cropped to %(ratio)s around its focal point to fit "
            "this platform; %(percent)s%% of it is shown."
        ) % {
            "title": image.title,
            "ratio": image_notes.ratio(attempt.size),
            "percent": max(1, round(kept * 100)),
        }
    return media, note


# -- the source: header and decoded pixels, kept for the next platform ---------------------------

_lock = threading.Lock()
_infos: OrderedDict[tuple, SourceInfo] = OrderedDict()
_pixels: OrderedDict[tuple, Any] = OrderedDict()  # one decoded source: the page being delivered
MAX_KEPT_PIXELS = 40_000_000  # do not keep a working copy bigger than this (~120 MB RGB)


def _key(image: ImageSource) -> tuple:
    return image.key or ("source", id(image))


def _source_info(image: Any) -> SourceInfo:
    key = _key(image)
    with _lock:
        if key in _infos:
            return _infos[key]
    with _open(image) as handle:
        info = image_files.probe(handle, image_notes.max_pixels())
    with _lock:
        _infos[key] = info
        while len(_infos) > 256:
            _infos.popitem(last=False)
    return info


def _working_pixels(image: Any, info: SourceInfo, scale: float) -> Any:
    key = _key(image)
    with _lock:
        kept = _pixels.get(key)
    if kept is not None and kept.width >= info.width * scale - 1:
        return kept
    with _open(image) as handle:
        pixels = image_files.decode(handle, image_notes.max_pixels(), scale)
    with _lock:
        _pixels.clear()
        if pixels.width * pixels.height <= MAX_KEPT_PIXELS:
            _pixels[key] = pixels
    return pixels


def forget_sources() -> None:
    """Drop the decoded source kept for the next platform (tests, benchmarks, low memory)."""
    with _lock:
        _pixels.clear()
        _infos.clear()


class _open:
    """The image's file, opened for reading; a missing file becomes ``UnreadableImage``."""

    def __init__(self, image: ImageSource):
        self.image = image
        self.context: Any = None

    def __enter__(self):
        try:
            self.context = self.image.open()
            return self.context.__enter__()
        except (OSError, ValueError) as exc:  # SourceImageIOError is an OSError
            raise UnreadableImage("missing") from exc
        except Exception as exc:
            if type(exc).__name__ == "SourceImageIOError":
                raise UnreadableImage("missing") from exc
            raise

    def __exit__(self, *exc: Any) -> None:
        if self.context is not None:
            self.context.__exit__(*exc)


def _focal_point(image: ImageSource, info: SourceInfo) -> Rect | None:
    """The focal point in the upright source's pixels (Wagtail stores it in image.width/height)."""
    rect = image.focal_point
    if rect is None or not image.width or not image.height:
        return None
    kx, ky = info.width / image.width, info.height / image.height
    return Rect(rect.left * kx, rect.top * ky, rect.right * kx, rect.bottom * ky)
