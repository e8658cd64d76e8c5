"""Counting the way each Mastodon-compatible server counts (issue 11, point 2).

Cases M1-M10 are Mastodon's own ``spec/validators/status_length_validator_spec.rb`` (limit 500);
the Pleroma case is ``test/pleroma/web/common_api_test.exs`` (limit 5); the other servers have no
length tests, so their columns are derived from their validators. The table and the sources are
in dev-notes/fediverse-research.md §4 and docs/how-to/mastodon.md ("Tested servers").
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wagtail_crosspost.adapters.mastodon.rules import rules_from_instance
from wagtail_crosspost.adapters.mastodon.software import SOFTWARE, STRICTEST
from wagtail_crosspost.compose.length import fits, measure


def rules(software: str, limit: int = 500):
    chosen = STRICTEST if software == "unknown" else SOFTWARE[software]
    return rules_from_instance({"max_toot_chars": limit}, chosen)


def count(text: str, software: str, limit: int = 500) -> int:
    return measure(text, "mastodon", rules=rules(software, limit))


URL_M4 = "a" * 476 + " " + "http://" + "b" * 30 + ".com/example"
MENTION_M7 = "a" * 475 + " @alice@" + "b" * 30 + ".com"
FLAG = "\U0001f3f3\ufe0f\u200d\u26a7\ufe0f"  # 🏳️‍⚧️: 5 code points, 6 UTF-16 units
THUMB = "\U0001f44d\U0001f3fd"  # 👍🏽: 1 grapheme, 2 code points


@pytest.mark.parametrize(
    ("text", "expected", "ok"),
    [
        ("a" * 520, 520, False),  # M2
        (URL_M4, 500, True),  # M4: an auto-linkable URL counts 23
        (URL_M4.replace(" http", "http"), None, False),  # M5: stuck to a word: in full
        ("http://example.com/valid?" + "#foo?" * 1000, None, False),  # M6
        (MENTION_M7, 482, True),  # M7: @alice@domain counts as @alice
        ("@alice@" + "b" * 500 + ".com", None, False),  # M8: an over-long domain counts
        ("\u2728" * 500, 500, True),  # M9
        (FLAG * 500, 500, True),  # M10: a ZWJ sequence is one grapheme
    ],
)
def test_mastodon_cases_from_its_own_spec(text, expected, ok):
    if expected is not None:
        assert count(text, "mastodon") == expected
    assert fits(text, "mastodon", rules=rules("mastodon")) is ok


@pytest.mark.parametrize("software", ["glitch", "hometown"])
def test_mastodon_forks_count_as_mastodon(software):
    assert count(URL_M4, software) == 500 and count(MENTION_M7, software) == 482


@pytest.mark.parametrize(
    ("text", "gotosocial", "pleroma", "utf16"),
    [
        (URL_M4, 526, 526, 526),
        (MENTION_M7, 517, 517, 517),
        ("\u2728" * 500, 500, 500, 500),
        (FLAG * 500, 2500, 500, 3000),
        (THUMB, 2, 1, 4),
        ("@alice@example.com", 18, 18, 18),
    ],
)
def test_the_other_servers_derived_from_their_validators(text, gotosocial, pleroma, utf16):
    assert count(text, "gotosocial") == gotosocial  # len([]rune(status))
    assert count(text, "pleroma") == count(text, "akkoma") == pleroma  # String.length
    assert count(text, "sharkey") == count(text, "iceshrimp.net") == utf16  # JS/C# .length


def test_pleroma_allows_the_limit_itself():
    # common_api_test.exs: limit 5, "12345" ok, "foobar" refused.
    assert fits("12345", "mastodon", rules=rules("pleroma", 5))
    assert not fits("foobar", "mastodon", rules=rules("pleroma", 5))


def test_snac_has_no_check_and_a_very_large_limit():
    assert count(THUMB * 10, "snac", 100_000) == 10
    assert rules("snac", 100_000).text_limit == 100_000


def test_issue_11_field_numbers_under_the_gotosocial_rule():
    url = "https://www.example-maschinenbau.de/aktuelles/2026/neue-drehmaschine-fuer-die-werkstatt/"
    text = "x" * 4970 + " " + url
    assert count(text, "mastodon", 5000) == 4970 + 1 + 23  # "4994 / 5000" for Mastodon
    assert count(text, "gotosocial", 5000) > 5000  # GoToSocial refused it
    assert not fits(text, "mastodon", rules=rules("gotosocial", 5000))


def test_unknown_software_takes_the_largest_count():
    assert count(FLAG * 10, "unknown") == 60  # UTF-16, larger than any other here
    assert count("see http://a.io", "unknown") == 4 + 23  # a short URL as Mastodon's 23


TEXTS = st.lists(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from([" http://example.com/a ", " @alice@example.com ", FLAG, THUMB, "\n"]),
    ),
    max_size=40,
).map("".join)


@given(TEXTS)
def test_the_strictest_rule_is_never_below_any_rule(text):
    strictest = count(text, "unknown")
    for software in SOFTWARE:
        assert strictest >= count(text, software), software


@given(TEXTS)
def test_units_order_graphemes_codepoints_utf16(text):
    assert count(text, "pleroma") <= count(text, "gotosocial") == len(text)
    assert count(text, "gotosocial") <= count(text, "sharkey")


@given(TEXTS, st.integers(min_value=1, max_value=200))
def test_fits_agrees_with_the_count(text, limit):
    for software in ("gotosocial", "pleroma", "sharkey", "mastodon", "unknown"):
        assert fits(text, "mastodon", rules=rules(software, limit)) == (
            count(text, software, limit) <= limit
        )
