"""Warn channel managers of logins that expire within 7 days. Run it once a day."""

from django.core.management.base import BaseCommand

from wagtail_crosspost.review.expiry import WARN_DAYS, notify_expiring


class Command(BaseCommand):
    help = (
        "E-mail the managers of every channel whose login expires within --days (7) and cannot "
        "be renewed automatically."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=WARN_DAYS)

    def handle(self, *args, days=WARN_DAYS, **options):
        sent = notify_expiring(days=days)
        self.stdout.write(f"{sent} mail(s) sent.")
