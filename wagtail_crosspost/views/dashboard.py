"""Dashboard panel: failed posts of the last 7 days and channels that need reconnecting."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from wagtail.admin.ui.components import Component

from ..models import Channel, Publication
from ..permissions import CROSSPOST_PAGE
from ..review.notices import scrub, secrets_of


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
        secrets: dict[int, list[str]] = {}
        shown = []
        for pub in failed[:10]:
            # Whatever an adapter put into its error, the channel's secrets never reach the page.
            if pub.channel_id not in secrets:
                secrets[pub.channel_id] = secrets_of(pub.channel)
            shown.append((pub, scrub(pub.error_text, secrets[pub.channel_id])))
        return {
            "failed": shown,
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


class OverduePagesPanel(Component):
    """A warning on the dashboard when scheduled pages are long past their go-live time: nobody
    runs Wagtail's ``publish_scheduled`` (the same test as system check W003)."""

    name = "crosspost_overdue_pages"
    template_name = "wagtail_crosspost/dashboard/overdue_pages.html"
    order = 140

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context=None):
        from wagtail.models import Page

        from ..schedule.scheduled_pages import (
            OVERDUE_AFTER,
            overdue_pages,
            publishes_scheduled_pages,
        )

        revisions = overdue_pages()
        ids = {int(r.object_id) for r in revisions if str(r.object_id).isdigit()}
        user = self.request.user
        pages = [  # only the pages this user may edit: no titles from other sites
            page
            for page in Page.objects.filter(pk__in=ids).order_by("pk")
            if page.permissions_for_user(user).can_edit()
        ]
        return {
            "pages": pages,
            "minutes": int(OVERDUE_AFTER.total_seconds() // 60),
            "setting_on": publishes_scheduled_pages(),
        }

    def render_html(self, parent_context=None):
        if not self.request.user.has_perm("wagtail_crosspost.change_channel"):
            return ""
        if not self.get_context_data(parent_context)["pages"]:
            return ""
        return super().render_html(parent_context)
