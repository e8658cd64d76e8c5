"""Registers the admin screens, URLs and page-history actions."""

from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from . import urls
from .evergreen.admin import blackout_viewset, evergreen_viewset
from .evergreen.admin import register_policy as register_evergreen_policy
from .metrics.admin import metrics_viewset
from .metrics.admin import register_policy as register_metrics_policy
from .metrics.goal_admin import goal_viewset
from .metrics.goal_admin import register_policy as register_goal_policy
from .permissions import CROSSPOST_PAGE_CODENAME
from .schedule.admin import register_policy as register_schedule_policy
from .schedule.admin import schedule_viewset
from .views.channels import channel_viewset
from .views.log import publication_viewset, register_policy

register_policy()
register_schedule_policy()
register_goal_policy()
register_metrics_policy()
register_evergreen_policy()


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [
        channel_viewset,
        publication_viewset,
        schedule_viewset,
        goal_viewset,
        metrics_viewset,
        evergreen_viewset,
        blackout_viewset,
    ]


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("crosspost/", include(urls, namespace="wagtail_crosspost"))]


@hooks.register("register_admin_menu_item")
def register_calendar_menu_item():
    from django.urls import reverse
    from wagtail.admin.menu import MenuItem

    from .schedule.calendar_views import can_see_calendar

    class CalendarMenuItem(MenuItem):
        def is_shown(self, request):
            return can_see_calendar(request.user)

    url = reverse("wagtail_crosspost:calendar")
    return CalendarMenuItem(_("Social calendar"), url, icon_name="date", order=250)


@hooks.register("register_admin_menu_item")
def register_notices_menu_item():
    """*Social notices*, with the count of the unseen ones."""
    from .views.notices import menu_item

    return menu_item()


@hooks.register("register_account_settings_panel")
def register_notification_preferences_panel(request, user, profile):
    """Account settings → Notifications: an e-mail at once or the daily digest, per event."""
    from .views.notices import NotificationPreferencesPanel

    return NotificationPreferencesPanel(request, user, profile)


@hooks.register("register_reports_menu_item")
def register_performance_report_menu_item():
    from django.urls import reverse
    from wagtail.admin.menu import MenuItem

    from .metrics.report_views import can_see_report

    class PerformanceMenuItem(MenuItem):
        def is_shown(self, request):
            return can_see_report(request.user)

    url = reverse("wagtail_crosspost:performance")
    return PerformanceMenuItem(
        _("Social performance"), url, name="social-performance", icon_name="pick", order=950
    )


@hooks.register("after_publish_page")
def tell_the_editor_what_was_queued(request, page):
    """“Queued for Mastodon and LinkedIn”, with a link to the log; scheduled pages say when."""
    from .views.messages import queued_message

    queued_message(request, page)


@hooks.register("after_edit_page")
def tell_the_approver_what_was_queued(request, page):
    """Approving a page in a workflow publishes it without Wagtail's ``after_publish_page``:
    the moderator gets the same message. Other saves of the edit view say nothing."""
    if request.method == "POST" and request.POST.get("action-workflow-action"):
        from .views.messages import queued_message

        queued_message(request, page, only_if_just_published=True)


@hooks.register("after_edit_page")
def confirm_the_approval(request, page):
    """*Approve the posts* in the editor: which posts the approver approved, and what next."""
    from .review.workflow import take_approved

    # Only the editor's own approve action: what an approval from the dashboard's dialog left
    # in this thread is never shown again by a later save.
    approving = request.method == "POST" and request.POST.get("action-workflow-action")
    approving = approving and request.POST.get("workflow-action-name") in ("approve", "reject")
    task_state_id = take_approved(page) if approving else None
    if task_state_id is not None:
        from wagtail.models import TaskState

        from .review.confirm import tell

        task_state = TaskState.objects.filter(pk=task_state_id).first()
        if task_state is not None:
            tell(request, task_state)


@hooks.register("construct_homepage_panels")
def add_dashboard_panel(request, panels):
    from .views.dashboard import CrosspostSummaryPanel, OverduePagesPanel
    from .views.notices import NoticesPanel

    panels.append(NoticesPanel(request))
    panels.append(OverduePagesPanel(request))
    panels.append(CrosspostSummaryPanel(request))
    from .schedule.dashboard import ThisWeekPanel

    panels.append(ThisWeekPanel(request))
    from .metrics.dashboard import PerformancePanel

    panels.append(PerformancePanel(request))


@hooks.register("register_permissions")
def register_permissions():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(
        content_type__app_label="wagtail_crosspost",
        codename__in=[CROSSPOST_PAGE_CODENAME, "view_publication"],
    )


@hooks.register("register_log_actions")
def register_log_actions(actions):
    from .review.audit import register_log_actions as register

    register(actions)


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def log_crosspost_choices(request, page):
    """The page history says who ticked, unticked or rewrote which channel."""
    if request.method == "POST":
        from .review.audit import log_choice_changes

        log_choice_changes(page, request.user)


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def save_reshare_choice(request, page):
    """The re-sharing choice and variants of the Publish-to panel, once the page is saved."""
    from .views.evergreen_page import save_pending_reshare

    save_pending_reshare(request.user, page)


@hooks.register("after_edit_page")
def send_changed_posts_back_for_approval(request, page):
    """A post edited after its approval needs a new one: its approval step runs again."""
    if request.method == "POST":
        from .review.workflow import reopen_after_edit

        reopen_after_edit(page)


@hooks.register("register_group_permission_panel")
def register_channel_permissions_panel():
    from .review.group_panel import GroupChannelPermissionsForm

    return GroupChannelPermissionsForm


@hooks.register("register_account_settings_panel")
def register_calendar_feed_panel(request, user, profile):
    from .schedule.feed_views import CalendarFeedPanel

    return CalendarFeedPanel(request, user, profile)


@hooks.register("register_reports_menu_item")
def register_resharing_report_menu_item():
    from django.urls import reverse
    from wagtail.admin.menu import MenuItem

    from .schedule.calendar_views import can_see_calendar

    class ReshareMenuItem(MenuItem):
        def is_shown(self, request):
            return can_see_calendar(request.user)

    url = reverse("wagtail_crosspost:resharing")
    return ReshareMenuItem(_("Re-sharing"), url, icon_name="resubmit", order=910)


@hooks.register("register_page_header_buttons")
def reshare_page_button(page, user, view_name, next_url=None):
    """The page's header menu: "Re-sharing" (yes / no / until, and text variants)."""
    from django.urls import reverse
    from wagtail.admin.widgets import Button

    from .permissions import user_can_crosspost

    if user_can_crosspost(user) and getattr(page, "pk", None):
        url = reverse("wagtail_crosspost:reshare_page", args=[page.pk])
        yield Button(_("Re-sharing"), url, icon_name="resubmit", priority=80)


@hooks.register("register_page_header_buttons")
def preview_link_button(page, user, view_name=None, next_url=None):
    """*Preview links* in the page's header menu, where the setting turns them on."""
    from .review import links

    if not links.enabled() or not page.permissions_for_user(user).can_edit():
        return []
    from django.urls import reverse
    from wagtail.admin.widgets import Button

    url = reverse("wagtail_crosspost:preview_links", args=[page.pk])
    return [Button(_("Preview links for reviewers"), url, icon_name="link", priority=60)]
