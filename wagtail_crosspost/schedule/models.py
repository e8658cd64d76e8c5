"""A channel's posting schedule: its time zone, weekly slots, default timing and minimum gap.

A model of the ``wagtail_crosspost`` app: ``wagtail_crosspost/models.py`` imports this module at
its end so that Django registers it (the one declared exception to the layers).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import slots as slot_rules


class Timing(models.TextChoices):
    """When a post goes out. The channel has a default; the editor may choose per page."""

    WITH_PAGE = "page", _("With the page")
    NEXT_SLOT = "slot", _("Next free slot")
    DELAY = "delay", _("A delay after the page goes live")
    AT = "at", _("At a date and time")


def default_time_zone() -> str:
    return settings.TIME_ZONE or "UTC"


class ChannelSchedule(models.Model):
    channel = models.OneToOneField(
        "wagtail_crosspost.Channel",
        verbose_name=_("channel"),
        on_delete=models.CASCADE,
        related_name="schedule",
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_time_zone,
        help_text=_('The slots are in this time zone, for example "Europe/Berlin".'),
    )
    slots = models.TextField(
        _("weekly slots"),
        blank=True,
        help_text=_('Days and times, separated by commas, for example "Tue 09:00, Thu 09:00".'),
    )
    default_timing = models.CharField(
        _("default timing"),
        max_length=10,
        choices=[c for c in Timing.choices if c[0] != Timing.AT],
        default=Timing.WITH_PAGE,
        help_text=_("When a post goes out unless the editor chooses otherwise for the page."),
    )
    delay_minutes = models.PositiveIntegerField(
        _("delay (minutes)"),
        default=0,
        help_text=_("For the timing “a delay after the page goes live”, e.g. 120 for two hours."),
    )
    min_gap_minutes = models.PositiveIntegerField(
        _("minimum gap (minutes)"),
        default=0,
        validators=[MaxValueValidator(24 * 60)],
        help_text=_(
            "A slot counts as taken when another post to this channel is this close to it."
        ),
    )

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("posting schedule")
        verbose_name_plural = _("posting schedules")
        ordering = ["channel__name"]

    def __str__(self) -> str:
        return str(self.channel)

    def clean(self) -> None:
        errors: dict[str, list] = {}
        for field, check in (("time_zone", self.zone), ("slots", self.slot_list)):
            try:
                check()
            except ValidationError as error:
                errors[field] = error.error_list
        if self.default_timing == Timing.NEXT_SLOT and "slots" not in errors:
            if not self.slot_list():
                errors["slots"] = [
                    ValidationError(_("The timing “next free slot” needs at least one slot."))
                ]
        if self.default_timing == Timing.DELAY and not self.delay_minutes:
            errors["delay_minutes"] = [
                ValidationError(_("Give the delay in minutes, for example 120 for two hours."))
            ]
        if errors:
            raise ValidationError(errors)
        self.slots = slot_rules.format_slots(self.slot_list())

    def zone(self) -> ZoneInfo:
        return slot_rules.time_zone(self.time_zone or default_time_zone())

    def slot_list(self) -> list[slot_rules.Slot]:
        return slot_rules.parse_slots(self.slots)

    @property
    def delay(self) -> timedelta:
        return timedelta(minutes=self.delay_minutes)

    @property
    def min_gap(self) -> timedelta:
        # Without a gap a slot is still taken by a post in the same minute.
        return timedelta(minutes=max(self.min_gap_minutes, 1))


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A user's secret address of their calendar feed (iCal). Resetting it gives a new token;
    the old address stops working at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="crosspost_calendar_feed",
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)
