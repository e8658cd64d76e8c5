"""Evergreen settings per channel, blackout periods, and the per-page choice with its variants.

A model of the ``wagtail_crosspost`` app: ``wagtail_crosspost/models.py`` imports this module at
its end so that Django registers it (the one declared exception to the layers).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

PAGE_MODEL = getattr(settings, "WAGTAIL_PAGE_MODEL", "wagtailcore.Page")
#: At most this many variants for one channel (and as many for all channels).
MAX_VARIANTS = 5


def tag_list(text: str) -> list[str]:
    return sorted({t.strip().lower() for t in (text or "").split(",") if t.strip()})


class EvergreenSettings(models.Model):
    """Which pages a channel re-shares, how often, and the rules that keep it from looking like
    spam. Off until an administrator switches it on."""

    channel = models.OneToOneField(
        "wagtail_crosspost.Channel",
        verbose_name=_("channel"),
        on_delete=models.CASCADE,
        related_name="evergreen",
    )

    class Order(models.TextChoices):
        OLDEST = "oldest", _("Shared longest ago first")
        BEST = "best", _("Best performers first")

    enabled = models.BooleanField(_("re-share older pages"), default=False)
    order = models.CharField(
        _("which page first"),
        max_length=10,
        choices=Order.choices,
        default=Order.OLDEST,
        help_text=_(
            "Best performers first: the pages whose earlier posts on this channel had the most "
            "interactions per post (engagement figures) go first. Ties, and pages without "
            "figures, in the usual order: shared longest ago first."
        ),
    )
    per_week = models.PositiveSmallIntegerField(
        _("re-shares per week"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(7 * 24)],
        help_text=_("Leave empty to fill every free slot of the posting schedule."),
    )
    daily_cap = models.PositiveSmallIntegerField(
        _("at most per day"),
        default=1,
        validators=[MaxValueValidator(48)],
        help_text=_("Re-shares on this channel on one day (in the schedule's time zone)."),
    )
    cooldown_days = models.PositiveIntegerField(
        _("cooldown (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Never the same page on this channel again within this many days."),
    )
    max_per_page = models.PositiveSmallIntegerField(
        _("re-shares per page at most"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no limit."),
    )
    page_types = models.ManyToManyField(
        "contenttypes.ContentType",
        verbose_name=_("page types"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty for every page type."),
    )
    section = models.ForeignKey(
        PAGE_MODEL,
        verbose_name=_("section of the site"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Only pages below this page. Leave empty for the whole site."),
    )
    include_tags = models.CharField(
        _("only pages tagged"),
        max_length=500,
        blank=True,
        help_text=_("Tags separated by commas; a page needs one of them. Empty: any page."),
    )
    exclude_tags = models.CharField(
        _("never pages tagged"), max_length=500, blank=True, help_text=_("Tags, by commas.")
    )
    min_age_days = models.PositiveIntegerField(
        _("minimum page age (days)"),
        default=30,
        help_text=_("Days since the page first went live before it may be re-shared."),
    )
    max_age_days = models.PositiveIntegerField(
        _("maximum page age (days)"),
        null=True,
        blank=True,
        help_text=_("Older pages are not re-shared. Leave empty for no limit."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("evergreen setting")
        verbose_name_plural = _("evergreen settings")
        ordering = ["channel__name"]

    def __str__(self) -> str:
        return str(self.channel)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.enabled and self.daily_cap == 0:
            errors["daily_cap"] = _(
                "A cap of 0 allows no re-share at all. Raise it, or switch re-sharing off."
            )
        if self.enabled and self.per_week == 0:
            errors["per_week"] = _(
                "0 re-shares a week plans nothing. Leave it empty to fill every free slot, "
                "or switch re-sharing off."
            )
        if self.max_age_days is not None and self.max_age_days <= self.min_age_days:
            errors["max_age_days"] = _("The maximum age must be more than the minimum age.")
        overlap = set(tag_list(self.include_tags)) & set(tag_list(self.exclude_tags))
        if overlap:
            errors["exclude_tags"] = _("A tag cannot be included and excluded: %(tags)s.") % {
                "tags": ", ".join(sorted(overlap))
            }
        if errors:
            raise ValidationError(errors)

    @property
    def cooldown(self) -> timedelta:
        return timedelta(days=self.cooldown_days)


class Blackout(models.Model):
    """A time without re-shares: a holiday, a crisis, a product recall. No end: until lifted
    (the "pause all re-sharing" switch)."""

    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Leave empty for every site."),
    )
    channel = models.ForeignKey(
        "wagtail_crosspost.Channel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Leave empty for every channel (of the site)."),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(
        _("ends"), null=True, blank=True, help_text=_("Leave empty to pause until you lift it.")
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("re-sharing blackout")
        verbose_name_plural = _("re-sharing blackouts")
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.reason or str(_("Blackout from %(start)s") % {"start": self.starts_at})

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError(
                {"ends_at": _("The blackout ends before it starts. Check the two dates.")}
            )

    def covers(self, moment: datetime) -> bool:
        return self.starts_at <= moment and (self.ends_at is None or moment < self.ends_at)


class EvergreenPage(models.Model):
    """One record per page: may it be re-shared, and the text variants for its re-shares."""

    class Choice(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        UNTIL = "until", _("Until a date")

    page = models.OneToOneField(
        PAGE_MODEL,
        verbose_name=_("page"),
        on_delete=models.CASCADE,
        related_name="crosspost_evergreen",
    )
    reshare = models.CharField(
        _("re-share this page"), max_length=5, choices=Choice.choices, default=Choice.YES
    )
    until = models.DateField(_("until"), null=True, blank=True)
    #: ``[{"channel": id or None (all channels), "text": "..."}]``, at most five of each.
    variants = models.JSONField(_("text variants"), default=list, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("re-sharing choice")
        verbose_name_plural = _("re-sharing choices")

    def __str__(self) -> str:
        return str(self.page_id)

    def clean(self) -> None:
        if self.reshare == self.Choice.UNTIL and not self.until:
            raise ValidationError({"until": _("Give the last day this page may be re-shared.")})
        counts: dict[Any, int] = {}
        for variant in self.variants or []:
            if not isinstance(variant, dict) or not str(variant.get("text", "")).strip():
                raise ValidationError({"variants": _("Each variant needs a text.")})
            key = variant.get("channel")
            counts[key] = counts.get(key, 0) + 1
            if counts[key] > MAX_VARIANTS:
                raise ValidationError(
                    {"variants": _("At most %(n)d variants per channel.") % {"n": MAX_VARIANTS}}
                )

    def allows(self, day: date) -> bool:
        if self.reshare == self.Choice.NO:
            return False
        return not (self.reshare == self.Choice.UNTIL and self.until and day > self.until)

    def texts_for(self, channel_id: int) -> list[str]:
        """The variants for this channel first, then those for all channels."""
        return variant_texts(self.variants, channel_id)


def variant_texts(variants: Any, channel_id: int) -> list[str]:
    own, every = [], []
    for variant in variants or []:
        if not isinstance(variant, dict):
            continue
        text = str(variant.get("text", "")).strip()
        if not text:
            continue
        if variant.get("channel") in (None, ""):
            every.append(text)
        elif str(variant.get("channel")) == str(channel_id):
            own.append(text)
    return own[:MAX_VARIANTS] + [t for t in every[:MAX_VARIANTS] if t not in own]
