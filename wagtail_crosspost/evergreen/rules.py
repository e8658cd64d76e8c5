"""The planner's rule, pure (no database): which page goes into which free slot, with which text.

Deterministic: the page shared longest ago first (never shared: first of all), ties by page id.
With "best performers first" (``Rules.best_first``) the pages with a score go before those
without, the higher score first (a page's score: the interactions per post of its earlier posts
on the channel, ``pool.scores``); equal scores, and the pages without one, in the first order,
then the older page (first published earlier), then the page id.
A page is skipped for a slot while in its cooldown, past its last day, too young or too old; it
leaves the plan for good once it reached the most re-shares allowed, or when no text is left that
differs from the text it last went out with on the channel (X refuses duplicates, Facebook demotes
them). Days and weeks are those of the schedule's time zone.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Rules:
    cooldown: timedelta = timedelta(days=90)
    daily_cap: int = 1
    per_week: int | None = None  # None: every free slot
    max_per_page: int | None = None
    zone: ZoneInfo = ZoneInfo("UTC")
    best_first: bool = False  # the pages whose earlier posts did best first


@dataclass
class Candidate:
    page_id: int
    last_shared: datetime | None = None  # the page's latest post or re-share on the channel
    reshares: int = 0  # re-shares so far (sent or planned)
    last_text: str | None = None  # the message it last went out with ("": the template)
    texts: tuple[str, ...] = ()  # the variants
    available_from: datetime = NEVER  # old enough from then on
    available_until: datetime | None = None  # last moment (too old, "until", expiry)
    score: Fraction | None = None  # interactions per earlier post on the channel (None: no figures)
    published: datetime = NEVER  # when the page first went live (ties: the older page first)


@dataclass(frozen=True)
class Planned:
    slot: datetime
    page_id: int
    text: str  # the message ("": the channel's template)
    number: int  # the page's n-th re-share on the channel


@dataclass
class Plan:
    planned: list[Planned] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # page id → reason (a key)


#: Reasons a page is left out (the report words them: ``report.REASONS``).
NO_NEW_TEXT = "no_new_text"
MAX_REACHED = "max_reached"


def next_text(last: str | None, texts: Iterable[str]) -> str | None:
    """The text after ``last`` in the rotation ["" (the channel's template), *variants] that is
    not ``last``; None when every text is the last one."""
    rotation = list(dict.fromkeys(["", *texts]))
    start = rotation.index(last) + 1 if last in rotation else 0
    for offset in range(len(rotation)):
        text = rotation[(start + offset) % len(rotation)]
        if text != last:
            return text
    return None


#: The order of the candidates (see the module's docstring).
Key = tuple[object, ...]


def _key(candidate: Candidate, best_first: bool = False) -> Key:
    oldest = (candidate.last_shared or NEVER, candidate.page_id)
    if not best_first:
        return oldest
    scored = candidate.score is not None
    return (
        0 if scored else 1,
        -(candidate.score or 0),
        candidate.last_shared or NEVER,
        candidate.published,
        candidate.page_id,
    )


def plan(
    rules: Rules,
    free_slots: Iterable[datetime],
    candidates: Iterable[Candidate],
    used: Iterable[datetime] = (),
) -> Plan:
    """Fill ``free_slots`` (sorted; not blacked out, not taken) from ``candidates``. ``used``:
    the re-shares already planned or sent, which count against the day and week caps."""
    result = Plan()
    per_day: Counter[date] = Counter()
    per_week: Counter[tuple[int, int]] = Counter()
    for moment in used:
        local = moment.astimezone(rules.zone).date()
        per_day[local] += 1
        per_week[local.isocalendar()[:2]] += 1
    heap: list[tuple[Key, Candidate]] = []
    for candidate in candidates:
        if rules.max_per_page is not None and candidate.reshares >= rules.max_per_page:
            result.skipped[candidate.page_id] = MAX_REACHED
            continue
        heap.append((_key(candidate, rules.best_first), candidate))
    heapq.heapify(heap)
    for slot in free_slots:
        day = slot.astimezone(rules.zone).date()
        week = day.isocalendar()[:2]
        if per_day[day] >= rules.daily_cap:
            continue
        if rules.per_week is not None and per_week[week] >= rules.per_week:
            continue
        chosen = _take(heap, slot, rules, result)
        if chosen is None:
            continue
        candidate, text = chosen
        candidate.reshares += 1
        candidate.last_shared, candidate.last_text = slot, text
        result.planned.append(Planned(slot, candidate.page_id, text, candidate.reshares))
        per_day[day] += 1
        per_week[week] += 1
        if rules.max_per_page is None or candidate.reshares < rules.max_per_page:
            heapq.heappush(heap, (_key(candidate, rules.best_first), candidate))
    return result


def _take(heap, slot: datetime, rules: Rules, result: Plan) -> tuple[Candidate, str] | None:
    """The first candidate in order that may go into ``slot``, off the heap; None if none."""
    aside = []
    found = None
    while heap:
        key, candidate = heap[0]
        in_cooldown = (
            candidate.last_shared is not None and slot - candidate.last_shared < rules.cooldown
        )
        if in_cooldown and not rules.best_first:
            break  # every candidate after it was shared later still: all in their cooldown
        heapq.heappop(heap)
        if (
            in_cooldown
            or slot < candidate.available_from
            or (candidate.available_until is not None and slot > candidate.available_until)
        ):
            aside.append((key, candidate))
            continue
        text = next_text(candidate.last_text, candidate.texts)
        if text is None:
            result.skipped[candidate.page_id] = NO_NEW_TEXT
            continue  # left out for good: nothing new to say
        found = (candidate, text)
        break
    for item in aside:
        heapq.heappush(heap, item)
    return found
