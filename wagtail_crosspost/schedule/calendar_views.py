"""Reports → Social calendar: the page (a vendored MIT calendar, no CDN) and its JSON data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.models import Locale, Site

from ..models import Channel, Publication
from ..permissions import CROSSPOST_PAGE
from ..site_rights import site_ids_for
from . import calendar, warnings
from .scheduled_pages import OVERDUE_AFTER, overdue_pages, publishes_scheduled_pages


def can_see_calendar(user: Any) -> bool:
    return bool(
        user.has_perm(CROSSPOST_PAGE)
        or user.has_perm("wagtail_crosspost.view_publication")
        or user.has_perm("wagtail_crosspost.change_channel")
    )


class CalendarFilterForm(forms.Form):
    channel = forms.ModelChoiceField(
        queryset=Channel.objects.none(), required=False, label=_("Channel"), empty_label=_("All")
    )
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(), required=False, label=_("Site"), empty_label=_("All")
    )
    locale = forms.ModelChoiceField(
        queryset=Locale.objects.all(), required=False, label=_("Locale"), empty_label=_("All")
    )
    status = forms.ChoiceField(required=False, label=_("Status"))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = Channel.objects.visible_to(user)  # type: ignore[attr-defined]
        site_ids = site_ids_for(user)
        sites = Site.objects.all() if site_ids is None else Site.objects.filter(pk__in=site_ids)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", _("All")),
            ("scheduled", _("Scheduled page")),
            *Publication.Status.choices,
        ]


class CalendarView(WagtailAdminTemplateMixin, TemplateView):
    page_title = _("Social calendar")
    header_icon = "date"
    template_name = "wagtail_crosspost/schedule/calendar.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any):
        if not can_see_calendar(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filters"] = CalendarFilterForm(self.request.GET or None, user=self.request.user)
        context["calendar_config"] = {
            "dataUrl": reverse("wagtail_crosspost:calendar_data"),
            "moveUrl": reverse("wagtail_crosspost:calendar_move"),
            "undoUrl": reverse("wagtail_crosspost:calendar_undo"),
            "previewUrl": reverse("wagtail_crosspost:preview"),
            "csrfToken": get_token(self.request),
            "text": {
                "moved": str(_("Moved to %(when)s.")),
                "undo": str(_("Undo")),
                "undone": str(_("Move undone.")),
                "moveTo": str(_("Move to")),
                "move": str(_("Move")),
                "open": str(_("Open")),
                "close": str(_("Close")),
                "notMovable": str(_("This entry cannot be moved.")),
                "failed": str(_("The move failed; nothing was changed.")),
                "reshare": str(_("Re-share")),
                "paused": str(_("Paused")),
                "willPost": str(_("When it goes live, it posts to:")),
                "pausedHelp": str(
                    _(
                        "Its channel is paused. When it is resumed, this post goes out in the "
                        "next free slot."
                    )
                ),
            },
            "locale": get_language() or "en",
            "date": _day(self.request.GET.get("date")),
            "buttonText": {
                "today": str(_("Today")),
                "dayGridMonth": str(_("Month")),
                "timeGridWeek": str(_("Week")),
                "listWeek": str(_("List")),
            },
            "noEvents": str(_("Nothing planned or sent in this period.")),
        }
        context["overdue"] = self._overdue()
        context["channels"] = self._channels()
        return context

    def _channels(self) -> list[Channel] | None:
        """The channels with their pause state, for those who may pause them."""
        user = self.request.user
        if not user.has_perm("wagtail_crosspost.change_channel"):
            return None
        return list(Channel.objects.visible_to(user).filter(enabled=True).order_by("name"))

    def _overdue(self) -> dict[str, Any] | None:
        """Scheduled pages past their go-live (the dashboard's warning, with the cron line)."""
        from wagtail.models import Page

        ids = {int(r.object_id) for r in overdue_pages() if str(r.object_id).isdigit()}
        user = self.request.user
        pages = [
            page
            for page in Page.objects.filter(pk__in=ids).order_by("pk")
            if page.permissions_for_user(user).can_edit()
        ]
        if not pages:
            return None
        return {
            "pages": pages,
            "minutes": int(OVERDUE_AFTER.total_seconds() // 60),
            "setting_on": publishes_scheduled_pages(),
        }


#: The longest period one request may ask for (a month view shows six weeks).
MAX_PERIOD_DAYS = 62


def calendar_data(request: HttpRequest) -> JsonResponse:
    """``?start=&end=`` (ISO 8601) and the filters: the entries as the calendar reads them."""
    if not can_see_calendar(request.user):
        raise PermissionDenied
    start, end = _moment(request.GET.get("start")), _moment(request.GET.get("end"))
    if start is None or end is None or not start < end:
        return JsonResponse({"error": str(_("Give a start and an end (ISO 8601)."))}, status=400)
    if (end - start).days > MAX_PERIOD_DAYS:
        return JsonResponse({"error": str(_("Ask for two months at most."))}, status=400)
    filters = calendar.Filters.from_query(request.GET)
    found = warnings.annotate(calendar.entries(request.user, start, end, filters))
    return JsonResponse(found, safe=False)


def _day(value: str | None) -> str:
    """``?date=`` (the day the calendar opens on), as YYYY-MM-DD, or "" for today."""
    try:
        day = parse_date(value or "")
    except ValueError:
        return ""
    return day.isoformat() if day else ""


def _moment(value: str | None) -> datetime | None:
    try:
        parsed = parse_datetime(value or "")
    except ValueError:
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed
