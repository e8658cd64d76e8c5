"""Delivery without a worker: a thread of the web process, after the response.

With the immediate task backend (the zero-setup default) a task runs inside ``enqueue``, that is
inside the editor's Publish request, which would then wait for every platform. Instead, once the
publish has committed, its rows go to a daemon thread of the web process, and the request
returns at once.

If the process dies before the thread is done, the rows stay in the database, due. The
*piggyback sweep* picks them up: after a request to this site (at most every
``BACKGROUND_SWEEP_SECONDS``), a thread of the web process delivers every due row, as
``crosspost_deliver`` would. Rows are claimed one by one with the usual compare-and-set, so two
processes, or a thread and a worker, never send the same row. Retries come back the same way,
so a small site needs no cron line and no worker process.

``DELIVER_IN_BACKGROUND = False`` sends inside the request instead (the behaviour before), and a
real queue backend (``TASK_BACKEND``) turns all of this off: its workers deliver.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections

from .. import conf

logger = logging.getLogger("wagtail_crosspost")

#: How long a process that is ending waits for its threads (``_finish_at_exit``).
EXIT_WAIT_SECONDS = 15.0
_sweep_lock = threading.Lock()
_state = {"last_sweep": float("-inf")}
#: The threads started and not yet finished (tests wait for them: ``wait``).
_running: set[threading.Thread] = set()
_running_lock = threading.Lock()


def is_immediate(alias: str) -> bool:
    """Whether the task backend ``alias`` runs tasks inside ``enqueue``."""
    try:
        from django_tasks import task_backends
        from django_tasks.backends.immediate import ImmediateBackend

        return isinstance(task_backends[alias], ImmediateBackend)
    except Exception:
        return False


def wanted(alias: str | None = None) -> bool:
    """Whether rows are delivered in this process's background threads (no worker)."""
    if not conf.get("DELIVER_IN_BACKGROUND") or not _database_allows_threads():
        return False
    return is_immediate(alias or conf.get("TASK_BACKEND"))


def _database_allows_threads() -> bool:
    from . import inflight

    return inflight.threads_allowed()


def start(name: str, work: Callable[[], Any]) -> threading.Thread:
    """Run ``work`` in a daemon thread of this process (its own database connection)."""

    def run() -> None:
        try:
            work()
        except Exception:
            logger.exception("Background delivery failed; the next sweep takes the rows over")
        finally:
            connections.close_all()  # this thread's own connections
            with _running_lock:
                _running.discard(threading.current_thread())

    thread = threading.Thread(target=run, name=name, daemon=True)
    with _running_lock:
        _running.add(thread)
    thread.start()
    return thread


# -- after the response --------------------------------------------------------------------------
# Work handed over during a request runs once its response has gone out (``request_finished``):
# a thread started at once would compete with the rest of the request for the interpreter and,
# on SQLite, for the database's write lock; a task enqueued at once would add its round trips to
# the editor's wait. Outside a request (a command, a worker) it runs at once. If the request
# never finishes (the process dies), the rows or the recorded publish are in the database: the
# next sweep takes them.
_request = threading.local()


def request_started(**_: Any) -> None:
    # Work still waiting here (an earlier request's request_finished did not run it: a receiver
    # before ours raised, or a server that runs several requests in one thread) is kept and runs
    # when this request finishes, instead of being dropped for the sweep.
    if getattr(_request, "deferred", None) is None:
        _request.deferred = []


def request_finished(**_: Any) -> None:
    deferred, _request.deferred = getattr(_request, "deferred", None), None
    for work in deferred or ():
        try:
            work()
        except Exception:
            logger.exception("Could not hand work over after the response; the sweep takes it")


def after_response(work: Callable[[], Any]) -> None:
    """Run ``work`` in this thread once its request has sent its response (now if none)."""
    deferred = getattr(_request, "deferred", None)
    if deferred is None:
        work()
    else:
        deferred.append(work)


def start_after_response(name: str, work: Callable[[], Any]) -> None:
    """``start(name, work)`` once this thread's request has sent its response (now if none)."""
    after_response(lambda: start(name, work))


def deliver(pks: Sequence[int]) -> None:
    """Deliver these rows in a thread, after the response; the caller returns at once."""
    from . import inflight

    ids = list(pks)
    start_after_response(
        "crosspost-deliver", lambda: inflight.deliver_due(limit=len(ids), among=ids)
    )


def piggyback_sweep(**_: Any) -> threading.Thread | None:
    """Deliver every due row in a thread, at most every ``BACKGROUND_SWEEP_SECONDS`` and one
    sweep at a time in this process. Connected to ``request_finished``."""
    if not wanted():
        return None
    now = time.monotonic()
    if now - _state["last_sweep"] < conf.get("BACKGROUND_SWEEP_SECONDS"):
        return None
    if not _sweep_lock.acquire(blocking=False):
        return None
    _state["last_sweep"] = now

    def sweep() -> None:
        from . import inflight, later

        try:
            try:
                later.run()  # publishes a dead process recorded and did not plan
            except Exception:
                logger.exception("Could not plan the recorded publishes; the next sweep tries")
            inflight.deliver_due(limit=conf.get("BACKGROUND_SWEEP_BATCH"))
        finally:
            _sweep_lock.release()

    return start("crosspost-sweep", sweep)


def wait(timeout: float = 30.0) -> bool:
    """Wait until every background thread has finished (tests, and a graceful shutdown)."""
    deadline = time.monotonic() + timeout
    while True:
        with _running_lock:
            threads = list(_running)
        if not threads:
            return True
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if time.monotonic() >= deadline:
            with _running_lock:
                return not _running


@atexit.register
def _finish_at_exit() -> None:
    """A short-lived process (a command, a shell, ``publish_scheduled`` from cron) that ends
    right after a publish gives its threads a moment to plan and send, instead of leaving the
    posts to the next sweep. Cut off after ``EXIT_WAIT_SECONDS``: what is left is safe in the
    database (a plan not committed is planned again; a send cut off is checked after its lease)."""
    with _running_lock:
        busy = bool(_running)
    if busy:
        wait(EXIT_WAIT_SECONDS)
