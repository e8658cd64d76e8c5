"""Connecting a Telegram channel: the bot token from @BotFather and the channel to post in."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from wagtail_crosspost.stored_messages import gettext as _

from ..base import ConfigurationError

CHAT_ID_RE = re.compile(r"^(@[A-Za-z][A-Za-z0-9_]{3,}|-?\d+)$")

FORM_FIELDS: dict[str, Any] = {
    "chat_id": lambda: forms.CharField(
        label=gettext_lazy("Channel"),
        help_text=gettext_lazy(
            "@channelname of a public channel, or the numeric id (-100…) of a private one. "
            "Add the bot as an administrator who may post messages."
        ),
    ),
    "link_preview": lambda: forms.BooleanField(
        label=gettext_lazy("Show a link preview"), required=False, initial=True
    ),
    "bot_token": lambda: forms.CharField(
        label=gettext_lazy("Bot token"), help_text=gettext_lazy("From @BotFather.")
    ),
}


def clean_chat_id(value: Any) -> str:
    """``@channel``, ``channel`` or a numeric id; a ``t.me/channel`` link becomes ``@channel``."""
    chat_id = str(value or "").strip()
    for prefix in ("https://t.me/", "http://t.me/", "t.me/"):
        if chat_id.startswith(prefix):
            chat_id = "@" + chat_id[len(prefix) :].strip("/")
    if chat_id and not chat_id.startswith("@") and not chat_id.lstrip("-").isdigit():
        chat_id = "@" + chat_id
    if not CHAT_ID_RE.match(chat_id):
        raise ConfigurationError(
            _(
                "Enter the Telegram channel as @channelname or as its numeric id "
                "(for example -1001234567890)."
            )
        )
    return chat_id
