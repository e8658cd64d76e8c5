"""The ``fediverse:creator`` tag: the author's fediverse handle on the page, so that Mastodon
(4.3 and later) credits the author on the link card.

The handle comes from the page (a ``fediverse_creator`` field, property or method) or else from
``WAGTAILCROSSPOST_FEDIVERSE_CREATOR``; a value that is not a handle is left out.
"""

from __future__ import annotations

import re
from typing import Any

from .. import conf

PAGE_ATTRIBUTE = "fediverse_creator"
HANDLE = re.compile(
    r"@?(?P<user>[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63})@(?P<host>(?:[A-Za-z0-9\-]{1,63}\.)+[A-Za-z]{2,63})"
)


def normalise_handle(value: Any) -> str:
    """``@user@server`` for a handle in either spelling (``user@server`` too), else ``""``."""
    match = HANDLE.fullmatch(str(value or "").strip())
    if match is None:
        return ""
    return f"@{match['user']}@{match['host'].lower()}"


def creator_for(page: Any = None) -> str:
    """The page's own handle if it has one, else the site-wide setting, else ``""``."""
    value = getattr(page, PAGE_ATTRIBUTE, None) if page is not None else None
    if callable(value):
        value = value()
    return normalise_handle(value) or normalise_handle(conf.get("FEDIVERSE_CREATOR"))
