"""The link-card check on real HTTP (a page server on 127.0.0.1, through the outbound gate):
missing, relative and oversized tags, each platform's image rules, and hostile page servers."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from wagtail_crosspost.linkcards import fetch as fetching
from wagtail_crosspost.linkcards.check import check_html
from wagtail_crosspost.linkcards.meta import card_tags
from wagtail_crosspost.testing.fakeserver import FakeServer, Response

PLATFORMS = ["mastodon", "x", "bluesky", "linkedin", "instagram", "webhook"]


def image_bytes(width: int, height: int, fmt: str = "PNG", padding: int = 0) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, fmt)
    if fmt == "PNG" and padding:
        # A PNG may carry any ancillary chunk: the file grows, the picture does not.
        data = buffer.getvalue()
        import struct
        import zlib

        chunk = b"zzZz" + b"\0" * padding
        extra = struct.pack(">I", padding) + chunk + struct.pack(">I", zlib.crc32(chunk))
        return data[:-12] + extra + data[-12:]
    return buffer.getvalue()


def page(*tags: str) -> str:
    return "<!doctype html><html><head>" + "".join(tags) + "</head><body>x</body></html>"


GOOD_TAGS = (
    '<meta property="og:title" content="Open house">',
    '<meta property="og:description" content="Visit our factory.">',
    '<meta name="twitter:card" content="summary_large_image">',
)


@pytest.fixture
def server():
    with FakeServer() as running:
        yield running


def serve_image(server: FakeServer, data: bytes, content_type: str = "image/png") -> str:
    server.add_route(
        "GET", r"/card\.img", lambda request: Response(200, data, {"Content-Type": content_type})
    )
    return server.url_for("/card.img")


def entry(report, platform):
    return next(p for p in report.platforms if p["platform"] == platform)


def test_a_complete_card_has_no_warnings(server):
    image = serve_image(server, image_bytes(1200, 630))
    html = page(*GOOD_TAGS, f'<meta property="og:image" content="{image}">')
    report = check_html(html, "https://www.example.com/open-house/", PLATFORMS)
    assert report.warnings == []
    assert all(p["warnings"] == [] for p in report.platforms)
    assert report.card == {
        "title": "Open house",
        "description": "Visit our factory.",
        "image": image,
        "domain": "www.example.com",
        "fediverse_creator": "",
    }


def test_missing_tags_each_get_their_fix():
    report = check_html(page(), "https://www.example.com/a/", PLATFORMS)
    assert report.warnings == [
        'og:title is missing — add <meta property="og:title" content="…"> with the page\'s title.',
        'og:description is missing — add <meta property="og:description" content="…"> with a '
        "one- or two-sentence summary.",
        'og:image is missing — add <meta property="og:image" content="https://…"> so the card '
        "shows a picture.",
    ]
    assert entry(report, "x")["warnings"] == [
        'twitter:card is missing — add <meta name="twitter:card" content="summary_large_image"> '
        "so X shows a large card."
    ]
    assert entry(report, "mastodon")["warnings"] == []  # Mastodon reads OpenGraph only


def test_a_relative_image_is_named_and_never_fetched(server):
    report = check_html(
        page(*GOOD_TAGS, '<meta property="og:image" content="/media/card.png">'),
        "https://www.example.com/a/",
        PLATFORMS,
    )
    assert report.warnings == ["og:image is relative — set it to an absolute URL (https://…)."]
    assert report.card["image"] == ""
    assert server.requests == []


@pytest.mark.parametrize(
    "value", ["javascript:alert(1)", "data:image/png;base64,AAAA", "ftp://x.example/a.png"]
)
def test_an_image_that_is_no_web_address_is_refused(value):
    report = check_html(
        page(*GOOD_TAGS, f'<meta property="og:image" content="{value}">'), "https://e.example/", []
    )
    assert report.warnings == [
        "og:image is not a web address — set it to an absolute https:// URL."
    ]
    assert report.card["image"] == ""


def test_an_oversized_image_warns_per_platform_with_the_numbers_of_the_rules(server):
    image = serve_image(server, image_bytes(5000, 400, padding=1_200_000))
    report = check_html(
        page(*GOOD_TAGS, f'<meta property="og:image" content="{image}">'),
        "https://www.example.com/a/",
        PLATFORMS,
    )
    assert report.warnings == []
    x = entry(report, "x")["warnings"]
    assert x == ["og:image is 5000×400 pixels, too large for X — use an image of about 1200×630."]
    # Bluesky and LinkedIn do not read the page: we send their card, so only a note.
    assert entry(report, "bluesky")["warnings"] == []
    assert "does not read the page" in entry(report, "bluesky")["notes"][0]
    assert entry(report, "mastodon")["warnings"] == []
    assert entry(report, "instagram")["notes"] == ["Instagram shows no link cards."]


def test_an_image_in_a_format_the_platform_does_not_show(server):
    image = serve_image(server, image_bytes(1200, 630, fmt="BMP"), "image/bmp")
    report = check_html(
        page(*GOOD_TAGS, f'<meta property="og:image" content="{image}">'),
        "https://e.example/",
        ["x"],
    )
    assert entry(report, "x")["warnings"] == [
        "og:image is BMP, which X does not show (it takes GIF, JPEG, PNG, WEBP) — save it as "
        "JPEG or PNG."
    ]


def test_an_image_over_the_byte_limit_is_measured(server, monkeypatch):
    from wagtail_crosspost.linkcards import rules

    monkeypatch.setitem(rules.RULES, "x", rules.CardRules(label="X", max_bytes=100_000))
    image = serve_image(server, image_bytes(100, 100, padding=150_000))
    report = check_html(
        page(*GOOD_TAGS, f'<meta property="og:image" content="{image}">'),
        "https://e.example/",
        ["x"],
    )
    (warning,) = entry(report, "x")["warnings"]
    assert warning.startswith("og:image is 0.2 MB; X takes at most 0.1 MB")


def test_an_image_larger_than_the_cap_is_not_read_to_the_end(server, monkeypatch):
    monkeypatch.setattr(fetching, "IMAGE_MAX_BYTES", 50_000)
    image = serve_image(server, image_bytes(100, 100, padding=80_000))
    report = check_html(
        page(*GOOD_TAGS, f'<meta property="og:image" content="{image}">'),
        "https://e.example/",
        ["x"],
    )
    assert report.warnings == [
        f"The og:image could not be checked: {image} is larger than 0.05 MB; it was not read to "
        "the end."
    ]


def test_something_that_is_not_an_image(server):
    image = serve_image(server, b"<html>login</html>", "text/html")
    report = check_html(
        page(*GOOD_TAGS, f'<meta property="og:image" content="{image}">'),
        "https://e.example/",
        ["x"],
    )
    assert report.warnings == [
        "og:image is not an image that can be read (text/html) — point it to a JPEG or PNG."
    ]


# -- hostile page servers ----------------------------------------------------------------------


def test_a_huge_page_is_cut_at_the_cap(server):
    server.add_route(
        "GET",
        r"/huge",
        lambda r: Response(200, b"<html>" + b" " * 2_000_000, {"Content-Type": "text/html"}),
    )
    with pytest.raises(fetching.FetchProblem, match="is larger than 1 MB"):
        fetching.fetch(
            server.url_for("/huge"), max_bytes=fetching.PAGE_MAX_BYTES, accept="text/html"
        )


def test_a_slow_page_is_cut_at_the_deadline(server, monkeypatch):
    monkeypatch.setattr(fetching, "DEADLINE_SECONDS", 0.5)
    server.add_route(
        "GET",
        r"/slow",
        lambda r: Response(200, b"<html>" + b" " * 200, {"Content-Type": "text/html"}),
    )
    server.drip(0.05, path="/slow")
    with pytest.raises(fetching.FetchProblem, match="did not answer in full within 0.5 seconds"):
        fetching.fetch(server.url_for("/slow"), max_bytes=1000, accept="text/html")


def test_a_same_site_redirect_is_followed_and_checked_again(server):
    server.add_route("GET", r"/old", lambda r: Response(301, b"", {"Location": "/new"}))
    server.add_route(
        "GET",
        r"/new",
        lambda r: Response(200, page(*GOOD_TAGS).encode(), {"Content-Type": "text/html"}),
    )
    fetched = fetching.fetch(server.url_for("/old"), max_bytes=1000, accept="text/html")
    assert fetched.url == server.url_for("/new")
    assert card_tags(fetched.content.decode())["og:title"] == "Open house"


def test_a_redirect_to_another_site_is_not_followed(server):
    server.add_route(
        "GET",
        r"/away",
        lambda r: Response(302, b"", {"Location": "http://169.254.169.254/latest/"}),
    )
    with pytest.raises(fetching.FetchProblem, match="redirects to another site"):
        fetching.fetch(server.url_for("/away"), max_bytes=1000, accept="text/html")
    assert [r.path for r in server.requests] == ["/away"]


def test_a_redirect_loop_ends(server):
    server.add_route("GET", r"/loop", lambda r: Response(302, b"", {"Location": "/loop"}))
    with pytest.raises(fetching.FetchProblem, match="redirects more than 3 times"):
        fetching.fetch(server.url_for("/loop"), max_bytes=1000, accept="text/html")
    assert len(server.requests) == 4


def test_a_private_address_is_refused_without_the_setting(server, settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    with pytest.raises(fetching.FetchProblem):
        fetching.fetch(server.url_for("/x"), max_bytes=1000, accept="text/html")
    assert server.requests == []


def test_only_the_head_counts_and_the_first_value_wins():
    tags = card_tags(
        '<html><head><meta property="og:title" content="First">'
        '<meta property="og:title" content="Second"></head>'
        '<body><meta property="og:image" content="https://evil.example/x.png"></body></html>'
    )
    assert tags == {"og:title": "First"}


def test_a_caller_may_lower_the_gates_cap_but_never_raise_it(server, monkeypatch):
    from wagtail_crosspost.adapters import gate

    server.add_route("GET", r"/big", lambda r: Response(200, b"x" * 3000, {}))
    lowered = gate.guarded_session(max_bytes=1000)
    with pytest.raises(gate.AnswerTooLarge):
        lowered.get(server.url_for("/big"))
    monkeypatch.setattr(gate, "MAX_ANSWER_BYTES", 2000)
    raised = gate.guarded_session(max_bytes=10_000_000)
    with pytest.raises(gate.AnswerTooLarge):
        raised.get(server.url_for("/big"))
    monkeypatch.setattr(gate, "MAX_ANSWER_BYTES", 5000)
    assert len(gate.guarded_session().get(server.url_for("/big")).content) == 3000
