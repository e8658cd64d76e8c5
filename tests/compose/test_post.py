"""``build_post`` is pure: plain inputs and rules in, a post out. No database, no HTTP."""

import io
import subprocess
import sys
from pathlib import Path

from PIL import Image

from wagtail_crosspost.adapters.base import ImageRules, PlatformRules
from wagtail_crosspost.compose.images import ImageSource
from wagtail_crosspost.compose.post import PostInputs, build_post

ROOT = Path(__file__).resolve().parents[2]


def jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_build_post_works_from_plain_inputs_without_a_database():
    inputs = PostInputs(
        platform="mastodon",
        title="Open house",
        intro="Come and see the new lathe.",
        url="https://example.com/open-house/",
        tags=("machine tools", "events"),
        options={"utm": True},
        image=ImageSource.from_bytes(jpeg(1200, 800), title="The lathe", name="lathe"),
        language="en",
        idempotency_key="key-1",
    )
    rules = PlatformRules(
        text_limit=500,
        max_hashtags=1,
        image=ImageRules(formats=("JPEG",), max_bytes=200_000, alt_text_limit=100),
    )
    post, notes = build_post(inputs, rules)
    assert post.text.startswith("Open house\n\nCome and see the new lathe.")
    assert "#MachineTools" in post.text and "#events" not in post.text  # capped at one
    assert post.link == (
        "https://example.com/open-house/?utm_source=mastodon&utm_medium=social"
        "&utm_campaign=crosspost"
    )
    assert post.link in post.text
    assert (post.title, post.language, post.idempotency_key) == ("Open house", "en", "key-1")
    [media] = post.media
    assert media.mime_type == "image/jpeg" and media.alt_text == "The lathe"
    assert media.filename == "lathe.jpg" and media.url == ""  # no store: nothing kept
    assert Image.open(io.BytesIO(media.content)).size == (media.width, media.height)
    assert notes == []


def test_the_editors_text_gets_the_link_and_a_long_text_is_shortened():
    inputs = PostInputs(platform="x", title="T", url="https://example.com/p/", message="Hi " * 200)
    post, _notes = build_post(inputs, PlatformRules(text_limit=280, counting="twitter"))
    assert post.text.endswith("https://example.com/p/") and "…" in post.text
    assert post.thread == ()


def test_an_image_that_cannot_fit_is_left_out_with_a_note():
    inputs = PostInputs(
        platform="mastodon",
        url="https://example.com/",
        image=ImageSource.from_bytes(b"not an image", title="Broken"),
    )
    post, notes = build_post(inputs, PlatformRules(text_limit=500))
    assert post.media == ()
    assert len(notes) == 1 and "Broken" in notes[0]


BLOCKER = """
import importlib.abc, sys
BLOCKED = ("django.db", "requests", "wagtail.models", "wagtail.images.models",
           "wagtail_crosspost.models", "wagtail_crosspost.outbox", "wagtail_crosspost.views")
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in BLOCKED):
            raise ImportError("compose imported " + name)
sys.meta_path.insert(0, Block())
import pkgutil, wagtail_crosspost.compose as compose
for module in pkgutil.iter_modules(compose.__path__):
    __import__("wagtail_crosspost.compose." + module.name)
print("ok")
"""


def test_compose_imports_no_database_no_http_and_no_outbox():
    done = subprocess.run(
        [sys.executable, "-c", BLOCKER], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.stdout.strip() == "ok", done.stderr
