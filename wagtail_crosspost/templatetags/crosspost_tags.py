"""Template helpers of wagtail-crosspost."""

from __future__ import annotations

from typing import Any

from django import template

from ..url_safety import safe_href

register = template.Library()


@register.filter
def safe_url(value: Any) -> str:
    """Every link a template renders goes through this filter: http(s) or a path on this site,
    else an empty string (``{% if x|safe_url %}`` then hides the link)."""
    return safe_href(value)
