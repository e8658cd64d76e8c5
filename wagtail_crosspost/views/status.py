"""This page's publications per channel: for the panel and its polling endpoint."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from wagtail.models import Page

from ..models import Publication


def publications_by_channel(page: Any, limit: int = 5) -> dict[int, list[Publication]]:
    if not getattr(page, "pk", None):
        return {}
    rows: dict[int, list[Publication]] = {}
    for row in Publication.objects.filter(page=page).select_related("channel")[:200]:
        items = rows.setdefault(row.channel_id, [])
        if len(items) < limit:
            items.append(row)
    return rows


def page_status(request, page_id: int) -> JsonResponse:
    """JSON for the editor's panel: each channel's latest publications of this page."""
    page = get_object_or_404(Page, pk=page_id)
    if not page.permissions_for_user(request.user).can_edit():
        return JsonResponse({"error": _("You cannot see this page.")}, status=403)
    data = []
    for channel_id, rows in publications_by_channel(page).items():
        for row in rows:
            data.append(
                {
                    "id": row.pk,
                    "channel": channel_id,
                    "channel_name": row.channel.name,
                    "action": row.action,
                    "status": row.status,
                    "status_label": row.status_label,
                    "url": row.web_url,
                    "error": row.error,
                    "dry_run": row.dry_run,
                    "updated_at": row.updated_at.isoformat(),
                }
            )
    pending = any(r["status"] in ("pending", "sending") for r in data)
    return JsonResponse({"publications": data, "pending": pending})
