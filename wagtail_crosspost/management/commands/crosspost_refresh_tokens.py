"""Renew OAuth tokens that expire soon. Run it from cron every 15 minutes."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from wagtail_crosspost.auth.refresh import refresh_due


class Command(BaseCommand):
    help = (
        "Renew the access tokens of channels whose token expires soon (each platform's own "
        "margin, or --hours). Channels whose renewal is refused are marked 'needs reconnecting'."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=float,
            default=None,
            help="Renew every token that expires within this many hours (default: per platform).",
        )

    def handle(self, *args, hours=None, **options):
        counts = refresh_due(timedelta(hours=hours) if hours is not None else None)
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        self.stdout.write(summary or "No token is due for renewal.")
