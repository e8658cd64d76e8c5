"""Taking the next due row: the ``among`` and busy-channel filters hold for every due row (the
PostgreSQL path is one SQL statement, the others a query and a compare-and-set)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories import ChannelFactory
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox import delivery

pytestmark = pytest.mark.django_db


def due_row(page, channel, key):
    return Publication.objects.create(
        page=page,
        page_title=page.title,
        channel=channel,
        idempotency_key=key,
        next_attempt_at=timezone.now() - timezone.timedelta(minutes=5),
    )


def test_among_and_busy_channels_limit_which_due_row_is_taken(make_article):
    page = make_article()
    alpha, beta = ChannelFactory(name="Alpha"), ChannelFactory(name="Beta")
    older = due_row(page, alpha, "a")  # the most overdue: taken first without filters
    Publication.objects.filter(pk=older.pk).update(
        next_attempt_at=timezone.now() - timezone.timedelta(hours=1)
    )
    wanted = due_row(page, beta, "b")
    pk, row = delivery.claim_next(among=[wanted.pk])
    assert pk == wanted.pk and row.channel == beta
    Publication.objects.filter(pk=wanted.pk).update(status="pending", lease_until=None)
    # A channel this worker already sends to as much as it may: its rows are left alone.
    pk, row = delivery.claim_next(busy_channels=[alpha.pk])
    assert pk == wanted.pk
    assert delivery.claim_next(busy_channels=[alpha.pk]) is None
    assert Publication.objects.get(pk=older.pk).status == "pending"


def test_a_task_past_its_time_hands_the_rest_to_a_new_task(make_article, settings):
    """A queue kills a job past its timeout wherever it is; deliver_rows stops taking rows after
    TASK_SECONDS (always one at least) and enqueues the rows still due."""
    from django_tasks import task_backends

    from wagtail_crosspost.adapters import locmem
    from wagtail_crosspost.outbox import tasks

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
        "crosspost": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"},
    }
    settings.WAGTAILCROSSPOST_TASK_BACKEND = "crosspost"
    settings.WAGTAILCROSSPOST_TASK_SECONDS = 0  # out of time after the first row
    page = make_article()
    rows = [due_row(page, ChannelFactory(name=f"C{i}"), f"k{i}") for i in range(3)]
    locmem.outbox.clear()
    counts = tasks.deliver_rows.call([row.pk for row in rows])
    assert counts == {"posted": 1} and len(locmem.outbox) == 1
    (follow_up,) = task_backends["crosspost"].results
    assert sorted(follow_up.args[0]) == sorted(
        r.pk for r in rows if r.channel.name != locmem.outbox[0].channel
    )
