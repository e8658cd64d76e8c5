"""Rescheduling from the calendar: move a scheduled page or a waiting post, and undo a move.

- A **scheduled page** moves through Wagtail's own scheduling: the scheduled revision's
  ``approved_go_live_at`` and its stored ``go_live_at``, the page's ``go_live_at`` (when it has no
  live version, as Wagtail's publish action does) and a ``wagtail.publish.schedule`` audit-log
  entry: what the page's schedule dialog and *Publish* leave behind. Only a user who may publish
  the page moves it, and not while someone else holds a lock on it (or a workflow task does).
- A **waiting post** (an outbox row still queued) changes only its send time, in one conditional
  update: a row a worker has just taken is not moved. A planned **re-share** takes its slot
  along (the old one is free for the planner again); a time where the channel already has a
  re-share is refused (the database's one-re-share-per-slot constraint).
- A sent post does not move. A move into the past does not happen. Each refusal is a
  ``MoveError`` with a message for the editor; nothing is changed.

A move answers with an **undo token** (signed, for this user, valid ``UNDO_SECONDS``) that puts
the previous time back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ..models import Publication
from ..permissions import user_can_crosspost

#: How long "Undo" stays possible after a move.
UNDO_SECONDS = 30
_SALT = "wagtail_crosspost.calendar.undo"


class MoveError(Exception):
    """A move that was refused; ``str(error)`` is the message for the editor."""


class MoveForbidden(MoveError):
    """Refused because the user may not move this entry (permission or lock)."""


@dataclass(frozen=True)
class Moved:
    kind: str  # "page" or "post"
    pk: int
    previous: datetime
    now_at: datetime
    undo: str  # the token that puts ``previous`` back


def move(user: Any, entry_id: str, when: datetime, *, now: datetime | None = None) -> Moved:
    """Move the calendar entry ``entry_id`` ("page-<id>" or "post-<id>") to ``when``."""
    now = now or timezone.now()
    if when <= now:
        raise MoveError(_("A post or page cannot be moved into the past."))
    kind, pk = _parse_id(entry_id)
    previous = move_page(user, pk, when) if kind == "page" else move_post(user, pk, when)
    token = signing.dumps(
        {"k": kind, "id": pk, "at": previous.isoformat(), "u": user.pk}, salt=_SALT
    )
    return Moved(kind, pk, previous, when, token)


def undo(user: Any, token: str, *, now: datetime | None = None) -> Moved:
    """Put back the time a move replaced (the token ``move`` gave), within ``UNDO_SECONDS``."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=UNDO_SECONDS)
    except signing.SignatureExpired:
        raise MoveError(_("Too late to undo: move the entry back instead.")) from None
    except signing.BadSignature:
        raise MoveError(_("This undo is not valid.")) from None
    if data.get("u") != user.pk:
        raise MoveError(_("This undo is not valid."))
    previous = parse_datetime(data["at"])
    assert previous is not None
    now = now or timezone.now()
    kind, pk = data["k"], int(data["id"])
    if kind == "page":
        if previous <= now:
            raise MoveError(_("Too late to undo: the page's old time has passed."))
        before = move_page(user, pk, previous)
    else:
        # A post's old time may have passed in the meantime: then it is due now.
        before = move_post(user, pk, max(previous, now))
    return Moved(kind, pk, before, previous, "")


def _parse_id(entry_id: str) -> tuple[str, int]:
    kind, _sep, number = (entry_id or "").partition("-")
    if kind not in ("page", "post") or not number.isdigit():
        raise MoveError(_("Unknown calendar entry."))
    return kind, int(number)


# -- pages ---------------------------------------------------------------------------------------


def move_page(user: Any, page_id: int, when: datetime) -> datetime:
    """Reschedule the page's scheduled revision to ``when``; its previous go-live time."""
    from wagtail.log_actions import log
    from wagtail.models import Page
    from wagtail.utils.timestamps import ensure_utc

    with transaction.atomic():
        page = Page.objects.select_for_update().filter(pk=page_id).first()
        if page is None:
            raise MoveError(_("Unknown calendar entry."))
        page = page.specific
        if not page.permissions_for_user(user).can_publish():
            raise MoveForbidden(_("You may not publish this page, so you cannot move it."))
        _check_locks(page, user)
        revision = page.scheduled_revision
        if revision is None or revision.approved_go_live_at is None:
            raise MoveError(_("This page is no longer scheduled."))
        previous = revision.approved_go_live_at
        content = dict(revision.content or {})
        content["go_live_at"] = when.isoformat()
        revision.content = content
        revision.approved_go_live_at = when
        revision.save(update_fields=["content", "approved_go_live_at"])
        if not page.live_revision_id:
            # Wagtail's publish action saves the scheduled object, go_live_at included.
            Page.objects.filter(pk=page.pk).update(go_live_at=when)
            page.go_live_at = when
        log(
            instance=page,
            action="wagtail.publish.schedule",
            user=user,
            data={
                "revision": {
                    "id": revision.pk,
                    "created": ensure_utc(revision.created_at),
                    "go_live_at": ensure_utc(when),
                    "has_live_version": page.live,
                }
            },
            revision=revision,
            content_changed=False,
        )
    return previous


def _check_locks(page: Any, user: Any) -> None:
    """Refuse while another user's lock or a workflow task locks the page. Wagtail's own
    "scheduled" lock is the schedule being moved, so it does not count."""
    from wagtail.locks import BasicLock

    if page.locked and BasicLock(page).for_user(user):
        raise MoveForbidden(_("The page is locked by another user."))
    task = page.current_workflow_task
    if task is not None and task.lock_class(page, task).for_user(user):
        raise MoveForbidden(_("The page is in a workflow that locks it."))


# -- posts ---------------------------------------------------------------------------------------


def move_post(user: Any, pk: int, when: datetime) -> datetime:
    """Change a waiting post's send time; its previous send time."""
    if not user_can_crosspost(user):
        raise MoveForbidden(_("You may not plan posts, so you cannot move them."))
    row = Publication.objects.visible_to(user).filter(pk=pk).first()
    if row is None:
        raise MoveError(_("Unknown calendar entry."))
    if row.status != Publication.Status.PENDING:
        raise MoveError(
            _("Only a post that still waits can be moved; this one is %(status)s.")
            % {"status": row.status_label.lower()}
        )
    fields: dict[str, Any] = {"next_attempt_at": when}
    if row.slot_at is not None:
        fields["slot_at"] = when  # a re-share: its slot moves with it
    try:
        with transaction.atomic():
            moved = Publication.objects.filter(
                pk=pk, status=Publication.Status.PENDING, next_attempt_at=row.next_attempt_at
            ).update(**fields)
    except IntegrityError:
        raise MoveError(
            _("Another re-share of this channel is planned at that time. Choose another time.")
        ) from None
    if not moved:
        raise MoveError(_("The post is being sent right now and cannot be moved."))
    return row.next_attempt_at
