"""Page → message text: template, plain text from rich text, hashtags, fitting into the limit.

Pure: takes values and rules, returns text. ``measure`` counts as the platform does.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

import regex

from .length import fits, measure

DEFAULT_TEMPLATE = "{title}\n\n{intro}\n\n{url}\n\n{hashtags}"
ELLIPSIS = "…"
_PLACEHOLDER = re.compile(r"\{(title|intro|url|hashtags|site_name)\}")
_TAGS = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|div)>|<br\s*/?>", re.I)


@dataclass(frozen=True)
class Parts:
    title: str = ""
    intro: str = ""
    url: str = ""
    hashtags: str = ""
    site_name: str = ""


def plain_text(value: object) -> str:
    """Rich text (HTML) or a StreamField value to plain text."""
    if value is None:
        return ""
    if hasattr(value, "render_as_block") or hasattr(value, "raw_data"):
        value = str(value.render_as_block() if hasattr(value, "render_as_block") else value)
    text = _BLOCK_END.sub("\n", str(value))
    text = html.unescape(_TAGS.sub("", text))
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+", " ", text)).strip()


def hashtags(tags: Iterable[str], limit: int | None = None) -> str:
    """``#tag`` for each distinct tag, CamelCased when it has spaces."""
    seen: dict[str, str] = {}
    for tag in tags:
        words = regex.findall(r"[\p{L}\p{N}_]+", str(tag))
        if not words:
            continue
        name = words[0] if len(words) == 1 else "".join(w[:1].upper() + w[1:] for w in words)
        seen.setdefault(name.casefold(), "#" + name)
    values = list(seen.values())
    return " ".join(values[:limit] if limit is not None else values)


def render(template: str, parts: Parts) -> str:
    # Only the known placeholders are replaced: an editor's own braces stay as they are.
    text = _PLACEHOLDER.sub(lambda m: getattr(parts, m.group(1)), template)
    # Empty placeholders leave blank lines behind; keep at most one empty line.
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def cut_words(text: str, keep: int) -> str:
    """The first ``keep`` graphemes of ``text``, at a word boundary where one is near, plus "…"."""
    graphemes = regex.findall(r"\X", text)
    if len(graphemes) <= keep:
        return text
    if keep <= 0:
        return ""
    head = "".join(graphemes[: max(0, keep - 1)])
    space = head.rfind(" ")
    if space > len(head) * 0.6:
        head = head[:space]
    return head.rstrip(" ,;:.-–—") + ELLIPSIS


def fit_text(template: str, parts: Parts, platform: str, limit: int, rules=None) -> str:
    """Render the template so the platform counts at most ``limit``; the link always survives.

    Shortens, in order: hashtags (dropped from the end), the intro, then the title.
    """

    def ok(p: Parts) -> bool:
        # Every limit of the platform: length, UTF-8 bytes (Bluesky), hashtags, links.
        text = render(template, p)
        return measure(text, platform, rules=rules) <= limit and fits(text, platform, rules=rules)

    if ok(parts):
        return render(template, parts)
    tags = parts.hashtags.split()
    while tags and not ok(parts):
        tags.pop()
        parts = Parts(parts.title, parts.intro, parts.url, " ".join(tags), parts.site_name)
    for field in ("intro", "title"):
        value = getattr(parts, field)
        low, high = 0, len(regex.findall(r"\X", value))
        if ok(parts):
            break
        best = ""
        while low <= high:  # longest cut that fits
            middle = (low + high) // 2
            candidate = cut_words(value, middle)
            trial = _replace(parts, field, candidate)
            if ok(trial):
                best, low = candidate, middle + 1
            else:
                high = middle - 1
        parts = _replace(parts, field, best)
    text = render(template, parts)
    if not ok(parts):
        # The template's own words are too long (an editor's custom text): cut them, keep the link.
        text = _cut_literal(text, parts.url, platform, limit, rules)
    return text


def _cut_literal(text: str, url: str, platform: str, limit: int, rules) -> str:
    head = text.replace(url, " ").strip() if url else text

    def candidate(n: int) -> str:
        cut = cut_words(head, n)
        return f"{cut}\n\n{url}".strip() if url else cut

    def fits_all(value: str) -> bool:
        return measure(value, platform, rules=rules) <= limit and fits(value, platform, rules=rules)

    low, high, best = 0, len(regex.findall(r"\X", head)), url
    while low <= high:
        middle = (low + high) // 2
        value = candidate(middle)
        if fits_all(value):
            best, low = value, middle + 1
        else:
            high = middle - 1
    return best


def _replace(parts: Parts, field: str, value: str) -> Parts:
    data = {**parts.__dict__, field: value}
    return Parts(**data)
