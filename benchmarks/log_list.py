"""The publication log admin list (Reports → Publication log) with 100,000 rows.

    python benchmarks/log_list.py [--rows 100000] [--repeat 5]

Fills the log with ``--rows`` publications (10 channels, 50 pages, every status), logs in as a
superuser with Django's test client and renders the list view: the first page, the second, one
in the middle, the last, and the first page filtered by status and sorted by page title, and by
a figure column (views; every tenth row has figures). For each
it counts the database queries (``CaptureQueriesContext``) and times the request (wall clock,
median of ``--repeat`` after one warm-up). The number of queries must not depend on the page or
the number of rows: a list that loads a related object per row would show it here.

PostgreSQL if it answers on 127.0.0.1:5432, else SQLite (printed). The last line reads
``log_list: queries=<queries for the first page> ms=<median render time of the first page>``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _setup  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    db = _setup.setup("postgres", "benchmarks.settings_delivery")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from wagtail_crosspost.models import Publication

    home, user, channels, pages = _setup.make_admin_fixture()

    started = time.perf_counter()
    if connection.vendor == "postgresql":
        fill_postgres(args.rows, pages, channels, user)
    else:
        fill_orm(args.rows, pages, channels, user)
    fill_figures()
    filled = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    setup_test_environment()  # so the test client sees the template context (the paginator)
    client = Client()
    client.force_login(user)
    url = reverse("wagtail_crosspost_log:index")
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    paginator = first.context["paginator"] if first.context else None
    last_page = paginator.num_pages if paginator else 1
    per_page = paginator.per_page if paginator else 0
    cases = [
        ("page 1", {}),
        ("page 2", {"p": 2}),
        ("middle page", {"p": max(1, last_page // 2)}),
        ("last page", {"p": last_page}),
        ("posted, by title", {"status": "posted", "ordering": "page_title"}),
        # A figure column (the latest figures joined; "not given" last).
        ("posted, by views", {"status": "posted", "ordering": "-figure_views"}),
    ]

    print(f"database: {db.note}; {Publication.objects.count():,} rows (filled in {filled:.1f}s)")
    print(f"{per_page} rows per page, {last_page:,} pages")
    print(f"{'view':<20}{'status':>8}{'queries':>9}{'median ms':>11}{'max ms':>9}")
    results = {}
    for label, params in cases:
        client.get(url, params)  # warm-up
        times, queries, status = [], None, None
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                response = client.get(url, params)
                times.append(time.perf_counter() - t0)
            status = response.status_code
            queries = len(captured)
        results[label] = (queries, _setup.median(times))
        print(
            f"{label:<20}{status:>8}{queries:>9}"
            f"{_setup.median(times) * 1000:>11.1f}{max(times) * 1000:>9.1f}"
        )
    counts = {q for q, _ in results.values()}
    print("queries constant across pages:", "yes" if len(counts) == 1 else f"no ({sorted(counts)})")
    queries, seconds = results["page 1"]
    print(f"log_list: queries={queries} ms={seconds * 1000:.0f}")
    return 0


def row_values(i: int, pages, channels, statuses) -> dict:
    page, status = pages[i % len(pages)], statuses[i % len(statuses)]
    return {
        "page": page,
        "page_title": page.title,
        "channel": channels[i % len(channels)],
        "generation": i // len(pages),  # (page, channel) repeats every 50 rows
        "status": status,
        "idempotency_key": f"{i:032x}",
        "remote_url": f"https://social.example/@site/{i}" if status == "posted" else "",
        "error": "The platform said no." if status == "failed" else "",
        "sent_text": f"{page.title}\n\nAn intro.\n\nhttps://example.com/{page.slug}/",
    }


def fill_orm(rows: int, pages, channels, user) -> None:
    from django.utils import timezone

    from wagtail_crosspost.models import Publication

    statuses = list(Publication.Status.values)
    now = timezone.now()
    batch = []
    for i in range(rows):
        values = row_values(i, pages, channels, statuses)
        sent_at = now if values["status"] == "posted" else None
        batch.append(Publication(requested_by=user, sent_at=sent_at, **values))
        if len(batch) == 5000:
            Publication.objects.bulk_create(batch)
            batch = []
    Publication.objects.bulk_create(batch)


def fill_figures() -> None:
    """Latest figures for every tenth posted row; the others have none ("–", sorted last)."""
    from wagtail_crosspost.metrics.rollup import PublicationFigures
    from wagtail_crosspost.models import Publication

    posted = Publication.objects.filter(status="posted").values_list(
        "pk", "channel_id", "page_id", "page_title", "sent_at"
    )
    PublicationFigures.objects.bulk_create(
        (
            PublicationFigures(
                publication_id=pk,
                channel_id=channel_id,
                page_id=page_id,
                page_title=title,
                sent_at=sent_at,
                reactions=pk % 50,
                views=pk % 1000,
                interactions=pk % 50,
            )
            for pk, channel_id, page_id, title, sent_at in posted.iterator()
            if pk % 10 == 0
        ),
        batch_size=5000,
    )


def fill_postgres(rows: int, pages, channels, user) -> None:
    """The same rows as ``fill_orm``, generated by PostgreSQL itself (seconds, not a minute)."""
    from django.db import connection

    from wagtail_crosspost.models import Publication

    statuses = list(Publication.Status.values)
    table = Publication._meta.db_table
    np, nc, ns = len(pages), len(channels), len(statuses)
    columns = """page_id, page_title, channel_id, action, status, generation,
            attempts, next_attempt_at, idempotency_key, message, remote_id, remote_url,
            sent_text, sent_media, dry_run, error, requested_by_id, created_at, updated_at,
            sent_at"""
    # Every other column (added by later features) gets the model's default, as the ORM would.
    named = {c.strip() for c in columns.split(",")}
    blank = Publication()
    rest = [
        f for f in Publication._meta.concrete_fields if f.column not in named and not f.primary_key
    ]
    rest_values = [f.get_db_prep_save(getattr(blank, f.attname), connection) for f in rest]
    rest_columns = "".join(f", {f.column}" for f in rest)
    rest_params = ", %s" * len(rest)
    sql = f"""
        INSERT INTO {table} ({columns}{rest_columns})
        SELECT p.id, p.title, c.id, 'post', s.status, i / {np}, 1, now(), lpad(to_hex(i), 32, '0'),
            '', '', CASE WHEN s.status = 'posted'
                THEN 'https://social.example/@site/' || i ELSE '' END,
            p.title || E'\n\nAn intro.\n\nhttps://example.com/' || p.slug || '/', '[]', false,
            CASE WHEN s.status = 'failed' THEN 'The platform said no.' ELSE '' END, %s,
            now() - i * interval '1 minute', now(), CASE WHEN s.status = 'posted' THEN now() END
            {rest_params}
        FROM generate_series(0, %s) AS i
        JOIN unnest(%s::bigint[], %s::text[], %s::text[]) WITH ORDINALITY
            AS p(id, title, slug, n) ON p.n = i %% {np} + 1
        JOIN unnest(%s::bigint[]) WITH ORDINALITY AS c(id, n) ON c.n = i %% {nc} + 1
        JOIN unnest(%s::text[]) WITH ORDINALITY AS s(status, n) ON s.n = i %% {ns} + 1
    """
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                user.pk,
                *rest_values,
                rows - 1,
                [p.pk for p in pages],
                [p.title for p in pages],
                [p.slug for p in pages],
                [c.pk for c in channels],
                statuses,
            ],
        )


if __name__ == "__main__":
    raise SystemExit(main())
