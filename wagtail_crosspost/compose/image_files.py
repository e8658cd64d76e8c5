"""The Pillow side of image variants: read a source safely, normalise it, encode a variant.

No Django here: ``images.py`` decides what each platform gets and stores the results as Wagtail
renditions; this module only turns bytes into pixels and pixels into bytes.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from typing import IO

from PIL import Image, ImageCms, UnidentifiedImageError

try:  # HEIC/HEIF sources, as Willow (and so Wagtail) reads them when pillow-heif is installed
    from pillow_heif import HeifImagePlugin  # noqa: F401
except ImportError:  # pragma: no cover - optional
    pass

#: Output formats this module can write, with their MIME types.
MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
_SRGB = ImageCms.createProfile("sRGB")
_REDUCIBLE = ("L", "RGB", "RGBA", "CMYK", "I", "F")
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class UnreadableImage(Exception):
    """The source cannot be turned into pixels; ``reason`` is a phrase for an editor."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SourceInfo:
    """What the file header says, before any pixel is decoded."""

    format: str  # Pillow format name of the file (JPEG, PNG, WEBP, AVIF, HEIF, GIF …)
    width: int  # upright size: EXIF orientation applied
    height: int
    has_alpha: bool
    is_graphic: bool  # a PNG/GIF with few colours (screenshot, logo, chart): keep it lossless


def probe(handle: IO[bytes], max_pixels: int) -> SourceInfo:
    """Read the header only. Raises ``UnreadableImage`` for empty, damaged or oversized files."""
    with _opened(handle, max_pixels) as image:
        width, height = image.size
        if _orientation(image) in (5, 6, 7, 8):
            width, height = height, width
        has_alpha = _has_alpha(image)
        is_graphic = image.format in ("PNG", "GIF") and image.mode in ("P", "1", "L", "LA", "PA")
        return SourceInfo(str(image.format), width, height, has_alpha, is_graphic)


def decode(handle: IO[bytes], max_pixels: int, scale: float = 1.0) -> Image.Image:
    """The upright, sRGB (or greyscale) pixels of the source, reduced to at least ``scale``.

    JPEGs are decoded at a reduced size straight away (libjpeg's DCT scaling), other formats are
    reduced by a whole factor after decoding, so a 24-megapixel source costs one decode.
    """
    opened = _opened(handle, max_pixels)
    with opened as image:
        if getattr(image, "n_frames", 1) > 1:
            image.seek(0)  # an animation posts as its first frame
        orientation = _orientation(image)
        profile = image.info.get("icc_profile")
        has_alpha = _has_alpha(image)
        wanted = math.ceil(image.size[0] * scale)
        if scale < 1 and image.format == "JPEG":
            image.draft(image.mode, (wanted, math.ceil(image.size[1] * scale)))
        try:
            image.load()
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            raise UnreadableImage("damaged") from exc
        pixels: Image.Image = image
        factor = max(1, pixels.width // max(1, wanted))
        if factor > 1 and pixels.mode not in _REDUCIBLE:
            pixels = _to_srgb(pixels, profile, has_alpha)
            profile = None
        if factor > 1:
            pixels = pixels.reduce(factor)
        if orientation in _TRANSPOSE:
            pixels = pixels.transpose(_TRANSPOSE[orientation])
        result = _to_srgb(pixels, profile, has_alpha)
        if result is image:
            opened.image = None  # the caller keeps the decoded pixels; the file is read
        return result


def fit(
    pixels: Image.Image, box: tuple[float, float, float, float], size: tuple[int, int]
) -> Image.Image:
    """The ``box`` (left, top, right, bottom) of ``pixels``, resized to ``size``."""
    return pixels.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


def encode(pixels: Image.Image, fmt: str, quality: int | None) -> bytes:
    """``pixels`` as a file in ``fmt``; transparency becomes white where ``fmt`` has none."""
    buffer = io.BytesIO()
    if fmt == "JPEG":
        flat = _flatten(pixels)
        # Baseline, not progressive: platforms re-encode uploads, and progressive costs 2× time.
        flat.save(buffer, "JPEG", quality=quality or 85, optimize=True)
    elif fmt == "PNG":
        pixels.save(buffer, "PNG", optimize=pixels.width * pixels.height <= 4_000_000)
    elif fmt == "WEBP":
        image = pixels if pixels.mode in ("RGB", "RGBA") else pixels.convert("RGBA")
        image.save(buffer, "WEBP", quality=quality or 80, method=4)
    else:  # pragma: no cover - callers only ask for MIME's keys
        raise ValueError(fmt)
    return buffer.getvalue()


# -- helpers -------------------------------------------------------------------------------------


class _opened:
    """``Image.open`` with the pixel limit enforced before anything is decoded."""

    def __init__(self, handle: IO[bytes], max_pixels: int):
        self.handle = handle
        self.max_pixels = max_pixels
        self.image: Image.Image | None = None

    def __enter__(self) -> Image.Image:
        head = self.handle.read(1)
        if not head:
            raise UnreadableImage("empty")
        self.handle.seek(0)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # checked below
                image = Image.open(self.handle)
        except Image.DecompressionBombError as exc:
            raise UnreadableImage("too_large") from exc
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
            raise UnreadableImage("damaged") from exc
        width, height = image.size
        if width * height > self.max_pixels:
            image.close()
            raise UnreadableImage("too_large")
        if width < 1 or height < 1:
            image.close()
            raise UnreadableImage("damaged")
        self.image = image
        return image

    def __exit__(self, *exc: object) -> None:
        if self.image is not None:
            self.image.close()


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation, read from the header only (PNG's ``getexif`` would decode it all)."""
    try:
        if image.format == "PNG":
            raw = image.info.get("exif")
            if not raw:
                return 1
            exif = Image.Exif()
            exif.load(raw)
            return int(exif.get(0x0112, 1) or 1)
        return int(image.getexif().get(0x0112, 1) or 1)
    except Exception:  # a broken EXIF block is not a reason to drop the image
        return 1


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _to_srgb(image: Image.Image, profile: bytes | None, has_alpha: bool) -> Image.Image:
    """RGB(A) in sRGB, or L/LA; CMYK, 16-bit, palette and wide-gamut sources are converted."""
    if image.mode in ("1", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        if image.mode != "1":  # 16-bit greyscale: keep the top 8 bits
            image = image.convert("I").point(lambda v: v * (1 / 256))
        return image.convert("L")
    if image.mode in ("P", "PA"):
        image = image.convert("RGBA" if has_alpha else "RGB")
    if image.mode in ("L", "LA"):
        return image
    target = "RGBA" if has_alpha and image.mode != "CMYK" else "RGB"
    if profile and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            if image.mode == "CMYK" or "sRGB" not in ImageCms.getProfileDescription(source):
                converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=target)
                if converted is not None:
                    return converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: fall back to a plain conversion
    return image if image.mode == target else image.convert(target)


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("RGBA", "LA"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image.convert("RGBA"), mask=image.getchannel("A"))
        return background
    return image.convert("RGB")
