"""Writing an attempt's outcome: the row's final fields, the page history entry, and (after a
send that raised nothing) the reset of the channel's failure streak.

On PostgreSQL the three are one statement (``WITH reset AS (UPDATE channel …), log AS (INSERT
INTO the page history …) UPDATE the row …``): one round trip instead of three, and all or none.
Elsewhere they are three statements, as before. If the combined statement fails outside a
transaction, the row's outcome is written on its own and the history entry is tried after it:
the history must never undo a delivery.

The channel's reset is decided by the database, not by this worker's copy of the channel: other
workers may have counted failures since it was loaded, and a success ends the streak
(``tests/workers/test_delivery_races.py``). ``resetting(channel)`` marks the stretch of a
delivery after which, when it ends without an exception, the reset is due; the outcome written
inside it carries the reset along.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import Q, sql

from ..models import Channel, Publication
from . import page_history

logger = logging.getLogger("wagtail_crosspost")

#: The channel whose failure streak the next outcome resets (a one-item list: taken once).
_pending_reset: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "crosspost_pending_reset", default=None
)


def resetting(channel: Channel, work: Callable[[], str]) -> str:
    """Run ``work`` (a delivery's send or check); when it returns, the channel's failure streak
    is reset, with the outcome ``work`` wrote if it wrote one, else on its own."""
    slot = [channel.pk]
    token = _pending_reset.set(slot)
    try:
        status = work()
    finally:
        _pending_reset.reset(token)
    if slot:  # no outcome written inside (a row held, or checked later): reset on its own
        _reset_query(channel.pk).update(**RESET)
    return status


RESET: dict[str, Any] = {
    "failure_streak": 0,
    "paused_until": None,
    "status": Channel.Status.OK,
    "status_detail": "",
}


def _reset_query(channel_pk: int):
    return (
        Channel.objects.filter(pk=channel_pk)
        .filter(
            Q(failure_streak__gt=0) | Q(paused_until__isnull=False) | Q(status=Channel.Status.ERROR)
        )
        .exclude(status=Channel.Status.NEEDS_RECONNECT)
    )


def write(row: Publication, fields: dict[str, Any]) -> None:
    """Store the outcome ``fields`` (already set on ``row``), its page history entry and, if
    due, the channel's reset."""
    slot = _pending_reset.get()
    channel_pk = slot.pop() if slot else None
    try:
        entry = page_history.entry_for(row)
    except Exception:
        logger.exception("Could not make the page history entry for publication %s", row.pk)
        entry = None
    if connection.vendor == "postgresql":
        try:
            _write_combined(row, fields, entry, channel_pk)
            return
        except Exception:
            if connection.in_atomic_block:
                raise  # the transaction is broken: nothing more can be written in it
            logger.exception("Could not write the outcome of publication %s at once", row.pk)
    Publication.objects.filter(pk=row.pk).update(**fields)
    if entry is not None:
        try:
            page_history.insert(entry)
        except Exception:  # the history entry must never undo a delivery
            logger.exception("Could not write the page history entry for publication %s", row.pk)
    if channel_pk is not None:
        _reset_query(channel_pk).update(**RESET)


def _write_combined(row: Publication, fields: dict[str, Any], entry, channel_pk) -> None:
    parts, params = [], []
    if channel_pk is not None:
        reset_sql, reset_params = _update_sql(_reset_query(channel_pk), RESET)
        parts.append(f"xp_reset AS ({reset_sql})")
        params.extend(reset_params)
    if entry is not None:
        log_sql, log_params = _insert_sql(entry)
        parts.append(f"xp_log AS ({log_sql})")
        params.extend(log_params)
    row_sql, row_params = _update_sql(Publication.objects.filter(pk=row.pk), fields)
    params.extend(row_params)
    statement = (f"WITH {', '.join(parts)} " if parts else "") + row_sql
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _update_sql(queryset, values: dict[str, Any]) -> tuple[str, list[Any]]:
    query = queryset.query.chain(sql.UpdateQuery)
    query.add_update_values(values)
    statement, params = query.get_compiler(connection=connection).as_sql()
    return statement, list(params)


def _insert_sql(entry) -> tuple[str, list[Any]]:
    model = type(entry)
    for field in model._meta.local_concrete_fields:  # what save() fills in (auto_now, defaults)
        field.pre_save(entry, add=True)
    fields = [f for f in model._meta.local_concrete_fields if not f.primary_key]
    query = sql.InsertQuery(model)
    query.insert_values(fields, [entry])
    [(statement, params)] = query.get_compiler(connection=connection).as_sql()
    return statement, list(params)
