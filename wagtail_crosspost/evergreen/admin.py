"""Settings → Evergreen re-sharing and Re-sharing blackouts, for those who may edit channels."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import AdminDateTimeInput
from wagtail.permission_policies import ModelPermissionPolicy

from ..models import Channel
from .models import Blackout, EvergreenSettings


def page_type_choices():
    from wagtail.models import get_page_models

    return ContentType.objects.get_for_models(*get_page_models()).values()


class EvergreenSettingsForm(WagtailAdminModelForm):
    """Validation is the model's (``EvergreenSettings.clean``)."""

    class Meta:
        model = EvergreenSettings
        fields = [
            "channel",
            "enabled",
            "order",
            "per_week",
            "daily_cap",
            "cooldown_days",
            "max_per_page",
            "page_types",
            "section",
            "include_tags",
            "exclude_tags",
            "min_age_days",
            "max_age_days",
        ]
        widgets = {"page_types": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, for_user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, for_user=for_user, **kwargs)
        channels = Channel.objects.visible_to(for_user) if for_user else Channel.objects.all()
        self.fields["channel"].queryset = channels
        types = [ct.pk for ct in page_type_choices()]
        self.fields["page_types"].queryset = ContentType.objects.filter(pk__in=types)


class BlackoutForm(WagtailAdminModelForm):
    class Meta:
        model = Blackout
        fields = ["reason", "starts_at", "ends_at", "site", "channel"]
        widgets = {"starts_at": AdminDateTimeInput, "ends_at": AdminDateTimeInput}

    def __init__(self, *args: Any, for_user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, for_user=for_user, **kwargs)
        channels = Channel.objects.visible_to(for_user) if for_user else Channel.objects.all()
        self.fields["channel"].queryset = channels


class VisibleMixin:
    """Only the rows of channels the user may see (blackouts for everyone: all of them)."""

    request: Any
    model: Any

    def get_base_queryset(self):
        channels = Channel.objects.visible_to(self.request.user)
        if self.model is Blackout:
            return Blackout.objects.filter(Q(channel__isnull=True) | Q(channel__in=channels))
        return EvergreenSettings.objects.filter(channel__in=channels).select_related("channel")

    def get_queryset(self):
        return self.get_base_queryset()


class IndexView(VisibleMixin, generic.IndexView):
    pass


class EditView(VisibleMixin, generic.EditView):
    pass


class DeleteView(VisibleMixin, generic.DeleteView):
    pass


class EvergreenSettingsViewSet(ModelViewSet):
    model = EvergreenSettings
    icon = "resubmit"
    menu_label = _("Evergreen re-sharing")
    add_to_settings_menu = True
    index_view_class = IndexView
    edit_view_class = EditView
    delete_view_class = DeleteView
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = ["channel", "enabled", "per_week", "daily_cap", "cooldown_days"]

    def get_form_class(self, for_update=False):
        return EvergreenSettingsForm


class BlackoutViewSet(ModelViewSet):
    model = Blackout
    icon = "warning"
    menu_label = _("Re-sharing blackouts")
    add_to_settings_menu = True
    index_view_class = IndexView
    edit_view_class = EditView
    delete_view_class = DeleteView
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = ["reason", "starts_at", "ends_at", "site", "channel"]

    def get_form_class(self, for_update=False):
        return BlackoutForm


def register_policy() -> None:
    """Whoever may add, change or delete channels may do the same here."""
    from wagtail.permissions import register_permission_policy

    register_permission_policy(EvergreenSettings, ModelPermissionPolicy(Channel))
    register_permission_policy(Blackout, ModelPermissionPolicy(Channel))


evergreen_viewset = EvergreenSettingsViewSet("wagtail_crosspost_evergreen")
blackout_viewset = BlackoutViewSet("wagtail_crosspost_blackouts")
