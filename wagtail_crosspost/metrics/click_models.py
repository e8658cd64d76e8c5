"""Our own click counting: the switch per channel, one short code per publication, and one
counter row per publication and day.

Privacy first: nothing here stores who clicked. No IP address, no cookie, no user id, no user
agent: a click only raises the day's counter (``tests/metrics/test_clicks.py`` inspects the
columns).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClickCounting(models.Model):
    """A channel's switch: its posts link through the site's short redirect, which counts."""

    channel = models.OneToOneField(
        "wagtail_crosspost.Channel",
        verbose_name=_("channel"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="click_counting",
    )
    enabled = models.BooleanField(_("count clicks"), default=False)

    class Meta:
        verbose_name = _("click counting")
        verbose_name_plural = _("click counting")

    def __str__(self) -> str:
        return f"{self.channel_id}: {'on' if self.enabled else 'off'}"


class TrackedLink(models.Model):
    """The short code a publication's post links to, and where it leads (the page, with the
    channel's UTM parameters), as it was when the post was composed."""

    publication = models.OneToOneField(
        "wagtail_crosspost.Publication",
        verbose_name=_("publication"),
        on_delete=models.CASCADE,
        related_name="tracked_link",
    )
    code = models.CharField(_("code"), max_length=16, unique=True)
    target = models.URLField(_("target"), max_length=2000)

    class Meta:
        verbose_name = _("tracked link")
        verbose_name_plural = _("tracked links")

    def __str__(self) -> str:
        return self.code


class ClickDay(models.Model):
    """How many clicks one publication's link had on one day (UTC). Nothing else."""

    publication = models.ForeignKey(
        "wagtail_crosspost.Publication",
        verbose_name=_("publication"),
        on_delete=models.CASCADE,
        related_name="click_days",
    )
    day = models.DateField(_("day"))
    clicks = models.PositiveIntegerField(_("clicks"), default=0)

    class Meta:
        verbose_name = _("clicks per day")
        verbose_name_plural = _("clicks per day")
        constraints = [
            models.UniqueConstraint(fields=["publication", "day"], name="crosspost_click_day_uniq")
        ]
        indexes = [models.Index(fields=["day"], name="crosspost_click_day_idx")]

    def __str__(self) -> str:
        return f"{self.publication_id} {self.day}: {self.clicks}"
