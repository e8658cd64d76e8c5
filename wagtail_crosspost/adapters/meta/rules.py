"""Graph API channel options: rule defaults a channel may override where platforms.md marks them
unverified, the ``api_version`` field, and the public URL Meta fetches an image from."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy

from wagtail_crosspost.stored_messages import gettext as _

from ..base import ConfigurationError, Media, PermanentError, PlatformRules
from ..http import check_public_url

logger = logging.getLogger(__name__)


# -- rule defaults a channel may override --------------------------------------------------------

#: Channel option → (PlatformRules field, or ``image.<ImageRules field>``; type; form label).
#: Adapters list in ``rule_options`` the ones whose default platforms.md marks unverified.
RULE_OPTIONS: dict[str, tuple[str, type, Any]] = {
    "text_limit": ("text_limit", int, gettext_lazy("Text limit (characters)")),
    "max_hashtags": ("max_hashtags", int, gettext_lazy("Most hashtags per post")),
    "max_links": ("max_links", int, gettext_lazy("Most links per post")),
    "image_max_bytes": ("image.max_bytes", int, gettext_lazy("Largest image (bytes)")),
    "image_min_width": ("image.min_width", int, gettext_lazy("Narrowest image (pixels)")),
    "image_max_width": ("image.max_width", int, gettext_lazy("Widest image (pixels)")),
    "image_min_aspect": (
        "image.min_aspect",
        float,
        gettext_lazy("Smallest aspect ratio (width / height)"),
    ),
    "image_max_aspect": (
        "image.max_aspect",
        float,
        gettext_lazy("Largest aspect ratio (width / height)"),
    ),
    "alt_text_limit": ("image.alt_text_limit", int, gettext_lazy("Alt text limit (characters)")),
}


def rules_with_options(
    rules: PlatformRules, options: Mapping[str, Any], names: tuple[str, ...]
) -> PlatformRules:
    """``rules`` with the channel's overrides for ``names``; empty or bad values keep defaults."""
    top: dict[str, Any] = {}
    image: dict[str, Any] = {}
    for name in names:
        target, kind, _label = RULE_OPTIONS[name]
        value = options.get(name)
        if value in (None, ""):
            continue
        try:
            number = kind(value)
        except (TypeError, ValueError):
            logger.warning("Ignoring the channel option %s=%r: not a number.", name, value)
            continue
        if number <= 0:
            continue
        if target.startswith("image."):
            image[target[6:]] = number
        else:
            top[target] = number
    if image:
        top["image"] = dataclasses.replace(rules.image, **image)
    return dataclasses.replace(rules, **top) if top else rules


def rule_option_fields(rules: PlatformRules, names: tuple[str, ...]) -> dict[str, Any]:
    """Form field factories for the overridable rules, showing each default as help text."""
    fields: dict[str, Any] = {}
    for name in names:
        target, kind, label = RULE_OPTIONS[name]
        holder: Any = rules.image if target.startswith("image.") else rules
        default = getattr(holder, target.split(".")[-1])
        field_class = forms.FloatField if kind is float else forms.IntegerField
        fields[name] = partial(
            field_class,
            label=label,
            required=False,
            min_value=0,
            help_text=_default_help(default),
        )
    return fields


def _default_help_text(default: Any) -> str:
    return _("Leave empty for the default (%(default)s), which no official source confirms.") % {
        "default": default
    }


_default_help = lazy(_default_help_text, str)  # translated when the form renders


def api_version_field(default: str) -> Callable[[], forms.Field]:
    """Form field factory for the ``api_version`` option."""
    return partial(
        forms.CharField,
        label=gettext_lazy("API version"),
        required=False,
        help_text=_version_help(default),
    )


def _version_help_text(default: str) -> str:
    return _("Leave empty for %(default)s.") % {"default": default}


_version_help = lazy(_version_help_text, str)


# -- public media URLs ---------------------------------------------------------------------------


def public_media_url(media: Media, platform: str) -> str:
    """The absolute public URL the platform fetches ``media`` from, or a PermanentError.

    platforms.md "Cross-platform notes / Media hosting": Instagram and Threads fetch media from a
    public URL, so a relative or private rendition URL can never work.
    """
    url = str(media.url or "").strip()
    parts = urlsplit(url)
    problem = parts.scheme.lower() not in ("http", "https") or not parts.hostname
    if not problem:
        try:
            check_public_url(url)
        except ConfigurationError:
            problem = True
    if problem:
        raise PermanentError(
            _(
                "%(platform)s fetches the image from your website, but its address “%(url)s” is "
                "not a public web address. Set WAGTAILADMIN_BASE_URL, the hostname of the Site "
                "(Settings → Sites) or WAGTAILCROSSPOST_BASE_URL to the site's public address "
                "(https://…)."
            )
            % {"platform": platform, "url": url or _("(none)")}
        )
    return url
