"""Dashboard panel: failed posts of the last 7 days and channels that need reconnecting."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from wagtail.admin.ui.components import Component

from ..models import Channel, Publication
from ..permissions import CROSSPOST_PAGE


class CrosspostSummaryPanel(Component):
    name = "crosspost_summary"
    template_name = "wagtail_crosspost/dashboard/summary.html"
    order = 150

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context=None):
        since = timezone.now() - timedelta(days=7)
        failed = (
            Publication.objects.visible_to(self.request.user)
            .filter(
                status__in=Publication.RETRYABLE_STATUSES,
                updated_at__gte=since,
            )
            .select_related("channel")
            .order_by("-updated_at")
        )
        return {
            "failed": failed[:10],
            "failed_count": failed.count(),
            "reconnect": Channel.objects.visible_to(self.request.user).filter(
                enabled=True, status=Channel.Status.NEEDS_RECONNECT
            ),
            "can_manage": self.request.user.has_perm("wagtail_crosspost.change_channel"),
        }

    def render_html(self, parent_context=None):
        user = self.request.user
        if not (
            user.has_perm(CROSSPOST_PAGE)
            or user.has_perm("wagtail_crosspost.view_publication")
            or user.has_perm("wagtail_crosspost.change_channel")
        ):
            return ""
        context = self.get_context_data(parent_context)
        if not context["failed_count"] and not context["reconnect"]:
            return ""
        return super().render_html(parent_context)
