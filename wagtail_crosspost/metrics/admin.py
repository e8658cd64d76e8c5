"""Settings → Engagement figures: per channel, fetch figures or not, and how the last fetch went.

Whoever may change channels may change these. A channel without a row uses its platform's
default (on, except X); saving the form makes the choice explicit.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from ..models import Channel
from .models import ChannelMetricsSettings


class ChannelMetricsSettingsForm(WagtailAdminModelForm):
    class Meta:
        model = ChannelMetricsSettings
        fields = ["channel", "fetch_figures"]

    def __init__(self, *args: Any, for_user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, for_user=for_user, **kwargs)
        channels = Channel.objects.visible_to(for_user) if for_user else Channel.objects.all()
        if self.instance.pk:
            self.fields["channel"].disabled = True  # the settings stay with their channel
        else:
            channels = channels.filter(metrics_settings__isnull=True)
        self.fields["channel"].queryset = channels  # type: ignore[attr-defined]


class VisibleSettingsMixin:
    request: object

    def get_base_queryset(self):
        channels = Channel.objects.visible_to(self.request.user)  # type: ignore[attr-defined]
        return ChannelMetricsSettings.objects.filter(channel__in=channels).select_related("channel")

    def get_queryset(self):
        return self.get_base_queryset()


class SettingsIndexView(VisibleSettingsMixin, generic.IndexView):
    pass


class SettingsEditView(VisibleSettingsMixin, generic.EditView):
    pass


class SettingsDeleteView(VisibleSettingsMixin, generic.DeleteView):
    pass


class ChannelMetricsSettingsViewSet(ModelViewSet):
    model = ChannelMetricsSettings
    icon = "table"
    menu_label = _("Engagement figures")
    add_to_settings_menu = True
    index_view_class = SettingsIndexView
    edit_view_class = SettingsEditView
    delete_view_class = SettingsDeleteView
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = [
        "channel",
        "fetch_figures",
        Column("platform_gives", label=_("Platform"), accessor="platform_gives"),
        Column("health", label=_("Last fetch"), accessor="health"),
        "fetched_at",
    ]

    def get_form_class(self, for_update=False):
        return ChannelMetricsSettingsForm


def register_policy() -> None:
    """Whoever may add, change or delete channels may do the same with their figures settings."""
    from wagtail.permissions import register_permission_policy

    register_permission_policy(ChannelMetricsSettings, ModelPermissionPolicy(Channel))


metrics_viewset = ChannelMetricsSettingsViewSet("wagtail_crosspost_metrics_settings")
