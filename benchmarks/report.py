"""The Social performance report at 100,000 publications with snapshots.

    python benchmarks/report.py [--rows 100000] [--repeat 5]

Fills a year with ``--rows`` sent publications (10 channels, 200 pages), each with one to four
figures snapshots (+1 h, +24 h, +7 d, +30 d; about 2.5 per publication) and a click counter on
every third one. Logs in as a superuser with Django's test client and asks for the report page
(the last 30 days, the default; and the last 90 days), counting the queries
(``CaptureQueriesContext``) and timing the request (median of ``--repeat`` after a warm-up), for
a tenth of the rows and for all of them: the number of queries must not grow with the rows, as
everything is summed in SQL. Before each timed request it times Wagtail's own "Locked pages"
report (the same admin page around a small listing) as a baseline under the same load: the
``ratio`` is the report's median over the baseline's, which moves less with the machine's load
than the milliseconds do. ``--profile`` prints where one request's time goes.

PostgreSQL if it answers on 127.0.0.1:5432, else SQLite (printed). The last line reads
``report: queries=<n> ms=<median ms, 30 days, all rows> ratio=<÷ baseline>``; the goal is under
300 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _setup  # noqa: E402

NOW = datetime(2031, 3, 1, 12, tzinfo=UTC)
STAGES = (("1h", timedelta(hours=1)), ("24h", timedelta(days=1)), ("7d", timedelta(days=7)))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--slowest", action="store_true", help="print the slowest queries")
    parser.add_argument("--profile", action="store_true", help="print a profile of one request")
    args = parser.parse_args()

    db = _setup.setup("postgres", "benchmarks.settings_delivery")
    import time_machine
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from tests.testapp.models import ArticlePage
    from wagtail_crosspost.metrics.models import MetricsSnapshot
    from wagtail_crosspost.models import Channel

    home = _setup.make_site()
    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "x")
    channels = [Channel.objects.create(platform="webhook", name=f"Channel {i}") for i in range(10)]
    pages = []
    for n in range(200):
        page = ArticlePage(title=f"Article {n}", intro="An intro.", slug=f"article-{n}")
        home.add_child(instance=page)
        pages.append(page)

    client = Client()
    url = reverse("wagtail_crosspost:performance")
    baseline_url = reverse("wagtailadmin_reports:locked_pages")
    print(f"database: {db.note}")
    print(
        f"{'rows':>8}{'snapshots':>11}{'period':>8}{'queries':>9}{'median ms':>11}{'max ms':>9}"
        f"{'baseline ms':>13}{'ratio':>7}"
    )
    result = (0, 0.0, 0.0)
    filled = 0
    with time_machine.travel(NOW, tick=False):
        client.force_login(user)  # a session of NOW's time
        for target in (args.rows // 10, args.rows):
            fill(filled, target, pages, channels)
            filled = target
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            snapshots = MetricsSnapshot.objects.count()
            for period in ("90", "30"):
                client.get(url, {"period": period})  # warm-up
                client.get(baseline_url)
                times, baseline = [], []
                for _ in range(args.repeat):
                    # Wagtail's own "Locked pages" report, right before: the same admin page
                    # around a small listing, under the same load, for the ratio.
                    t0 = time.perf_counter()
                    client.get(baseline_url)
                    baseline.append(time.perf_counter() - t0)
                    with CaptureQueriesContext(connection) as captured:
                        t0 = time.perf_counter()
                        response = client.get(url, {"period": period})
                        times.append(time.perf_counter() - t0)
                assert response.status_code == 200, response.status_code
                result = (len(captured), _setup.median(times), _setup.median(baseline))
                if args.slowest:
                    for query in sorted(captured, key=lambda q: -float(q["time"]))[:4]:
                        print(f"  {query['time']}s  {query['sql'][:600]}")
                    slowest = max(captured, key=lambda q: float(q["time"]))["sql"]
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN ANALYZE " + slowest)
                        print("\n".join(row[0] for row in cursor.fetchall()))
                print(
                    f"{target:>8,}{snapshots:>11,}{period + 'd':>8}{len(captured):>9}"
                    f"{result[1] * 1000:>11.1f}{max(times) * 1000:>9.1f}"
                    f"{result[2] * 1000:>13.1f}{result[1] / result[2]:>7.2f}"
                )
                if args.profile:
                    profile(client, url, period, captured)
    queries, seconds, base = result
    print(f"report: queries={queries} ms={seconds * 1000:.0f} ratio={seconds / base:.2f}")
    return 0


def profile(client, url, period, captured) -> None:
    """Where one request's time goes: the queries' own time, and the Python functions."""
    import cProfile
    import pstats

    sql = sum(float(query["time"]) for query in captured) * 1000
    print(f"  queries' own time: {sql:.1f} ms")
    profiler = cProfile.Profile()
    profiler.runcall(client.get, url, {"period": period})
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def fill(start: int, end: int, pages, channels) -> None:
    """Sent publications ``start`` to ``end`` over the year before NOW, with snapshots."""
    from wagtail_crosspost.metrics.click_models import ClickDay
    from wagtail_crosspost.metrics.models import MetricsSnapshot
    from wagtail_crosspost.models import Publication

    minutes = 365 * 24 * 60
    rows = []
    for i in range(start, end):
        page = pages[i % len(pages)]
        rows.append(
            Publication(
                page=page,
                page_title=page.title,
                channel=channels[i % len(channels)],
                generation=i // len(pages),
                status=Publication.Status.POSTED,
                idempotency_key=f"{i:032x}",
                sent_at=NOW - timedelta(minutes=(i * 7919) % minutes + 90),
            )
        )
    Publication.objects.bulk_create(rows, batch_size=2000)
    made = Publication.objects.filter(idempotency_key__in=[r.idempotency_key for r in rows])
    snapshots, clicks = [], []
    for n, (pk, sent_at) in enumerate(made.values_list("pk", "sent_at").iterator()):
        age = NOW - sent_at
        for number, (stage, delay) in enumerate(STAGES):
            if age < delay:
                break
            snapshots.append(
                MetricsSnapshot(
                    publication_id=pk,
                    stage=stage,
                    taken_at=sent_at + delay,
                    reactions=(n % 13) * (number + 1),
                    reposts=n % 5,
                    replies=None if n % 4 == 0 else n % 3,
                    views=None if n % 2 else (n % 97) * 10 * (number + 1),
                )
            )
        if n % 3 == 0:
            clicks.append(ClickDay(publication_id=pk, day=sent_at.date(), clicks=n % 11 + 1))
    MetricsSnapshot.objects.bulk_create(snapshots, batch_size=5000)
    from wagtail_crosspost.metrics import rollup

    rollup.refresh(made.values_list("pk", flat=True).iterator())  # as the bulk writer does
    ClickDay.objects.bulk_create(clicks, batch_size=5000)


if __name__ == "__main__":
    raise SystemExit(main())
