"""Deliver every due publication: once (for cron) or in a loop (as a small worker)."""

import logging
import time

from django.core.management.base import BaseCommand

from wagtail_crosspost.outbox import inflight, later
from wagtail_crosspost.review import digest
from wagtail_crosspost.schedule import scheduled_pages

logger = logging.getLogger("wagtail_crosspost")
DIGEST_CHECK_SECONDS = 60  # the loop looks for due daily digests at most once a minute


class Command(BaseCommand):
    help = (
        "Deliver every due crosspost (and the daily digests of notices, once their hour has "
        "come). Safe to run from cron, or with --loop as a worker."
    )

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
        digests_checked = None
        while True:
            if (
                digests_checked is None
                or time.monotonic() - digests_checked >= DIGEST_CHECK_SECONDS
            ):
                digests_checked = time.monotonic()
                self.send_digests(loop)
            try:
                if publish_scheduled:
                    published = scheduled_pages.publish_due_pages().strip()
                    if published:
                        self.stdout.write(published)
                plan_recorded(batch)
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

    def send_digests(self, loop):
        """The daily digests of notices whose hour has come (see review.notices)."""
        try:
            sent = digest.send_due_digests()
        except Exception:
            if not loop:
                raise
            logger.exception("Sending the daily digests failed; trying again in a minute")
            return
        if sent:
            self.stdout.write(f"{sent} daily digest(s) sent.")


def plan_recorded(batch: int) -> None:
    """Plan the publishes recorded and not planned yet (``PLAN_AFTER_COMMIT``). Whatever goes
    wrong here must not stop the sweep that follows: the rows already planned still go out."""
    try:
        later.run(limit=batch)
    except Exception:
        logger.exception("Could not plan the recorded publishes; trying again next sweep")
