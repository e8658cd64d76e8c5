"""Property test: two years of days, random rules, pages and blackouts, the planner run every
day for the week ahead (as the periodic job does). The rules are never broken:

- no re-share in a blackout;
- the cooldown, the most re-shares per page, the daily and weekly caps hold;
- no identical text twice in a row on the channel (a text is its page and message);
- no slot used twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wagtail_crosspost.evergreen.rules import Candidate, Rules, plan
from wagtail_crosspost.schedule import slots as slot_rules

START = datetime(2025, 1, 1, tzinfo=UTC)
DAYS = 730
AHEAD = 7

rules_strategy = st.builds(
    Rules,
    cooldown=st.integers(1, 120).map(lambda d: timedelta(days=d)),
    daily_cap=st.integers(1, 3),
    per_week=st.one_of(st.none(), st.integers(1, 10)),
    max_per_page=st.one_of(st.none(), st.integers(1, 6)),
    zone=st.sampled_from(
        [ZoneInfo("UTC"), ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")]
    ),
)
page_strategy = st.tuples(
    st.integers(-400, 600),  # first live, days after START (negative: before)
    st.lists(st.sampled_from(["A", "B", "C", ""]), max_size=3),  # variants ("" is a no-op)
    st.one_of(st.none(), st.integers(0, DAYS)),  # last day (until / expiry), days after START
)
slot_strategy = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 23), st.sampled_from([0, 30])),
    min_size=1,
    max_size=10,
)
blackout_strategy = st.lists(
    st.tuples(st.integers(0, DAYS), st.integers(1, 40)), max_size=6
)  # start day, length in days


def simulate(rules, pages, weekly, blackouts):
    slot_list = sorted(
        {slot_rules.Slot(d, datetime.min.replace(hour=h, minute=m).time()) for d, h, m in weekly}
    )
    periods = [(START + timedelta(days=s), START + timedelta(days=s + n)) for s, n in blackouts]
    # A page's earlier post on the channel: the first post, when it went live (template text).
    rows: list[tuple[datetime, int, str]] = []
    first = {pk: START + timedelta(days=live) for pk, (live, _v, _u) in enumerate(pages)}
    taken: set[datetime] = set()
    latest: dict[int, tuple[datetime, str]] = {}
    counts: Counter[int] = Counter()
    for day in range(DAYS):
        now = START + timedelta(days=day)
        end = now + timedelta(days=AHEAD)
        free = [
            moment for moment in slot_rules.occurrences(slot_list, rules.zone, now) if moment < end
        ]
        free = [
            m
            for m in _until(free, end)
            if m not in taken and not any(a <= m < b for a, b in periods)
        ]
        candidates = []
        for pk, (_live, variants, last_day) in enumerate(pages):
            if first[pk] > now:
                continue  # not live yet: not in the pool (its first post comes when it is)
            last = latest.get(pk, (first[pk], ""))
            candidates.append(
                Candidate(
                    page_id=pk,
                    last_shared=last[0],
                    reshares=counts[pk],
                    last_text=last[1],
                    texts=tuple(v for v in variants if v),
                    available_from=first[pk],
                    available_until=(
                        START + timedelta(days=last_day) if last_day is not None else None
                    ),
                )
            )
        for item in plan(rules, free, candidates, sorted(taken)).planned:
            assert item.slot not in taken, "a slot used twice"
            taken.add(item.slot)
            rows.append((item.slot, item.page_id, item.text))
            latest[item.page_id] = (item.slot, item.text)
            counts[item.page_id] += 1
    return rows, first, periods


def _until(moments, end):
    for moment in moments:
        if moment >= end:
            return
        yield moment


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rules=rules_strategy,
    pages=st.lists(page_strategy, min_size=1, max_size=12),
    weekly=slot_strategy,
    blackouts=blackout_strategy,
)
def test_two_years_of_planning_never_break_the_rules(rules, pages, weekly, blackouts):
    rows, first, periods = simulate(rules, pages, weekly, blackouts)
    rows.sort()
    slots = [when for when, _p, _t in rows]
    assert len(slots) == len(set(slots)), "no slot used twice"
    for when, page, _text in rows:
        assert not any(a <= when < b for a, b in periods), "a re-share in a blackout"
        assert when >= first[page], "a page re-shared before it went live"
        last_day = pages[page][2]
        if last_day is not None:
            assert when <= START + timedelta(days=last_day), "re-shared after its last day"
    days = Counter(when.astimezone(rules.zone).date() for when in slots)
    assert max(days.values(), default=0) <= rules.daily_cap
    if rules.per_week is not None:
        weeks = Counter(when.astimezone(rules.zone).date().isocalendar()[:2] for when in slots)
        assert max(weeks.values(), default=0) <= rules.per_week
    by_page: dict[int, list[tuple[datetime, str]]] = {}
    for when, page, text in rows:
        by_page.setdefault(page, []).append((when, text))
    for page, shares in by_page.items():
        if rules.max_per_page is not None:
            assert len(shares) <= rules.max_per_page
        history = [(first[page], ""), *shares] if first[page] <= shares[0][0] else shares
        for (before, text_before), (after, text_after) in zip(history, history[1:], strict=False):
            assert after - before >= rules.cooldown, "cooldown broken"
            assert text_after != text_before, "the same text twice in a row for a page"
    # On the channel: never the same (page, text) twice in a row.
    for (_w1, p1, t1), (_w2, p2, t2) in zip(rows, rows[1:], strict=False):
        assert (p1, t1) != (p2, t2)
