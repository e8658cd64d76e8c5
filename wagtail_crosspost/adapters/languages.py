"""A select of languages for a channel's posts (ISO 639-1 codes named in the admin's language)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


def language_choices() -> list[tuple[str, str]]:
    """ISO 639-1 codes with their names in the admin's language, by name; first "none"."""
    from django.conf import global_settings

    named = [
        (code, f"{_(name)} ({code})") for code, name in global_settings.LANGUAGES if len(code) == 2
    ]
    first: list[tuple[str, str]] = [("", str(_("Only the page's language")))]
    return [*first, *sorted(named, key=lambda choice: choice[1].casefold())]


def language_field() -> forms.Field:
    """The language for posts of pages without one (a select; empty: the page's language only)."""

    return forms.ChoiceField(
        label=_("Language of the posts"),
        choices=language_choices,
        required=False,
        help_text=_(
            "Posts are tagged with the page's language. The one chosen here is used for pages "
            "that have none."
        ),
    )
