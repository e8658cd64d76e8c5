"""compose.thread: a text too long for one post, as numbered parts that each fit."""

import re

import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from wagtail_crosspost.adapters.base import PlatformRules
from wagtail_crosspost.compose.length import find_urls, fits, measure
from wagtail_crosspost.compose.text import DEFAULT_TEMPLATE, Parts, fit_text, render
from wagtail_crosspost.compose.thread import compose, split_thread

URL = "https://www.example.com/news/a-rather-long-article-slug-about-machines/"
LIMITS = {"mastodon": 500, "bluesky": 300, "x": 280}
MARKER = re.compile(r" ?(\d+)/(\d+)$")


def sentences(n: int, word: str = "lathe") -> str:
    return " ".join(f"Sentence {i} says the {word} is quick and quiet." for i in range(n))


def bodies(parts: list[str]) -> list[str]:
    """The parts without their numbers, checking the numbers on the way."""
    out = []
    for index, part in enumerate(parts, start=1):
        match = MARKER.search(part)
        assert match, part
        assert (int(match[1]), int(match[2])) == (index, len(parts))
        out.append(part[: match.start()])
    return out


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def fits_platform(text: str, platform: str, limit: int) -> bool:
    return measure(text, platform) <= limit and fits(text, platform)


# -- examples ------------------------------------------------------------------------------------


def test_a_text_that_fits_is_one_post():
    parts = Parts(title="Open day", intro="Come along.", url=URL)
    assert compose(DEFAULT_TEMPLATE, parts, "mastodon", 500, max_parts=4) == (
        f"Open day\n\nCome along.\n\n{URL}",
        (),
    )


def test_without_threads_the_text_is_shortened_as_before():
    parts = Parts(title="Lathe", intro=sentences(40), url=URL, hashtags="#Lathe")
    text, replies = compose(DEFAULT_TEMPLATE, parts, "mastodon", 500)  # max_parts=1
    assert replies == ()
    assert text == fit_text(DEFAULT_TEMPLATE, parts, "mastodon", 500)


def test_the_link_goes_up_into_the_first_post_and_every_post_is_numbered():
    parts = Parts(title="Lathe", intro=sentences(20), url=URL, hashtags="#Lathe #Workshop")
    text, replies = compose(DEFAULT_TEMPLATE, parts, "x", 280, max_parts=6)
    posts = [text, *replies]
    assert len(posts) > 2
    assert URL in text and text.endswith(f"{URL} 1/{len(posts)}")
    assert all(URL not in reply for reply in replies)
    assert all(fits_platform(post, "x", 280) for post in posts)
    assert [MARKER.search(p)[0].strip() for p in posts] == [
        f"{i}/{len(posts)}" for i in range(1, len(posts) + 1)
    ]
    # Nothing lost: the hashtags close the last post, every sentence is somewhere.
    assert replies[-1].endswith(f"#Lathe #Workshop {len(posts)}/{len(posts)}")
    assert squeeze("".join(bodies(posts))).replace(URL, "") == squeeze(
        render(DEFAULT_TEMPLATE, parts)
    ).replace(URL, "")


def test_a_link_that_comes_early_stays_where_it_is():
    template = "{title}: read {url}\n\n{intro}"
    parts = Parts(title="Lathe", intro=sentences(20), url=URL)
    text, replies = compose(template, parts, "mastodon", 500, max_parts=4)
    assert replies and text.startswith(f"Lathe: read {URL}\n\nSentence 0")


def test_posts_end_at_sentences_and_paragraphs_not_mid_sentence():
    intro = "\n\n".join(sentences(3, word) for word in ("lathe", "mill", "press", "drill"))
    parts = Parts(title="Workshop", intro=intro, url=URL)
    text, replies = compose(DEFAULT_TEMPLATE, parts, "bluesky", 300, max_parts=8)
    for body in bodies([text, *replies]):
        assert body.rstrip().removesuffix(URL).rstrip().endswith("."), body


def test_beyond_the_most_posts_the_last_one_is_shortened_with_an_ellipsis():
    parts = Parts(title="Lathe", intro=sentences(60), url=URL, hashtags="#Lathe")
    text, replies = compose(DEFAULT_TEMPLATE, parts, "bluesky", 300, max_parts=3)
    assert len(replies) == 2
    assert replies[-1].endswith("… 3/3")
    assert "#Lathe" not in replies[-1]
    assert all(fits_platform(post, "bluesky", 300) for post in (text, *replies))


def test_mastodon_counts_the_link_as_23_in_every_post():
    long_url = "https://example.com/" + "x" * 400
    parts = Parts(title="Lathe", intro=sentences(25), url=long_url)
    text, replies = compose(DEFAULT_TEMPLATE, parts, "mastodon", 500, max_parts=4)
    assert long_url in text and replies
    assert measure(text, "mastodon") <= 500 < len(text)


def test_a_word_longer_than_a_post_is_divided_between_graphemes():
    word = "👨‍👩‍👧" * 200 + "e\u0301" * 200  # families and e + combining accent
    parts = Parts(title="Emoji", intro=word, url=URL)
    text, replies = compose(DEFAULT_TEMPLATE, parts, "bluesky", 300, max_parts=10)
    posts = [text, *replies]
    assert len(posts) > 2
    allowed = set(regex.findall(r"\X", render(DEFAULT_TEMPLATE, parts))) | set(" /…0123456789\n")
    for post in posts:
        assert fits_platform(post, "bluesky", 300)
        assert set(regex.findall(r"\X", post)) <= allowed, post


def test_a_link_longer_than_a_post_falls_back_to_shortening():
    huge = "https://example.com/" + "a" * 400  # Bluesky counts links in full
    parts = Parts(title="Lathe", intro=f"See {huge} " + sentences(10), url=URL)
    text, replies = compose(DEFAULT_TEMPLATE, parts, "bluesky", 300, max_parts=4)
    assert replies == ()
    assert text == fit_text(DEFAULT_TEMPLATE, parts, "bluesky", 300)
    assert split_thread(render(DEFAULT_TEMPLATE, parts), URL, "bluesky", 300) is None


def test_a_channel_limit_from_rules_is_used():
    rules = PlatformRules(text_limit=120, counting="mastodon", url_weight=23)
    parts = Parts(title="Lathe", intro=sentences(6), url=URL)
    text, replies = compose(DEFAULT_TEMPLATE, parts, "mastodon", 120, rules=rules, max_parts=9)
    assert replies
    assert all(measure(p, "mastodon", rules=rules) <= 120 for p in (text, *replies))


# -- properties ----------------------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "Maschine",
        "lathe.",
        "quick,",
        "Drehbank!",
        "日本語の記事",
        "👨‍👩‍👧",
        "🇩🇪",
        "café",
        "e\u0301te\u0301",
        "#Werkstatt",
        "#日本",
        "@alice@example.social",
        "https://example.com/a/b?c=d#frag",
        "https://example.org/über",
        "example.com",
        "(see https://example.net/x).",
        "word" * 12,
    ]
)
SEPARATORS = st.sampled_from([" ", " ", " ", "\n", "\n\n", ". "])


@st.composite
def long_texts(draw) -> Parts:
    words = draw(st.lists(st.tuples(WORDS, SEPARATORS), min_size=20, max_size=140))
    intro = "".join(word + sep for word, sep in words).strip()
    tags = draw(st.sampled_from(["", "#Lathe", "#Lathe #CNCMilling #Stuttgart"]))
    return Parts(title=draw(st.sampled_from(["New lathe", "Neue Drehbank 🚀"])), intro=intro,
                 url=URL, hashtags=tags)  # fmt: skip


# Found by hypothesis: the last, shortened part ended with a link, and "…" glued to it became
# part of the URL ("https://example.org/über…").
GLUED_ELLIPSIS = Parts(
    title="New lathe",
    intro="Maschine " * 9
    + "\n"
    + "Maschine " * 10
    + ("w" * 48 + " ") * 2
    + "Maschine " * 3
    + "w" * 48
    + " https://example.org/über Maschine",
    url=URL,
    hashtags="",
)


@settings(max_examples=60, deadline=None)
@example(parts=GLUED_ELLIPSIS, platform="bluesky", max_parts=2)
@given(
    parts=long_texts(),
    platform=st.sampled_from(sorted(LIMITS)),
    max_parts=st.integers(min_value=2, max_value=10),
)
def test_every_part_fits_and_nothing_is_broken_or_lost(parts, platform, max_parts):
    limit = LIMITS[platform]
    full = render(DEFAULT_TEMPLATE, parts)
    text, replies = compose(DEFAULT_TEMPLATE, parts, platform, limit, max_parts=max_parts)
    posts = [text, *replies]
    # Every part fits, as the platform counts it (length, and Bluesky's bytes).
    assert all(fits_platform(post, platform, limit) for post in posts)
    if not replies:  # fitted, or could not be split: the old shortening
        assert text == fit_text(DEFAULT_TEMPLATE, parts, platform, limit)
        return
    assert len(posts) <= max_parts
    found = bodies(posts)
    # The link is whole and in the first part (it carries the link card on Bluesky).
    assert URL in [url for _s, _e, url in find_urls(found[0], platform)]
    # Graphemes intact: no part holds a grapheme the text did not have (a torn emoji, a lone
    # combining accent), apart from the numbering and the ellipsis.
    allowed = set(regex.findall(r"\X", full)) | set(" /…0123456789\n")
    for post in posts:
        assert set(regex.findall(r"\X", post)) <= allowed, post
    # URLs intact: every link a part shows is a link of the text, not a piece of one.
    original_urls = {url for _s, _e, url in find_urls(full, platform)}
    for body in found:
        assert {url for _s, _e, url in find_urls(body, platform)} <= original_urls, body
    kept = squeeze("".join(found)).replace(URL, "", 1)
    whole = squeeze(full).replace(URL, "", 1)
    if found[-1].endswith("…"):  # beyond max_parts: a prefix of the text is kept
        assert len(posts) == max_parts
        assert whole.startswith(kept[: -len("…")])
    else:  # every word, in order
        assert kept == whole
