"""Connecting a webhook: the receiver's URL and the signing secret it shares with us."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

FORM_FIELDS: dict[str, Any] = {
    "url": lambda: forms.URLField(
        label=gettext_lazy("Webhook URL"),
        help_text=gettext_lazy("Receives a signed JSON POST for every post."),
    ),
    "secret": lambda: forms.CharField(
        label=gettext_lazy("Signing secret"),
        min_length=16,
        help_text=gettext_lazy(
            "Shared with the receiver, which checks the X-Crosspost-Signature header."
        ),
    ),
}
