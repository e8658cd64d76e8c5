"""Template helpers of wagtail-crosspost."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from ..linkcards.creator import creator_for, normalise_handle
from ..url_safety import safe_href

register = template.Library()


@register.filter
def safe_url(value: Any) -> str:
    """Every link a template renders goes through this filter: http(s) or a path on this site,
    else an empty string (``{% if x|safe_url %}`` then hides the link)."""
    return safe_href(value)


@register.simple_tag(takes_context=True)
def crosspost_fediverse_creator(context: Any, value: Any = None) -> str:
    """``<meta name="fediverse:creator" content="@user@server">`` for Mastodon's author credit.

    ``value``: a handle, or a page; by default the template's ``page``. A page's own
    ``fediverse_creator`` wins over ``WAGTAILCROSSPOST_FEDIVERSE_CREATOR``; nothing is printed
    when neither is a handle."""
    if isinstance(value, str):
        handle = normalise_handle(value)
    else:
        handle = creator_for(value if value is not None else context.get("page"))
    if not handle:
        return ""
    return format_html('<meta name="fediverse:creator" content="{}">', handle)
