"""A text too long for one post → a thread (reply chain): numbered parts that each fit.

Pure, like the rest of ``compose``: text and rules in, texts out. Every part is measured with
``length.measure`` and ``length.fits``, the same code that counts everywhere else, marker
included. Parts end at a paragraph, else a sentence, else a word; a word (and so a URL or a
hashtag, which never contain spaces) is only divided when it alone is longer than a post, and
then between grapheme clusters, never inside one or inside a URL. The page link stays in the
first part (on Bluesky that part carries the link card). Text beyond ``max_parts`` is cut at a
word and ends with "…".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import regex

from .length import find_urls, fits, measure
from .text import ELLIPSIS, Parts, fit_text, render

if TYPE_CHECKING:
    from wagtail_crosspost.adapters.base import PlatformRules

_TOKEN_RE = regex.compile(r"\s+|\S+")
_GRAPHEME_RE = regex.compile(r"\X")
_SENTENCE_END = tuple(".!?…:;")
_TRAILING = " ,;:.-–—"
NICE_BREAK_SHARE = 0.5  # a paragraph or sentence break is taken if the part stays this full


def marker(index: int, total: int) -> str:
    """The number every part ends with: ``2/3``."""
    return f"{index}/{total}"


def compose(
    template: str,
    parts: Parts,
    platform: str,
    limit: int,
    *,
    rules: PlatformRules | None = None,
    max_parts: int = 1,
) -> tuple[str, tuple[str, ...]]:
    """The post's text and the texts of its replies.

    With ``max_parts`` 1, or a text that fits, or one that cannot be split sensibly, this is
    ``fit_text`` (shortened, no replies): a channel without threads behaves as it always did.
    """
    full = render(template, parts)
    if max_parts > 1 and not _fits(full, platform, limit, rules):
        split = split_thread(full, parts.url, platform, limit, rules=rules, max_parts=max_parts)
        if split is not None and len(split) > 1:
            return split[0], tuple(split[1:])
    return fit_text(template, parts, platform, limit, rules=rules), ()


def split_thread(
    text: str,
    link: str,
    platform: str,
    limit: int,
    *,
    rules: PlatformRules | None = None,
    max_parts: int = 4,
) -> list[str] | None:
    """``text`` as at most ``max_parts`` numbered parts that each fit, ``link`` in the first.

    None when it cannot be done (a link or word that fits no post, a limit too small for
    the numbering): the caller then shortens the text instead.
    """
    if max_parts < 2:
        return None
    # Budget with the widest number ("10/10"); the real ones are never wider, so never longer.
    widest = marker(max_parts, max_parts)

    def fits_with(body: str) -> bool:
        return _fits(_with_marker(body, widest), platform, limit, rules)

    tokens = _tokens(text.strip(), platform, fits_with)
    if tokens is None:
        return None
    pinned = _pinned_index(tokens, link)
    bodies: list[str] = []
    while tokens:
        last = len(bodies) + 1 == max_parts
        first = not bodies
        if first and pinned is not None:
            taken = _take(tokens, fits_with)
            if taken is not None and taken > pinned:
                body, tokens = _join(tokens[:taken]), _rest(tokens[taken:])
            else:  # the link is further on: move it up to the end of the first part
                url = tokens[pinned].text
                tokens = _without(tokens, pinned)
                taken = _take(tokens, lambda body, url=url: fits_with(_append_link(body, url)))
                if taken is None:
                    return None
                body, tokens = _append_link(_join(tokens[:taken]), url), _rest(tokens[taken:])
        elif last and not fits_with(_join(tokens)):
            body = _cut(tokens, platform, fits_with)
            tokens = []
        else:
            taken = _take(tokens, fits_with)
            if taken is None:
                return None
            body, tokens = _join(tokens[:taken]), _rest(tokens[taken:])
        bodies.append(body)
    total = len(bodies)
    texts = [_with_marker(body, marker(i, total)) for i, body in enumerate(bodies, start=1)]
    if not all(_fits(t, platform, limit, rules) for t in texts):
        return None  # a platform rule that is not monotonic in length; shorten instead
    return texts


# -- tokens --------------------------------------------------------------------------------------


class _Token:
    """A run of spaces or of non-spaces; ``glued``: continues the word before (no space)."""

    __slots__ = ("glued", "space", "text")

    def __init__(self, text: str, *, glued: bool = False):
        self.text = text
        self.space = text.isspace()
        self.glued = glued

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"_Token({self.text!r}, glued={self.glued})"


def _tokens(text: str, platform: str, fits_with) -> list[_Token] | None:
    tokens: list[_Token] = []
    for match in _TOKEN_RE.finditer(text):
        word = match.group()
        if word.isspace() or fits_with(word):
            tokens.append(_Token(word))
            continue
        pieces = _divide(word, platform, fits_with)
        if pieces is None:
            return None
        tokens += [_Token(piece, glued=i > 0) for i, piece in enumerate(pieces)]
    return tokens


def _divide(word: str, platform: str, fits_with) -> list[str] | None:
    """A word longer than a post, in pieces that fit: between graphemes, URLs kept whole."""
    units: list[str] = []
    position = 0
    for start, end, _url in find_urls(word, platform):
        units += _GRAPHEME_RE.findall(word[position:start])
        units.append(word[start:end])
        position = end
    units += _GRAPHEME_RE.findall(word[position:])
    pieces: list[str] = []
    current = ""
    for unit in units:
        if fits_with(current + unit):
            current += unit
        elif current and fits_with(unit):
            pieces.append(current)
            current = unit
        else:
            return None  # one URL (or grapheme) is longer than a whole post
    if current:
        pieces.append(current)
    return pieces


def _pinned_index(tokens: list[_Token], link: str) -> int | None:
    if not link:
        return None
    for index, token in enumerate(tokens):
        if not token.space and link in token.text:
            return index
    return None


def _join(tokens: list[_Token]) -> str:
    return "".join(t.text for t in tokens).strip()


def _rest(tokens: list[_Token]) -> list[_Token]:
    while tokens and tokens[0].space:
        tokens = tokens[1:]
    if tokens and tokens[0].glued:  # a divided word goes on: its piece starts a part
        tokens = [_Token(tokens[0].text), *tokens[1:]]
    return tokens


def _without(tokens: list[_Token], index: int) -> list[_Token]:
    """``tokens`` without the one at ``index`` and one of the spaces around it."""
    before = tokens[index - 1] if index > 0 and tokens[index - 1].space else None
    after = tokens[index + 1] if index + 1 < len(tokens) and tokens[index + 1].space else None
    start = index - 1 if before else index
    end = index + 2 if after else index + 1
    keep = [s for s in (before, after) if s is not None]
    # Keep the stronger break (a blank line beats a space), so paragraphs stay apart.
    space = max(keep, key=lambda t: t.text.count("\n"), default=None)
    middle = [space] if space is not None and start > 0 and end < len(tokens) else []
    return [*tokens[:start], *middle, *tokens[end:]]


def _append_link(body: str, url: str) -> str:
    return f"{body}\n\n{url}" if body else url


def _with_marker(body: str, number: str) -> str:
    return f"{body} {number}" if body else number


# -- choosing where a part ends ------------------------------------------------------------------


def _ends(tokens: list[_Token]) -> list[int]:
    """Positions after which a part may end: after every word or piece of a divided word."""
    return [i + 1 for i, token in enumerate(tokens) if not token.space]


def _take(tokens: list[_Token], fits_with) -> int | None:
    """How many tokens the next part takes: the most that fit, ended where a reader would."""
    ends = _ends(tokens)
    if not ends:
        return None
    low, high, best = 0, len(ends) - 1, -1
    while low <= high:  # the longest prefix that fits (length only grows with more words)
        middle = (low + high) // 2
        if fits_with(_join(tokens[: ends[middle]])):
            best, low = middle, middle + 1
        else:
            high = middle - 1
    if best < 0:
        return None
    if ends[best] == len(tokens):
        return ends[best]
    full = len(_join(tokens[: ends[best]]))
    for strength in (3, 2):
        for end in reversed(ends[: best + 1]):
            if len(_join(tokens[:end])) < full * NICE_BREAK_SHARE:
                break
            if _strength(tokens, end) >= strength:
                return end
    # No nice break near the end: after the last whole word, or inside a word that must divide.
    for end in reversed(ends[: best + 1]):
        if _strength(tokens, end) >= 1:
            return end
    return ends[best]


def _strength(tokens: list[_Token], end: int) -> int:
    """3 paragraph, 2 line or sentence, 1 word, 0 inside a divided word."""
    following = tokens[end] if end < len(tokens) else None
    if following is None:
        return 3
    if following.glued:
        return 0
    if not following.space:
        return 1
    if "\n\n" in following.text:
        return 3
    if "\n" in following.text or tokens[end - 1].text.endswith(_SENTENCE_END):
        return 2
    return 1


def _cut(tokens: list[_Token], platform: str, fits_with) -> str:
    """The last part: as many words as fit with "…" after them."""

    def shortened(end: int) -> str:
        body = _join(tokens[:end])
        if find_urls(tokens[end - 1].text, platform):
            # Never trim the end of a link, nor glue "…" to it: it would become part of the URL.
            return body + " " + ELLIPSIS
        return body.rstrip(_TRAILING) + ELLIPSIS

    ends = _ends(tokens)
    low, high, best = 0, len(ends) - 1, ELLIPSIS
    while low <= high:
        middle = (low + high) // 2
        candidate = shortened(ends[middle])
        if fits_with(candidate):
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best


def _fits(text: str, platform: str, limit: int, rules: PlatformRules | None) -> bool:
    return measure(text, platform, rules=rules) <= limit and fits(text, platform, rules=rules)
