"""Notices in the admin: the list (*Social notices*), opening one (marks it seen), marking all
seen, the dashboard panel, the menu item with its count, and the account settings panel where
each user chooses an e-mail at once or a daily digest, per event."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.views.account import BaseSettingsPanel, notifications_tab

from .. import conf
from ..permissions import CROSSPOST_PAGE
from ..review import notices
from ..review.models import Notice, NoticeEvent, NotificationPreferences

PER_PAGE = 30
PANEL_SIZE = 5


def _rows(queryset: Any) -> list[dict[str, Any]]:
    return [
        {"notice": notice, "text": rendered}
        for notice, rendered in notices.render_all(queryset.select_related("channel"))
    ]


def index(request: HttpRequest) -> HttpResponse:
    """The user's own notices, newest first; the unseen ones marked."""
    user: Any = request.user
    mine = Notice.objects.filter(recipient=user)
    event = request.GET.get("event", "")
    if event in NoticeEvent.values:
        mine = mine.filter(event=event)
    if request.GET.get("unseen"):
        mine = mine.filter(seen_at__isnull=True)
    page = Paginator(mine, PER_PAGE).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "wagtail_crosspost/notices/index.html",
        {
            "page_title": _("Social notices"),
            "rows": _rows(page.object_list),
            "page_obj": page,
            "events": NoticeEvent.choices,
            "event": event,
            "unseen_only": bool(request.GET.get("unseen")),
            "unseen_count": notices.unseen(user).count(),
        },
    )


def open_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notice to its page, channel or post, marking it seen."""
    notice = get_object_or_404(Notice, pk=pk, recipient=request.user)
    notices.mark_seen(request.user, [notice.pk])
    target = notice.path or reverse("wagtail_crosspost:notices")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = reverse("wagtail_crosspost:notices")
    return redirect(target)


@require_POST
def mark_seen(request: HttpRequest) -> HttpResponse:
    """Mark one notice (``notice``) or all of them (none given) as seen."""
    ids = [int(v) for v in request.POST.getlist("notice") if v.isdigit()]
    count = notices.mark_seen(request.user, ids or None)
    if count:
        messages.success(request, _("Marked as seen."))
    target = request.POST.get("next") or reverse("wagtail_crosspost:notices")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("wagtail_crosspost:notices")
    return redirect(target)


def may_get_notices(user: Any) -> bool:
    """Whether the user could be told anything: who crossposts, approves or manages channels,
    or already got a notice."""
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(
        user.is_superuser
        or user.has_perm(CROSSPOST_PAGE)
        or user.has_perm("wagtail_crosspost.view_publication")
        or user.has_perm("wagtail_crosspost.change_channel")
        or user.groups.filter(crosspost_channel_permissions__isnull=False).exists()
        or Notice.objects.filter(recipient=user).exists()
    )


class NoticesPanel(Component):
    """The dashboard: the user's unseen notices, with *Mark all as seen*."""

    name = "crosspost_notices"
    template_name = "wagtail_crosspost/notices/dashboard_panel.html"
    order = 90

    def __init__(self, request: HttpRequest):
        self.request = request

    def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
        waiting = notices.unseen(self.request.user)
        return {
            "rows": _rows(waiting[:PANEL_SIZE]),
            "count": waiting.count(),
            "next": self.request.get_full_path(),
        }

    def render_html(self, parent_context: Any = None) -> str:
        if not notices.unseen(self.request.user).exists():
            return ""
        return super().render_html(parent_context)


class NoticesMenuItem(MenuItem):
    """*Social notices* in the main menu; its label counts the unseen ones."""

    def is_shown(self, request: HttpRequest) -> bool:
        return may_get_notices(request.user)

    def render_component(self, request: HttpRequest) -> Any:
        count = notices.unseen(request.user).count()
        component = super().render_component(request)
        if count:
            component.label = _("Social notices (%(count)s)") % {"count": count}
            component.attrs = {**component.attrs, "data-crosspost-unseen": str(count)}
        return component


def menu_item() -> NoticesMenuItem:
    return NoticesMenuItem(
        gettext_lazy("Social notices"),
        reverse("wagtail_crosspost:notices"),
        name="social-notices",
        icon_name="mail",
        order=260,
    )


# -- the account settings panel ---------------------------------------------------------------


class NotificationPreferencesForm(forms.ModelForm):
    class Meta:
        model = NotificationPreferences
        fields = [event.value for event in NoticeEvent]
        widgets = {event.value: forms.RadioSelect for event in NoticeEvent}


class NotificationPreferencesPanel(BaseSettingsPanel):
    """Wagtail's account settings, *Notifications* tab: per event, an e-mail at once or the
    daily digest."""

    name = "crosspost_notifications"
    title = gettext_lazy("Social media notifications")
    tab = notifications_tab
    order = 300
    template_name = "wagtail_crosspost/notices/account_panel.html"
    form_class = NotificationPreferencesForm

    def is_active(self) -> bool:
        return may_get_notices(self.user)

    def get_form(self) -> forms.ModelForm:
        kwargs: dict[str, Any] = {
            "instance": notices.preferences_of(self.user),
            "prefix": self.name,
        }
        if self.request.method == "POST":
            return self.form_class(self.request.POST, **kwargs)
        return self.form_class(**kwargs)

    def get_context_data(self) -> dict[str, Any]:
        return {
            **super().get_context_data(),
            "hour": f"{int(conf.get('DIGEST_HOUR')) % 24:02d}:00",
            "mails_on": bool(conf.get("NOTIFICATIONS")),
        }
