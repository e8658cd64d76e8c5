"""Counting text as platforms count it: the primitives (graphemes, UTF-16 units, UTF-8 spans,
links, hashtags, LinkedIn's "little" escaping) and measuring by a ``PlatformRules.counting`` key.

Pure functions, no Django needed. The numbers live in each adapter's ``rules`` alone;
``compose.length`` finds a platform's rules and counts with these functions, for truncation, the
editor's live counter and the preview alike. ``docs/concepts/counting.md`` explains each rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import regex

from . import twitter_text
from .base import PlatformRules


@dataclass(frozen=True)
class Counter:
    """How one channel counts: ``kind`` selects the algorithm, the rest are its limits."""

    kind: str  # one of KINDS
    limit: int
    url_weight: int | None = None  # every URL counts this much; None: in full
    byte_limit: int | None = None  # UTF-8 bytes, checked by ``fits``
    caption_limit: int | None = None  # limit when the text is an image caption
    max_hashtags: int | None = None
    max_links: int | None = None  # distinct links

    @classmethod
    def from_rules(cls, rules: PlatformRules, base: PlatformRules | None = None) -> Counter:
        """The counter of ``rules``; values ``rules`` leaves open (no known ``counting`` key, no
        URL weight …) come from ``base``, the platform's own rules."""
        fallback = base or PlatformRules(text_limit=DEFAULT_LIMIT, counting="graphemes")
        kind = rules.counting if rules.counting in KINDS else fallback.counting
        kind = kind if kind in KINDS else "graphemes"
        # The platform's URL weight belongs to its own way of counting: a channel whose server
        # counts differently (a GoToSocial server on the Mastodon adapter) counts URLs in full.
        fallback_weight = fallback.url_weight if kind == fallback.counting else None
        return cls(
            kind=kind,
            limit=rules.text_limit,
            url_weight=None
            if kind in FULL_URL_KINDS
            else _first(rules.url_weight, fallback_weight),
            byte_limit=_first(rules.byte_limit, fallback.byte_limit),
            caption_limit=rules.caption_limit or fallback.caption_limit,
            max_hashtags=_first(rules.max_hashtags, fallback.max_hashtags),
            max_links=_first(rules.max_links, fallback.max_links),
        )


#: What each counting kind measures (also the values ``PlatformRules.counting`` may name).
KINDS = {
    "graphemes": "user-perceived characters (Unicode extended grapheme clusters)",
    "utf16": "UTF-16 code units (JavaScript string length); never fewer than graphemes",
    "mastodon": "graphemes, every URL = url_weight, @user@domain counts as @user",
    "codepoints": "Unicode code points, URLs and mentions in full (GoToSocial)",
    "strictest": "the largest of every Mastodon-compatible rule: unknown server software",
    "twitter": "twitter-text v3 weighted length",
    "linkedin": "UTF-16 code units after escaping the little-format reserved characters",
}
MAX_DOMAIN_LENGTH = 253  # DNS
#: Kinds that never shorten a URL, whatever the server advertises.
FULL_URL_KINDS = frozenset({"codepoints", "strictest"})
DEFAULT_LIMIT = 10_000  # Adapter.rules default in adapters/base.py: no platform limit known


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


# -- measuring with a counter --------------------------------------------------------------------


def count(text: str, counter: Counter, platform: str = "") -> int:
    """The length of ``text`` as ``counter`` counts it (``platform`` picks how links are found).

    Graphemes for Bluesky; its byte limit is checked by ``broken_limits``. A Mastodon content
    warning counts too: add ``count_graphemes(spoiler_text)`` to the result.
    """
    if counter.kind == "twitter":
        config = twitter_text.CONFIG_V3
        if counter.url_weight is not None:
            config = {**config, "transformedURLLength": counter.url_weight}
        return twitter_text.parse_tweet(text, config).weighted_length
    if counter.kind == "mastodon":
        return count_graphemes(_mastodon_countable(text, counter.url_weight))
    if counter.kind == "codepoints":
        return len(text)
    if counter.kind == "strictest":
        # UTF-16 units >= code points >= graphemes, with URLs in full; Mastodon's own count can
        # be larger only where a short URL counts as 23.
        return max(utf16_len(text), count_graphemes(_mastodon_countable(text, None)))
    if counter.url_weight is not None:  # a channel says URLs are shortened on its platform
        text = _replace_spans(text, find_urls(text, platform), "x" * counter.url_weight)
    if counter.kind == "linkedin":
        return utf16_len(escape_little(text))
    if counter.kind == "utf16":
        return utf16_len(text)
    return count_graphemes(text)


def limit(counter: Counter, *, caption: bool = False) -> int:
    """The length limit ``count`` is compared with (the caption limit for an image caption)."""
    if caption and counter.caption_limit is not None:
        return counter.caption_limit
    return counter.limit


def broken_limits(
    text: str, counter: Counter, platform: str = "", *, caption: bool = False
) -> list[str]:
    """The limits ``text`` breaks, from ``"length"``, ``"bytes"``, ``"hashtags"``, ``"links"``."""
    broken = []
    if count(text, counter, platform) > limit(counter, caption=caption):
        broken.append("length")
    if counter.byte_limit is not None and measure_bytes(text) > counter.byte_limit:
        broken.append("bytes")
    if counter.max_hashtags is not None and count_hashtags(text) > counter.max_hashtags:
        broken.append("hashtags")
    if counter.max_links is not None and count_links(text) > counter.max_links:
        broken.append("links")
    return broken


def spec(counter: Counter, platform: str) -> dict[str, Any]:
    """The counter as JSON, for the editor's JavaScript counter (one source of truth)."""
    result: dict[str, Any] = {
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
        result.update(
            scale=config["scale"],
            default_weight=config["defaultWeight"],
            emoji_weight=config["defaultWeight"],
            ranges=[dict(weight_range) for weight_range in config["ranges"]],
            normalization="NFC",
        )
    elif counter.kind == "mastodon":
        result["mentions"] = "local_part"  # @user@domain counts as @user
    elif counter.kind == "linkedin":
        result["escape"] = LITTLE_RESERVED
    return result


# -- helpers -------------------------------------------------------------------------------------


def _mastodon_countable(text: str, url_weight: int | None) -> str:
    """Mastodon's StatusLengthValidator: URLs become placeholders, mentions lose the domain."""
    placeholder = "x" * (23 if url_weight is None else url_weight)
    entities = [(start, end, placeholder) for start, end, _url in find_urls(text, "mastodon")]
    # A mention with a domain longer than DNS allows counts in full (Mastodon's spec, "M8").
    entities += [
        (m.start(), m.end(), "@" + m["user"])
        for m in _MENTION_RE.finditer(text)
        if m.end() - m.start() - len(m["user"]) - 2 <= MAX_DOMAIN_LENGTH
    ]
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


def _first(value: Any, default: Any) -> Any:
    return value if value is not None else default
