"""Warnings on calendar entries, before they hurt. Two queries, whatever the number of entries.

- **Too close:** two posts to one channel closer together than the channel's minimum gap.
- **Again:** the same page posted to the same channel within ``REPEAT_WARNING_DAYS`` days
  (another generation, a re-share), looked up beyond the period shown.
- **Overdue:** a scheduled page more than 15 minutes past its go-live and still not live
  (``publish_scheduled`` is not running); the calendar page also says what to add to cron.

Each warning is a sentence in ``extendedProps.warnings`` of the entry.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Case, F, Q, When, Window
from django.db.models.functions import Lag, Lead
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import conf
from ..models import Publication
from .models import ChannelSchedule

Status = Publication.Status
#: Statuses of a post that exists or is on its way (a failed or skipped one does not count).
COUNTED = (Status.PENDING, Status.SENDING, Status.POSTED, Status.UNKNOWN)


def repeat_days() -> int:
    return int(conf.get("REPEAT_WARNING_DAYS"))


def annotate(found: list[dict]) -> list[dict]:
    """Add ``warnings`` to each entry of ``found`` (in place) and return it."""
    posts = [
        e
        for e in found
        if e["extendedProps"].get("kind") == "post"
        and e["extendedProps"].get("action") == Publication.Action.POST
        and e["extendedProps"].get("status") in COUNTED
    ]
    for entry in found:
        entry["extendedProps"]["warnings"] = []
        if entry["extendedProps"].get("overdue"):
            entry["extendedProps"]["warnings"].append(
                _(
                    "More than 15 minutes past its go-live and still not live: "
                    "publish_scheduled is not running."
                )
            )
    if posts:
        _too_close(posts)
        _again(posts)
    for entry in found:
        entry.pop("_moment", None)
    return found


def _moment(entry: dict) -> datetime:
    moment = entry.get("_moment")
    if moment is None:
        moment = entry["_moment"] = datetime.fromisoformat(entry["start"])
    return moment


def _too_close(posts: list[dict]) -> None:
    channels = {e["extendedProps"]["channel"] for e in posts}
    gaps = {
        s.channel_id: s.min_gap_minutes
        for s in ChannelSchedule.objects.filter(channel_id__in=channels, min_gap_minutes__gt=0)
    }
    by_channel: dict[int, list[dict]] = defaultdict(list)
    for entry in posts:
        if entry["extendedProps"]["channel"] in gaps:
            by_channel[entry["extendedProps"]["channel"]].append(entry)
    for channel_id, entries in by_channel.items():
        minutes = gaps[channel_id]
        entries.sort(key=_moment)
        for before, after in zip(entries, entries[1:], strict=False):
            if _moment(after) - _moment(before) < timedelta(minutes=minutes):
                message = ngettext(
                    "Less than %(n)s minute from another post to this channel.",
                    "Less than %(n)s minutes from another post to this channel.",
                    minutes,
                ) % {"n": minutes}
                for entry in (before, after):
                    if message not in entry["extendedProps"]["warnings"]:
                        entry["extendedProps"]["warnings"].append(message)


def _again(posts: list[dict]) -> None:
    """One query: the database finds, per page and channel, the posts whose nearest neighbour
    (the one before or after, ``Lag``/``Lead``) is closer than the window, and returns only their
    ids, rather than every post's time for Python to compare."""
    days = repeat_days()
    if days <= 0:
        return
    window = timedelta(days=days)
    moments = [_moment(e) for e in posts]
    low, high = min(moments) - window, max(moments) + window
    when = Case(
        When(status__in=Publication.IN_FLIGHT_STATUSES, then=F("next_attempt_at")),
        default=F("sent_at"),
    )
    partition = [F("page_id"), F("channel_id")]
    order = [F("when").asc(), F("pk").asc()]
    rows = (
        Publication.objects.filter(
            Q(next_attempt_at__range=(low, high)) | Q(sent_at__range=(low, high)),
            action=Publication.Action.POST,
            status__in=COUNTED,
            page_id__in={e["extendedProps"]["page"] for e in posts},
            channel_id__in={e["extendedProps"]["channel"] for e in posts},
        )
        .annotate(when=when)
        .filter(when__range=(low, high))
        .annotate(
            before=Window(Lag("when"), partition_by=partition, order_by=order),
            after=Window(Lead("when"), partition_by=partition, order_by=order),
        )
        .filter(Q(when__lt=F("before") + window) | Q(after__lt=F("when") + window))
        .values_list("pk", flat=True)
    )
    again = set(rows)
    if not again:
        return
    message = ngettext(
        "This page goes to this channel again within %(n)s day.",
        "This page goes to this channel again within %(n)s days.",
        days,
    ) % {"n": days}
    for entry in posts:
        if int(entry["id"].removeprefix("post-")) in again:
            entry["extendedProps"]["warnings"].append(message)
