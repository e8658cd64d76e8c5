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

import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from io import BytesIO
from typing import IO, Any, Protocol

import regex
from django.conf import settings
from django.utils.translation import gettext as _
from wagtail.images.image_operations import FillOperation, ImageTransform, MinMaxOperation
from wagtail.images.rect import Rect

from wagtail_crosspost.adapters.base import ImageRules, Media

from . import image_files
from .image_files import MIME, SourceInfo, UnreadableImage

logger = logging.getLogger("wagtail_crosspost")

DEFAULT_MAX_SIDE = 2048  # feeds show no more; a bigger file only costs upload time
MIN_SIDE = 32  # below this it is a placeholder or tracking pixel, not a picture
MAX_UPSCALE = 4.0  # enlarge a small image up to a platform's minimum width, but not beyond this
JPEG_QUALITIES = (85, 75, 65, 50)
SHRINK_STEPS = (0.75, 0.5, 0.35, 0.25, 0.18, 0.125)  # then smaller sizes, at SHRINK_QUALITY
SHRINK_QUALITY = 65
HEAVY_CROP = 0.5  # say so in the log when a crop keeps less than this share of the picture
DEFAULT_MAX_IMAGE_PIXELS = 128_000_000  # Wagtail's default for WAGTAILIMAGES_MAX_IMAGE_PIXELS


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
        note = _reason(image, exc.reason, info=None, rules=None)
        return [(None, note if r.max_images >= 1 else "") for r in rules_list]
    except Exception as exc:
        return [(None, _unexpected(image, exc)) for _rules in rules_list]
    plans: list[Plan | str | None] = []
    for rules in rules_list:
        if rules.max_images < 1:
            plans.append(None)
            continue
        try:
            plans.append(plan_variant(info, _focal_point(image, info), rules))
        except UnreadableImage as exc:
            plans.append(_reason(image, exc.reason, info=info, rules=rules))
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
            results.append((None, _reason(image, exc.reason, info=info, rules=rules)))
        except Exception as exc:  # a broken image must never stop the post
            results.append((None, _unexpected(image, exc)))
    return results


# -- planning (no pixels) ------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """One candidate variant: a Wagtail filter spec and what it produces."""

    spec: str
    fmt: str
    quality: int | None
    size: tuple[int, int]


@dataclass(frozen=True)
class Plan:
    """What one platform gets from one source, decided from the header alone."""

    crop: tuple[float, float, float, float]  # in the upright source: left, top, right, bottom
    attempts: tuple[Attempt, ...]  # in order of preference; the first that fits wins
    cropped: bool

    @property
    def decode_scale(self) -> float:
        """How much of the source's resolution the largest attempt needs (≤ 1)."""
        left, top, right, _bottom = self.crop
        return min(1.0, self.attempts[0].size[0] / max(1.0, right - left))


class _Geometry:
    """The two things Wagtail's transform operations read from an image."""

    def __init__(self, focal_point: Rect | None):
        self.focal_point = focal_point

    def get_focal_point(self) -> Rect | None:
        return self.focal_point

    def is_svg(self) -> bool:
        return False


def plan_variant(info: SourceInfo, focal_point: Rect | None, rules: ImageRules) -> Plan:
    """The crop, sizes and formats for one platform. Raises ``UnreadableImage`` if none fits."""
    width, height = info.width, info.height
    if min(width, height) < MIN_SIDE:
        raise UnreadableImage("tiny")
    formats = [f for f in rules.formats if f in MIME]
    if not formats:
        raise UnreadableImage("format")
    aspect = width / height
    target = min(max(aspect, rules.min_aspect or 0), rules.max_aspect or math.inf)
    # The platform's maximum only lowers our own: feeds show no more than DEFAULT_MAX_SIDE.
    box_w = min(rules.max_width or DEFAULT_MAX_SIDE, DEFAULT_MAX_SIDE)
    box_h = min(rules.max_height or DEFAULT_MAX_SIDE, DEFAULT_MAX_SIDE)
    cropped = not math.isclose(target, aspect, rel_tol=1e-3)
    if cropped:
        kind = "fill"
        out_w: float
        out_h: float
        if target >= box_w / box_h:
            out_w, out_h = box_w, box_w / target
        else:
            out_w, out_h = box_h * target, box_h
    else:
        out_w, out_h, kind = box_w, box_h, "max"
    geometry = _Geometry(focal_point)
    transform = _transform(kind, (int(out_w), int(max(1, out_h))), geometry, (width, height))
    size = _within_limits(transform.size, rules)
    if size != transform.size:  # pixel-count or sum limits: same crop, smaller
        transform = _transform(kind, size, geometry, (width, height))
        size = transform.size
    rect = transform.get_rect()
    size = _within_aspect(size, rules)
    if size[0] < rules.min_width:
        factor = rules.min_width / size[0]
        if factor > MAX_UPSCALE:
            raise UnreadableImage("narrow")
        size = (rules.min_width, max(1, round(size[1] * factor)))
    if min(size) < MIN_SIDE:
        raise UnreadableImage("tiny")
    attempts = _ladder(kind, size, formats, keep_lossless=info.has_alpha or info.is_graphic)
    attempts = [a for a in attempts if min(a.size) >= MIN_SIDE and a.size[0] >= rules.min_width]
    crop = (rect.left, rect.top, rect.right, rect.bottom)
    return Plan(crop=crop, attempts=tuple(attempts), cropped=cropped)


def _transform(kind: str, box: tuple[int, int], geometry: _Geometry, size: tuple[int, int]):
    """Wagtail's own ``fill`` or ``max`` geometry (as ``Filter(spec).get_transform`` runs it)."""
    operation = {"fill": FillOperation, "max": MinMaxOperation}[kind]
    return operation(kind, f"{box[0]}x{box[1]}").run(ImageTransform(size), geometry)


def _within_limits(size: tuple[int, int], rules: ImageRules) -> tuple[int, int]:
    width, height = size
    factor = 1.0
    if rules.max_pixels and width * height > rules.max_pixels:
        factor = math.sqrt(rules.max_pixels / (width * height))
    if rules.max_dimension_sum and width + height > rules.max_dimension_sum:
        factor = min(factor, rules.max_dimension_sum / (width + height))
    if factor >= 1:
        return size
    return max(1, math.floor(width * factor)), max(1, math.floor(height * factor))


def _within_aspect(size: tuple[int, int], rules: ImageRules) -> tuple[int, int]:
    """Trim the pixel that rounding may have added beyond the allowed aspect range."""
    width, height = size
    if rules.max_aspect and width / height > rules.max_aspect:
        width = max(1, math.floor(height * rules.max_aspect))
    if rules.min_aspect and width / height < rules.min_aspect:
        height = max(1, math.floor(width / rules.min_aspect))
    return width, height


def _ladder(
    kind: str, size: tuple[int, int], formats: list[str], keep_lossless: bool
) -> list[Attempt]:
    def attempt(fmt: str, quality: int | None, scale: float) -> Attempt:
        w, h = max(1, round(size[0] * scale)), max(1, round(size[1] * scale))
        spec = f"{kind}-{w}x{h}|format-{fmt.lower()}"
        if quality is not None:
            spec += f"|{'jpegquality' if fmt == 'JPEG' else 'webpquality'}-{quality}"
        return Attempt(spec=spec, fmt=fmt, quality=quality, size=(w, h))

    ladder: list[Attempt] = []
    lossy = next((f for f in ("JPEG", "WEBP") if f in formats), None)
    if (keep_lossless and "PNG" in formats) or lossy is None:
        ladder.append(attempt("PNG", None, 1.0))
    if lossy is None:
        return ladder + [attempt("PNG", None, s) for s in SHRINK_STEPS]
    ladder += [attempt(lossy, q, 1.0) for q in JPEG_QUALITIES]
    return ladder + [attempt(lossy, SHRINK_QUALITY, s) for s in SHRINK_STEPS]


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
    return None, _reason(image, "bytes", info=info, rules=rules)


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
            "ratio": _ratio(attempt.size),
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


def _max_pixels() -> int:
    return int(getattr(settings, "WAGTAILIMAGES_MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS))


def _source_info(image: Any) -> SourceInfo:
    key = _key(image)
    with _lock:
        if key in _infos:
            return _infos[key]
    with _open(image) as handle:
        info = image_files.probe(handle, _max_pixels())
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
        pixels = image_files.decode(handle, _max_pixels(), scale)
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


# -- sentences for the log -----------------------------------------------------------------------


def _reason(image: Any, code: str, *, info: SourceInfo | None, rules: ImageRules | None) -> str:
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
        params["limit"] = f"{_max_pixels() / 1_000_000:g}"
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


def _unexpected(image: Any, exc: Exception) -> str:
    logger.exception("Could not prepare image %s for crossposting", getattr(image, "name", None))
    return _(
        "The image “%(title)s” was left out of this post: it could not be processed "
        "(%(error)s). See the server log."
    ) % {"title": getattr(image, "title", ""), "error": type(exc).__name__}


def _ratio(size: tuple[int, int]) -> str:
    width, height = size
    if width >= height:
        return f"{width / height:.2f}:1".replace(".00:", ":")
    return f"1:{height / width:.2f}".replace(".00", "")
