"""Delivery throughput: 4 worker processes against a local fake platform that answers in 50 ms.

    python benchmarks/throughput.py [--rows 400] [--workers 4] [--latency 0.05]

The fake platform (``tests.workers.platform.CountingPlatform``, 127.0.0.1) takes webhook posts
and answers each after ``--latency`` seconds. The workers are ``crosspost_deliver --loop``
processes (the sweep; a task queue's workers call the same ``delivery.deliver``). The rows are
created first with a due time in the future; once every worker has started, a warm-up of
``WARM_UP`` rows is delivered untimed, then the rest are made due at once and the clock runs
until the platform has received every post and every row is *posted*. The ideal is
``workers / latency`` deliveries per second (each worker waiting for the platform all the time
and doing nothing else); the ratio is measured ÷ ideal.

Three runs, each with fresh rows: the workers with one send at a time (before issue #13), one
worker with 8 sends in flight (``throughput_concurrency8``, ideal 8 / latency), and the workers
with ``--concurrency`` sends in flight (``throughput``, ideal workers / latency as before).

PostgreSQL if it answers on 127.0.0.1:5432, else SQLite (printed). Bounded: gives up after
``--timeout`` seconds (default 90) per run. The last lines read
``throughput_concurrency8: ratio=...`` and ``throughput: ratio=<measured/ideal>``.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _setup  # noqa: E402

WARM_UP = 20  # rows delivered before the clock starts (about 5 per worker)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--timeout", type=float, default=90)
    parser.add_argument("--concurrency", type=int, default=4, help="sends in flight per worker")
    args = parser.parse_args()

    db = _setup.setup("postgres", "benchmarks.settings_delivery")
    from tests.workers.platform import CountingPlatform
    from wagtail_crosspost.models import Channel

    home = _setup.make_site()
    fake = CountingPlatform(latency=args.latency).start()
    channels = []
    for i in range(10):
        channel = Channel(platform="webhook", name=f"Bench {i}")
        channel.options = {"url": fake.url_for("/hook")}
        channel.set_credentials({"secret": "benchmark-signing-secret"})
        channel.save()
        channels.append(channel)
    print(f"database: {db.note}; platform latency {args.latency * 1000:.0f} ms")
    print(
        f"{'workers × sends in flight':<28}{'posts':>7}{'s':>8}{'posts/s':>9}{'ideal':>7}"
        f"{'ratio':>7}{'tx/post':>9}"
    )
    # label, workers, sends in flight per worker, result line
    runs = [
        ("before: 1 send at a time", args.workers, 1, None),
        ("one worker, 8 in flight", 1, 8, "throughput_concurrency8"),
        (f"after: {args.concurrency} in flight", args.workers, args.concurrency, "throughput"),
    ]
    lines = []
    try:
        for label, workers, concurrency, line in runs:
            posted, elapsed, commits = measure(db, home, channels, fake, args, workers, concurrency)
            # The ideal: every worker (with 8 in flight: every send) always waiting for the
            # platform. The headline keeps the ideal, workers ÷ latency.
            ideal = (8 if line == "throughput_concurrency8" else workers) / args.latency
            ratio = posted / elapsed / ideal
            per_post = f"{commits / max(posted, 1):.1f}" if commits is not None else "-"
            print(
                f"{label:<28}{posted:>7}{elapsed:>8.2f}{posted / elapsed:>9.1f}{ideal:>7.0f}"
                f"{ratio:>7.2f}{per_post:>9}"
            )
            if posted < args.rows:
                print(f"(gave up after {args.timeout:.0f}s with {posted} of {args.rows} posted)")
            if line:
                lines.append(f"{line}: ratio={ratio:.2f}")
    finally:
        fake.stop()
    print(f"received by the platform: {fake.total}, distinct posts: {fake.unique}")
    for text in lines:
        print(text)
    return 0


def measure(db, home, channels, fake, args, workers_count, concurrency):
    """One timed run: fresh rows, ``workers_count`` workers with ``concurrency`` sends each.
    Returns the rows posted, the seconds taken and the database transactions (or None)."""
    from django.db import connection
    from django.utils import timezone

    from tests.testapp.models import ArticlePage
    from wagtail_crosspost.models import Publication

    pages = []
    for _ in range((args.rows + WARM_UP + len(channels) - 1) // len(channels)):
        n = uuid.uuid4().hex[:12]
        page = ArticlePage(title=f"Benchmark article {n}", intro="An intro.", slug=f"bench-{n}")
        home.add_child(instance=page)
        revision = page.save_revision()
        revision.publish()  # rows are planned from a publish: their revision is the live one
        pages.append((page, revision))
    later = timezone.now() + timezone.timedelta(days=1)
    rows = [
        Publication(
            page=page,
            page_title=page.title,
            revision=revision,
            channel=channel,
            idempotency_key=uuid.uuid4().hex,
            next_attempt_at=later,
        )
        for page, revision in pages
        for channel in channels
    ][: args.rows + WARM_UP]
    rows = Publication.objects.bulk_create(rows)
    ids = [row.pk for row in rows]
    connection.close()  # SQLite: let the workers in

    env = db.child_env("benchmarks.settings_delivery")
    command = [sys.executable, "-m", "django", "crosspost_deliver", "--loop"]
    command += ["--interval", "0.05", "--batch", "10", "--concurrency", str(concurrency)]
    workers = [
        subprocess.Popen(
            command,
            cwd=_setup.ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        for _ in range(workers_count)
    ]
    mine = Publication.objects.filter(pk__in=ids)
    try:
        # Each worker has started when it has sent its first (empty) sweep.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute("select 1")
            if any(w.poll() is not None for w in workers):
                raise SystemExit(workers[0].stderr.read().decode() if workers[0].stderr else "")
            if _sweeps_running(db, workers_count):
                break
            time.sleep(0.2)
        time.sleep(0.5)
        # Warm-up, not timed: each worker's first deliveries import the adapter and compose
        # modules and fill its caches. The ideal is a steady state, so measure one.
        warm_up = ids[:WARM_UP]
        Publication.objects.filter(pk__in=warm_up).update(next_attempt_at=timezone.now())
        deadline = time.monotonic() + args.timeout
        while (
            time.monotonic() < deadline
            and Publication.objects.filter(pk__in=warm_up)
            .exclude(status=Publication.Status.POSTED)
            .exists()
        ):
            time.sleep(0.05)
        received_before = fake.total
        commits_before = _commits(db)
        started = time.monotonic()
        mine.exclude(pk__in=warm_up).update(next_attempt_at=timezone.now())
        deadline = started + args.timeout
        while fake.total - received_before < args.rows and time.monotonic() < deadline:
            time.sleep(0.01)
        while time.monotonic() < deadline:
            if not mine.exclude(status=Publication.Status.POSTED).exists():
                break
            time.sleep(0.01)
        elapsed = time.monotonic() - started
    finally:
        for w in workers:
            if w.poll() is None:
                os.killpg(w.pid, signal.SIGTERM)
        for w in workers:
            try:
                w.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(w.pid, signal.SIGKILL)
    commits = _commits(db, settle=True)
    commits = commits - commits_before if commits is not None else None
    posted = mine.filter(status=Publication.Status.POSTED).exclude(pk__in=warm_up).count()
    return posted, elapsed, commits


def _commits(db, settle: bool = False) -> int | None:
    """Transactions committed in the benchmark database so far (PostgreSQL), the benchmark's own
    few included. ``settle``: wait until the stopped workers' counts have arrived."""
    from django.db import connection

    if db.vendor != "postgresql":
        return None
    if settle:
        time.sleep(1.5)  # a backend reports its counts when it exits, or at most once a second
    with connection.cursor() as cursor:
        cursor.execute("select pg_stat_clear_snapshot()")
        cursor.execute("select xact_commit from pg_stat_database where datname = %s", [db.name])
        return cursor.fetchone()[0]


def _sweeps_running(db, count: int) -> bool:
    """True once ``count`` worker connections are open on the database (PostgreSQL), or after
    a fixed start-up allowance (SQLite, where connections cannot be seen)."""
    from django.db import connection

    if db.vendor != "postgresql":
        time.sleep(5)
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "select count(*) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
            [db.name],
        )
        return cursor.fetchone()[0] >= count


if __name__ == "__main__":
    raise SystemExit(main())
