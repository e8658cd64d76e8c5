"""The publication log: what went where, filterable and exportable; read-only."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from ..models import Channel, Publication


def platform_choices():
    from ..adapters import get_adapters

    return sorted(
        ((key, str(cls.label)) for key, cls in get_adapters().items()), key=lambda c: c[1]
    )


class PublicationFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=Publication.Status.choices, widget=forms.CheckboxSelectMultiple
    )
    action = django_filters.ChoiceFilter(label=_("Action"), choices=Publication.Action.choices)
    channel = django_filters.ModelChoiceFilter(label=_("Channel"), queryset=Channel.objects.all())
    platform = django_filters.ChoiceFilter(
        label=_("Platform"), field_name="channel__platform", choices=platform_choices
    )
    created_at = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangePickerWidget)
    page_title = django_filters.CharFilter(label=_("Page"), lookup_expr="icontains")
    requested_by = django_filters.ModelChoiceFilter(
        label=_("Requested by"),
        queryset=lambda request: get_user_model().objects.filter(
            pk__in=Publication.objects.exclude(requested_by=None).values("requested_by")
        ),
    )

    class Meta:
        model = Publication
        fields = ["status", "action", "channel", "platform", "created_at", "page_title"]


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
    filterset_class = PublicationFilterSet
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

    inspect_template_name = "wagtail_crosspost/log/inspect.html"

    def get_queryset(self, request):
        return Publication.objects.select_related("channel")


def register_policy() -> None:
    from wagtail.permissions import register_permission_policy

    register_permission_policy(Publication, ReadOnlyPolicy(Publication))


publication_viewset = PublicationViewSet("wagtail_crosspost_log")
