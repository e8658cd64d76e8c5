"""Connecting a Bluesky account: an app password and the channel's options (the PDS, the handle,
the image size limit), checked before they are saved or used."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from wagtail_crosspost.stored_messages import gettext as _

from ..base import (
    THREAD_FORM_FIELDS,
    ConfigurationError,
    about_option,
    clean_option,
    clean_thread_options,
    truthy,
    whole_number,
)
from ..http import check_https_url

DEFAULT_SERVICE = "https://bsky.social"
# platforms.md "2. Bluesky": this PDS generation and older third-party PDSes refuse image blobs
# over 1,000,000 bytes (the network allows 2,000,000 since 2026-04); the card thumb stays at 1 MB.
DEFAULT_IMAGE_MAX_BYTES = 1_000_000

FORM_FIELDS: dict[str, Any] = {
    "service": lambda: forms.CharField(
        label=gettext_lazy("Server"),
        required=False,
        initial=DEFAULT_SERVICE,
        help_text=gettext_lazy(
            "The account's PDS. Leave %(default)s unless the account lives on its own server."
        )
        % {"default": DEFAULT_SERVICE},
    ),
    "handle": lambda: forms.CharField(
        label=gettext_lazy("Handle"),
        help_text=gettext_lazy("For example example.bsky.social (or the account's DID)."),
    ),
    "app_password": lambda: forms.CharField(
        label=gettext_lazy("App password"),
        help_text=gettext_lazy(
            "Create one in Bluesky under Settings → Privacy and security → App passwords. "
            "Never use the account's main password."
        ),
    ),
    "language": lambda: forms.CharField(
        label=gettext_lazy("Language"),
        required=False,
        help_text=gettext_lazy("Used when the page has no language, e.g. en or de-CH."),
    ),
    "prefer_link_card": lambda: forms.BooleanField(
        label=gettext_lazy("Show the page as a link card (its image as the card picture)"),
        required=False,
    ),
    "image_max_bytes": lambda: forms.IntegerField(
        label=gettext_lazy("Largest image in bytes"),
        required=False,
        min_value=1,
        initial=DEFAULT_IMAGE_MAX_BYTES,
        help_text=gettext_lazy(
            "1,000,000 works on every server; bsky.social accepts 2,000,000 since April 2026."
        ),
    ),
    **THREAD_FORM_FIELDS,
}


def normalise_service(value: Any) -> str:
    url = str(value or "").strip() or DEFAULT_SERVICE
    if "://" not in url:
        url = "https://" + url
    return url.rstrip("/")


def normalise_handle(value: Any) -> str:
    handle = str(value or "").strip()
    return handle[1:] if handle.startswith("@") else handle


def clean_options(options: dict[str, Any]) -> dict[str, Any]:
    """Validated, normalised options (for the channel form); raises ConfigurationError."""
    cleaned = dict(options or {})
    with about_option("service"):
        cleaned["service"] = check_service(normalise_service(cleaned.get("service")))
    cleaned["handle"] = normalise_handle(cleaned.get("handle"))
    if not cleaned["handle"]:
        raise ConfigurationError(
            _("Enter the Bluesky handle, e.g. example.bsky.social."), field="handle"
        )
    clean_option(cleaned, "image_max_bytes", image_max_bytes)
    cleaned["prefer_link_card"] = truthy(cleaned.get("prefer_link_card"), False)
    return clean_thread_options(cleaned)


def check_service(url: str) -> str:
    return check_https_url(url, _("The Bluesky server address “%(url)s” must start with https://."))


def image_max_bytes(value: Any) -> int:
    number = whole_number(value, DEFAULT_IMAGE_MAX_BYTES)
    if number <= 0:
        raise ConfigurationError(_("The image size limit must be a positive number of bytes."))
    return number
