"""The posting-schedule form of the admin: one channel's time zone, slots, timing and gap."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from ..models import Channel
from .models import ChannelSchedule


class ChannelScheduleForm(WagtailAdminModelForm):
    """Validation is the model's (``ChannelSchedule.clean``): a slot that does not parse or an
    unknown time zone is an error on its field, and nothing is saved."""

    class Meta:
        model = ChannelSchedule
        fields = [
            "channel",
            "time_zone",
            "slots",
            "default_timing",
            "delay_minutes",
            "min_gap_minutes",
        ]
        widgets = {
            "slots": forms.Textarea(attrs={"rows": 2, "placeholder": _("Tue 09:00, Thu 09:00")}),
            "time_zone": forms.TextInput(attrs={"placeholder": "Europe/Berlin"}),
        }

    def __init__(self, *args: Any, for_user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, for_user=for_user, **kwargs)
        channels = Channel.objects.visible_to(for_user) if for_user else Channel.objects.all()
        if self.instance.pk:
            # A schedule stays with its channel.
            self.fields["channel"].disabled = True
        else:
            channels = channels.filter(schedule__isnull=True)
        self.fields["channel"].queryset = channels  # type: ignore[attr-defined]
