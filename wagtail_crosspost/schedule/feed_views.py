"""The calendar feed: its public address (a secret token per user, no login) and the account
settings panel where the user finds, renews or turns off that address."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.account import BaseSettingsPanel

from . import feed
from .calendar_views import can_see_calendar
from .models import CalendarFeed, new_feed_token


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """``feed/<token>.ics``: the user's upcoming posts and scheduled pages (text/calendar)."""
    found = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if found is None or not found.user.is_active or not can_see_calendar(found.user):
        raise Http404
    text = feed.build(found.user, request.build_absolute_uri("/"))
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="social-calendar.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def feed_url(request: HttpRequest, feed_row: CalendarFeed) -> str:
    return request.build_absolute_uri(
        reverse("wagtail_crosspost_public:calendar_feed", args=[feed_row.token])
    )


class CalendarFeedForm(forms.Form):
    KEEP, NEW, OFF = "keep", "new", "off"

    action = forms.ChoiceField(label=_("Calendar feed"), widget=forms.RadioSelect, required=False)

    def __init__(self, *args: Any, instance: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = instance
        self.feed = CalendarFeed.objects.filter(user=instance).first()
        if self.feed is None:
            choices = [(self.OFF, _("Off")), (self.NEW, _("On: give me an address"))]
            self.initial.setdefault("action", self.OFF)
        else:
            choices = [
                (self.KEEP, _("Keep the address")),
                (self.NEW, _("New address (the old one stops working)")),
                (self.OFF, _("Off (the address stops working)")),
            ]
            self.initial.setdefault("action", self.KEEP)
        self.fields["action"].choices = choices  # type: ignore[attr-defined]

    def save(self) -> None:
        action = self.cleaned_data.get("action") or self.KEEP
        if action == self.OFF:
            CalendarFeed.objects.filter(user=self.user).delete()
        elif action == self.NEW:
            CalendarFeed.objects.update_or_create(
                user=self.user, defaults={"token": new_feed_token()}
            )


class CalendarFeedPanel(BaseSettingsPanel):
    name = "crosspost_calendar_feed"
    title = _("Social calendar feed")
    order = 600
    form_class = CalendarFeedForm
    template_name = "wagtail_crosspost/schedule/feed_panel.html"

    def is_active(self) -> bool:
        # The feed's address lives in public_urls, which the site includes in its URLconf.
        try:
            reverse("wagtail_crosspost_public:calendar_feed", args=["x"])
        except NoReverseMatch:
            return False
        return can_see_calendar(self.user)

    def get_context_data(self) -> dict[str, Any]:
        context = super().get_context_data()
        found = CalendarFeed.objects.filter(user=self.user).first()
        context["feed_url"] = feed_url(self.request, found) if found else ""
        return context
