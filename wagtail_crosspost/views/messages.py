"""The message an editor sees after Publish: where the page is being posted, or when."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from wagtail.admin import messages

from ..choices import choices_for
from ..models import Channel, Publication
from ..outbox import later


def queued_message(request, page, *, only_if_just_published: bool = False) -> None:
    page.refresh_from_db()
    if only_if_just_published:
        # A workflow action: say something only if it published the page in this request.
        published = page.last_published_at
        if not page.live or published is None or timezone.now() - published > timedelta(minutes=1):
            return
    if not page.live:
        scheduled = page.revisions.filter(approved_go_live_at__isnull=False).first()
        ticked = [pk for pk, choice in choices_for(page).items() if choice.enabled]
        if scheduled and ticked and scheduled.approved_go_live_at:
            channels = Channel.objects.filter(pk__in=ticked).order_by("pk")
            listed = get_text_list([channel.name for channel in channels], _("and"))
            when = formats.date_format(
                timezone.localtime(scheduled.approved_go_live_at), "DATETIME_FORMAT"
            )
            messages.info(
                request,
                _("%(channels)s will get the post when the page goes live (%(when)s).")
                % {"channels": listed, "when": when},
            )
        return
    # Rows this publish just planned (delivery may already have finished them): Wagtail sets
    # last_published_at just before page_published plans them. Publishing again posts nothing
    # new, and must not repeat the message of a publish a moment ago.
    since = page.last_published_at or timezone.now() - timedelta(minutes=2)
    recent = Publication.objects.filter(page=page, created_at__gte=since).select_related("channel")
    planned = {row.channel.name for row in recent if row.action != Publication.Action.DELETE}
    # Planned after the response (PLAN_AFTER_COMMIT): the channels the recorded publish will take.
    names = sorted(planned | {channel.name for channel in later.channels_to_come(page)})
    if not names:
        return
    log_url = reverse("wagtail_crosspost_log:index") + "?" + urlencode({"page_title": page.title})
    messages.success(
        request,
        _("Queued for %(channels)s.") % {"channels": get_text_list(names, _("and"))},
        buttons=[messages.button(log_url, _("Publication log"))],
    )
