"""The one rule for links that come from outside (a platform's answer, a channel's options):
only ``http(s)`` addresses become links, so no ``javascript:``, ``data:`` or ``vbscript:`` URL
ever reaches an ``href``. Templates use the ``safe_url`` filter (``crosspost_tags``)."""

from __future__ import annotations

from typing import Any

WEB_SCHEMES = ("https://", "http://")

# Longest link a Publication stores (its remote_url field): a longer one is dropped, not cut.
MAX_STORED_LENGTH = 2000


def _has_control_or_space(value: str) -> bool:
    # Browsers drop tabs and newlines inside a URL and strip controls around it
    # ("java\tscript:" is javascript:), so a link with any of them is refused outright.
    return any(ord(char) <= 0x20 or 0x7F <= ord(char) <= 0x9F for char in value)


def web_url(value: Any) -> str:
    """``value`` if it is an absolute http(s) address, else ``""``."""
    url = str(value or "")
    if not url.lower().startswith(WEB_SCHEMES) or _has_control_or_space(url):
        return ""
    return url


def storable_url(value: Any, max_length: int = MAX_STORED_LENGTH) -> str:
    """``web_url(value)`` if it fits the field, else ``""`` (a cut URL would point elsewhere)."""
    url = web_url(value)
    return url if len(url) <= max_length else ""


def safe_href(value: Any) -> str:
    """A value fit for ``href``/``src``/``action``: an http(s) address or a path on this site
    (``/admin/…``, ``?page=2``, ``#top``); anything else becomes ``""``."""
    url = str(value or "")
    if url.startswith(("/", "?", "#")):
        if url.startswith(("//", "/\\")) or _has_control_or_space(url):
            return ""  # "//host" and "/\host" leave the site
        return url
    return web_url(url)
