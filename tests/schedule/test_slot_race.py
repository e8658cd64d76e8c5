"""Two publishes racing for a channel's next free slot on PostgreSQL: real concurrent
transactions, and the slot goes to one of them only (the schedule's row lock)."""

import threading
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection, transaction

from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox import planning
from wagtail_crosspost.schedule.models import ChannelSchedule, Timing

# The root page and site come from data migrations: restore them after the flush.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MONDAY = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)
TUESDAY_9_BERLIN = datetime(2026, 3, 24, 8, 0, tzinfo=UTC)
THURSDAY_9_BERLIN = datetime(2026, 3, 26, 8, 0, tzinfo=UTC)
TIMEOUT = 30


def _waiting_for_a_lock() -> int:
    """Sessions of this database that wait for a row lock right now (another connection)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _plan(page):
    return planning.plan_publications(page, page.latest_revision)


def test_two_publishes_racing_for_one_slot_take_two_slots(channel, make_article):
    ChannelSchedule.objects.create(
        channel=channel,
        time_zone="Europe/Berlin",
        slots="Tue 09:00, Thu 09:00",
        default_timing=Timing.NEXT_SLOT,
    )
    first, second = (make_article(title=t, channels=[channel]) for t in ("First", "Second"))
    for page in (first, second):
        page.save_revision()  # the revisions exist: the threads only plan
    first_planned, second_done = threading.Event(), threading.Event()
    release_first = threading.Event()
    errors = []

    def publish_first():
        try:
            with transaction.atomic():  # as a publish inside a request's transaction
                _plan(first)
                first_planned.set()
                assert release_first.wait(TIMEOUT)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def publish_second():
        try:
            assert first_planned.wait(TIMEOUT)
            with transaction.atomic():
                _plan(second)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            second_done.set()
            connection.close()

    with time_machine.travel(MONDAY, tick=False):
        threads = [threading.Thread(target=publish_first), threading.Thread(target=publish_second)]
        for thread in threads:
            thread.start()
        assert first_planned.wait(TIMEOUT)
        # The second publish must wait for the first one's lock (without the lock it would
        # finish now, with the slot the first one has not committed yet).
        waited = False
        for _ in range(TIMEOUT * 20):
            if second_done.wait(0.05):
                break
            if _waiting_for_a_lock():
                waited = True
                break
        release_first.set()
        for thread in threads:
            thread.join(TIMEOUT)
    assert not errors
    assert waited, "the second publish did not wait for the first one's slot"
    due = Publication.objects.order_by("next_attempt_at").values_list(
        "page_title", "next_attempt_at"
    )
    assert list(due) == [("First", TUESDAY_9_BERLIN), ("Second", THURSDAY_9_BERLIN)]
