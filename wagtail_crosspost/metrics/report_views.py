"""The Social performance report (Wagtail's reports menu): per channel and period, with the
change against the period before, top pages, figures per day and the best-time pattern; CSV and
XLSX export in Wagtail's report style."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView

from ..models import Channel
from ..permissions import CROSSPOST_PAGE
from . import charts, report

PERIOD_CHOICES = [
    ("7", _("Last 7 days")),
    ("30", _("Last 30 days")),
    ("90", _("Last 90 days")),
]
FIGURE_LABELS = {
    "posts": _("Posts"),
    "reactions": _("Reactions"),
    "reposts": _("Reposts"),
    "replies": _("Replies"),
    "quotes": _("Quotes"),
    "views": _("Views"),
    "clicks": _("Clicks (platform)"),
    "own_clicks": _("Clicks (counted here)"),
    "interactions": _("Interactions"),
    "engagement_rate": _("Engagement rate (%)"),
}
SHOWN = ("posts", "reactions", "reposts", "replies", "views", "own_clicks", "engagement_rate")


def can_see_report(user: Any) -> bool:
    return bool(
        user.has_perm(CROSSPOST_PAGE)
        or user.has_perm("wagtail_crosspost.view_publication")
        or user.has_perm("wagtail_crosspost.change_channel")
    )


class ReportFilterSet(WagtailFilterSet):
    period = django_filters.ChoiceFilter(
        label=_("Period"), choices=PERIOD_CHOICES, method="keep", empty_label=None
    )
    sent = django_filters.DateFromToRangeFilter(
        label=_("Custom range"), method="keep", widget=DateRangePickerWidget
    )
    channel = django_filters.ModelMultipleChoiceFilter(
        label=_("Channel"),
        field_name="pk",
        queryset=lambda request: Channel.objects.visible_to(request.user),
    )

    class Meta:
        model = Channel
        fields: list[str] = []

    def keep(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset  # read by the view: the period is not a filter of the channels


class FigureColumn(Column):
    """A figure with its change against the previous period; "–" where not given."""

    cell_template_name = "wagtail_crosspost/metrics/figure_cell.html"

    def get_cell_context_data(self, instance: Any, parent_context: Any) -> dict[str, Any]:
        context = super().get_cell_context_data(instance, parent_context)
        context["figure"] = getattr(instance, self.name)
        context["change"] = getattr(instance, f"{self.name}_change", None)
        return context


class SocialPerformanceView(ReportView):
    page_title = _("Social performance")
    header_icon = "pick"
    template_name = "wagtail_crosspost/metrics/report.html"
    results_template_name = "wagtail_crosspost/metrics/report_results.html"
    filterset_class = ReportFilterSet
    index_url_name = "wagtail_crosspost:performance"
    index_results_url_name = "wagtail_crosspost:performance_results"
    export_filename = "social-performance"
    paginate_by = None
    list_export = [
        "name",
        "platform",
        *(name for name in FIGURE_LABELS),
        *(f"{name}_change" for name in FIGURE_LABELS if name != "engagement_rate"),
    ]

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not can_see_report(request.user):
            from wagtail.admin.auth import permission_denied

            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)

    @property
    def export_headings(self) -> dict[str, Any]:  # type: ignore[override]
        headings: dict[str, Any] = {"name": _("Channel"), "platform": _("Platform")}
        for name, label in FIGURE_LABELS.items():
            headings[name] = label
            headings[f"{name}_change"] = _("%(figure)s: change (%%)") % {"figure": label}
        return headings

    @cached_property
    def period(self) -> report.Period:
        filters = self.filters
        data = filters.form.cleaned_data if filters and filters.is_valid() else {}
        sent = data.get("sent")
        if sent and sent.start and sent.stop:
            return report.period_of(start=sent.start, end=sent.stop)
        return report.period_of(int(data.get("period") or 30))

    def get_queryset(self) -> Any:
        return Channel.objects.visible_to(self.request.user).order_by("name")

    def decorate_paginated_queryset(self, object_list: Any) -> Any:
        rows = list(object_list)
        if all(isinstance(row, report.ChannelFigures) for row in rows):
            return rows  # decorated already: get_context_data does it for the summary
        return report.channel_rows(rows, self.period)

    @cached_property
    def columns(self) -> list[Column]:
        return [
            Column("name", label=_("Channel")),
            *(FigureColumn(name, label=FIGURE_LABELS[name]) for name in SHOWN),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.is_export:
            return context
        rows = self.decorate_paginated_queryset(context["object_list"])
        context["object_list"] = rows
        context["table"] = self.get_table(rows)
        context.update(self.summary(rows))
        return context

    def summary(self, rows: list[report.ChannelFigures]) -> dict[str, Any]:
        period = self.period
        ids = [row.channel.pk for row in rows]
        days = report.per_day(ids, period)
        weekday_names = _weekday_names()
        return {
            "period": period,
            "totals": [
                {"label": FIGURE_LABELS[name], **value}
                for name, value in report.totals(rows).items()
                if name in FIGURE_LABELS
            ],
            "per_day_chart": charts.bars(
                [(date_format(day, "SHORT_DATE_FORMAT"), value) for day, value in days],
                str(_("Interactions of the posts sent each day")),
            ),
            "best_times_chart": charts.heatmap(
                report.best_times(ids, period),
                weekday_names,
                str(_("Average interactions per post by weekday and hour")),
            ),
            "top_pages": report.top_pages(ids, period),
        }


def _weekday_names() -> list[str]:
    from datetime import date, timedelta

    monday = date(2024, 1, 1)
    return [date_format(monday + timedelta(days=n), "D") for n in range(7)]
