"""POST ``calendar/channels/<pk>/pause/`` and ``.../resume/``: the calendar's pause buttons."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from ..models import Channel
from . import pausing


def can_pause(user: Any) -> bool:
    return bool(user.has_perm("wagtail_crosspost.change_channel"))


def _channel(request: HttpRequest, pk: int) -> Channel:
    if not can_pause(request.user):
        raise PermissionDenied
    return get_object_or_404(Channel.objects.visible_to(request.user), pk=pk)


@require_POST
def pause(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    channel = _channel(request, pk)
    if pausing.pause(channel):
        messages.success(
            request,
            _("“%(channel)s” is paused: its new posts wait until you resume it.")
            % {"channel": channel.name},
        )
    return HttpResponseRedirect(reverse("wagtail_crosspost:calendar"))


@require_POST
def resume(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    channel = _channel(request, pk)
    resumed = pausing.resume(channel)
    if resumed is not None and resumed.replanned:
        first = timezone.localtime(resumed.replanned[0][1])
        messages.success(
            request,
            _(
                "“%(channel)s” is running again. %(count)s held posts go out one by one in the "
                "next free slots, the first at %(when)s."
            )
            % {
                "channel": channel.name,
                "count": len(resumed.replanned),
                "when": first.strftime("%Y-%m-%d %H:%M"),
            },
        )
    elif resumed is not None:
        messages.success(request, _("“%(channel)s” is running again.") % {"channel": channel.name})
    return HttpResponseRedirect(reverse("wagtail_crosspost:calendar"))
