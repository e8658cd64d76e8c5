"""Per-platform length counting: X's own conformance suite, hand-derived cases, properties."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from wagtail_crosspost.adapters import get_adapters, twitter_text
from wagtail_crosspost.adapters.base import PlatformRules
from wagtail_crosspost.compose.length import (
    count_graphemes,
    count_hashtags,
    count_links,
    counting_spec,
    escape_little,
    find_urls,
    fits,
    limit_for,
    measure,
    measure_bytes,
    overruns,
    utf8_span,
    utf16_len,
)

# -- X: twitter-text conformance -----------------------------------------------------------------

_BUNDLED = Path(__file__).resolve().parent / "conformance" / "twitter-text"
_SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "conformance"
CONFORMANCE_DIR = _BUNDLED if _BUNDLED.is_dir() else _SHARED / "twitter-text"
# The sections of the rules in force (config v3, emoji count 2): see the folder's README.md.
V3_SECTIONS = (
    "WeightedTweetsWithDiscountedEmojiCounterTest",
    "UnicodeDirectionalMarkerCounterTest",
)
V2_SECTION = "WeightedTweetsCounterTest"


def _load_suite() -> dict:
    # Fail loudly (at collection) rather than skip: the copy in this folder travels with the repo.
    with (CONFORMANCE_DIR / "validate.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["tests"]


SUITE = _load_suite()


def _cases(*sections: str) -> list:
    return [
        pytest.param(case["text"], case["expected"], id=f"{section}-{index}-{case['description']}")
        for section in sections
        for index, case in enumerate(SUITE[section])
    ]


def _as_expected(parsed: twitter_text.ParsedTweet) -> dict:
    return {
        "weightedLength": parsed.weighted_length,
        "valid": parsed.valid,
        "permillage": parsed.permillage,
        "displayRangeStart": parsed.display_range_start,
        "displayRangeEnd": parsed.display_range_end,
        "validRangeStart": parsed.valid_range_start,
        "validRangeEnd": parsed.valid_range_end,
    }


def test_the_v3_sections_are_there():
    assert [len(SUITE[section]) for section in V3_SECTIONS] == [22, 2]


def test_bundled_config_is_the_one_we_implement():
    bundled = json.loads((CONFORMANCE_DIR / "config-v3.json").read_text(encoding="utf-8"))
    assert bundled == twitter_text.CONFIG_V3


@pytest.mark.parametrize(("text", "expected"), _cases(*V3_SECTIONS))
def test_x_v3_conformance(text, expected):
    assert _as_expected(twitter_text.parse_tweet(text)) == expected
    assert measure(text, "x") == expected["weightedLength"]
    assert fits(text, "x") is (expected["weightedLength"] <= 280)


@pytest.mark.parametrize(("text", "expected"), _cases(V2_SECTION))
def test_x_v2_conformance_without_emoji_parsing(text, expected):
    # The older config differs only in emoji parsing: a cross-check of the range weights.
    config = {**twitter_text.CONFIG_V3, "version": 2, "emojiParsingEnabled": False}
    assert _as_expected(twitter_text.parse_tweet(text, config)) == expected


@pytest.mark.parametrize(
    "text", [pytest.param(case["text"], id=case["text"]) for case in SUITE["urls_without_protocol"]]
)
def test_x_finds_urls_without_protocol(text):
    assert find_urls(text, "x") == [(0, len(text), text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("©", 1),  # © and ® are plain text without VS16 ...
        ("©\ufe0f", 2),  # ... and one emoji with it
        ("☺\ufe0e", 4),  # text presentation: two weight-2 code points
        ("🇩🇪🇫🇷", 4),  # two flags
        ("#️⃣", 2),  # keycap with VS16
        ("🏳️‍🌈", 2),  # ZWJ sequence with VS16
        ("🧑🏽‍🤝‍🧑🏻", 2),  # ZWJ sequence with skin tones
        ("Ä", 1),  # NFC first: A + combining diaeresis
        ("Visit example.com/about now", 6 + 23 + 4),
        ("http://例え.jp/パス", 23 + 4),  # X paths are ASCII, Latin and Cyrillic only
        ("Mail me at joe.smith", 20),  # "smith" is no known TLD without a scheme
        ("http://" + "a" * 64 + ".com", 7 + 64 + 4),  # label too long: not a URL, counted in full
    ],
)
def test_x_hand_derived(text, expected):
    assert measure(text, "x") == expected


def test_x_url_weight_override():
    rules = PlatformRules(text_limit=4000, url_weight=30)
    assert measure("https://example.com", "x", rules=rules) == 30
    assert limit_for("x", rules=rules) == 4000


# -- Mastodon ------------------------------------------------------------------------------------

URL_100 = "https://example.com/" + "a" * 80


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("Hello", 5),
        ("👨‍👩‍👧‍👦", 1),  # ZWJ family: one grapheme
        ("🇩🇪", 1),  # flag: one grapheme
        ("👍🏽", 1),  # skin tone
        ("e\u0301", 1),  # combining mark
        ("ก\u0e34\u0e4a", 1),  # Thai consonant + vowel + tone mark
        ("中文", 2),
        (URL_100, 23),
        (f"Read {URL_100} now", 5 + 23 + 4),
        (f"{URL_100} {URL_100}", 23 + 1 + 23),
        ("gemini://example.com/x", 23),  # a scheme Mastodon links too
        ("example.com", 11),  # no scheme: not a link on Mastodon
        ("Hi @alice@example.social!", 10),  # remote mention counts as @alice
        ("Hi @alice!", 10),
        ("mail alice@example.com", 22),  # an e-mail address is no mention
        ("https://example.com/@alice@example.social", 23),  # inside a URL: no mention
    ],
)
def test_mastodon(text, expected):
    assert measure(text, "mastodon") == expected


def test_mastodon_limit_and_server_rules():
    assert limit_for("mastodon") == 500
    assert fits("a" * 500, "mastodon") and not fits("a" * 501, "mastodon")
    assert fits("a" * 476 + " " + URL_100, "mastodon")
    assert not fits("a" * 477 + " " + URL_100, "mastodon")
    assert measure("a" + URL_100, "mastodon") == 101  # glued to a word: not a link
    server = PlatformRules(text_limit=5000, url_weight=30, counting="mastodon")
    assert measure(URL_100, "mastodon", rules=server) == 30
    assert fits("a" * 4000, "mastodon", rules=server)


# -- Bluesky -------------------------------------------------------------------------------------


def test_bluesky_counts_graphemes_and_urls_in_full():
    assert measure("👨‍👩‍👧‍👦🇩🇪e\u0301", "bluesky") == 3
    assert measure(URL_100, "bluesky") == 100
    assert limit_for("bluesky") == 300


def test_bluesky_checks_bytes_too():
    cjk = "中" * 1001
    assert measure(cjk, "bluesky") == 1001
    assert measure_bytes(cjk) == 3003
    assert overruns(cjk, "bluesky") == ["length", "bytes"]
    # A ZWJ family is 1 grapheme but 25 UTF-8 bytes: 121 of them fit 300 graphemes, not 3000 bytes
    family = "👨‍👩‍👧‍👦" * 121
    assert measure(family, "bluesky") == 121
    assert overruns(family, "bluesky") == ["bytes"]
    assert fits("中" * 300, "bluesky") and not fits("中" * 301, "bluesky")


def test_utf8_span_for_facets():
    text = "Grüße 👋 https://example.com/ö"
    [(start, end, url)] = find_urls(text, "bluesky")
    byte_start, byte_end = utf8_span(text, start, end)
    assert text.encode()[byte_start:byte_end].decode() == url == "https://example.com/ö"
    assert (byte_start, byte_end) == (13, 35)  # ü ß: 2 bytes, 👋: 4 bytes


# -- LinkedIn, Instagram, Threads, Telegram, Facebook, the rest ---------------------------------


def test_linkedin_counts_the_escaped_text():
    assert (
        escape_little(r"a(b)[c]{d}<e>@f#g*h_i~j|k\l")
        == r"a\(b\)\[c\]\{d\}\<e\>\@f\#g\*h\_i\~j\|k\\l"
    )
    assert measure("(1)", "linkedin") == 5
    assert fits("a" * 3000, "linkedin") and not fits("a" * 2999 + "#", "linkedin")


def test_instagram_hashtags():
    assert count_hashtags("#one #two #123 https://example.com/#frag &#39; x#y #über") == 3
    tags = " ".join(f"#tag{i}" for i in range(30))
    assert fits(tags, "instagram")
    assert overruns(tags + " #more", "instagram") == ["hashtags"]
    assert limit_for("instagram") == 2200


def test_threads_links():
    five = " ".join(f"https://example.com/{i}" for i in range(5))
    assert count_links(five + " https://example.com/0") == 5  # distinct links
    assert fits(five, "threads")
    assert overruns(five + " example.org/x", "threads") == ["links"]


def test_telegram_message_and_caption():
    assert limit_for("telegram") == 4096 and limit_for("telegram", caption=True) == 1024
    assert measure("😀", "telegram") == 2  # UTF-16, never undercounts
    assert fits("a" * 1024, "telegram", caption=True)
    assert not fits("a" * 1025, "telegram", caption=True)
    assert fits("a" * 1025, "telegram")


def test_other_platforms():
    assert limit_for("facebook") == 63_206
    for key in ("webhook", "console", "locmem", "some-third-party"):
        assert measure("👨‍👩‍👧‍👦 e\u0301", key) == 3
    custom = PlatformRules(text_limit=10, counting="utf16")
    assert measure("😀", "some-third-party", rules=custom) == 2
    assert limit_for("some-third-party", rules=custom) == 10


def test_the_examples_in_the_docs():
    text = "Neu: https://example.com/news/2026/maschine-x 🚀"
    assert (measure(text, "x"), measure(text, "bluesky"), measure(text, "mastodon")) == (31, 47, 30)


@pytest.mark.parametrize(
    "text",
    ["a." * 5000, "日" * 30000 + ".", "日." * 10000, "https://" + "a-" * 3000, "x" + ".a" * 5000],
    ids=["dots", "cjk-run", "cjk-dots", "hyphens", "labels"],
)
def test_pathological_text_is_counted_in_linear_time(text):
    # The URL regex once backtracked quadratically: "a." * 5000 took minutes.
    started = time.perf_counter()
    for platform in ("x", "mastodon", "threads"):
        assert measure(text, platform) >= len(text) // 2
    assert time.perf_counter() - started < 10


# Every built-in platform, by the key its adapter registers (the adapters' rules are the table).
ALL = ["bluesky", "console", "facebook", "instagram", "linkedin", "locmem", "mastodon", "telegram",
       "threads", "webhook", "x"]  # fmt: skip


def test_counting_spec_is_json_for_every_platform():
    assert sorted(get_adapters()) == ALL
    for platform in ALL:
        spec = json.loads(json.dumps(counting_spec(platform)))
        assert spec["limit"] == limit_for(platform)
    assert counting_spec("x")["ranges"][0] == {"start": 0, "end": 4351, "weight": 100}
    assert counting_spec("bluesky")["byte_limit"] == 3000


# -- properties ----------------------------------------------------------------------------------

PIECES = st.sampled_from(
    [
        "a", "Z", "7", " ", "\n", "\t", "\x00", "\x1b", ".", "#", "@", "/", ":",
        "e\u0301", "\u0301", "\u200d", "\ufe0f", "中", "日本", "한", "مرحبا", "שלום", "ع\u064e",
        "😀", "👍🏽", "👨‍👩‍👧‍👦", "🇩🇪", "🏴󠁧󠁢󠁥󠁮󠁧󠁿", "1️⃣", "©", "\U0001fae0",
        "https://example.com/path?q=1", "example.org", "@alice@example.social",
    ]
)  # fmt: skip
TEXTS = st.lists(PIECES | st.text(max_size=5), max_size=25).map("".join)
# Modest by default; CROSSPOST_HYPOTHESIS_EXAMPLES=2000 for a deeper local run.
PROPS = settings(
    max_examples=int(os.environ.get("CROSSPOST_HYPOTHESIS_EXAMPLES", "60")), deadline=None
)


@PROPS
@given(TEXTS, st.sampled_from(ALL))
def test_measure_is_never_negative_and_zero_only_when_empty(text, platform):
    length = measure(text, platform)
    assert length >= 0
    assert (length == 0) == (text == "")


@PROPS
@given(TEXTS, st.sampled_from(["😀", "中", "a", "🇩🇪", "👨‍👩‍👧‍👦"]), st.sampled_from(ALL))
def test_appending_a_grapheme_after_a_space_never_shortens(text, grapheme, platform):
    assert measure(text + " " + grapheme, platform) > measure(text, platform)


@PROPS
@given(TEXTS)
def test_graphemes_never_exceed_code_points_or_utf16(text):
    assert count_graphemes(text) <= len(text) <= utf16_len(text) <= measure_bytes(text)


@PROPS
@given(TEXTS, st.sampled_from(["https://example.com/a/b?c=d", URL_100, "http://例え.jp/path"]))
def test_a_url_costs_23_on_mastodon_and_x(text, url):
    text = text.rstrip()
    assert measure(f"{text} {url}", "mastodon") == measure(text, "mastodon") + 1 + 23
    expected_x = twitter_text.parse_tweet(text).weighted_length + 1 + 23
    assert measure(f"{text}\n{url}", "x") == expected_x


@PROPS
@given(TEXTS, st.sampled_from(["https://example.com/a", URL_100]))
def test_a_url_costs_its_length_on_bluesky(text, url):
    assert measure(f"{text} {url}", "bluesky") == count_graphemes(text + " ") + len(url)


@PROPS
@given(TEXTS)
def test_url_spans_point_at_the_urls(text):
    for platform in ("mastodon", "x"):
        for start, end, url in find_urls(text, platform):
            assert text[start:end] == url
            byte_start, byte_end = utf8_span(text, start, end)
            assert text.encode()[byte_start:byte_end] == url.encode()


@PROPS
@given(TEXTS)
def test_escaping_for_linkedin_only_adds_backslashes(text):
    escaped = escape_little(text)
    assert escaped.replace("\\", "") == text.replace("\\", "")
    assert measure(text, "linkedin") >= utf16_len(text)
