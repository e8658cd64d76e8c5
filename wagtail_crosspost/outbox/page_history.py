"""The page's history: one entry per delivered, updated, deleted or failed post."""

from __future__ import annotations

import logging

from ..models import Publication

logger = logging.getLogger(__name__)
Status = Publication.Status
Action = Publication.Action

LOG_ACTIONS: dict[tuple[str, str], str] = {
    (Action.POST, Status.POSTED): "wagtail_crosspost.posted",
    (Action.UPDATE, Status.POSTED): "wagtail_crosspost.updated",
    (Action.DELETE, Status.DELETED): "wagtail_crosspost.deleted",
}


def log_on_page(row: Publication) -> None:
    from wagtail.log_actions import log

    if row.page_id is None:
        return
    action = LOG_ACTIONS.get((str(row.action), str(row.status)))
    if action is None and row.status in (Status.FAILED, Status.UNKNOWN):
        action = "wagtail_crosspost.failed"
    if action is None:
        return
    try:
        # The history entry needs the page's type, id and title, not its content.
        page = row.page.specific_deferred if row.page else None
        if page is None:
            return
        log(
            instance=page,
            action=action,
            user=row.requested_by,
            data={
                "channel": row.channel.name,
                "url": row.remote_url,
                "error": row.error[:500],
                "dry_run": row.dry_run,
            },
        )
    except Exception:  # the history entry must never undo a delivery
        logger.exception("Could not write the page history entry for publication %s", row.pk)
