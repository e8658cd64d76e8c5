"""Admin URLs (mounted under the Wagtail admin by wagtail_hooks)."""

from django.urls import include, path

from .metrics.report_views import SocialPerformanceView
from .schedule import calendar_views, move_views, pause_views
from .views import (
    actions,
    approved,
    evergreen_page,
    evergreen_report,
    linkcard,
    notices,
    preview,
    review_link,
    status,
)

app_name = "wagtail_crosspost"
urlpatterns = [
    path("pages/<int:page_id>/status/", status.page_status, name="page_status"),
    path("preview/", preview.preview, name="preview"),
    path("pages/<int:page_id>/link-card/", linkcard.link_card, name="link_card"),
    path("connect/", include("wagtail_crosspost.auth.urls")),
    path("publications/<int:pk>/retry/", actions.retry, name="retry"),
    path("publications/<int:pk>/delete-remote/", actions.delete_remote, name="delete_remote"),
    path("channels/<int:pk>/test/", actions.test_connection, name="test_connection"),
    path("pages/<int:page_id>/preview-links/", review_link.manage, name="preview_links"),
    path("calendar/", calendar_views.CalendarView.as_view(), name="calendar"),
    path("calendar/data/", calendar_views.calendar_data, name="calendar_data"),
    path("pages/<int:page_id>/resharing/", evergreen_page.reshare_page, name="reshare_page"),
    path("resharing/", evergreen_report.ReshareReportView.as_view(), name="resharing"),
    path("calendar/move/", move_views.move, name="calendar_move"),
    path("calendar/undo/", move_views.undo, name="calendar_undo"),
    path("calendar/channels/<int:pk>/pause/", pause_views.pause, name="channel_pause"),
    path("calendar/channels/<int:pk>/resume/", pause_views.resume, name="channel_resume"),
    path("approved/<int:task_state_id>/", approved.approved, name="approved"),
    path("notices/", notices.index, name="notices"),
    path("notices/<int:pk>/", notices.open_notice, name="notice_open"),
    path("notices/seen/", notices.mark_seen, name="notices_seen"),
    path("performance/", SocialPerformanceView.as_view(), name="performance"),
    path(
        "performance/results/",
        SocialPerformanceView.as_view(results_only=True),
        name="performance_results",
    ),
]
