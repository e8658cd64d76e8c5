"""Dashboard panel "Social media, last 30 days": the sums, the change, and the goals' progress."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from wagtail.admin.ui.components import Component

from ..models import Channel
from . import report
from .goals import Goal, progress
from .report_views import FIGURE_LABELS, can_see_report

SHOWN = ("posts", "interactions", "views", "own_clicks")


class PerformancePanel(Component):
    name = "crosspost_performance"
    template_name = "wagtail_crosspost/metrics/dashboard_panel.html"
    order = 170

    def __init__(self, request: Any) -> None:
        self.request = request

    def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
        channels = list(Channel.objects.visible_to(self.request.user).order_by("name"))
        rows = report.channel_rows(channels, report.period_of(30))
        totals = report.totals(rows)
        ids = [channel.pk for channel in channels]
        goals = Goal.objects.filter(Q(channel_id__in=ids) | Q(channel__isnull=True))
        return {
            "totals": [{"label": FIGURE_LABELS[name], **totals[name]} for name in SHOWN],
            "goals": [progress(goal) for goal in goals.select_related("channel", "site")],
        }

    def render_html(self, parent_context: Any = None) -> str:
        if not can_see_report(self.request.user):
            return ""
        return super().render_html(parent_context)
