"""Re-encrypt every channel's credentials with the first key of WAGTAILCROSSPOST_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand

from wagtail_crosspost.models import Channel


class Command(BaseCommand):
    help = "Re-encrypt channel credentials with the newest key (put it first in the list)."

    def handle(self, *args, **options):
        count = 0
        for channel in Channel.objects.all():
            # Reading decrypts with any listed key; saving encrypts with the first.
            channel.save(update_fields=["credentials"])
            count += 1
        self.stdout.write(f"Re-encrypted the credentials of {count} channel(s).")
