"""Test the connection of every enabled channel and record the result (for cron)."""

from django.core.management.base import BaseCommand

from wagtail_crosspost.models import Channel
from wagtail_crosspost.outbox.health import check_channel


class Command(BaseCommand):
    help = "Test every enabled channel's connection; exits with status 1 if any fails."

    def handle(self, *args, **options):
        failed = 0
        for channel in Channel.objects.usable():
            health = check_channel(channel)
            mark = "OK  " if health.ok else "FAIL"
            failed += not health.ok
            self.stdout.write(f"{mark} {channel.name} ({channel.platform}): {health.detail}")
        if failed:
            raise SystemExit(1)
