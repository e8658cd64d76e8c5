"""What one delivery costs the worker: database queries and CPU per post, without a network.

    python benchmarks/delivery_cost.py [--rows 200] [--channels 4] [--profile 25]

Pages are published (each with two tags), and ``--rows`` rows are planned for them on
``--channels`` channels of the in-memory ``locmem`` adapter (no HTTP: what is measured is the
outbox's own work). Then one sweep (``delivery.deliver_due``, as ``crosspost_deliver`` and a
``deliver_rows`` task run it) delivers all of them in this process, one at a time. Counted: the
database queries per post (``CaptureQueriesContext``: the same on every machine) and the
process's CPU time per post (``time.process_time``; the best of three sweeps over fresh rows).
A single ``delivery.deliver(pk)`` (a row named by a task, alone) is counted too.

``--profile N`` runs one more sweep under ``cProfile`` and prints its N most expensive functions
(cumulative time). PostgreSQL if it answers on 127.0.0.1:5432, else SQLite. The last line reads
``delivery_cost: queries=<per post in a sweep> cpu_ms=<per post>``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _setup  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    args = parser.parse_args()

    db = _setup.setup("postgres", "benchmarks.settings_delivery")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wagtail_crosspost.models import Channel
    from wagtail_crosspost.outbox import delivery

    home = _setup.make_site()
    channels = [Channel.objects.create(platform="locmem", name=f"Cost {i}") for i in range(4)]
    channels = channels[: max(1, args.channels)]
    print(f"database: {db.note}; {args.rows} rows on {len(channels)} locmem channels")

    ids = make_rows(home, channels, 1)
    with CaptureQueriesContext(connection) as single:
        assert delivery.deliver(ids[0]) == "posted"

    cpu, queries = [], 0
    for _run in range(3):
        make_rows(home, channels, args.rows)
        with CaptureQueriesContext(connection) as captured:
            start = time.process_time()
            counts = delivery.deliver_due(limit=args.rows + 1)
            cpu.append((time.process_time() - start) / args.rows)
        assert counts == {"posted": args.rows}, counts
        queries = len(captured)

    if args.profile:
        import cProfile
        import pstats

        make_rows(home, channels, args.rows)
        profiler = cProfile.Profile()
        profiler.enable()
        delivery.deliver_due(limit=args.rows + 1)
        profiler.disable()
        order = os.environ.get("CROSSPOST_PROFILE_SORT", "cumulative")  # or "tottime"
        pstats.Stats(profiler).sort_stats(order).print_stats(args.profile)

    per_post = queries / args.rows
    print(f"one row alone (delivery.deliver):  {len(single)} queries")
    print(f"a sweep of {args.rows} rows:  {per_post:.2f} queries per post")
    print(f"CPU per post (best of 3 sweeps): {min(cpu) * 1000:.2f} ms")
    print(f"delivery_cost: queries={per_post:.2f} cpu_ms={min(cpu) * 1000:.2f}")
    return 0


def make_rows(home, channels, count: int) -> list[int]:
    """``count`` due rows of freshly published pages (their revision is the live one)."""
    from tests.testapp.models import ArticlePage
    from wagtail_crosspost.models import Publication

    rows = []
    for i in range((count + len(channels) - 1) // len(channels)):
        n = uuid.uuid4().hex[:12]
        page = ArticlePage(title=f"Cost article {n}", intro="An intro.", slug=f"cost-{n}")
        home.add_child(instance=page)
        page.tags.add("news", f"tag{i % 5}")
        revision = page.save_revision()
        revision.publish()
        for channel in channels:
            rows.append(
                Publication(
                    page=page,
                    page_title=page.title,
                    revision=revision,
                    channel=channel,
                    idempotency_key=uuid.uuid4().hex,
                )
            )
    return [row.pk for row in Publication.objects.bulk_create(rows[:count])]


if __name__ == "__main__":
    sys.exit(main())
