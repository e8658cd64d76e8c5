"""Reports → Re-sharing: per channel the pool, the next planned re-shares, the pages never
shared, the pages skipped and why, and a dry run of the next weeks (nothing is planned)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from ..evergreen import rules
from ..evergreen.models import EvergreenSettings
from ..evergreen.planning import plan_all
from ..models import Channel, Publication
from ..schedule.calendar_views import can_see_calendar

#: The words for the planner's reasons to leave a page out.
REASONS = {
    rules.NO_NEW_TEXT: _("No new text: every variant was the last one sent. Add a variant."),
    rules.MAX_REACHED: _("Re-shared as often as the channel allows."),
}
NEXT = 20
LISTED = 50


class ReshareReportView(WagtailAdminTemplateMixin, TemplateView):
    page_title = _("Re-sharing")
    header_icon = "resubmit"
    template_name = "wagtail_crosspost/evergreen/report.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any):
        if not can_see_calendar(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def weeks(self) -> int:
        value = self.request.GET.get("weeks", "4")
        return min(int(value), 12) if value.isdigit() and int(value) > 0 else 4

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        channels = {c.pk: c for c in Channel.objects.visible_to(self.request.user)}
        now = timezone.now()
        weeks = self.weeks()
        # A dry run: the same work as the planner, rolled back.
        results = plan_all(days=7 * weeks, now=now, channel_ids=list(channels), dry_run=True)
        waiting = Publication.objects.filter(
            kind=Publication.Kind.RESHARE,
            status=Publication.Status.PENDING,
            channel_id__in=list(channels),
        ).order_by("next_attempt_at", "pk")
        skipped = Publication.objects.filter(
            kind=Publication.Kind.RESHARE,
            status=Publication.Status.SKIPPED,
            channel_id__in=list(channels),
        ).order_by("-updated_at")
        report = []
        for result in results:
            titles = result.titles
            preview = [
                {"when": row.next_attempt_at, "title": row.page_title, "text": row.message}
                for row in result.kept
            ] + [
                {"when": item.slot, "title": titles.get(item.page_id, ""), "text": item.text}
                for item in result.planned
            ]
            report.append(
                {
                    "channel": channels[result.channel_id],
                    "pool_size": result.pool_size,
                    "order": order_label(result.order),
                    "next": list(waiting.filter(channel_id=result.channel_id)[:NEXT]),
                    "never_shared": [titles[pk] for pk in result.never_shared[:LISTED]],
                    "never_shared_count": len(result.never_shared),
                    "left_out": [
                        {"title": titles.get(pk, ""), "reason": REASONS.get(why, why)}
                        for pk, why in sorted(result.skipped.items())[:LISTED]
                    ],
                    "skipped": list(skipped.filter(channel_id=result.channel_id)[:LISTED]),
                    "preview": sorted(preview, key=lambda entry: entry["when"]),
                }
            )
        context.update(report=report, weeks=weeks)
        return context


def order_label(order: str) -> str:
    """Which page goes first on the channel, in words."""
    choices = EvergreenSettings.Order
    return str(choices(order).label if order in choices.values else choices.OLDEST.label)
