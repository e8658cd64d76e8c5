"""The "Social channel permissions" panel of Wagtail's group editor (Settings → Groups).

One row per channel, one checkbox per right. Registered with Wagtail's
``register_group_permission_panel`` hook, as Wagtail's own collection permissions are: the
group's edit view builds it with ``data``, ``files`` and ``instance``, asks ``is_valid()``,
calls ``save()`` after the group is saved, and renders ``as_admin_panel()``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import Group
from django.db import transaction
from django.template.loader import render_to_string

from .models import RIGHT_DESCRIPTIONS, ChannelRight, GroupChannelPermission

TEMPLATE = "wagtail_crosspost/review/group_channel_permissions.html"


class GroupChannelPermissionsForm(forms.Form):
    prefix = "crosspost_channel_permissions"

    def __init__(
        self, data: Any = None, files: Any = None, instance: Group | None = None, **kwargs: Any
    ) -> None:
        super().__init__(data, files, prefix=kwargs.pop("prefix", None) or self.prefix, **kwargs)
        from ..models import Channel

        self.instance = instance if instance is not None else Group()
        self.channels = list(Channel.objects.order_by("name"))
        held: dict[int, list[str]] = {}
        if self.instance.pk:
            rows = GroupChannelPermission.objects.filter(group=self.instance)
            for channel_id, right in rows.values_list("channel_id", "permission"):
                held.setdefault(channel_id, []).append(right)
        for channel in self.channels:
            self.fields[self.field_name(channel)] = forms.MultipleChoiceField(
                label=channel.name,
                choices=ChannelRight.choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=held.get(channel.pk, []),
            )

    @staticmethod
    def field_name(channel: Any) -> str:
        return f"channel_{channel.pk}"

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [
            {"channel": channel, "field": self[self.field_name(channel)]}
            for channel in self.channels
        ]

    @property
    def rights(self) -> list[tuple[str, Any, Any]]:
        return [(value, label, RIGHT_DESCRIPTIONS[value]) for value, label in ChannelRight.choices]

    @transaction.atomic
    def save(self) -> None:
        if self.instance.pk is None:
            raise ValueError("Save the group before its channel permissions.")
        wanted = {
            (channel.pk, right)
            for channel in self.channels
            for right in self.cleaned_data.get(self.field_name(channel)) or []
        }
        existing = GroupChannelPermission.objects.filter(group=self.instance)
        have = set(existing.values_list("channel_id", "permission"))
        for channel_id, right in have - wanted:
            existing.filter(channel_id=channel_id, permission=right).delete()
        GroupChannelPermission.objects.bulk_create(
            [
                GroupChannelPermission(group=self.instance, channel_id=channel_id, permission=right)
                for channel_id, right in sorted(wanted - have)
            ]
        )

    def as_admin_panel(self) -> str:
        return render_to_string(TEMPLATE, {"form": self})
