"""Per-platform image variants, with real files made by Pillow: formats, bytes, pixels, aspect,
focal point, alt text, reuse of variants, and bad input that must never crash a publish."""

from __future__ import annotations

import io
import os
import struct
import zlib
from dataclasses import replace

import pytest
from PIL import Image

from tests.compose.image_rules import REFERENCE_IMAGE_RULES, builtin_image_rules
from tests.factories import make_image_from_bytes
from wagtail_crosspost.adapters.base import ImageRules
from wagtail_crosspost.compose import image_files, images
from wagtail_crosspost.outbox import images as stored

pytestmark = pytest.mark.django_db

INSTAGRAM = REFERENCE_IMAGE_RULES["instagram"]
BLUESKY = REFERENCE_IMAGE_RULES["bluesky"]
MAGENTA = (255, 0, 255)


@pytest.fixture(autouse=True)
def _fresh_sources():
    # Wagtail caches renditions by image id, which the next test's rolled-back database reuses.
    from wagtail.images.models import Rendition

    Rendition.cache_backend.clear()
    images.forget_sources()
    yield
    images.forget_sources()


# -- source files --------------------------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def photo(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Photo-like: smooth gradients with grain, so JPEG sizes are realistic."""
    gradient = Image.linear_gradient("L").resize((width, height))
    grain = Image.frombytes("L", (width, height), os.urandom(width * height))
    red = Image.blend(gradient, grain, 0.2)
    blue = gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    image = Image.merge("RGB", (red, Image.blend(blue, grain, 0.1), blue))
    return image.convert(mode) if mode != "RGB" else image


def noise(width: int, height: int) -> Image.Image:
    """Random bytes: no format can compress them."""
    return Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that declares ``width`` × ``height`` pixels: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def upload(content: bytes, name: str, title: str = "A picture", **kwargs):
    return make_image_from_bytes(content, name=name, title=title, **kwargs)


def opened(media) -> Image.Image:
    image = Image.open(io.BytesIO(media.content))
    image.load()
    return image


def assert_fits(media, rules: ImageRules) -> Image.Image:
    """The produced file really satisfies the platform's rules."""
    assert media is not None
    image = opened(media)
    assert image.format in rules.formats
    assert media.mime_type == image_files.MIME[image.format]
    assert len(media.content) <= rules.max_bytes
    assert image.size == (media.width, media.height)
    width, height = image.size
    assert min(width, height) >= images.MIN_SIDE
    assert width >= rules.min_width
    if rules.max_width:
        assert width <= rules.max_width
    if rules.max_height:
        assert height <= rules.max_height
    if rules.max_pixels:
        assert width * height <= rules.max_pixels
    if rules.max_dimension_sum:
        assert width + height <= rules.max_dimension_sum
    if rules.min_aspect:
        assert width / height >= rules.min_aspect
    if rules.max_aspect:
        assert width / height <= rules.max_aspect
    assert max(width, height) <= max(images.DEFAULT_MAX_SIDE, rules.max_width or 0)
    assert image.mode in ("RGB", "L", "RGBA", "LA", "P")
    if image.format == "JPEG":
        assert image.mode in ("RGB", "L")  # no CMYK JPEG reaches a platform
    assert media.url
    return image


def platform_rules():
    return sorted(builtin_image_rules().items())


# -- every platform, every kind of source --------------------------------------------------------


SOURCES = {
    "photo.jpg": lambda: encode(photo(2000, 1333), "JPEG", quality=92),
    "transparent.png": lambda: transparent_png(),
    "cmyk.jpg": lambda: encode(photo(1200, 900, "CMYK"), "JPEG", quality=90),
    "photo.webp": lambda: encode(photo(1200, 800), "WEBP", quality=90),
    "photo.avif": lambda: encode(photo(800, 600), "AVIF", quality=70),
    "portrait.jpg": lambda: encode(photo(900, 2400), "JPEG", quality=90),
    "panorama.jpg": lambda: encode(photo(6000, 300), "JPEG", quality=90),
    "graphic.png": lambda: encode(photo(800, 600).convert("P", colors=16), "PNG"),
    "grey16.png": lambda: encode(
        Image.linear_gradient("L").resize((600, 400)).convert("I;16"), "PNG"
    ),
}


def transparent_png() -> bytes:
    image = Image.new("RGBA", (1000, 800), (0, 0, 0, 0))
    image.paste(Image.new("RGBA", (400, 400), (20, 120, 220, 255)), (300, 200))
    return encode(image, "PNG")


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_every_platform_gets_a_file_within_its_rules(source):
    image = upload(SOURCES[source](), name=source, title=source)
    names = [name for name, _rules in platform_rules()]
    results = stored.prepare_media_many(image, [rules for _name, rules in platform_rules()])
    for name, (rules, (media, note)) in zip(
        names, zip([r for _n, r in platform_rules()], results, strict=True), strict=True
    ):
        assert media is not None, (name, note)
        assert_fits(media, rules)


@pytest.mark.parametrize("name", sorted(builtin_image_rules()))
def test_each_platform_on_its_own(name):
    rules = builtin_image_rules()[name]
    image = upload(SOURCES["photo.jpg"](), name="photo.jpg")
    media, note = stored.prepare_media(image, rules)
    assert_fits(media, rules)
    assert note == ""


def test_instagram_gets_jpeg_for_every_source():
    for source in ("transparent.png", "photo.webp", "photo.avif", "graphic.png"):
        image = upload(SOURCES[source](), name=source)
        media, _note = stored.prepare_media(image, INSTAGRAM)
        assert opened(media).format == "JPEG"
        assert media.mime_type == "image/jpeg"


def test_heic_is_converted_where_platforms_do_not_take_it():
    pytest.importorskip("pillow_heif")
    from pillow_heif import register_heif_opener

    register_heif_opener()
    try:
        content = encode(photo(480, 360), "HEIF", quality=60)
    except (KeyError, OSError, ValueError):
        pytest.skip("libheif without an encoder")
    image = upload(content, name="photo.heic")
    for rules in (INSTAGRAM, BLUESKY):
        assert_fits(stored.prepare_media(image, rules)[0], rules)


def test_transparent_png_is_flattened_on_white_for_jpeg_only_platforms():
    image = upload(transparent_png(), name="logo.png")
    media, _note = stored.prepare_media(image, INSTAGRAM)
    flat = opened(media).convert("RGB")
    assert flat.getpixel((2, flat.height // 2)) >= (250, 250, 250)  # was transparent: white
    centre = flat.getpixel((flat.width // 2, flat.height // 2))
    assert centre[2] > 180 and centre[0] < 60  # the blue square survives


def test_transparent_png_stays_png_where_the_platform_takes_it():
    image = upload(transparent_png(), name="logo.png")
    media, _note = stored.prepare_media(image, BLUESKY)
    produced = opened(media)
    assert produced.format == "PNG"
    assert produced.mode == "RGBA"
    assert produced.getpixel((2, 2))[3] == 0


def test_cmyk_becomes_rgb():
    image = upload(SOURCES["cmyk.jpg"](), name="cmyk.jpg")
    for _name, rules in platform_rules():
        produced = opened(stored.prepare_media(image, rules)[0])
        assert produced.mode == "RGB"


def test_exif_orientation_is_applied():
    raw = Image.new("RGB", (800, 400), (220, 20, 20))
    raw.paste((20, 20, 220), (400, 0, 800, 400))  # left red, right blue, as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated 90° clockwise: the stored left edge is on top
    image = upload(encode(raw, "JPEG", quality=95, exif=exif.tobytes()), name="rotated.jpg")
    media, _note = stored.prepare_media(image, BLUESKY)
    produced = opened(media)
    assert produced.height > produced.width
    assert produced.getexif().get(0x0112, 1) == 1
    top = produced.getpixel((produced.width // 2, 10))
    bottom = produced.getpixel((produced.width // 2, produced.height - 10))
    assert top[0] > 180 and top[2] < 80
    assert bottom[2] > 180 and bottom[0] < 80


def test_large_image_is_scaled_into_the_platforms_pixel_limits():
    image = upload(encode(photo(4000, 3000), "JPEG", quality=85), name="big.jpg")
    rules = ImageRules(formats=("JPEG",), max_pixels=1_000_000, max_dimension_sum=1500)
    media, _note = stored.prepare_media(image, rules)
    assert_fits(media, rules)
    assert media.width == pytest.approx(4 / 3 * media.height, rel=0.01)


def test_small_image_is_enlarged_to_a_minimum_width_within_reason():
    image = upload(encode(photo(200, 200), "JPEG"), name="small.jpg")
    media, _note = stored.prepare_media(image, INSTAGRAM)
    assert_fits(media, INSTAGRAM)
    assert media.width == 320
    tiny = upload(encode(photo(60, 60), "JPEG"), name="tiny.jpg", title="Icon")
    media, note = stored.prepare_media(tiny, INSTAGRAM)
    assert media is None
    assert "Icon" in note and "320 pixels wide" in note


# -- aspect and focal point ----------------------------------------------------------------------


def with_blob(width: int, height: int, centre: tuple[int, int], radius: int = 60) -> bytes:
    image = Image.new("RGB", (width, height), (90, 110, 90))
    x, y = centre
    image.paste(MAGENTA, (x - radius, y - radius, x + radius, y + radius))
    return encode(image, "JPEG", quality=95)


def magenta_share(image: Image.Image) -> float:
    rgb = image.convert("RGB").resize((200, round(200 * image.height / image.width)))
    hits = sum(1 for r, g, b in rgb.get_flattened_data() if r > 200 and g < 70 and b > 200)
    return hits / (rgb.width * rgb.height)


def test_crop_keeps_the_focal_point_near_an_edge():
    image = upload(with_blob(3000, 1000, (2850, 500)), name="wide.jpg")
    image.focal_point_x, image.focal_point_y = 2850, 500
    image.focal_point_width = image.focal_point_height = 120
    image.save()
    media, _note = stored.prepare_media(image, INSTAGRAM)
    produced = assert_fits(media, INSTAGRAM)
    assert media.width / media.height == pytest.approx(1.91, abs=0.01)
    assert magenta_share(produced) > 0.002
    fx, _fy = media.focal_point
    assert fx > 0.5  # Mastodon-style focus, relative to the variant: on the right


def test_without_focal_point_the_crop_is_centred_and_misses_the_edge():
    image = upload(with_blob(3000, 1000, (2850, 500)), name="wide.jpg")
    media, _note = stored.prepare_media(image, INSTAGRAM)
    assert magenta_share(opened(media)) == 0


def test_tall_image_is_cropped_to_four_by_five_around_the_focal_point():
    image = upload(with_blob(1000, 3000, (500, 150)), name="tall.jpg")
    image.focal_point_x, image.focal_point_y = 500, 150
    image.focal_point_width = image.focal_point_height = 120
    image.save()
    media, _note = stored.prepare_media(image, INSTAGRAM)
    produced = assert_fits(media, INSTAGRAM)
    assert media.width / media.height == pytest.approx(0.8, abs=0.01)
    assert magenta_share(produced) > 0.002


def test_panorama_is_cropped_where_needed_and_the_log_says_so():
    image = upload(SOURCES["panorama.jpg"](), name="panorama.jpg", title="Harbour")
    media, note = stored.prepare_media(image, INSTAGRAM)
    assert_fits(media, INSTAGRAM)
    assert "Harbour" in note and "1.91:1" in note and "focal point" in note
    media, note = stored.prepare_media(image, BLUESKY)  # no aspect limit: the whole picture
    assert media.width / media.height == pytest.approx(20, rel=0.02)
    assert note == ""


# -- bytes ---------------------------------------------------------------------------------------


def test_quality_then_size_steps_until_under_the_byte_limit():
    image = upload(encode(photo(2000, 1333), "JPEG", quality=95), name="photo.jpg")
    rules = replace(BLUESKY, max_bytes=120_000)
    media, _note = stored.prepare_media(image, rules)
    assert_fits(media, rules)
    assert len(media.content) <= 120_000


def test_incompressible_image_is_left_out_with_the_limit_in_the_reason():
    image = upload(encode(noise(1500, 1000), "PNG"), name="noise.png", title="Static")
    rules = replace(BLUESKY, max_bytes=3_000)
    media, note = stored.prepare_media(image, rules)
    assert media is None
    assert "Static" in note and "3,000 bytes" in note


def test_graphic_png_stays_lossless_when_it_fits():
    image = upload(SOURCES["graphic.png"](), name="chart.png")
    media, _note = stored.prepare_media(image, BLUESKY)
    assert opened(media).format == "PNG"


def test_photo_png_becomes_jpeg():
    image = upload(encode(photo(1600, 1000), "PNG"), name="photo.png")
    media, _note = stored.prepare_media(image, BLUESKY)
    assert opened(media).format == "JPEG"


# -- alt text ------------------------------------------------------------------------------------


def test_alt_text_is_the_description_cut_to_the_limit():
    # Wagtail's description column holds 255 characters (PostgreSQL enforces it).
    long = ("A lathe in the workshop, turning a steel shaft for a customer in Basel. " * 4)[:255]
    image = upload(encode(photo(800, 600), "JPEG"), name="lathe.jpg", description=long)
    assert images.alt_text(image, 1000) == long.strip()
    for limit in (200, 120, 50):
        rules = replace(BLUESKY, alt_text_limit=limit)
        media, _note = stored.prepare_media(image, rules)
        assert len(media.alt_text) <= limit
        assert media.alt_text.endswith("…")
        assert media.alt_text.startswith("A lathe in the workshop")


def test_alt_text_falls_back_to_the_title_and_never_splits_an_emoji():
    image = upload(
        encode(photo(400, 300), "JPEG"), name="a.jpg", title="Team 👩‍👩‍👧", description=""
    )
    assert images.alt_text(image, None) == "Team 👩‍👩‍👧"
    cut = images.alt_text(image, 7)
    assert len(cut) <= 7 and "\u200d" not in cut


def test_platform_without_alt_text_gets_none():
    image = upload(encode(photo(400, 300), "JPEG"), name="a.jpg")
    media, _note = stored.prepare_media(image, replace(BLUESKY, alt_text_limit=None))
    assert media.alt_text == "Alt text for A picture"  # the adapter decides whether to send it
    assert images.alt_text(image, 0) == ""


# -- reuse ---------------------------------------------------------------------------------------


def count_decodes(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = image_files.decode

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(image_files, "decode", counting)
    return calls


def test_variants_are_reused_on_a_second_call(monkeypatch):
    image = upload(encode(photo(2000, 1333), "JPEG"), name="photo.jpg")
    first, _note = stored.prepare_media(image, INSTAGRAM)
    renditions = image.renditions.count()
    images.forget_sources()  # as in another worker: nothing decoded is kept
    decodes = count_decodes(monkeypatch)
    second, _note = stored.prepare_media(image, INSTAGRAM)
    assert decodes == []
    assert image.renditions.count() == renditions == 1
    assert second.content == first.content and second.url == first.url


def test_one_decode_serves_every_platform(monkeypatch):
    image = upload(encode(photo(3000, 2000), "JPEG"), name="photo.jpg")
    decodes = count_decodes(monkeypatch)
    for _name, rules in platform_rules():  # one call per platform, as delivery makes them
        assert stored.prepare_media(image, rules)[0] is not None
    assert len(decodes) == 1


def test_platforms_with_the_same_needs_share_one_rendition():
    image = upload(encode(photo(2000, 1333), "JPEG"), name="photo.jpg")
    a, _ = stored.prepare_media(image, ImageRules(formats=("JPEG",), max_bytes=5_000_000))
    b, _ = stored.prepare_media(image, ImageRules(formats=("JPEG", "PNG"), max_bytes=8_000_000))
    assert a.url == b.url
    assert image.renditions.count() == 1


def test_a_changed_focal_point_makes_a_new_crop():
    image = upload(with_blob(3000, 1000, (2850, 500)), name="wide.jpg")
    before, _ = stored.prepare_media(image, INSTAGRAM)
    image.focal_point_x, image.focal_point_y = 2850, 500
    image.focal_point_width = image.focal_point_height = 120
    image.save()
    after, _ = stored.prepare_media(image, INSTAGRAM)
    assert after.url != before.url
    assert magenta_share(opened(after)) > 0


def test_renditions_are_real_wagtail_renditions():
    image = upload(encode(photo(2000, 1333), "JPEG"), name="photo.jpg")
    media, _note = stored.prepare_media(image, INSTAGRAM)
    rendition = image.renditions.get()
    assert rendition.filter_spec.startswith("max-1440x959|format-jpeg|jpegquality-")
    assert (rendition.width, rendition.height) == (media.width, media.height)
    assert image.get_rendition(rendition.filter_spec).pk == rendition.pk  # Wagtail finds it


# -- bad input -----------------------------------------------------------------------------------


BAD = {
    "empty": (b"", "empty"),
    "corrupt": (b"\xff\xd8\xff\xe0 this is not really a JPEG" * 20, "damaged"),
    "truncated": (None, "damaged"),
    "bomb": (png_header_only(100_000, 100_000), "too many pixels"),
    "bomb_below_pillow_limit": (png_header_only(12_000, 12_000), "too many pixels"),
    "one_pixel": (None, "too small"),
}


def bad_content(kind: str) -> bytes:
    if kind == "truncated":
        return encode(photo(1200, 800), "JPEG")[:2000]
    if kind == "one_pixel":
        return encode(Image.new("RGB", (1, 1), (255, 0, 0)), "PNG")
    return BAD[kind][0]


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Wagtail's own check
@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_input_gives_a_reason_and_never_raises(kind):
    image = upload(bad_content(kind), name=f"{kind}.png", title=f"Bad {kind}")
    for _name, rules in platform_rules():
        media, note = stored.prepare_media(image, rules)
        assert media is None
        assert f"Bad {kind}" in note and BAD[kind][1] in note


def test_missing_file_gives_a_reason():
    image = upload(encode(photo(400, 300), "JPEG"), name="gone.jpg", title="Gone")
    image.file.storage.delete(image.file.name)
    media, note = stored.prepare_media(image, INSTAGRAM)
    assert media is None and "Gone" in note and "missing" in note


def test_no_image_and_no_room_for_images_say_nothing():
    assert stored.prepare_media(None, INSTAGRAM) == (None, "")
    image = upload(encode(photo(400, 300), "JPEG"), name="a.jpg")
    assert stored.prepare_media(image, replace(INSTAGRAM, max_images=0)) == (None, "")


def test_platform_that_takes_no_format_we_write():
    image = upload(encode(photo(400, 300), "JPEG"), name="a.jpg", title="Pic")
    media, note = stored.prepare_media(image, ImageRules(formats=("AVIF",)))
    assert media is None and "AVIF" in note


def test_unexpected_error_is_a_reason_not_a_crash(monkeypatch, caplog):
    image = upload(encode(photo(400, 300), "JPEG"), name="a.jpg", title="Pic")

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(image_files, "encode", broken)
    media, note = stored.prepare_media(image, INSTAGRAM)
    assert media is None and "RuntimeError" in note
    assert "disk on fire" in caplog.text
