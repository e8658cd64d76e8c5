"""Settings → Social goals: targets per site and channel, for those who may edit channels."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from ..models import Channel
from .goals import Goal


class GoalViewSet(ModelViewSet):
    model = Goal
    icon = "pick"
    menu_label = _("Social goals")
    add_to_settings_menu = True
    copy_view_enabled = False
    inspect_view_enabled = False
    form_fields = ["site", "channel", "metric", "target", "period"]
    list_display = [
        Column("target", label=_("Target")),
        Column("metric", label=_("What"), accessor="get_metric_display"),
        Column("period", label=_("Per"), accessor="get_period_display"),
        Column("channel", label=_("Channel")),
        Column("site", label=_("Site")),
    ]


def register_policy() -> None:
    """Whoever may add, change or delete channels may set their goals."""
    from wagtail.permissions import register_permission_policy

    register_permission_policy(Goal, ModelPermissionPolicy(Channel))


goal_viewset = GoalViewSet("wagtail_crosspost_goals")
