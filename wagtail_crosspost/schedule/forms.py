"""The posting-schedule admin form, and the editor's timing fields of the Publish-to panel."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.widgets import AdminDateTimeInput

from ..models import Channel
from .models import ChannelSchedule, Timing


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


# -- the editor's timing for one page and channel (a field pair of the Publish-to panel) ----------

TIMING_FOR_PAGE = [
    ("", _("The channel's default")),
    (Timing.WITH_PAGE, Timing.WITH_PAGE.label),
    (Timing.NEXT_SLOT, Timing.NEXT_SLOT.label),
    (Timing.AT, Timing.AT.label),
]
TIMING_WIDGETS = {
    "timing": forms.Select(choices=TIMING_FOR_PAGE),
    "send_at": AdminDateTimeInput(),
}


def clean_timing(form: forms.BaseForm) -> None:
    """A date and time is needed for "at a date and time", and a newly chosen one must lie
    ahead. (A time that passes while the page waits is not an error: the post goes out when the
    page does, never lost.)"""
    data = form.cleaned_data
    if data.get("timing") != Timing.AT:
        return
    send_at = data.get("send_at")
    if send_at is None:
        form.add_error("send_at", _("Choose the date and time to post at."))
    elif "send_at" in form.changed_data and send_at <= timezone.now():
        form.add_error("send_at", _("This time has passed. Choose a time in the future."))
