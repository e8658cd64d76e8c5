"""X's weighted length (twitter-text config v3) and the URL finder it shares with Mastodon.

An independent Python implementation of the rules of the public ``twitter/twitter-text`` project
(config ``v3.json``, ``parseTweet``, ``extractUrlsWithIndices``), checked against its conformance
suite ``validate.yml`` (see ``tests/compose/conformance/twitter-text``). Mastodon counts URLs with
the same extractor, patched by its ``config/initializers/twitter_regex.rb`` (looser path rules,
more schemes); ``flavour="mastodon"`` selects those patches.

Known simplifications (documented in ``docs/concepts/counting.md``):

- Top-level domains: with a scheme any alphabetic TLD is accepted (twitter-text keeps a list of
  ~1,500); without a scheme only ``KNOWN_TLDS`` below and every two-letter code are recognised.
- Emoji are found with Unicode properties (``Extended_Pictographic``, ``Emoji_Modifier``,
  regional indicators, keycaps, tag sequences), not twemoji's fixed list, so emoji newer than
  twemoji also count 2, as X's documentation says they do.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

import regex

#: twitter-text ``config/v3.json`` (platforms.md "3. X / Twitter"); ``counting_spec`` exports it.
CONFIG_V3: dict[str, Any] = {
    "version": 3,
    "maxWeightedTweetLength": 280,
    "scale": 100,
    "defaultWeight": 200,
    "emojiParsingEnabled": True,
    "transformedURLLength": 23,
    "ranges": [
        {"start": 0, "end": 4351, "weight": 100},
        {"start": 8192, "end": 8205, "weight": 100},
        {"start": 8208, "end": 8223, "weight": 100},
        {"start": 8242, "end": 8247, "weight": 100},
    ],
}

MAX_URL_LENGTH = 4096  # twitter-text: protocol + URL (punycode domain) must not exceed this
MAX_LABEL_LENGTH = 63  # DNS label limit after punycode (RFC 3490); longer "URLs" are plain text
INVALID_CHARACTERS = frozenset("\ufffe\ufeff\uffff")  # X rejects a post containing these

# Recognised without a scheme ("example.com"): common generic TLDs; any two letters count as a
# country code. Extend when editors report a miss; with a scheme every alphabetic TLD counts.
KNOWN_TLDS = frozenset(
    """com net org edu gov mil int info biz name pro mobi aero asia cat coop jobs museum tel
    travel xxx app dev blog shop store online site tech cloud news page art xyz club design
    agency email live life world media network digital studio solutions services company group
    center today space website fun top icu vip work ltd gmbh wiki law berlin hamburg koeln wien
    swiss paris london nyc tokyo africa global social systems software consulting engineering
    events academy education health care finance bank insurance legal capital partners
    technology science photography photos video music film tv radio""".split()
)
SPECIAL_SHORT_TLDS = frozenset({"co", "tv"})  # "t.co" is a URL even without scheme or path

_PUNCT = r"""!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~"""
_SPACES = r"\t-\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_INVALID = r"\ufffe\ufeff\uffff"
_DC = rf"[^{_PUNCT}{_SPACES}{_INVALID}]"  # a character allowed in a domain label
# A label is the whole run up to its dot, so atomic groups match what twitter-text's backtracking
# matches, in linear time.
_SUBDOMAIN = rf"(?:(?>{_DC}(?:[_-]*{_DC})*)\.)"
_DOMAIN_NAME = rf"(?:(?>{_DC}(?:-*{_DC})*)\.)"
_TLD_END = r"(?=[^0-9a-zA-Z@+-]|$)"
_ANY_TLD = r"(?:xn--[a-z0-9-]+|[a-z]{2,63}|(?:(?![a-zA-Z])\p{L})(?:(?![a-zA-Z])[\p{L}\p{M}])+)"
_KNOWN_TLD = "(?:" + "|".join(sorted(KNOWN_TLDS, key=len, reverse=True)) + "|[a-z]{2})"
_LATIN = r"\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263"
_CYRILLIC = r"\u0400-\u04ff"

# twitter-text's own path and query characters (ASCII plus Latin accents and Cyrillic).
_X_PATH_CHAR = rf"[a-z{_CYRILLIC}0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&{_LATIN}]"
_X_PARENS = rf"(?:\({_X_PATH_CHAR}+\)|\({_X_PATH_CHAR}*\({_X_PATH_CHAR}+\){_X_PATH_CHAR}*\))"
_X_PATH_END = rf"(?:[+\-a-z{_CYRILLIC}0-9=_#/{_LATIN}]|{_X_PARENS})"
_X_QUERY = r"[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
_X_QUERY_END = r"[a-z0-9\-_&=#/]"

# Mastodon's twitter_regex.rb: any non-space path character, a short list of bad endings.
_M_PATH_CHAR = r"[^\s<>()?]"
_M_PARENS = rf"(?:\({_M_PATH_CHAR}+\)|\({_M_PATH_CHAR}*\({_M_PATH_CHAR}+\){_M_PATH_CHAR}*\))"
_M_PATH_END = rf"(?:[^\s()?!*\"'「」<>;:=,.$%\[\]~&|@]|{_M_PARENS})"
_UCHARS = (
    r"\xa0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U0001fffd\U00020000-\U0003fffd"
    r"\U000e1000-\U000efffd\ue000-\uf8ff\U000f0000-\U0010fffd"
)
_M_QUERY = rf"[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@^{_UCHARS}]"
_M_QUERY_END = rf"[a-z0-9_&=#/\-{_UCHARS}]"


def _url_regex(scheme: str, path_char: str, path_end: str, parens: str, query: str, q_end: str):
    path = rf"(?:{path_char}*(?:{parens}{path_char}*)*{path_end}|@{path_char}+/)"
    return regex.compile(
        rf"""(?P<before>[^A-Za-z0-9@＠$#＃{_INVALID}]|^)
        (?P<url>(?P<scheme>{scheme})?
          # Without a scheme a domain starts where its run of domain characters starts (a later
          # start finds nothing new, and trying every one is quadratic); never after - _ . /.
          (?(scheme)|(?<![-_./])(?<!{_DC}))
          (?P<domain>{_SUBDOMAIN}*{_DOMAIN_NAME}(?(scheme){_ANY_TLD}|{_KNOWN_TLD}){_TLD_END})
          (?::[0-9]+)?
          (?P<path>/{path}*)?
          (?:\?{query}*{q_end})?)""",
        regex.IGNORECASE | regex.VERBOSE | regex.VERSION0,
    )


_URL_RE = {
    "twitter": _url_regex(
        r"https?://", _X_PATH_CHAR, _X_PATH_END, _X_PARENS, _X_QUERY, _X_QUERY_END
    ),
    "mastodon": _url_regex(
        r"(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://",
        _M_PATH_CHAR,
        _M_PATH_END,
        _M_PARENS,
        _M_QUERY,
        _M_QUERY_END,
    ),
}
_ASCII_DOMAIN_RE = regex.compile(
    rf"(?:[a-z0-9{_LATIN}-]+\.)+(?:xn--[a-z0-9-]+|{_KNOWN_TLD}){_TLD_END}", regex.IGNORECASE
)
_NO_SCHEME_BAD_BEFORE = frozenset("-_./")

Flavour = Literal["twitter", "mastodon"]


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (JavaScript's ``String.length``)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _domain_is_valid(domain: str) -> bool:
    for label in domain.split("."):
        try:
            ascii_label = label if label.isascii() else "xn--" + label.encode("punycode").decode()
        except UnicodeError:
            return False
        if not 1 <= len(ascii_label) <= MAX_LABEL_LENGTH:
            return False
    return True


def extract_urls(
    text: str, *, flavour: Flavour = "twitter", without_scheme: bool = True
) -> list[tuple[int, int, str]]:
    """URLs in ``text`` as ``(start, end, url)`` code-point spans, in order, never overlapping.

    ``without_scheme`` also finds ``example.com/path`` (X does; Mastodon does not).
    """
    if "." not in text:
        return []
    found: list[tuple[int, int, str]] = []
    pattern = _URL_RE[flavour]
    pos = 0
    while (match := pattern.search(text, pos)) is not None:
        # Like twitter-text, a rejected candidate is skipped as a whole, never rescanned.
        pos = max(match.end(), pos + 1)
        url, scheme, domain = match["url"], match["scheme"], match["domain"]
        if not _domain_is_valid(domain):
            continue
        if len(scheme or "https://") + utf16_len(url) > MAX_URL_LENGTH:
            continue
        start = match.start("url")
        if scheme:
            found.append((start, match.end("url"), url))
            continue
        if not without_scheme or match["before"] in _NO_SCHEME_BAD_BEFORE:
            continue
        found.extend(_ascii_domains(text, match, start))
    return found


def _ascii_domains(text: str, match: regex.Match[str], start: int) -> list[tuple[int, int, str]]:
    """The scheme-less case: only ASCII domains count, the last one keeps the path."""
    domain, path = match["domain"], match["path"]
    spans = []
    for ascii_match in _ASCII_DOMAIN_RE.finditer(domain):
        name = ascii_match.group()
        labels = name.split(".")
        short = len(labels) == 2 and len(labels[1]) == 2
        if path or not short or labels[1].lower() in SPECIAL_SHORT_TLDS:
            spans.append((start + ascii_match.start(), start + ascii_match.end(), name))
    if spans and path:
        last_start = spans[-1][0]
        spans[-1] = (last_start, match.end("url"), text[last_start : match.end("url")])
    return spans


# One emoji as twitter-text weighs it: a flag, a keycap, a tag sequence (England), or pictographs
# with skin tones and variation selectors joined by ZWJ. © and ® only with VS16 (else plain text).
_EMOJI_ELEMENT = (
    r"(?:[\u00a9\u00ae]\ufe0f|(?![\u00a9\u00ae])\p{Extended_Pictographic}(?:\ufe0f|(?!\ufe0e))"
    r"|\p{Emoji_Modifier})\p{Emoji_Modifier}?\ufe0f?"
)
EMOJI_RE = regex.compile(
    r"\p{Regional_Indicator}{2}|[#*0-9]\ufe0f?\u20e3"
    r"|\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f"
    rf"|{_EMOJI_ELEMENT}(?:\u200d{_EMOJI_ELEMENT})*"
)


@dataclass(frozen=True)
class ParsedTweet:
    """twitter-text's ``parseTweet`` result; ranges are inclusive UTF-16 indices."""

    weighted_length: int
    valid: bool
    permillage: int
    valid_range_start: int
    valid_range_end: int
    display_range_start: int
    display_range_end: int


def _char_weight(code_point: int, config: dict[str, Any]) -> int:
    for weight_range in config["ranges"]:
        if weight_range["start"] <= code_point <= weight_range["end"]:
            return int(weight_range["weight"])
    return int(config["defaultWeight"])


def parse_tweet(text: str, config: dict[str, Any] | None = None) -> ParsedTweet:
    """Weigh ``text`` exactly as X does: NFC first, URLs 23, emoji sequences 2, ranges 1 or 2."""
    config = config or CONFIG_V3
    scale, max_length = int(config["scale"]), int(config["maxWeightedTweetLength"])
    normalized = unicodedata.normalize("NFC", text)
    entity_end: dict[int, tuple[int, int]] = {}  # start -> (end, weight)
    if config.get("emojiParsingEnabled", True):
        for emoji in EMOJI_RE.finditer(normalized):
            entity_end[emoji.start()] = (emoji.end(), int(config["defaultWeight"]))
    for start, end, _url in extract_urls(normalized, flavour="twitter"):
        entity_end[start] = (end, int(config["transformedURLLength"]) * scale)  # URLs win

    weighted = 0
    valid = True
    valid_end_utf16 = 0
    utf16_pos = 0  # UTF-16 offset of the code point at index
    index = 0
    while index < len(normalized):
        end, weight = entity_end.get(index) or (
            index + 1,
            _char_weight(ord(normalized[index]), config),
        )
        weighted += weight
        utf16_pos += utf16_len(normalized[index:end])
        if valid:
            valid = normalized[end - 1] not in INVALID_CHARACTERS
        if valid and weighted <= max_length * scale:
            valid_end_utf16 = utf16_pos - 1
        index = end

    weighted_length = -(-weighted // scale)  # exact for v3; rounds up for exotic configs
    valid = valid and 0 < weighted_length <= max_length
    text_utf16 = utf16_len(text)
    return ParsedTweet(
        weighted_length=weighted_length,
        valid=valid,
        permillage=weighted * 1000 // (max_length * scale),
        valid_range_start=0,
        valid_range_end=valid_end_utf16 + (text_utf16 - utf16_pos),
        display_range_start=0,
        display_range_end=max(text_utf16 - 1, 0),
    )
