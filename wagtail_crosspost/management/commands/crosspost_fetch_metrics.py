"""Take the due figures snapshots (+1 h, +24 h, +7 d, +30 d after sending); for cron."""

from django.core.management.base import BaseCommand

from wagtail_crosspost.metrics.fetching import BATCHES_PER_CHANNEL, fetch_due


class Command(BaseCommand):
    help = (
        "Fetch engagement figures for the publications whose snapshot is due. A platform's "
        "failure is recorded on its channel; the command itself still succeeds."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batches",
            type=int,
            default=BATCHES_PER_CHANNEL,
            help="At most this many platform calls per channel in this run.",
        )

    def handle(self, *args, **options):
        outcome = fetch_due(batches=max(1, options["batches"]))
        self.stdout.write(
            f"{outcome.snapshots} snapshots from {outcome.calls} calls on "
            f"{outcome.channels} channels"
        )
        for name in outcome.paused:
            self.stdout.write(f"paused: {name}")
        for name in outcome.failed:
            self.stdout.write(f"failed: {name} (see the channel's figures health)")
