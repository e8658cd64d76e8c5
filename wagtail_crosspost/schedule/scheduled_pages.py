"""Pages that Wagtail should have made live by now: publish them, or say that nobody does.

Wagtail publishes a scheduled page only when its ``publish_scheduled`` command runs. A site that
never set that up waits in vain for the page and for its posts, so ``crosspost_deliver`` can run
it (``WAGTAILCROSSPOST_PUBLISH_SCHEDULED``), and a system check and the dashboard warn when a
scheduled page is overdue.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from django.core.management import call_command
from django.utils import timezone

from wagtail_crosspost import conf

#: A page this long past its go-live time means publish_scheduled is not running.
OVERDUE_AFTER = timedelta(minutes=15)


def publish_due_pages() -> str:
    """Run Wagtail's own ``publish_scheduled`` (the same result as the cron line); its output."""
    out = io.StringIO()
    call_command("publish_scheduled", stdout=out)
    return out.getvalue()


def publishes_scheduled_pages() -> bool:
    """True when crosspost_deliver also makes scheduled pages live (the setting)."""
    return bool(conf.get("PUBLISH_SCHEDULED"))


def overdue_pages(now: datetime | None = None, grace: timedelta = OVERDUE_AFTER) -> list:
    """Revisions approved to go live over ``grace`` ago that are still waiting, oldest first."""
    from wagtail.models import Revision

    now = now or timezone.now()
    return list(
        Revision.objects.filter(approved_go_live_at__lt=now - grace)
        .order_by("approved_go_live_at")
        .only("pk", "approved_go_live_at", "object_id", "content_type_id", "object_str")[:20]
    )
