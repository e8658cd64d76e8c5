"""Dashboard panel "This week": what goes out in the next seven days, from the calendar's data,
and the posts that wait for a paused channel although their time has passed (they go out after
the resume, in the channel's next free slots)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from wagtail.admin.ui.components import Component

from . import calendar
from .calendar_views import can_see_calendar

SHOWN = 8
#: How far back the panel looks for posts a pause holds.
HELD_SINCE = timedelta(days=366)


class ThisWeekPanel(Component):
    name = "crosspost_this_week"
    template_name = "wagtail_crosspost/schedule/this_week.html"
    order = 160

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context=None):
        now = timezone.now()
        found = calendar.entries(
            self.request.user, now, now + timedelta(days=7), calendar.Filters()
        )
        upcoming = [
            entry
            for entry in found
            if entry["extendedProps"]["status"] in ("scheduled", "pending", "sending")
        ]
        upcoming.sort(key=lambda entry: entry["start"])
        user = self.request.user
        held = calendar.posts(user, now - HELD_SINCE, now, calendar.Filters(held=True))
        for entry in upcoming + held:
            entry["when"] = parse_datetime(entry["start"])
        return {
            "upcoming": upcoming[:SHOWN],
            "count": len(upcoming),
            "held": held[:SHOWN],
            "held_count": len(held),
        }

    def render_html(self, parent_context=None):
        if not can_see_calendar(self.request.user):
            return ""
        return super().render_html(parent_context)
