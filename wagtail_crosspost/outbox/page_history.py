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
    try:
        entry = entry_for(row)
        if entry is not None:
            insert(entry)
    except Exception:  # the history entry must never undo a delivery
        logger.exception("Could not write the page history entry for publication %s", row.pk)


def entry_for(row: Publication):
    """The page history entry for the row's outcome (unsaved), or None."""
    if row.page_id is None:
        return None
    action = LOG_ACTIONS.get((str(row.action), str(row.status)))
    if action is None and row.status in (Status.FAILED, Status.UNKNOWN):
        action = "wagtail_crosspost.failed"
    if action is None:
        return None
    # The history entry needs the page's type, id and title, not its content.
    page = row.page.specific_deferred if row.page else None
    if page is None:
        return None
    data = {
        "channel": row.channel.name,
        "platform": row.channel.platform,  # its label is shown in the reader's language
        "url": row.remote_url,
        "error": row.error[:500],
        "dry_run": row.dry_run,
    }
    if row.message_code:  # the error as a code: the history reads it in the reader's language
        data["message"] = {"code": row.message_code, "params": row.message_params or {}}
    return _entry(page, action, row.requested_by_id, data)


def _entry(page, action: str, user_id, data: dict):
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone
    from wagtail.log_actions import get_active_log_context
    from wagtail.log_actions import registry as log_actions
    from wagtail.models import PageLogEntry

    if not log_actions.action_exists(action):
        return None
    return PageLogEntry(
        content_type=ContentType.objects.get_for_model(page, for_concrete_model=False),
        label=page.get_admin_display_title(),
        action=action,
        timestamp=timezone.now(),
        page=page,
        user_id=user_id,
        uuid=get_active_log_context().uuid,
        data=data,
    )


def insert(entry) -> None:
    """What ``wagtail.log_actions.log`` stores, in one INSERT: its ``save()`` would check with
    three queries that the content type, user and page exist, which the caller's foreign keys
    already guarantee (a page's entries are deleted with it); and ``bulk_create`` would wrap the
    INSERT in a transaction (two statements more)."""
    from django.db import models

    models.Model.save(entry, force_insert=True)


def _insert(page, action: str, user_id, data: dict) -> None:
    entry = _entry(page, action, user_id, data)
    if entry is not None:
        insert(entry)


def _log(page, action: str, user, data: dict) -> None:
    try:
        _insert(page.specific_deferred, action, getattr(user, "pk", None), data)
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
    data = {"channel": row.channel.name, "platform": row.channel.platform}
    _log(row.page, "wagtail_crosspost.retried", user, data)
