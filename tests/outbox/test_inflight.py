"""Several sends in flight in one worker (issue #13): a slow platform does not hold up the
others, and a channel's posting quota still holds. No timings: events, not sleeps."""

from __future__ import annotations

import threading

import pytest

from tests.factories import ChannelFactory
from tests.outbox.test_background import TIMEOUT, BlockingAdapter, in_background, left_behind
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.adapters.base import PlatformRules, Post, Receipt
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox import inflight

__all__ = ["in_background"]  # the fixture: blocking adapter, released at the end

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgres,
]


class QuotaAdapter(locmem.LocmemAdapter):
    key = "quota3"
    rules = PlatformRules(text_limit=500, quota=(3, 3600))


class CountingAdapter(locmem.LocmemAdapter):
    key = "counting"
    third = threading.Event()

    def publish(self, post: Post) -> Receipt:
        receipt = super().publish(post)
        if len(locmem.outbox) >= 3:
            type(self).third.set()
        return receipt


def test_a_slow_platform_does_not_hold_up_the_other_channels(make_article, in_background, settings):
    settings.WAGTAILCROSSPOST_ADAPTERS = [
        f"{BlockingAdapter.__module__}.BlockingAdapter",
        f"{__name__}.CountingAdapter",
    ]
    CountingAdapter.third.clear()
    slow = left_behind(make_article, 1, ChannelFactory(platform="blocking"))
    fast = [
        *left_behind(make_article, 1, ChannelFactory(platform="counting")),
        *left_behind(make_article, 1, ChannelFactory(platform="counting")),
        *left_behind(make_article, 1, ChannelFactory(platform="counting")),
    ]
    Publication.objects.filter(pk=slow[0].pk).update(next_attempt_at="2000-01-01T00:00Z")
    worker = threading.Thread(target=lambda: inflight.deliver_due(limit=10, threads=4))
    worker.start()
    try:
        assert BlockingAdapter.called.wait(TIMEOUT)
        # Every other channel's post went out while the slow one still waits for its answer.
        assert CountingAdapter.third.wait(TIMEOUT)
        assert not BlockingAdapter.release.is_set()
    finally:
        BlockingAdapter.release.set()
        worker.join(TIMEOUT)
    statuses = Publication.objects.filter(pk__in=[r.pk for r in slow + fast])
    assert set(statuses.values_list("status", flat=True)) == {"posted"}
    assert not BlockingAdapter.gave_up


def test_a_channels_quota_holds_with_eight_sends_in_flight(make_article, settings):
    settings.WAGTAILCROSSPOST_ADAPTERS = [f"{__name__}.QuotaAdapter"]
    rows = left_behind(make_article, 6, ChannelFactory(platform="quota3"))
    counts = inflight.deliver_due(limit=50, threads=8)
    assert counts == {"posted": 3, "pending": 3}
    assert len(locmem.outbox) == 3
    held = Publication.objects.filter(pk__in=[r.pk for r in rows], status="pending")
    assert held.count() == 3 and all("limit" in row.error for row in held)
