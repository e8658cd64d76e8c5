"""How long a text is on each platform, and whether it fits.

The numbers come from one place: the adapter's ``rules`` (a channel's own, from
``rules_for_channel``/``cached_rules``, or the adapter class's when none are given). The counting
itself lives in ``adapters.text``; the same functions drive truncation (``compose.text``), the
editor's live counter (``counting_spec``), the preview and the adapters' own checks.
``docs/concepts/counting.md`` explains each rule and its source.
"""

from __future__ import annotations

from typing import Any

from wagtail_crosspost.adapters import text
from wagtail_crosspost.adapters.base import PlatformRules
from wagtail_crosspost.adapters.text import (  # noqa: F401 - the public names of this module
    DEFAULT_LIMIT,
    KINDS,
    LITTLE_RESERVED,
    Counter,
    count_graphemes,
    count_hashtags,
    count_links,
    escape_little,
    find_urls,
    measure_bytes,
    utf8_span,
    utf16_len,
)


def platform_rules(platform: str) -> PlatformRules | None:
    """The rules the adapter registered for ``platform`` declares (None: no such adapter)."""
    from wagtail_crosspost.adapters import get_adapter_class

    try:
        return get_adapter_class(platform).rules
    except LookupError:
        return None


def counter_for(platform: str, rules: PlatformRules | None = None) -> Counter:
    """How ``platform`` counts: ``rules`` (a channel's own limits) laid over the adapter's.

    An unknown platform counts graphemes (or ``rules.counting`` if it names one of ``KINDS``)
    against ``rules.text_limit``, or ``DEFAULT_LIMIT`` without rules: a third-party adapter gets
    a sensible count instead of an error.
    """
    base = platform_rules(platform)
    chosen = rules or base or PlatformRules(text_limit=DEFAULT_LIMIT, counting="graphemes")
    return Counter.from_rules(chosen, base)


def measure(text_: str, platform: str, *, rules: PlatformRules | None = None) -> int:
    """The length of ``text_`` as ``platform`` counts it against ``limit_for(platform)``.

    Bluesky returns graphemes; its byte limit is checked by ``fits``. A Mastodon content
    warning counts too: add ``count_graphemes(spoiler_text)`` to the result.
    """
    return text.count(text_, counter_for(platform, rules), platform)


def limit_for(platform: str, *, rules: PlatformRules | None = None, caption: bool = False) -> int:
    """The length limit ``measure`` is compared with (the caption limit for an image caption)."""
    return text.limit(counter_for(platform, rules), caption=caption)


def overruns(
    text_: str, platform: str, *, rules: PlatformRules | None = None, caption: bool = False
) -> list[str]:
    """The limits ``text_`` breaks, from ``"length"``, ``"bytes"``, ``"hashtags"``, ``"links"``."""
    return text.broken_limits(text_, counter_for(platform, rules), platform, caption=caption)


def fits(
    text_: str, platform: str, *, rules: PlatformRules | None = None, caption: bool = False
) -> bool:
    """True when ``text_`` is within every limit of the platform (length, bytes, tags, links)."""
    return not overruns(text_, platform, rules=rules, caption=caption)


def counting_spec(platform: str, *, rules: PlatformRules | None = None) -> dict[str, Any]:
    """The counting rules as JSON, for the editor's JavaScript counter (one source of truth)."""
    return text.spec(counter_for(platform, rules), platform)
