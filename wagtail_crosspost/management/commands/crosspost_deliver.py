"""Deliver every due publication: once (for cron) or in a loop (as a small worker)."""

import logging
import time

from django.core.management.base import BaseCommand

from wagtail_crosspost.outbox import inflight
from wagtail_crosspost.schedule import scheduled_pages

logger = logging.getLogger("wagtail_crosspost")


class Command(BaseCommand):
    help = "Deliver every due crosspost. Safe to run from cron, or with --loop as a worker."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep delivering until stopped.")
        parser.add_argument(
            "--interval", type=float, default=5.0, help="Seconds between sweeps with --loop."
        )
        parser.add_argument("--batch", type=int, default=50, help="Rows per sweep.")
        parser.add_argument(
            "--concurrency",
            type=int,
            default=None,
            help=(
                "Sends in flight at once (threads). Default: the "
                "WAGTAILCROSSPOST_WORKER_CONCURRENCY setting; always 1 on SQLite."
            ),
        )
        parser.add_argument(
            "--max-sweeps", type=int, default=0, help="Stop after this many sweeps (0: never)."
        )
        parser.add_argument(
            "--publish-scheduled",
            action="store_true",
            default=None,
            help=(
                "Before each sweep, make due scheduled pages live (Wagtail's publish_scheduled). "
                "Default: the WAGTAILCROSSPOST_PUBLISH_SCHEDULED setting."
            ),
        )

    def handle(
        self,
        *args,
        loop=False,
        interval=5.0,
        batch=50,
        max_sweeps=0,
        concurrency=None,
        publish_scheduled=None,
        **options,
    ):
        if publish_scheduled is None:
            publish_scheduled = scheduled_pages.publishes_scheduled_pages()
        sweeps = 0
        while True:
            try:
                if publish_scheduled:
                    published = scheduled_pages.publish_due_pages().strip()
                    if published:
                        self.stdout.write(published)
                counts = inflight.deliver_due(limit=batch, threads=concurrency)
            except Exception:
                if not loop:
                    raise
                # Each row is guarded in deliver_due; this is the database or the like: the
                # worker waits and sweeps again rather than dying.
                logger.exception("The delivery sweep failed; trying again after the interval")
                counts = {}
            sweeps += 1
            if counts or not loop:
                summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
                self.stdout.write(summary or "Nothing due.")
            if not loop or (max_sweeps and sweeps >= max_sweeps):
                return
            if sum(counts.values()) < batch:  # a full batch means more may be due right now
                time.sleep(interval)
