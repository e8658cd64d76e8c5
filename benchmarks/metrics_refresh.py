"""Taking 10,000 due figures snapshots over 5 channels: platform calls and database queries.

    python benchmarks/metrics_refresh.py [--rows 10000] [--channels 5]

Fills ``--channels`` in-memory (``locmem``) channels with ``--rows`` posted publications, all due
for their +1 h snapshot, and runs ``metrics.fetching.fetch_due`` once, first for a tenth of the
rows and then for all of them. Counts the adapter's ``fetch_metrics`` calls (batches of 50, the
locmem batch size) and the database queries (``CaptureQueriesContext``): the calls must be
rows / batch size, and the queries per batch must stay constant (four: select the batch, then
BEGIN, INSERT, COMMIT to store it), whatever the number of rows.

PostgreSQL if it answers on 127.0.0.1:5432, else SQLite (printed). The last line reads
``metrics_refresh: queries=<n> calls=<n>`` for all rows.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _setup  # noqa: E402

SENT = datetime(2031, 3, 2, 9, 0, tzinfo=UTC)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=5)
    args = parser.parse_args()

    db = _setup.setup("postgres", "benchmarks.settings_delivery")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wagtail_crosspost.adapters import locmem
    from wagtail_crosspost.metrics.fetching import fetch_due
    from wagtail_crosspost.metrics.models import MetricsSnapshot
    from wagtail_crosspost.models import Channel, Publication

    channels = [
        Channel.objects.create(platform="locmem", name=f"Channel {i}") for i in range(args.channels)
    ]
    print(f"database: {db.note}")
    print(f"{'rows':>8}{'calls':>7}{'queries':>9}{'per call':>10}{'snapshots':>11}{'ms':>8}")
    filled = 0
    result = (0, 0)
    for target in (args.rows // 10, args.rows):
        Publication.objects.bulk_create(
            Publication(
                channel=channels[n % len(channels)],
                page_title=f"Post {n}",
                status=Publication.Status.POSTED,
                remote_id=f"locmem-{n}",
                sent_at=SENT,
            )
            for n in range(filled, target)
        )
        filled = target
        MetricsSnapshot.objects.all().delete()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        locmem.metrics_calls.clear()
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            outcome = fetch_due(now=SENT + timedelta(hours=2), batches=10_000)
            took = (time.perf_counter() - t0) * 1000
        calls = len(locmem.metrics_calls)
        queries = len(captured.captured_queries)
        assert outcome.snapshots == target, (outcome.snapshots, target)
        assert calls == outcome.calls
        print(
            f"{target:>8}{calls:>7}{queries:>9}{queries / max(1, calls):>10.2f}"
            f"{outcome.snapshots:>11}{took:>8.0f}"
        )
        result = (queries, calls)
    print(f"metrics_refresh: queries={result[0]} calls={result[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
