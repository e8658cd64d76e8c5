"""Several sends in flight in one worker: threads, each claiming and delivering rows.

A slow platform then holds up only the threads sending to it, not the whole worker. Every thread
claims with the same compare-and-set as a single sweep (``claim_next``), so two threads, like two
workers, never take the same row. At most ``CHANNEL_CONCURRENCY`` rows of one channel are sent
at a time by this process: while a channel is full, its rows are not claimed here (the claim
skips them), and the thread takes another channel's row or ends. One send at a time per channel
(the default) keeps the posting quota exact within a worker: the quota check and the send of
one channel never overlap.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, connection, connections

from .. import conf
from . import batch, delivery

logger = logging.getLogger("wagtail_crosspost")


def concurrency(requested: int | None = None) -> int:
    """Threads per worker: the setting, unless a command asks for more or fewer. SQLite lets one
    connection write at a time: there it is one, unless SQLite waits for its lock."""
    wanted = requested if requested is not None else conf.get("WORKER_CONCURRENCY")
    if not threads_allowed():
        return 1
    return max(1, int(wanted))


def threads_allowed() -> bool:
    """SQLite with deferred transactions fails a write ("database is locked", no waiting) when
    another connection writes at the same moment; with ``"transaction_mode": "IMMEDIATE"`` it
    waits instead. Other databases: always."""
    if connection.vendor != "sqlite":
        return True
    mode = connection.settings_dict.get("OPTIONS", {}).get("transaction_mode")
    return str(mode).upper() == "IMMEDIATE"


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool(threads: int) -> ThreadPoolExecutor:
    """The process's send threads, kept between sweeps, each with its own database connection
    (kept as long as ``CONN_MAX_AGE`` allows, as for a request)."""
    with _pools_lock:
        if threads not in _pools:
            _pools[threads] = ThreadPoolExecutor(threads, thread_name_prefix="crosspost-send")
        return _pools[threads]


class _ChannelSlots:
    """How many rows of each channel this process is sending right now."""

    def __init__(self, per_channel: int):
        self.per_channel = max(1, per_channel)
        self.busy: dict[int, int] = {}
        self.lock = threading.Lock()

    def take(self, channel_id: int) -> None:
        with self.lock:
            self.busy[channel_id] = self.busy.get(channel_id, 0) + 1

    def full(self) -> list[int]:
        with self.lock:
            return [pk for pk, n in self.busy.items() if n >= self.per_channel]

    def give_back(self, channel_id: int) -> None:
        with self.lock:
            self.busy[channel_id] -= 1


def deliver_due(
    limit: int = 50,
    among: Sequence[int] | None = None,
    threads: int | None = None,
    until: float | None = None,
) -> dict[str, int]:
    """Deliver up to ``limit`` due rows (``among``: only these; ``until``: no new row after this
    ``time.monotonic()``, once one was delivered) with ``threads`` sends in flight. Returns a
    count per resulting status, like ``delivery.deliver_due``."""
    threads = concurrency(threads)
    if threads == 1 or connection.in_atomic_block:
        # Inside a transaction (a task run in the publishing request by the immediate backend,
        # or a test): other threads' connections could not see its uncommitted rows.
        return delivery.deliver_due(limit=limit, among=among, until=until)
    counts: dict[str, int] = {}
    budget = [limit]
    lock = threading.Lock()
    claiming = threading.Lock()  # one claim at a time in this process; the sends overlap
    slots = _ChannelSlots(conf.get("CHANNEL_CONCURRENCY"))

    def count(status: str) -> None:
        with lock:
            counts[status] = counts.get(status, 0) + 1

    def one_thread() -> None:
        try:
            with batch.scope():  # this thread's share of the batch
                sweep()
        except Exception:
            logger.exception("A delivery thread stopped; the sweep takes over its rows")
            connections.close_all()  # perhaps broken: the next sweep connects anew
        finally:
            close_old_connections()  # closed unless CONN_MAX_AGE keeps it

    def sweep() -> None:
        while True:
            with lock:
                if budget[0] <= 0 or (until is not None and counts and time.monotonic() >= until):
                    return
                budget[0] -= 1
            # Rows of a channel this worker already sends to as much as it may are left
            # for later, or for another worker.
            with claiming:
                claimed = delivery.claim_next(among=among, busy_channels=slots.full())
                if claimed is not None and claimed[1] is not None:
                    slots.take(claimed[1].channel_id)
            if claimed is None:
                return
            row = claimed[1]
            if row is None:
                continue
            try:
                count(delivery.deliver_claimed(row))
            finally:
                slots.give_back(row.channel_id)

    pool = _pool(threads)
    futures.wait([pool.submit(one_thread) for _ in range(threads)])
    return counts
