"""This page's publications per channel: for the panel and its polling endpoint."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from wagtail.models import Page

from ..history import publication_status_json, publications_by_channel


def page_status(request, page_id: int) -> JsonResponse:
    """JSON for the editor's panel: each channel's latest publications of this page."""
    page = get_object_or_404(Page, pk=page_id)
    if not page.permissions_for_user(request.user).can_edit():
        return JsonResponse({"error": _("You cannot see this page.")}, status=403)
    data = []
    pending = False
    for channel_id, rows in publications_by_channel(page).items():
        for row in rows:
            data.append(
                {
                    **publication_status_json(row),
                    "channel": channel_id,
                    "channel_name": row.channel.name,
                }
            )
            pending = pending or row.in_flight
    return JsonResponse({"publications": data, "pending": pending})
