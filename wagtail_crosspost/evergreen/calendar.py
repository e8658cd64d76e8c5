"""Re-shares in the social calendar: their entries, and moving or cancelling one.

The calendar (``schedule.calendar``) already lists re-share rows with the other waiting posts;
``entries`` gives them as a separate feed, marked ``"kind": "reshare"``, for a calendar that
wants to tell them apart (one query). ``move`` and ``cancel`` are what the calendar's
drag-and-drop and its cancel button call for a re-share: the slot moves with the row (the old
one becomes free for the planner), and the database still refuses two re-shares in one slot.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from ..models import Channel, Publication
from ..schedule import moves

Kind, Status = Publication.Kind, Publication.Status
COLOUR = "#0f7c7c"


def entries(user: Any, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The waiting re-shares between ``start`` and ``end`` that ``user`` may see."""
    rows = (
        Publication.objects.visible_to(user)
        .filter(
            channel__in=Channel.objects.visible_to(user),
            kind=Kind.RESHARE,
            status=Status.PENDING,
            next_attempt_at__gte=start,
            next_attempt_at__lt=end,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "next_attempt_at", "page_title", "channel__name", "channel__platform")
    )
    return [
        {
            "id": f"post-{pk}",
            "title": f"{channel} · {title}",
            "start": when.isoformat(),
            "color": COLOUR,
            "editable": True,
            "extendedProps": {"kind": "reshare", "status": "pending", "platform": platform},
        }
        for pk, when, title, channel, platform in rows
    ]


def move(pk: int, when: datetime, user: Any) -> str:
    """Move a waiting re-share to ``when``; "" when done, else the reason in words. The
    calendar's own move (``schedule.moves.move_post``), which takes the slot along."""
    row = Publication.objects.visible_to(user).filter(pk=pk, kind=Kind.RESHARE).first()
    if row is None or row.status != Status.PENDING:
        return _("This re-share is no longer waiting.")
    try:
        moves.move_post(user, pk, when)
    except moves.MoveError as error:
        return str(error)
    return ""


def cancel(pk: int, user: Any) -> bool:
    """Cancel a waiting re-share: it stays in the log as skipped (its slot stays used)."""
    return bool(
        Publication.objects.visible_to(user)
        .filter(pk=pk, kind=Kind.RESHARE, status=Status.PENDING)
        .update(status=Status.SKIPPED, error=_("Cancelled in the calendar."))
    )
