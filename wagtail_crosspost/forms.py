"""The channel form: common fields plus the platform adapter's options and credentials.

Credentials are write-only: the inputs never show a stored value, and an empty input keeps it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .adapters import get_adapter_class
from .models import Channel

COMMON_FIELDS = [
    "name",
    "site",
    "locale",
    "enabled",
    "selected_by_default",
    "dry_run",
    "on_unpublish",
]


class ChannelForm(WagtailAdminModelForm):
    adapter_class: Any = None

    class Meta:
        model = Channel
        fields = COMMON_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        adapter = self.adapter_class
        custom = adapter.get_form_fields()
        creating = not self.instance.pk
        for name in adapter.option_fields:
            field = custom.get(name) or forms.CharField(
                label=name.replace("_", " "), required=False
            )
            field.initial = (self.instance.options or {}).get(name, field.initial)
            self.fields[f"option_{name}"] = field
        stored = self.instance.get_credentials() if self.instance.pk else {}
        for name in adapter.credential_fields:
            field = custom.get(name) or forms.CharField(label=name.replace("_", " "))
            field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
            field.required = creating or name not in stored
            if not creating and name in stored:
                field.help_text = _(
                    "Stored. Leave empty to keep it; type a new value to replace it."
                )
            self.fields[f"credential_{name}"] = field

    def save(self, commit: bool = True) -> Channel:
        channel = super().save(commit=False)
        channel.platform = self.adapter_class.key
        options = dict(channel.options or {})
        for name in self.adapter_class.option_fields:
            options[name] = self.cleaned_data.get(f"option_{name}")
        channel.options = options
        credentials = channel.get_credentials()
        for name in self.adapter_class.credential_fields:
            value = self.cleaned_data.get(f"credential_{name}")
            if value:
                credentials[name] = value
        channel.set_credentials(credentials)
        if commit:
            channel.save()
        return channel


def channel_form_class(platform: str) -> type[ChannelForm]:
    adapter = get_adapter_class(platform)
    return type(f"{adapter.__name__}ChannelForm", (ChannelForm,), {"adapter_class": adapter})
