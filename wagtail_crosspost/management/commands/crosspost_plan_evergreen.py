"""Plan the evergreen re-shares of the next days (from cron, e.g. every hour), or show them."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from wagtail_crosspost.evergreen import tasks
from wagtail_crosspost.evergreen.planning import DEFAULT_DAYS, plan_all


class Command(BaseCommand):
    help = (
        "Plan the evergreen re-shares of the next days into the outbox. "
        "With --dry-run, only show what would be planned."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="How far ahead.")
        parser.add_argument("--channel", type=int, action="append", help="Only this channel id.")
        parser.add_argument("--dry-run", action="store_true", help="Show, plan nothing.")

    def handle(self, *args, days=DEFAULT_DAYS, channel=None, dry_run=False, **options):
        if not dry_run:
            counts = tasks.run(days=days, channel_ids=channel)
            self.stdout.write(
                "Planned {planned} re-shares on {channels} channels ({removed} re-planned).".format(
                    **counts
                )
            )
            return
        for result in plan_all(days=days, channel_ids=channel, dry_run=True):
            self.stdout.write(f"Channel {result.channel_id}: pool of {result.pool_size} pages")
            for row in result.kept:
                when = timezone.localtime(row.next_attempt_at)
                self.stdout.write(f"  {when:%Y-%m-%d %H:%M}  {row.page_title} (planned)")
            for item in result.planned:
                when = timezone.localtime(item.slot)
                title = result.titles.get(item.page_id, "")
                self.stdout.write(f"  {when:%Y-%m-%d %H:%M}  {title} (#{item.number})")
            for page_id, reason in sorted(result.skipped.items()):
                title = result.titles.get(page_id, "")
                self.stdout.write(f"  skipped: {title} ({reason})")
