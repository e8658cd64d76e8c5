"""Scale-out on real queues: real worker processes on PostgreSQL deliver every row exactly once.

Each test starts a counting fake platform (``platform.CountingPlatform``, 127.0.0.1), then four or
more real worker processes against the test database that pytest-django created (its name is
passed down in ``DATABASE_URL``), then a publisher process that publishes pages with 100 channels
ticked: 2,000 publications, planned by the signal handler and enqueued after commit through the
configured task backend. The test waits (bounded) until every row is final and checks:

- the platform received exactly 2,000 distinct posts (idempotency keys), one per row;
- every row is *posted* and names its post;
- a key arrived more than once only where the row was attempted more than once with that key
  (a retry after a lost answer, or after a killed worker's lease ran out), and without injected
  faults or kills, never.

Variants: django-tasks-db workers (``db_worker``), RQ workers on Redis (``rqworker``) and plain
``crosspost_deliver --loop`` sweeps with a backend that drops every message; one worker killed
with SIGKILL mid-run; the platform failing 30 % of requests at random. Every variant also runs
one sweep (``crosspost_deliver --loop``): it is what comes back for rows that wait for a retry,
and for the row a killed worker held. Worker settings: ``settings_sweep``, ``settings_db``,
``settings_rq`` in this folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from tests.workers.platform import CountingPlatform
from wagtail_crosspost.models import Publication

ROOT = Path(__file__).resolve().parents[2]
# Rows per run: pages x channels, 2,000 by default (the figure). The four runs take about
# 7 minutes on a 2-core machine; CROSSPOST_SCALE_PAGES=3 (300 rows) is quicker for local work.
PAGES = int(os.environ.get("CROSSPOST_SCALE_PAGES", "20"))
CHANNELS = int(os.environ.get("CROSSPOST_SCALE_CHANNELS", "100"))
ROWS = PAGES * CHANNELS
WORKERS = 4
DEADLINE = float(os.environ.get("CROSSPOST_SCALE_DEADLINE", "300"))  # seconds, per run
LATENCY = 0.05  # the fake platform's answer time
OPEN = (Publication.Status.PENDING, Publication.Status.SENDING)

pytestmark = [
    pytest.mark.postgres,
    # The root page and site come from data migrations: restore them after the flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # One xdist worker runs them all, one after the other: each wants the machine's cores.
    pytest.mark.xdist_group("scale_out"),
]


# -- processes -----------------------------------------------------------------------------------


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Processes:
    """Child processes in sessions of their own (so a kill takes an RQ work-horse too)."""

    def __init__(self, settings_module: str, log_dir: Path):
        self.log_dir = log_dir
        self.queue = f"crosspost-{uuid.uuid4().hex[:8]}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DATABASE_URL": database_url(),
            "CROSSPOST_TEST_QUEUE": self.queue,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "PYTHONUNBUFFERED": "1",
        }
        self.procs: dict[str, subprocess.Popen] = {}
        self.killed: list[str] = []

    def run(self, *args: str, timeout: float = 120) -> str:
        """Run ``python -m <args>`` to the end; its output, or a failure with the output."""
        done = subprocess.run(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [sys.executable, "-m", "django", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.procs[name] = proc
        return proc

    def kill(self, name: str) -> None:
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait(10)
        self.killed.append(name)

    def owner_of_port(self, port: int) -> tuple[str, int]:
        """The worker, and the process in it (RQ forks a work-horse in a session of its own),
        that has this local TCP port open."""
        inodes = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(table) as handle:
                for line in handle.readlines()[1:]:
                    fields = line.split()
                    if int(fields[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add(f"socket:[{fields[9]}]")
        workers = {proc.pid: name for name, proc in self.procs.items()}
        for pid in map(int, filter(str.isdigit, os.listdir("/proc"))):
            try:
                fds = os.listdir(f"/proc/{pid}/fd")
                if not any(os.readlink(f"/proc/{pid}/fd/{fd}") in inodes for fd in fds):
                    continue
            except OSError:
                continue
            ancestor = pid
            while ancestor > 1 and ancestor not in workers:
                with open(f"/proc/{ancestor}/stat") as handle:
                    ancestor = int(handle.read().rsplit(")", 1)[1].split()[1])
            if ancestor in workers:
                return workers[ancestor], pid
        raise AssertionError(f"no worker has port {port} open")

    def kill_sender(self, port: int) -> str:
        """SIGKILL the worker that sent from ``port``, and the very process that sent it."""
        name, pid = self.owner_of_port(port)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.kill(name)
        return name

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if name not in self.killed and proc.poll() is not None:
                pytest.fail(f"worker {name} exited with {proc.returncode}:\n{self.log(name)}")

    def log(self, name: str) -> str:
        text = (self.log_dir / f"{name}.log").read_text(errors="replace")
        return text[-3000:]

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 10
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


def worker_command(kind: str, queue: str) -> list[str]:
    if kind == "db":
        return [
            "db_worker",
            "--backend",
            "crosspost",
            "--queue-name",
            queue,
            "--interval",
            "0.2",
            "--no-startup-delay",
        ]
    if kind == "rq":
        return ["rqworker", queue, "--job-class", "django_tasks_rq.Job"]
    return sweep_command()


def sweep_command() -> list[str]:
    return ["crosspost_deliver", "--loop", "--interval", "0.5", "--batch", "20"]


def status_counts() -> Counter[str]:
    rows = Publication.objects.values("status").annotate(n=Count("pk"))
    return Counter({row["status"]: row["n"] for row in rows})


def kill_a_worker_holding_several(procs: Processes, fake: CountingPlatform) -> set[str]:
    """Hold every post's answer until some worker waits for two or more of them (its sends in
    flight), SIGKILL that worker, release the others. Returns the keys the killed worker held.
    (Holding one post and killing its sender is not enough: that worker's sweep may have used
    up its batch, its other threads done, and it then holds that one row only.)"""
    fake.hold_all()
    held_by = time.monotonic() + 30
    while True:
        owners: dict[str, set[str]] = {}
        for key, port in list(fake.held_all):
            with contextlib.suppress(AssertionError):  # a connection closed meanwhile
                owners.setdefault(procs.owner_of_port(port)[0], set()).add(key)
        victim = next((name for name, keys in owners.items() if len(keys) >= 2), None)
        if victim is not None:
            break
        assert time.monotonic() < held_by, f"no worker held two posts: {owners}"
        time.sleep(0.05)
    procs.kill(victim)
    fake.release()
    return owners[victim]


def wait_until_final(
    procs: Processes,
    fake: CountingPlatform,
    *,
    kill_at: int | None = None,
    several: bool = False,
):
    """Poll until every row is final. With ``kill_at``: once that many posts arrived, hold the
    next post's answer at the platform and SIGKILL the worker waiting for it, mid-send.

    Returns (seconds, orphan keys): the key of the row the killed worker held.
    """
    started = time.monotonic()
    orphans: set[str] = set()
    while True:
        counts = status_counts()
        if sum(counts.values()) == ROWS and not any(counts[s] for s in OPEN):
            return time.monotonic() - started, orphans
        if several and kill_at is not None and not procs.killed and fake.total >= kill_at:
            orphans = kill_a_worker_holding_several(procs, fake)
            if "sweep" in procs.killed:
                procs.start("sweep-2", *sweep_command())
        elif kill_at is not None and not procs.killed and fake.total >= kill_at:
            fake.hold_next()
            held_by = time.monotonic() + 30
            while fake.held is None:
                assert time.monotonic() < held_by, "no post arrived to hold"
                time.sleep(0.01)
            key, port = fake.held
            victim = procs.kill_sender(port)
            fake.release()
            orphans = {key}
            if victim == "sweep":  # the queue variants need their sweep for retries
                procs.start("sweep-2", *sweep_command())
        if time.monotonic() - started > DEADLINE:
            logs = "\n".join(f"--- {n}\n{procs.log(n)}" for n in procs.procs)
            pytest.fail(f"not final after {DEADLINE:.0f}s: {dict(counts)}\n{logs}")
        procs.check_alive()
        time.sleep(0.25)


def run_scale_out(
    procs: Processes, fake: CountingPlatform, kind: str, *, kill: bool, concurrency: int = 1
):
    """``concurrency``: sends in flight per worker when one is killed (more than one: the
    killed worker held several rows, and the caller finds them; see the test below)."""
    url = fake.url_for("/hook")
    if kill and concurrency > 1:
        procs.env["WAGTAILCROSSPOST_TEST_WORKER_CONCURRENCY"] = str(concurrency)
    elif kill:
        # One send in flight per worker: the killed worker then held exactly one row (the
        # orphan), which the accounting below relies on. With several in flight, every row the
        # killed worker held is taken over after its lease and sent again with its key: still
        # one post on the platform (received_unique), but not countable as one orphan.
        procs.env["WAGTAILCROSSPOST_TEST_WORKER_CONCURRENCY"] = "1"
    for i in range(WORKERS):
        procs.start(f"w{i}", *worker_command(kind, procs.queue))
    if kind != "sweep":
        procs.start("sweep", *sweep_command())
    time.sleep(2)  # let them import Django; the publisher's first rows are due at once
    procs.check_alive()
    started = time.monotonic()
    out = procs.run("tests.workers.publish", "--url", url, "--channels", str(CHANNELS),
                    "--pages", str(PAGES))  # fmt: skip
    published = json.loads(out.strip().splitlines()[-1])
    assert published["rows"] == ROWS, published
    seconds, orphans = wait_until_final(
        procs, fake, kill_at=ROWS // 3 if kill else None, several=kill and concurrency > 1
    )
    total = time.monotonic() - started
    if kill:
        assert len(procs.killed) == 1
        if concurrency == 1:
            assert len(orphans) == 1
        if concurrency > 1:
            # Without injected faults, a row is attempted again only when a worker died
            # holding it: the killed worker's rows, the held one among them.
            again = Publication.objects.filter(attempts__gt=1)
            orphans = set(again.values_list("idempotency_key", flat=True)) | orphans
    report = {
        "kind": kind,
        "kill": kill,
        "failure_rate": fake.failure_rate,
        "rows": ROWS,
        "publish_s": published["seconds"],
        "wall_s": round(total, 1),
        "drain_after_publish_s": round(seconds, 1),
        "received_total": fake.total,
        "received_unique": fake.unique,
        "refused_503": sum(fake.refused.values()),
        "dropped_after_processing": sum(fake.dropped_after.values()),
        "orphans": len(orphans),
        "sends_in_flight_per_worker": concurrency if kill else None,
    }
    print("scale-out:", json.dumps(report))
    return orphans


def assert_delivered_once(fake: CountingPlatform, orphans: set[str] = frozenset(), kills: int = 0):
    rows = list(
        Publication.objects.values_list("idempotency_key", "status", "attempts", "remote_id")
    )
    assert len(rows) == ROWS
    statuses = Counter(status for _, status, _, _ in rows)
    not_posted = list(
        Publication.objects.exclude(status=Publication.Status.POSTED).values_list(
            "idempotency_key", "status", "attempts", "error"
        )[:5]
    )
    assert statuses == {Publication.Status.POSTED: ROWS}, (statuses, not_posted)
    keys = {key for key, *_ in rows}
    assert len(keys) == ROWS, "two rows share an idempotency key"
    # Exactly one post per row on the platform, none lost, none unknown to the database.
    assert fake.unique == ROWS
    assert set(fake.processed) == keys
    assert all(remote_id == key for key, _, _, remote_id in rows)
    # A key arrived again only for a row that was attempted again with it: after an answer was
    # lost (the platform's idempotency makes that the same post), or after a killed worker.
    attempts = {key: n for key, _, n, _ in rows}
    for key, n in fake.repeated().items():
        assert attempts[key] >= n, (key, n, attempts[key])
        assert n - 1 <= fake.dropped_after[key] + (1 if key in orphans else 0), key
    if not fake.failure_rate and not kills:
        assert fake.total == ROWS, fake.repeated()
        assert max(attempts.values()) == 1
    # The row a killed worker held was taken over once its lease ran out, and posted.
    for key in orphans:
        assert attempts[key] >= 2, key


def db_task_counts() -> dict[tuple[str, str], int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, exception_class_path, count(*) FROM django_tasks_database_dbtaskresult"
            " GROUP BY 1, 2"
        )
        return {(status, exc): n for status, exc, n in cursor.fetchall()}


def assert_db_tasks_succeeded(kills: int) -> None:
    """The queue's workers ran every task (a worker that cannot run them would go unnoticed:
    the sweep delivers the rows anyway). A killed worker's task stays RUNNING for good.

    A worker marks its task SUCCESSFUL only after the delivery it ran has saved the row, so the
    last tasks may still be finishing when every row is final: wait for them (bounded).

    A publish hands its rows over in a few ``deliver_rows`` tasks (issue #13), not one a row."""
    deadline = time.monotonic() + 30
    counts = db_task_counts()
    tasks = sum(counts.values())
    while counts.get(("SUCCESSFUL", ""), 0) < tasks - kills and time.monotonic() < deadline:
        time.sleep(0.2)
        counts = db_task_counts()
        tasks = sum(counts.values())
    assert counts.get(("SUCCESSFUL", ""), 0) >= tasks - kills, counts
    assert 0 < tasks < ROWS, counts


def migrate_tasks_db(procs: Processes) -> None:
    """The parent's test database lacks django-tasks-db's table: the workers' settings add it."""
    procs.run("django", "migrate", "django_tasks_database", "--verbosity", "0")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_tasks_database_dbtaskresult")


# -- django-tasks-db -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kill, failure_rate",
    [(False, 0.0), pytest.param(True, 0.3, marks=pytest.mark.scale_faults)],
    ids=["plain", "sigkill-and-30pct-failures"],
)
def test_db_workers_deliver_each_row_once(processes, fake, kill, failure_rate):
    fake.failure_rate = failure_rate
    procs = processes("tests.workers.settings_db")
    migrate_tasks_db(procs)
    orphans = run_scale_out(procs, fake, "db", kill=kill)
    assert_delivered_once(fake, orphans, kills=len(procs.killed))
    assert_db_tasks_succeeded(len(procs.killed))


# -- RQ on Redis ---------------------------------------------------------------------------------


@pytest.fixture
def redis_queue_cleanup():
    import redis

    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 (scripts/test starts it)")
    queues: list[str] = []
    yield queues, client
    for queue in queues:
        for key in client.scan_iter(match=f"rq:*{queue}*"):
            client.delete(key)


@pytest.mark.scale_faults
@pytest.mark.parametrize(
    "kill, failure_rate",
    [(True, 0.3)],
    ids=["sigkill-and-30pct-failures"],
)
def test_rq_workers_deliver_each_row_once(redis_queue_cleanup, processes, fake, kill, failure_rate):
    # redis_queue_cleanup comes first, so that it cleans up after the workers have stopped.
    from rq.registry import FailedJobRegistry

    fake.failure_rate = failure_rate

    queues, client = redis_queue_cleanup
    procs = processes("tests.workers.settings_rq")
    queues.append(procs.queue)
    orphans = run_scale_out(procs, fake, "rq", kill=kill)
    assert_delivered_once(fake, orphans, kills=len(procs.killed))
    # The queue's workers ran the tasks (failures would go unnoticed: the sweep delivers anyway).
    # (A killed worker's job may be moved there as abandoned.)
    assert FailedJobRegistry(procs.queue, connection=client).count <= len(procs.killed)


# -- the sweep alone -----------------------------------------------------------------------------


@pytest.mark.scale_faults
def test_sweeps_alone_deliver_each_row_once_despite_kill_and_failures(processes, fake):
    """A backend that loses every message: four sweeps deliver everything anyway."""
    fake.failure_rate = 0.3
    procs = processes("tests.workers.settings_sweep")
    orphans = run_scale_out(procs, fake, "sweep", kill=True)
    assert_delivered_once(fake, orphans, kills=len(procs.killed))


@pytest.mark.scale_faults
def test_a_worker_killed_with_several_sends_in_flight_loses_nothing_and_posts_nothing_twice(
    processes, fake
):
    """Issue #13, point 5: four sweeps with 4 sends in flight each; one is SIGKILLed while the
    platform holds one of its posts' answers. Every row it held (claimed, being composed, or
    being sent) is taken over when its lease runs out and sent again with its key: every row
    ends *posted*, the platform has exactly one post per row, and a key arrived twice only for
    a row the killed worker held."""
    procs = processes("tests.workers.settings_sweep")
    orphans = run_scale_out(procs, fake, "sweep", kill=True, concurrency=4)
    # The killed worker was waiting for two or more answers when it died.
    assert len(orphans) >= 2, orphans
    assert_delivered_once(fake, orphans, kills=len(procs.killed))
    for key, n in fake.repeated().items():
        assert key in orphans and n == 2, (key, n)


# -- no idempotency: never twice, "unknown" instead ----------------------------------------------


@pytest.mark.scale_faults
def test_non_idempotent_row_of_a_killed_worker_becomes_unknown(processes, fake):
    from wagtail_crosspost.models import Channel

    fake.hold_once = True  # the post takes effect, the answer never comes
    procs = processes("tests.workers.settings_sweep")
    procs.start("w0", *sweep_command())
    procs.run("tests.workers.publish", "--url", fake.url_for("/once"), "--platform",
              "webhook_once", "--channels", "1", "--pages", "1")  # fmt: skip
    row = Publication.objects.get()
    deadline = time.monotonic() + 30
    while not fake.processed:  # the worker is inside adapter.publish() now
        assert time.monotonic() < deadline, procs.log("w0")
        procs.check_alive()
        time.sleep(0.05)
    procs.kill("w0")
    row.refresh_from_db()
    assert row.status == Publication.Status.SENDING
    procs.start("w1", *sweep_command())
    deadline = time.monotonic() + 30  # the 5 s lease, then the next sweep
    while row.status == Publication.Status.SENDING:
        assert time.monotonic() < deadline, procs.log("w1")
        procs.check_alive()
        time.sleep(0.25)
        row.refresh_from_db()
    assert row.status == Publication.Status.UNKNOWN
    assert "may or may not have been published" in row.error
    assert row.attempts == 2
    # Unknown waits for a human: later sweeps leave it alone; the platform got it once.
    time.sleep(2)
    row.refresh_from_db()
    assert row.status == Publication.Status.UNKNOWN
    assert fake.processed == {row.idempotency_key: 1}
    assert len(fake.requests) == 1
    assert Channel.objects.get().platform == "webhook_once"
