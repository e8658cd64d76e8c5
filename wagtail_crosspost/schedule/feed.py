"""A user's calendar feed (iCalendar, RFC 5545): their upcoming posts and scheduled pages.

Built from the calendar's own entries (``calendar.entries``), so it shows exactly what the user
may see in the calendar. It holds no secrets and no draft text: each event is the channel and the
page title, its time, its status and a link into the admin (which asks for a login). A scheduled
page's event also lists the channels it will post to and when (in the site's time zone).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from . import calendar

#: How far back and ahead the feed reaches.
PAST = timedelta(days=7)
AHEAD = timedelta(days=92)
#: Entries still to come: scheduled pages and posts that wait (or are being sent).
UPCOMING = {"scheduled", "pending", "sending"}
PRODID = "-//wagtail-crosspost//Social calendar//EN"


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and new lines escaped."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """A content line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode())
        if size + width > (75 if not parts else 74):
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def build(user: Any, base_url: str, now: datetime | None = None) -> str:
    """The feed of ``user`` as text; ``base_url`` makes the admin links absolute."""
    now = now or timezone.now()
    found = calendar.entries(user, now - PAST, now + AHEAD, calendar.Filters())
    status_labels = {"scheduled": _("Scheduled page"), "pending": _("Waiting to be sent")}
    status_labels["sending"] = status_labels["pending"]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(_('Social calendar'))}",
    ]
    for entry in found:
        props = entry.get("extendedProps", {})
        status = props.get("status", "")
        if status not in UPCOMING:
            continue
        start = parse_datetime(entry["start"])
        if start is None:
            continue
        label = status_labels[status]
        if props.get("paused"):
            label = f"{label} ({_('Paused')})"
        description = "\n".join([label, *planned_posts(props.get("posts") or [])])
        lines += [
            "BEGIN:VEVENT",
            f"UID:{entry['id']}@wagtail-crosspost",
            f"DTSTAMP:{stamp(now)}",
            f"DTSTART:{stamp(start)}",
            f"DTEND:{stamp(start + timedelta(minutes=15))}",
            f"SUMMARY:{escape(entry['title'])}",
            f"DESCRIPTION:{escape(description)}",
        ]
        if props.get("url"):
            lines.append(f"URL:{base_url.rstrip('/')}{props['url']}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def planned_posts(posts: list[dict]) -> list[str]:
    """A scheduled page's posts (``calendar.scheduled_pages``: channel and planned time) as the
    lines of its event's description; none for a page with no channel ticked."""
    lines = []
    for post in posts:
        when = parse_datetime(post.get("start") or "")
        if when is None:
            continue
        local = timezone.localtime(when) if timezone.is_aware(when) else when
        moment = formats.date_format(local, "SHORT_DATETIME_FORMAT")
        lines.append(f"{post.get('channel', '')} · {moment}")
    if not lines:
        return []
    zone = timezone.get_current_timezone_name()
    return [_("Planned posts (%(zone)s):") % {"zone": zone}, *lines]
