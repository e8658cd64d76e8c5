"""The publication log: what went where, filterable and exportable; read-only."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from ..models import Publication


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Rows are written by the outbox only: nobody adds, edits or deletes them in the admin."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        if action == "view":
            return super().user_has_permission(user, "view") or user.has_perm(
                "wagtail_crosspost.crosspost_page"
            )
        return super().user_has_permission(user, action)


class PublicationViewSet(ModelViewSet):
    model = Publication
    icon = "list-ul"
    menu_label = _("Publication log")
    menu_order = 900
    menu_hook = "register_reports_menu_item"
    inspect_view_enabled = True
    form_fields = ["page_title"]  # required by ModelViewSet; the policy forbids editing
    copy_view_enabled = False
    list_filter = ["status", "action", "channel", "channel__platform", "created_at"]
    search_fields = ["page_title", "sent_text", "error"]
    list_export = [
        "created_at",
        "page_title",
        "channel",
        "action",
        "status",
        "remote_url",
        "error",
        "sent_text",
    ]
    inspect_view_fields = [
        "page_title",
        "channel",
        "action",
        "status",
        "dry_run",
        "remote_url",
        "remote_id",
        "sent_text",
        "sent_media",
        "error",
        "raw_response",
        "attempts",
        "next_attempt_at",
        "requested_by",
        "created_at",
        "sent_at",
    ]
    list_display = [
        Column("page_title", label=_("Page")),
        Column("channel", label=_("Channel")),
        Column("get_action_display", label=_("Action")),
        StatusTagColumn(
            "status",
            label=_("Status"),
            accessor="get_status_display",
            primary=lambda p: p.status == Publication.Status.POSTED,
        ),
        Column("remote_url", label=_("Link")),
        Column("error", label=_("Error")),
        DateColumn("created_at", label=_("Created")),
    ]

    def get_queryset(self, request):
        return Publication.objects.select_related("channel")


def register_policy() -> None:
    from wagtail.permissions import register_permission_policy

    register_permission_policy(Publication, ReadOnlyPolicy(Publication))


publication_viewset = PublicationViewSet("wagtail_crosspost_log")
