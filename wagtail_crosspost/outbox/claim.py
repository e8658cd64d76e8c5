"""The one claim path: a worker takes a due row (sets it to *Sending* with a lease) before it
sends anything, and at most one worker wins.

``take(pk)`` takes a given row (the task queue names it); ``take_next()`` takes the most overdue
row (the sweep). Both end in the same compare-and-set and the same read of the taken row. What
to do with a row taken over from a dead worker is the delivery's decision
(``delivery.claim``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import F

from .. import conf
from ..models import Channel, Publication
from .prepared import Prepared

Status = Publication.Status
Action = Publication.Action
#: How many due ids the sweep reads at a time where the database cannot skip locked rows.
CANDIDATES = 10


class Taken(NamedTuple):
    pk: int
    row: Publication | None  # None: deleted in the meantime
    taken_over: bool  # from a worker whose lease ran out (it may have sent already)


def take(pk: int, now) -> Taken | None:
    """Compare-and-set this row to *Sending* if it is due. None if it is not due or another
    worker has it. Set first, read after: what this worker reads is the row as it holds it."""
    rows = Publication.objects.filter(pk=pk).exclude(Publication.objects.held())
    if rows.filter(status=Status.PENDING, next_attempt_at__lte=now).update(**_taking(now)):
        return Taken(pk, _read(pk), taken_over=False)
    if rows.filter(status=Status.SENDING, lease_until__lt=now).update(**_taking(now)):
        return Taken(pk, _read(pk), taken_over=True)  # its worker's lease ran out
    return None


def take_next(
    now, among: Sequence[int] | None = None, busy_channels: Sequence[int] = ()
) -> Taken | None:
    """Take the most overdue row that no other worker is taking; None when nothing is due.
    ``among``: only these rows (a hand-over's task names the rows of one publish);
    ``busy_channels``: none of these channels' rows (this worker sends to them already)."""
    if among is not None and not among:
        return None
    if connection.vendor == "postgresql":
        return _take_next_postgres(now, among, busy_channels)
    # Elsewhere: the oldest due ids (locked past other sweepers where the database can), each
    # tried with the same compare-and-set until one is won.
    while True:
        candidates = _due_ids(now, among, busy_channels)
        if not candidates:
            return None
        for pk in candidates:
            taken = take(pk, now)
            if taken is not None:
                return taken


def _take_next_postgres(now, among: Sequence[int] | None, busy: Sequence[int]) -> Taken | None:
    """PostgreSQL: pick (``FOR UPDATE SKIP LOCKED``) and set in one statement, so concurrent
    sweeps never try the same row."""
    table = connection.ops.quote_name(Publication._meta.db_table)
    fields = {f.name: f for f in Publication._meta.concrete_fields}
    column = {
        name: connection.ops.quote_name(fields[name].column or name)
        for name in (
            "id",
            "channel",
            "status",
            "lease_until",
            "attempts",
            "updated_at",
            "next_attempt_at",
            "action",
        )
    }
    channels = connection.ops.quote_name(Channel._meta.db_table)
    paused_at = connection.ops.quote_name(
        Channel._meta.get_field("paused_at").column or "paused_at"
    )
    # Only quoted identifiers are formatted in; every value is a parameter.
    sql = (  # noqa: S608
        "UPDATE {table} AS p SET {status} = %s, {lease_until} = %s, {attempts} = p.{attempts} + 1,"
        " {updated_at} = %s FROM (SELECT {id}, {status} FROM {table} WHERE (({status} = %s AND"
        " {next_attempt_at} <= %s) OR ({status} = %s AND {lease_until} < %s)){among}{busy}"
        " AND NOT ({action} = %s AND {channel} IN (SELECT {channel_id} FROM {channels}"
        " WHERE {paused_at} IS NOT NULL))"
        " ORDER BY {next_attempt_at}, {id} LIMIT 1 FOR UPDATE SKIP LOCKED) AS due"
        " WHERE p.{id} = due.{id} RETURNING p.{id}, due.{status}"
    ).format(
        table=table,
        among=f" AND {column['id']} = ANY(%s)" if among else "",
        busy=f" AND NOT ({column['channel']} = ANY(%s))" if busy else "",
        channels=channels,
        channel_id=connection.ops.quote_name(Channel._meta.pk.column or "id"),  # type: ignore[union-attr]
        paused_at=paused_at,
        **column,
    )
    take = _taking(now)
    params = [take["status"], take["lease_until"], now, Status.PENDING, now, Status.SENDING, now]
    if among:
        params.append(list(among))
    if busy:
        params.append(list(busy))
    params.append(Action.POST)  # held: new posts to a channel paused by hand
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    if found is None:
        return None
    pk, previous_status = found
    return Taken(pk, _read(pk), taken_over=previous_status == Status.SENDING)


def _due_ids(now, among: Sequence[int] | None = None, busy: Sequence[int] = ()) -> list[int]:
    qs = Publication.objects.due(now).order_by("next_attempt_at", "pk")
    if among is not None:
        qs = qs.filter(pk__in=among)
    if busy:
        qs = qs.exclude(channel_id__in=busy)
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            ids = qs.select_for_update(skip_locked=True).values_list("pk", flat=True)
            return list(ids[:CANDIDATES])
    return list(qs.values_list("pk", flat=True)[:CANDIDATES])


def _taking(now) -> dict[str, Any]:
    return {
        "status": Status.SENDING,
        "lease_until": now + timedelta(seconds=conf.get("LEASE_SECONDS")),
        "attempts": F("attempts") + 1,
        "updated_at": now,
    }


def _read(pk: int) -> Publication | None:
    """The claimed row, with what delivery reads of it."""
    # The revision is read only when the post is composed from an older one (outbox.inputs).
    found = _READ.run(pk)
    return found[0] if found else None


# channel__click_counting: the metrics layer's switch (a reverse one-to-one, named by string so
# the outbox does not import it), read here so that its link hook costs no query of its own.
_READ = Prepared(
    lambda pk: Publication.objects.select_related(
        "channel", "channel__click_counting", "page", "requested_by"
    ).filter(pk=pk)
)
