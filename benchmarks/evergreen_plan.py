"""The evergreen planner: a month of re-shares for 10 channels over a pool of 10,000 pages.

    python benchmarks/evergreen_plan.py [--pages 10000] [--days 30]

Ten channels post daily at 09:00 and 17:00 (two slots a day), each re-shares with a daily cap
of 2 and a cooldown of 90 days. The pages are inserted in bulk (plain Wagtail pages under the
home page, live for a year). The planner runs twice from an empty outbox: over a tenth of the
pages and over all of them; it counts the database queries (``CaptureQueriesContext``) and times
the run. The number of queries must not grow with the pool.

PostgreSQL if it answers on 127.0.0.1:5432, else SQLite (printed). The last line reads
``evergreen_plan: queries=<n> ms=<ms for all pages>``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _setup  # noqa: E402

NOW = datetime(2031, 3, 1, 6, 0, tzinfo=UTC)


def add_pages(home, start: int, end: int) -> None:
    """Pages ``start`` to ``end`` as children of ``home``, in one bulk insert."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Page

    page_type = ContentType.objects.get_for_model(Page)
    rows = [
        Page(
            title=f"Page {n}",
            draft_title=f"Page {n}",
            slug=f"page-{n}",
            path=Page._get_path(home.path, home.depth + 1, n + 1),
            depth=home.depth + 1,
            numchild=0,
            url_path=f"{home.url_path}page-{n}/",
            live=True,
            first_published_at=NOW - timedelta(days=365),
            last_published_at=NOW - timedelta(days=365),
            content_type=page_type,
            locale_id=home.locale_id,
        )
        for n in range(start, end)
    ]
    Page.objects.bulk_create(rows, batch_size=1000)
    Page.objects.filter(pk=home.pk).update(numchild=end)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()

    db = _setup.setup("postgres")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wagtail_crosspost.evergreen.models import EvergreenSettings
    from wagtail_crosspost.evergreen.planning import plan_all
    from wagtail_crosspost.models import Channel, Publication
    from wagtail_crosspost.schedule.models import ChannelSchedule

    home = _setup.make_site()
    slots = ", ".join(f"{d} 09:00, {d} 17:00" for d in ("Mon", "Tue", "Wed", "Thu", "Fri"))
    for i in range(10):
        channel = Channel.objects.create(platform="webhook", name=f"Channel {i}")
        ChannelSchedule.objects.create(channel=channel, time_zone="Europe/Berlin", slots=slots)
        EvergreenSettings.objects.create(channel=channel, enabled=True, daily_cap=2)
    print(f"database: {db.note}")
    print(f"{'pages':>8}{'planned':>9}{'queries':>9}{'ms':>9}")
    result = (0, 0.0)
    added = 0
    for target in (args.pages // 10, args.pages):
        add_pages(home, added, target)
        added = target
        Publication.objects.all().delete()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            results = plan_all(days=args.days, now=NOW)
            took = (time.perf_counter() - t0) * 1000
        planned = sum(len(r.planned) for r in results)
        queries = len(captured.captured_queries)
        print(f"{target:>8}{planned:>9}{queries:>9}{took:>9.0f}")
        result = (queries, took)
    print(f"evergreen_plan: queries={result[0]} ms={result[1]:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
