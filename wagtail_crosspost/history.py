"""A page's publications as the admin reads them: the "Publish to" panel, its polling endpoint and
the JSON API. Below the admin UI, so that panels and views both import it (never each other)."""

from __future__ import annotations

from typing import Any

from .models import Publication


def publications_by_channel(page: Any, limit: int = 5) -> dict[int, list[Publication]]:
    """The newest ``limit`` publications of ``page`` per channel id (none for an unsaved page)."""
    if not getattr(page, "pk", None):
        return {}
    rows: dict[int, list[Publication]] = {}
    for row in Publication.objects.filter(page=page).select_related("channel")[:200]:
        items = rows.setdefault(row.channel_id, [])
        if len(items) < limit:
            items.append(row)
    return rows


def publication_status_json(row: Publication) -> dict[str, Any]:
    """What the panel's polling endpoint and the JSON API both say about a row's state."""
    return {
        "id": row.pk,
        "action": row.action,
        "status": row.status,
        "status_label": row.status_label,
        "url": row.web_url,
        "error": row.error_text,  # in the reader's language
        # The same as a code plus parameters (empty for rows stored before codes existed).
        "error_code": row.message_code,
        "error_params": row.message_params or {},
        "dry_run": row.dry_run,
        "updated_at": row.updated_at.isoformat(),
    }
