"""How long a text is on each platform, and whether it fits.

Pure functions, no Django needed: the same rules drive truncation (``compose.text``), Bluesky
facets (``find_urls`` + ``utf8_span``) and, through ``counting_spec``, the editor's live counter.
Every number comes from ``shared/reference/platforms.md``; ``docs/concepts/counting.md`` explains
each rule and its source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import regex

from wagtail_crosspost.compose import twitter_text

if TYPE_CHECKING:
    from wagtail_crosspost.adapters.base import PlatformRules


@dataclass(frozen=True)
class Counter:
    """How one platform counts: ``kind`` selects the algorithm, the rest are its limits."""

    kind: str  # one of KINDS
    limit: int
    url_weight: int | None = None  # every URL counts this much; None: in full
    byte_limit: int | None = None  # UTF-8 bytes, checked by ``fits``
    caption_limit: int | None = None  # limit when the text is an image caption
    max_hashtags: int | None = None
    max_links: int | None = None  # distinct links


#: What each counting kind measures (also the values ``PlatformRules.counting`` may name).
KINDS = {
    "graphemes": "user-perceived characters (Unicode extended grapheme clusters)",
    "utf16": "UTF-16 code units (JavaScript string length); never fewer than graphemes",
    "mastodon": "graphemes, every URL = url_weight, @user@domain counts as @user",
    "twitter": "twitter-text v3 weighted length",
    "linkedin": "UTF-16 code units after escaping the little-format reserved characters",
}
DEFAULT_LIMIT = 10_000  # Adapter.rules default in adapters/base.py: no platform limit known

# fmt: off
PLATFORM_COUNTERS: dict[str, Counter] = {
    # platforms.md "1. Mastodon": 500 default, URL = 23 (characters_reserved_per_url)
    "mastodon": Counter("mastodon", 500, url_weight=23),
    # platforms.md "2. Bluesky": maxGraphemes 300 and maxLength 3000 (UTF-8 bytes)
    "bluesky": Counter("graphemes", 300, byte_limit=3000),
    # platforms.md "3. X / Twitter", twitter-text config v3: 280 weighted, URL = 23
    "x": Counter("twitter", 280, url_weight=23),
    # platforms.md "4. LinkedIn": 3000 (integrators), little format escaping
    "linkedin": Counter("linkedin", 3000),
    # platforms.md "5. Facebook Pages": 63,206 (integrators; unit unverified)
    "facebook": Counter("utf16", 63_206),
    # platforms.md "6. Instagram": caption 2200, at most 30 hashtags
    "instagram": Counter("utf16", 2200, max_hashtags=30),
    # platforms.md "7. Threads API": 500, more than 5 unique links fails
    "threads": Counter("utf16", 500, max_links=5),
    # platforms.md "8. Telegram Bot API": message 4096, caption 1024 (after entity parsing)
    "telegram": Counter("utf16", 4096, caption_limit=1024),
    # our own adapters: no platform limit
    "webhook": Counter("graphemes", DEFAULT_LIMIT),
    "console": Counter("graphemes", DEFAULT_LIMIT),
    "locmem": Counter("graphemes", DEFAULT_LIMIT),
}
# fmt: on

#: LinkedIn "little" text format reserved characters (platforms.md "4. LinkedIn").
LITTLE_RESERVED = "\\|{}@[]()<>#*_~"

_GRAPHEME_RE = regex.compile(r"\X")
# Mastodon's Account::MENTION_RE: @user or @user@domain, not after "=", "/" or a word character.
_MENTION_RE = regex.compile(
    r"(?<![=/\w])@(?P<user>[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@\w+(?:[.-]+\w+)*)?(?![@＠]|://)",
    regex.IGNORECASE,
)
_HASHTAG_RE = regex.compile(r"(?<![\w&#])[#＃](?=\w*[^\W\d])\w+")
_LITTLE_RE = regex.compile("([" + regex.escape(LITTLE_RESERVED) + "])")


# -- the building blocks -------------------------------------------------------------------------


def count_graphemes(text: str) -> int:
    """User-perceived characters: a family emoji, a flag or ``e`` + accent each count 1."""
    return len(_GRAPHEME_RE.findall(text))


def measure_bytes(text: str) -> int:
    """UTF-8 bytes (Bluesky's ``maxLength``)."""
    return len(text.encode("utf-8"))


def utf16_len(text: str) -> int:
    """UTF-16 code units (JavaScript's ``String.length``; Telegram entity offsets)."""
    return twitter_text.utf16_len(text)


def utf8_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Character span -> UTF-8 byte span (``byteStart``/``byteEnd`` of a Bluesky facet)."""
    byte_start = measure_bytes(text[:start])
    return byte_start, byte_start + measure_bytes(text[start:end])


def find_urls(text: str, platform: str = "mastodon") -> list[tuple[int, int, str]]:
    """Links as the platform sees them: ``(start, end, url)`` character spans, in order.

    ``"x"`` (and ``"threads"``, to count links conservatively) also finds scheme-less
    ``example.com``; every other platform only ``http(s)://`` and Mastodon's other schemes.
    """
    if platform in ("x", "threads"):
        return twitter_text.extract_urls(text, flavour="twitter", without_scheme=True)
    return twitter_text.extract_urls(text, flavour="mastodon", without_scheme=False)


def escape_little(text: str) -> str:
    """Escape LinkedIn's little-format reserved characters so they show as typed.

    Unescaped, a ``(`` can make LinkedIn silently cut the post there (platforms.md).
    """
    return _LITTLE_RE.sub(r"\\\1", text)


def count_hashtags(text: str) -> int:
    """Hashtags (``#word``, not only digits, not inside a URL), as Instagram limits them."""
    return len(_HASHTAG_RE.findall(_blank_spans(text, find_urls(text, "x"))))


def count_links(text: str) -> int:
    """Distinct links, with or without a scheme (Threads refuses more than 5)."""
    return len({url.lower() for _start, _end, url in find_urls(text, "x")})


# -- per platform --------------------------------------------------------------------------------


def counter_for(platform: str, rules: PlatformRules | None = None) -> Counter:
    """The platform's counter with ``rules`` (a channel's own limits) laid over the defaults.

    An unknown platform counts graphemes (or ``rules.counting`` if it names one of ``KINDS``)
    against ``rules.text_limit``, or ``DEFAULT_LIMIT`` without rules: a third-party adapter gets
    a sensible count instead of an error.
    """
    base = PLATFORM_COUNTERS.get(platform)
    if base is None:
        counting = getattr(rules, "counting", "graphemes")
        base = Counter(counting if counting in KINDS else "graphemes", DEFAULT_LIMIT)
    if rules is None:
        return base
    return Counter(
        kind=base.kind,
        limit=rules.text_limit,
        url_weight=rules.url_weight if rules.url_weight is not None else base.url_weight,
        byte_limit=rules.byte_limit if rules.byte_limit is not None else base.byte_limit,
        caption_limit=rules.caption_limit or base.caption_limit,
        max_hashtags=rules.max_hashtags if rules.max_hashtags is not None else base.max_hashtags,
        max_links=rules.max_links if rules.max_links is not None else base.max_links,
    )


def measure(text: str, platform: str, *, rules: PlatformRules | None = None) -> int:
    """The length of ``text`` as ``platform`` counts it against ``limit_for(platform)``.

    Bluesky returns graphemes; its byte limit is checked by ``fits``. A Mastodon content
    warning counts too: add ``count_graphemes(spoiler_text)`` to the result.
    """
    counter = counter_for(platform, rules)
    if counter.kind == "twitter":
        config = twitter_text.CONFIG_V3
        if counter.url_weight is not None:
            config = {**config, "transformedURLLength": counter.url_weight}
        return twitter_text.parse_tweet(text, config).weighted_length
    if counter.kind == "mastodon":
        return count_graphemes(_mastodon_countable(text, counter.url_weight))
    if counter.url_weight is not None:  # a channel says URLs are shortened on its platform
        text = _replace_spans(text, find_urls(text, platform), "x" * counter.url_weight)
    if counter.kind == "linkedin":
        return utf16_len(escape_little(text))
    if counter.kind == "utf16":
        return utf16_len(text)
    return count_graphemes(text)


def limit_for(platform: str, *, rules: PlatformRules | None = None, caption: bool = False) -> int:
    """The length limit ``measure`` is compared with (the caption limit for an image caption)."""
    counter = counter_for(platform, rules)
    if caption and counter.caption_limit is not None:
        return counter.caption_limit
    return counter.limit


def overruns(
    text: str, platform: str, *, rules: PlatformRules | None = None, caption: bool = False
) -> list[str]:
    """The limits ``text`` breaks, from ``"length"``, ``"bytes"``, ``"hashtags"``, ``"links"``."""
    counter = counter_for(platform, rules)
    broken = []
    if measure(text, platform, rules=rules) > limit_for(platform, rules=rules, caption=caption):
        broken.append("length")
    if counter.byte_limit is not None and measure_bytes(text) > counter.byte_limit:
        broken.append("bytes")
    if counter.max_hashtags is not None and count_hashtags(text) > counter.max_hashtags:
        broken.append("hashtags")
    if counter.max_links is not None and count_links(text) > counter.max_links:
        broken.append("links")
    return broken


def fits(
    text: str, platform: str, *, rules: PlatformRules | None = None, caption: bool = False
) -> bool:
    """True when ``text`` is within every limit of the platform (length, bytes, tags, links)."""
    return not overruns(text, platform, rules=rules, caption=caption)


def counting_spec(platform: str, *, rules: PlatformRules | None = None) -> dict[str, Any]:
    """The counting rules as JSON, for the editor's JavaScript counter (one source of truth)."""
    counter = counter_for(platform, rules)
    spec: dict[str, Any] = {
        "platform": platform,
        "kind": counter.kind,
        "limit": counter.limit,
        "caption_limit": counter.caption_limit,
        "url_weight": counter.url_weight,
        "byte_limit": counter.byte_limit,
        "max_hashtags": counter.max_hashtags,
        "max_links": counter.max_links,
    }
    if counter.kind == "twitter":
        config = twitter_text.CONFIG_V3
        spec.update(
            scale=config["scale"],
            default_weight=config["defaultWeight"],
            emoji_weight=config["defaultWeight"],
            ranges=[dict(weight_range) for weight_range in config["ranges"]],
            normalization="NFC",
        )
    elif counter.kind == "mastodon":
        spec["mentions"] = "local_part"  # @user@domain counts as @user
    elif counter.kind == "linkedin":
        spec["escape"] = LITTLE_RESERVED
    return spec


# -- helpers -------------------------------------------------------------------------------------


def _mastodon_countable(text: str, url_weight: int | None) -> str:
    """Mastodon's StatusLengthValidator: URLs become placeholders, mentions lose the domain."""
    placeholder = "x" * (23 if url_weight is None else url_weight)
    entities = [(start, end, placeholder) for start, end, _url in find_urls(text, "mastodon")]
    entities += [(m.start(), m.end(), "@" + m["user"]) for m in _MENTION_RE.finditer(text)]
    parts, pos = [], 0
    for start, end, replacement in sorted(entities):
        if start < pos:  # twitter-text drops an entity that overlaps an earlier one
            continue
        parts += [text[pos:start], replacement]
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def _replace_spans(text: str, spans: list[tuple[int, int, str]], replacement: str) -> str:
    parts, pos = [], 0
    for start, end, _url in spans:
        parts += [text[pos:start], replacement]
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def _blank_spans(text: str, spans: list[tuple[int, int, str]]) -> str:
    return _replace_spans(text, spans, " ")
