"""Settings → Posting schedules: one schedule per channel, for those who may edit channels."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from ..models import Channel
from .forms import ChannelScheduleForm
from .models import ChannelSchedule


class VisibleSchedulesMixin:
    """Only the schedules of channels of the sites the user has rights on."""

    request: object

    def get_base_queryset(self):
        channels = Channel.objects.visible_to(self.request.user)  # type: ignore[attr-defined]
        return ChannelSchedule.objects.filter(channel__in=channels).select_related("channel")

    def get_queryset(self):
        return self.get_base_queryset()


class ScheduleIndexView(VisibleSchedulesMixin, generic.IndexView):
    pass


class ScheduleEditView(VisibleSchedulesMixin, generic.EditView):
    pass


class ScheduleDeleteView(VisibleSchedulesMixin, generic.DeleteView):
    pass


class ChannelScheduleViewSet(ModelViewSet):
    model = ChannelSchedule
    icon = "time"
    menu_label = _("Posting schedules")
    add_to_settings_menu = True
    index_view_class = ScheduleIndexView
    edit_view_class = ScheduleEditView
    delete_view_class = ScheduleDeleteView
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = [
        "channel",
        "time_zone",
        "slots",
        Column("default_timing", label=_("Default timing"), accessor="get_default_timing_display"),
        "min_gap_minutes",
    ]

    def get_form_class(self, for_update=False):
        return ChannelScheduleForm


def register_policy() -> None:
    """Whoever may add, change or delete channels may do the same with their schedules."""
    from wagtail.permissions import register_permission_policy

    register_permission_policy(ChannelSchedule, ModelPermissionPolicy(Channel))


schedule_viewset = ChannelScheduleViewSet("wagtail_crosspost_schedules")
