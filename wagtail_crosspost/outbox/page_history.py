"""The page's history: one entry per delivered, updated, deleted or failed post, and one per
planning (a publish, an API call, a requested deletion) and per Retry. The actions' labels are
registered by ``review.audit``."""

from __future__ import annotations

import logging

from ..models import Publication

logger = logging.getLogger(__name__)
Status = Publication.Status
Action = Publication.Action

LOG_ACTIONS: dict[tuple[str, str], str] = {
    (Action.POST, Status.POSTED): "wagtail_crosspost.posted",
    (Action.UPDATE, Status.POSTED): "wagtail_crosspost.updated",
    (Action.DELETE, Status.DELETED): "wagtail_crosspost.deleted_remotely",
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


def _log(page, action: str, user, data: dict) -> None:
    from wagtail.log_actions import log

    try:
        log(instance=page.specific_deferred, action=action, user=user, data=data)
    except Exception:  # the history entry must never undo the work it records
        logger.exception("Could not write the page history entry %s", action)


def log_planned(page, rows: list[Publication], user=None) -> None:
    """One entry for the rows one publish, API call or request planned: who, which channels."""
    rows = [row for row in rows if row.page_id is not None]
    if not rows or page is None:
        return
    _log(
        page,
        "wagtail_crosspost.planned",
        user,
        {
            "channels": sorted({row.channel.name for row in rows}),
            "action": str(rows[0].action),
            "dry_run": any(row.dry_run for row in rows),
        },
    )


def log_retried(row: Publication, user=None) -> None:
    if row.page_id is None:
        return
    _log(row.page, "wagtail_crosspost.retried", user, {"channel": row.channel.name})
