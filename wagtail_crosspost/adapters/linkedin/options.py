"""A LinkedIn channel's options: who posts (a member or a Page), the API version, link cards."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from wagtail_crosspost.stored_messages import gettext as _

from ..base import ConfigurationError

# platforms.md 4: every request needs "Linkedin-Version: YYYYMM"; 202601 is the version the
# cited integration (POSTIZ) uses. Versions are sunset yearly: overridable per channel.
DEFAULT_VERSION = "202601"
AUTHOR_RE = re.compile(r"^urn:li:(person|organization):[A-Za-z0-9_-]+$")
VERSION_RE = re.compile(r"^\d{6}(\.\d{2})?$")

FORM_FIELDS: dict[str, Any] = {
    "author_urn": lambda: forms.CharField(
        label=gettext_lazy("Post as"),
        help_text=gettext_lazy(
            "urn:li:organization:<id> for a LinkedIn Page, urn:li:person:<id> for a member."
        ),
    ),
    "linkedin_version": lambda: forms.CharField(
        label=gettext_lazy("LinkedIn API version"),
        required=False,
        help_text=gettext_lazy(
            "YYYYMM. Leave empty for the default (%(version)s); LinkedIn retires old "
            "versions about once a year."
        )
        % {"version": DEFAULT_VERSION},
    ),
    "link_card": lambda: forms.BooleanField(
        label=gettext_lazy("Show links as a card"), required=False, initial=True
    ),
}


def clean_author(value: Any) -> str:
    author = str(value or "").strip()
    if not AUTHOR_RE.match(author):
        raise ConfigurationError(
            _(
                "Enter who posts as urn:li:organization:<id> (a LinkedIn Page) or "
                "urn:li:person:<id> (a member)."
            )
        )
    return author


def clean_version(value: Any) -> str:
    version = str(value or "").strip() or DEFAULT_VERSION
    if not VERSION_RE.match(version):
        raise ConfigurationError(_("The LinkedIn API version looks like 202601 (year and month)."))
    return version
