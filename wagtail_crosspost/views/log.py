"""The publication log: what went where, filterable and exportable; read-only."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import BooleanRadioSelect
from wagtail.permission_policies import ModelPermissionPolicy

from ..metrics import per_post
from ..metrics.report_views import FIGURE_LABELS as REPORT_LABELS
from ..metrics.types import FIGURES
from ..models import Channel, Publication
from ..permissions import CROSSPOST_PAGE
from ..url_safety import web_url
from .log_inspect import PublicationInspectView, error_display

VIEWSET_NAME = "wagtail_crosspost_log"


def platform_choices():
    from ..adapters import get_adapters

    return sorted(
        ((key, str(cls.label)) for key, cls in get_adapters().items()), key=lambda c: c[1]
    )


class PublicationFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=Publication.Status.choices, widget=forms.CheckboxSelectMultiple
    )
    dry_run = django_filters.BooleanFilter(label=_("Dry run"), widget=BooleanRadioSelect)
    action = django_filters.ChoiceFilter(label=_("Action"), choices=Publication.Action.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Publication.Kind.choices)
    channel = django_filters.ModelChoiceFilter(
        label=_("Channel"), queryset=lambda request: Channel.objects.visible_to(request.user)
    )
    platform = django_filters.ChoiceFilter(
        label=_("Platform"), field_name="channel__platform", choices=platform_choices
    )
    created_at = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangePickerWidget)
    page_title = django_filters.CharFilter(label=_("Page"), lookup_expr="icontains")
    requested_by = django_filters.ModelChoiceFilter(
        label=_("Requested by"),
        queryset=lambda request: get_user_model().objects.filter(
            pk__in=Publication.objects.visible_to(request.user)
            .exclude(requested_by=None)
            .values("requested_by")
        ),
    )

    class Meta:
        model = Publication
        fields = [
            "status",
            "dry_run",
            "action",
            "kind",
            "channel",
            "platform",
            "created_at",
            "page_title",
        ]


class ExternalLinkColumn(Column):
    """The remote post: a link that opens in a new tab and tells the platform nothing."""

    cell_template_name = "wagtail_crosspost/log/link_cell.html"

    def get_cell_context_data(self, instance: Any, parent_context: Any) -> dict[str, Any]:
        context = super().get_cell_context_data(instance, parent_context)
        context["url"] = web_url(context["raw_value"])
        return context


#: The log's figure columns, named as in the report; its export has all six figures and ours.
FIGURE_LABELS = {name: REPORT_LABELS[name] for name in per_post.LISTED}
EXPORTED = {name: REPORT_LABELS[name] for name in (*FIGURES, "own_clicks")}


class FigureColumn(Column):
    """A post's latest figure, sortable in SQL; "–" where it is not given (never 0)."""

    cell_template_name = "wagtail_crosspost/log/figure_cell.html"

    def __init__(self, name: str, **kwargs: Any) -> None:
        key = f"{per_post.PREFIX}{name}"
        super().__init__(
            key, label=FIGURE_LABELS[name], sort_key=key, classname="crosspost-figure", **kwargs
        )


class PublicationIndexView(IndexView):
    page_title = _("Publication log")  # as in the Reports menu, not the model's "Publications"

    def get_base_queryset(self):
        # The list and its CSV/XLSX export: only the sites the user has rights on. The export
        # gets every row's figures in its query; the list only the figure it is sorted by (the
        # page's rows get theirs in one query after paging: ``paginate_queryset``).
        rows = Publication.objects.visible_to(self.request.user).select_related("channel")
        if self.is_export:
            return per_post.with_figures(rows)
        if per_post.is_figure_ordering(self.ordering):
            name = self.ordering.lstrip("-").removeprefix(per_post.PREFIX)
            return per_post.with_figures(rows, (name,))
        return rows

    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        page.object_list = per_post.attach(list(object_list))
        return paginator, page, page.object_list, is_paginated

    def order_queryset(self, queryset):
        # A figure sorts with the posts that lack it last, whichever the direction.
        if per_post.is_figure_ordering(self.ordering):
            return per_post.order_by_figure(queryset, self.ordering)
        return super().order_queryset(queryset)

    @property
    def export_headings(self):  # type: ignore[override]
        headings = dict(super().export_headings or {})
        for name, label in EXPORTED.items():
            headings[f"{per_post.PREFIX}{name}"] = label
        return headings

    def stream_csv(self, queryset):
        # The CSV is written while it streams, after the request's language was switched back:
        # it keeps the reader's, like the list (headings, statuses, errors).
        language = translation.get_language()  # now, in the request, not when it streams
        rows = super().stream_csv(queryset)

        def in_language():
            with translation.override(language):
                yield from rows

        return in_language()

    def to_row_dict(self, item):
        row = super().to_row_dict(item)
        if "dry_run" in row:  # the export's column says it in words, as the list does
            row["dry_run"] = str(_("Dry run (not sent)")) if item.dry_run else ""
        if "error" in row:  # as the list and the details say it
            row["error"] = error_display(item)
        return row


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Rows are written by the outbox only: nobody adds, edits or deletes them in the admin."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        if action == "view":
            return super().user_has_permission(user, "view") or user.has_perm(CROSSPOST_PAGE)
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
        "dry_run",
        "remote_url",
        "error",
        "sent_text",
        *(f"{per_post.PREFIX}{name}" for name in EXPORTED),
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
        "image_id_override",
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
        TitleColumn("page_title", label=_("Page"), url_name=f"{VIEWSET_NAME}:inspect"),
        Column("channel", label=_("Channel")),
        Column("get_action_display", label=_("Action")),
        StatusTagColumn(
            "status",
            label=_("Status"),
            accessor="status_label",
            # A dry run is not a success on the platform: it gets the neutral badge.
            primary=lambda p: (
                p.status in (Publication.Status.POSTED, Publication.Status.DELETED)
                and not p.dry_run
            ),
        ),
        ExternalLinkColumn("remote_url", label=_("Link")),
        # An error of an earlier attempt on a post that went out says so ("Earlier attempt: …").
        Column("error", label=_("Error"), accessor=error_display),
        *(FigureColumn(name) for name in per_post.LISTED),
        DateColumn("created_at", label=_("Created"), sort_key="created_at"),
    ]

    index_template_name = "wagtail_crosspost/log/index.html"
    inspect_template_name = "wagtail_crosspost/log/inspect.html"
    index_view_class = PublicationIndexView
    inspect_view_class = PublicationInspectView


def register_policy() -> None:
    from wagtail.permissions import register_permission_policy

    register_permission_policy(Publication, ReadOnlyPolicy(Publication))


publication_viewset = PublicationViewSet(VIEWSET_NAME)
