"""Four planners and four workers at once on PostgreSQL: no slot planned twice, no slot lost,
no re-share sent twice."""

import threading
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone
from wagtail.models import Page

from tests.factories import ChannelFactory
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.evergreen.models import EvergreenSettings
from wagtail_crosspost.evergreen.planning import plan_all
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox import delivery
from wagtail_crosspost.schedule import slots as slot_rules
from wagtail_crosspost.schedule.models import ChannelSchedule

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SLOTS = ", ".join(f"{d} {h:02d}:00" for d in DAYS for h in (0, 6, 12, 18))


def test_four_planners_and_four_workers(home):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    channels = [ChannelFactory(name=f"C{i}") for i in range(2)]
    for channel in channels:
        ChannelSchedule.objects.create(channel=channel, time_zone="UTC", slots=SLOTS)
        EvergreenSettings.objects.create(channel=channel, enabled=True, daily_cap=4)
    pages = [home.add_child(instance=type(home)(title=f"P{i}", slug=f"p{i}")) for i in range(40)]
    year_ago = timezone.now() - timedelta(days=365)
    Page.objects.filter(pk__in=[p.pk for p in pages]).update(first_published_at=year_ago)
    # The planners plan from two days ago: the first slots are due at once, and the workers
    # send them while the other planners are still at work.
    start = timezone.now() - timedelta(days=2)
    errors = []
    planning = threading.Event()

    def planner():
        try:
            for _ in range(3):
                plan_all(days=5, now=start)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def worker():
        try:
            while planning.is_set() or delivery.deliver_due(limit=5):
                delivery.deliver_due(limit=5)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    planning.set()
    planners = [threading.Thread(target=planner) for _ in range(4)]
    workers = [threading.Thread(target=worker) for _ in range(4)]
    for t in planners + workers:
        t.start()
    for t in planners:
        t.join(timeout=120)
    planning.clear()
    for t in workers:
        t.join(timeout=120)
    assert not errors
    rows = list(Publication.objects.filter(kind=Publication.Kind.RESHARE))
    per_slot = Counter((r.channel_id, r.slot_at) for r in rows)
    assert max(per_slot.values()) == 1  # no slot planned twice
    expected = [
        m
        for m in slot_rules.occurrences(slot_rules.parse_slots(SLOTS), ZoneInfo("UTC"), start)
        if start < m < start + timedelta(days=5)
    ]
    for channel in channels:  # no slot lost: every slot of the window has its re-share
        assert sorted(s for c, s in per_slot if c == channel.pk) == expected
        pages_used = Counter(r.page_id for r in rows if r.channel_id == channel.pk)
        assert max(pages_used.values()) == 1  # the cooldown: each page once
    sent = Counter(p.post.idempotency_key for p in locmem.outbox)
    assert sent and max(sent.values()) == 1  # each due re-share sent once
    now = timezone.now()
    due = [r for r in rows if r.slot_at <= now]
    assert {r.status for r in due} == {"posted"} and len(sent) == len(due)
