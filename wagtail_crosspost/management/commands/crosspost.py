"""Post a live page from the shell: ``manage.py crosspost 42 --channel "Company Mastodon"``."""

from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Page

from wagtail_crosspost.api import CrosspostError, crosspost


class Command(BaseCommand):
    help = "Queue posts of a live page to channels (by name or id); delivered in the background."

    def add_arguments(self, parser):
        parser.add_argument("page", help="Page id or URL path, e.g. 42 or /news/open-house/")
        parser.add_argument(
            "--channel",
            action="append",
            dest="channels",
            help="Channel name or id; repeat for several. Default: the ticked channels.",
        )
        parser.add_argument("--message", default="", help="Text instead of the channel template.")
        parser.add_argument("--again", action="store_true", help="Post even if already posted.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Record what would be sent; send nothing."
        )

    def handle(self, page, channels=None, message="", again=False, dry_run=False, **options):
        obj = self._page(page)
        try:
            rows = crosspost(obj, channels, message=message, repost=again, dry_run=dry_run)
        except CrosspostError as exc:
            raise CommandError(str(exc)) from exc
        names = ", ".join(sorted({r.channel.name for r in rows})) or "-"
        self.stdout.write(f"Queued {len(rows)} post(s) of “{obj.title}”: {names}")
        if not rows:
            self.stdout.write("Nothing new: the page was already posted there (use --again).")

    def _page(self, value: str) -> Page:
        query = (
            Page.objects.filter(pk=value)
            if value.isdigit()
            else Page.objects.filter(url_path__endswith=value.rstrip("/") + "/")
        )
        page = query.first()
        if page is None:
            raise CommandError(f"No page {value!r} exists.")
        return page.specific
