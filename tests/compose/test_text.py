"""fit_text: the template, filled and shortened so every limit of the platform holds."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wagtail_crosspost.adapters.base import PlatformRules
from wagtail_crosspost.compose.length import fits, measure
from wagtail_crosspost.compose.text import DEFAULT_TEMPLATE, Parts, fit_text, hashtags, plain_text

URL = "https://www.example.com/news/a-rather-long-article-slug-about-machines/"
BLUESKY = PlatformRules(text_limit=300, counting="bluesky", byte_limit=3000)


def test_short_text_is_left_alone():
    parts = Parts(title="Open day", intro="Come along.", url=URL)
    assert fit_text(DEFAULT_TEMPLATE, parts, "mastodon", 500) == f"Open day\n\nCome along.\n\n{URL}"


def test_long_intro_is_cut_at_a_word_and_keeps_the_link():
    parts = Parts(title="Title", intro="word " * 200, url=URL)
    text = fit_text(DEFAULT_TEMPLATE, parts, "mastodon", 100)
    assert measure(text, "mastodon") <= 100
    assert text.endswith(URL) and "…" in text and "wor…" not in text


def test_bluesky_byte_limit_is_respected_for_emoji_heavy_text():
    # 290 graphemes but 4 bytes each: fits the grapheme limit, not the 3000-byte limit.
    parts = Parts(title="Emoji", intro="🦀" * 800, url=URL)
    text = fit_text(DEFAULT_TEMPLATE, parts, "bluesky", 300, rules=BLUESKY)
    assert fits(text, "bluesky", rules=BLUESKY)
    assert URL in text


def test_hashtags_are_dropped_before_the_intro_is_cut():
    tags = hashtags(["Machines", "CNC milling", "Stuttgart", "machines"])
    assert tags == "#Machines #CNCMilling #Stuttgart"
    parts = Parts(title="T", intro="Short intro.", url=URL, hashtags=tags)
    text = fit_text(DEFAULT_TEMPLATE, parts, "mastodon", len("T\n\nShort intro.\n\n") + 23 + 12)
    assert "Short intro." in text and "#Machines" in text and "#Stuttgart" not in text


def test_plain_text_from_rich_text():
    assert plain_text("<p>One &amp; two</p><p>Three<br/>four</p>") == "One & two\nThree\nfour"


def test_editor_braces_stay_literal():
    parts = Parts(title="T", url=URL)
    assert fit_text("Price {EUR} {title} {url}", parts, "mastodon", 500) == f"Price {{EUR}} T {URL}"


GRAPHEMES = st.sampled_from(
    ["a", "ß", "é", "e\u0301", "👩‍👩‍👧‍👦", "🇩🇪", "👍🏽", "漢", "ع", "ש", " ", "\n", "#tag", URL]
)


@settings(max_examples=60, deadline=None)
@given(
    title=st.lists(GRAPHEMES, max_size=60).map("".join),
    intro=st.lists(GRAPHEMES, max_size=400).map("".join),
    platform=st.sampled_from(["mastodon", "bluesky", "x", "threads", "linkedin", "telegram"]),
)
def test_fitted_text_always_fits_and_keeps_the_link(title, intro, platform):
    rules = {
        "mastodon": PlatformRules(text_limit=500, counting="mastodon", url_weight=23),
        "bluesky": BLUESKY,
        "x": PlatformRules(text_limit=280, counting="x", url_weight=23),
        "threads": PlatformRules(text_limit=500, max_links=5),
        "linkedin": PlatformRules(text_limit=3000),
        "telegram": PlatformRules(text_limit=4096),
    }[platform]
    parts = Parts(title=title, intro=intro, url=URL)
    text = fit_text(DEFAULT_TEMPLATE, parts, platform, rules.text_limit, rules=rules)
    assert measure(text, platform, rules=rules) <= rules.text_limit
    assert URL in text
    # No grapheme cluster was cut in half: every cluster of the result occurs in the input.
    import regex

    source = set(regex.findall(r"\X", title + intro + URL + "\n…"))
    assert set(regex.findall(r"\X", text)) <= source | {"…"}


@pytest.mark.parametrize("limit", [30, 60, 120])
def test_title_is_cut_when_the_intro_is_gone(limit):
    parts = Parts(title="A very long title " * 10, intro="", url=URL)
    text = fit_text(DEFAULT_TEMPLATE, parts, "mastodon", limit)
    assert measure(text, "mastodon") <= limit and text.endswith(URL)


def test_utm_parameters_only_when_the_channel_asks():
    from wagtail_crosspost.compose.post import with_utm

    url = "https://www.example.com/news/open-day/?ref=home"
    assert with_utm(url, "mastodon", {}) == url
    tagged = with_utm(url, "mastodon", {"utm": True, "utm_campaign": "spring"})
    assert tagged == (
        "https://www.example.com/news/open-day/?ref=home"
        "&utm_source=mastodon&utm_medium=social&utm_campaign=spring"
    )
    # The site's own values are kept.
    assert "utm_source=newsletter" in with_utm(url + "&utm_source=newsletter", "x", {"utm": True})


def test_an_over_long_custom_text_is_cut_not_dropped():
    message = "Our own words about the open day. " * 40 + "{url}"
    text = fit_text(message, Parts(title="T", url=URL), "mastodon", 200)
    assert text.startswith("Our own words about the open day.")
    assert text.endswith(URL) and "…" in text
    assert measure(text, "mastodon") <= 200
