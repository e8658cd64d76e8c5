"""The social calendar's JSON for one month with 10,000 rows.

    python benchmarks/calendar_month.py [--rows 10000] [--repeat 5]

Fills one month with ``--rows`` publications (10 channels, 50 pages, every status; waiting rows
at their due time, the others at their send time) and 20 scheduled pages, logs in as a superuser
with Django's test client and asks the calendar's data endpoint for that month, as the month view
does. Counts the database queries (``CaptureQueriesContext``) and times the request (median of
``--repeat`` after one warm-up), for a tenth of the rows and for all of them: the number of
queries must not grow with the rows.

PostgreSQL if it answers on 127.0.0.1:5432, else SQLite (printed). The last line reads
``calendar: queries=<n> ms=<median ms for all rows> cpu_ms=<median CPU ms of this process>``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _setup  # noqa: E402

MONTH = datetime(2031, 3, 1, tzinfo=UTC)
QUERY = {"start": "2031-03-01T00:00:00Z", "end": "2031-04-01T00:00:00Z"}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    db = _setup.setup("postgres", "benchmarks.settings_delivery")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from wagtail_crosspost.models import Publication

    home, user, channels, pages = _setup.make_admin_fixture()
    for n, page in enumerate(pages[:20]):
        page.save_revision(user=user, approved_go_live_at=MONTH + timedelta(days=n, hours=9))

    client = Client()
    client.force_login(user)
    url = reverse("wagtail_crosspost:calendar_data")
    print(f"database: {db.note}")
    print(f"{'rows':>8}{'entries':>9}{'queries':>9}{'median ms':>11}{'max ms':>9}{'cpu ms':>8}")
    result = (0, 0.0, 0.0)
    filled = 0
    for target in (args.rows // 10, args.rows):
        fill(filled, target, pages, channels)
        filled = target
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        client.get(url, QUERY)  # warm-up
        times, cpu = [], []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                t0, c0 = time.perf_counter(), time.process_time()
                response = client.get(url, QUERY)
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
        assert response.status_code == 200, response.status_code
        entries = len(response.json())
        result = (len(captured), _setup.median(times), _setup.median(cpu))
        print(
            f"{target:>8,}{entries:>9,}{len(captured):>9}"
            f"{result[1] * 1000:>11.1f}{max(times) * 1000:>9.1f}{result[2] * 1000:>8.0f}"
        )
    assert Publication.objects.count() == args.rows
    queries, seconds, cpu_seconds = result
    # cpu: this process only (not the database), which other jobs on the machine barely change.
    print(f"calendar: queries={queries} ms={seconds * 1000:.0f} cpu_ms={cpu_seconds * 1000:.0f}")
    return 0


def fill(start: int, end: int, pages, channels) -> None:
    """Rows ``start`` to ``end``, spread over the month: waiting ones at their due time, the
    others at their send time."""
    from wagtail_crosspost.models import Publication

    statuses = list(Publication.Status.values)
    minutes = 31 * 24 * 60
    batch = []
    for i in range(start, end):
        page, status = pages[i % len(pages)], statuses[i % len(statuses)]
        when = MONTH + timedelta(minutes=(i * 37) % minutes)
        waiting = status in Publication.IN_FLIGHT_STATUSES
        batch.append(
            Publication(
                page=page,
                page_title=page.title,
                channel=channels[i % len(channels)],
                generation=i // len(pages),
                status=status,
                idempotency_key=f"{i:032x}",
                next_attempt_at=when if waiting else MONTH,
                sent_at=None if waiting else when,
            )
        )
    Publication.objects.bulk_create(batch, batch_size=2000)


if __name__ == "__main__":
    raise SystemExit(main())
