"""Weekly posting slots: parse "Tue 09:00, Thu 09:00", and find their next moments in a time zone.

Pure (no database). Local times become instants with ``zoneinfo`` and two rules, documented in
docs/how-to/posting-schedule.md:

- a slot that falls in a daylight-saving **gap** (the clock jumps from 02:00 to 03:00) moves
  forward to the first minute that exists, the end of the gap (02:30 → 03:00);
- a slot in the **repeated hour** (the clock goes back from 03:00 to 02:00) is its first
  occurrence (``fold=0``), so a slot fires once, never twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: Day names an editor may type, English and German, long and short; Monday is 0.
DAY_NAMES: dict[str, int] = {}
for _number, _names in enumerate(
    [
        ("mon", "monday", "mo", "montag"),
        ("tue", "tuesday", "tu", "di", "dienstag"),
        ("wed", "wednesday", "we", "mi", "mittwoch"),
        ("thu", "thursday", "th", "do", "donnerstag"),
        ("fri", "friday", "fr", "freitag"),
        ("sat", "saturday", "sa", "samstag", "sonnabend"),
        ("sun", "sunday", "su", "so", "sonntag"),
    ]
):
    for _name in _names:
        DAY_NAMES[_name] = _number
SHORT_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SLOT = re.compile(r"^\s*([^\W\d_]+)\.?\s+(\d{1,2})[:.](\d{2})\s*$")
#: How far ahead the next free slot is looked for.
HORIZON_WEEKS = 26


class Slot(NamedTuple):
    weekday: int  # Monday is 0
    at: time

    def __str__(self) -> str:
        return f"{SHORT_NAMES[self.weekday]} {self.at:%H:%M}"


def parse_slots(text: str) -> list[Slot]:
    """The slots in ``text`` (separated by commas, semicolons or new lines), sorted, each once.
    A part that does not parse raises ``ValidationError`` naming it."""
    slots: set[Slot] = set()
    for part in re.split(r"[,;\n]", text or ""):
        if not part.strip():
            continue
        match = _SLOT.match(part)
        day = DAY_NAMES.get(match.group(1).lower()) if match else None
        if match is None or day is None:
            raise ValidationError(
                _('"%(part)s" is not a slot. Write a day and a time, for example "Tue 09:00".'),
                code="slot",
                params={"part": part.strip()},
            )
        hour, minute = int(match.group(2)), int(match.group(3))
        if hour > 23 or minute > 59:
            raise ValidationError(
                _('"%(part)s" has no valid time of day (00:00 to 23:59).'),
                code="slot_time",
                params={"part": part.strip()},
            )
        slots.add(Slot(day, time(hour, minute)))
    return sorted(slots)


@cache
def _known_zones() -> frozenset[str]:
    # "localtime" is whatever the server is set to: not a name a channel can rely on.
    return frozenset(available_timezones()) - {"localtime", "posixrules", "Factory"}


def format_slots(slots: list[Slot]) -> str:
    return ", ".join(str(slot) for slot in sorted(slots))


def time_zone(name: str) -> ZoneInfo:
    """The zone called ``name``; ``ValidationError`` for a name zoneinfo does not know."""
    if name not in _known_zones():
        raise ValidationError(
            _('"%(name)s" is not a known time zone. Use a name like "Europe/Berlin".'),
            code="time_zone",
            params={"name": name},
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - listed but not loadable
        raise ValidationError(_("Unknown time zone."), code="time_zone") from None


def exists(wall: datetime, zone: ZoneInfo) -> bool:
    """False for a local time in a daylight-saving gap (it never shows on the clock)."""
    aware = wall.replace(tzinfo=zone, fold=0)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


def to_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The moment (UTC) of the local ``day`` at ``at`` in ``zone``, with the two DST rules."""
    wall = datetime.combine(day, at)
    for _minute in range(24 * 60):  # gaps are an hour or two; a day is a safe bound
        if exists(wall, zone):
            return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
        wall += timedelta(minutes=1)  # in a gap: the first minute that exists
    raise ValueError("no valid local time")  # pragma: no cover


def occurrences(slots: list[Slot], zone: ZoneInfo, after: datetime) -> Iterator[datetime]:
    """The moments of ``slots`` at or after ``after``, in order, up to ``HORIZON_WEEKS`` ahead."""
    if not slots:
        return
    start = after.astimezone(zone).date() - timedelta(days=1)
    for offset in range(HORIZON_WEEKS * 7 + 2):
        day = start + timedelta(days=offset)
        moments = sorted(
            to_instant(day, slot.at, zone) for slot in slots if slot.weekday == day.weekday()
        )
        for moment in moments:
            if moment >= after:
                yield moment


def next_free(
    slots: list[Slot], zone: ZoneInfo, after: datetime, taken: Callable[[datetime], bool]
) -> datetime | None:
    """The first slot moment at or after ``after`` that ``taken`` does not reject."""
    for moment in occurrences(slots, zone, after):
        if not taken(moment):
            return moment
    return None
