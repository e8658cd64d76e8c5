"""A Mastodon channel's options: the server's address, the posts' visibility and language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from wagtail_crosspost.stored_messages import gettext as _

from ... import conf
from ..base import (
    THREAD_FORM_FIELDS,
    ConfigurationError,
    about_option,
    clean_option,
    clean_thread_options,
)
from ..http import check_public_url
from ..languages import language_field

VISIBILITIES = ("public", "unlisted", "private", "direct")


def visibility_field() -> Any:
    from django import forms

    return forms.ChoiceField(
        label=gettext_lazy("Visibility"),
        choices=[
            ("public", gettext_lazy("Public")),
            ("unlisted", gettext_lazy("Unlisted (public, but not in public timelines)")),
            ("private", gettext_lazy("Followers only")),
            ("direct", gettext_lazy("Mentioned people only")),
        ],
        initial="public",
    )


FORM_FIELDS: dict[str, Any] = {
    "visibility": visibility_field,
    "language": language_field,
    **THREAD_FORM_FIELDS,
}


def normalise_server_url(value: Any) -> str:
    """``https://example.social/`` -> ``https://example.social``; a bare host gets https."""
    url = str(value or "").strip()
    if url and "://" not in url:
        url = "https://" + url
    return url.rstrip("/")


def check_server_url(url: str) -> str:
    """``url`` if it is https and public; http and private addresses only where
    ``WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS`` is on (tests). Raises ConfigurationError."""
    allow_private = bool(conf.get("ALLOW_PRIVATE_URLS"))
    check_public_url(url, allow_private=allow_private)
    if not url.lower().startswith("https://") and not allow_private:
        raise ConfigurationError(
            _(
                "The server address “%(url)s” must start with https://: the access token would "
                "otherwise travel unencrypted."
            )
            % {"url": url[:200]}
        )
    return check_public_url(url, allow_private=allow_private)


def clean_options(options: dict[str, Any]) -> dict[str, Any]:
    """Validated, normalised options (for the channel form); raises ConfigurationError."""
    cleaned = dict(options or {})
    server = normalise_server_url(cleaned.get("server_url"))
    with about_option("server_url"):
        if not server:
            raise ConfigurationError(_("Enter the address of the Mastodon server."))
        cleaned["server_url"] = check_server_url(server)
    clean_option(cleaned, "visibility", clean_visibility)
    cleaned["language"] = str(cleaned.get("language") or "").strip()
    return clean_thread_options(cleaned)


def clean_visibility(value: Any) -> str:
    visibility = str(value or "public").strip().lower()
    if visibility not in VISIBILITIES:
        raise ConfigurationError(
            _("The visibility must be one of: %(choices)s.") % {"choices": ", ".join(VISIBILITIES)}
        )
    return visibility
