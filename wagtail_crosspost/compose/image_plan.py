"""The plan for one platform's variant, made from the file header alone (no pixels): the crop
into the platform's aspect range (Wagtail's own ``fill`` geometry, so the focal point stays in
the picture), the size within its pixel limits, and a ladder of attempts (format and quality,
then smaller sizes), each with a real Wagtail filter spec."""

from __future__ import annotations

import math
from dataclasses import dataclass

from wagtail.images.image_operations import FillOperation, ImageTransform, MinMaxOperation
from wagtail.images.rect import Rect

from wagtail_crosspost.adapters.base import ImageRules

from .image_files import MIME, SourceInfo, UnreadableImage

DEFAULT_MAX_SIDE = 2048  # feeds show no more; a bigger file only costs upload time
MIN_SIDE = 32  # below this it is a placeholder or tracking pixel, not a picture
MAX_UPSCALE = 4.0  # enlarge a small image up to a platform's minimum width, but not beyond this
JPEG_QUALITIES = (85, 75, 65, 50)
SHRINK_STEPS = (0.75, 0.5, 0.35, 0.25, 0.18, 0.125)  # then smaller sizes, at SHRINK_QUALITY
SHRINK_QUALITY = 65


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
