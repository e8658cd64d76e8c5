"""Races between workers that the scale-out runs exposed, pinned down in one process.

Runs on every database (no worker processes needed).
"""

import pytest

from tests.factories import ChannelFactory
from wagtail_crosspost.adapters.locmem import LocmemAdapter
from wagtail_crosspost.models import Channel, Publication
from wagtail_crosspost.outbox import delivery

pytestmark = pytest.mark.django_db


def test_a_success_resets_failures_other_workers_counted_meanwhile(make_article, monkeypatch):
    """The circuit breaker counts failures *in a row*. A worker that loaded the channel before
    other workers' failures were counted must still reset the count when its post succeeds;
    otherwise failures separated by successes add up and pause a healthy channel."""
    channel = ChannelFactory(name="Busy")
    page = make_article(title="Racing")
    row = Publication.objects.create(page=page, page_title=page.title, channel=channel)
    publish = LocmemAdapter.publish

    def publish_while_others_fail(self, post):
        # Meanwhile, other workers' attempts on this channel fail four times.
        Channel.objects.filter(pk=self.channel.pk).update(failure_streak=4)
        return publish(self, post)

    monkeypatch.setattr(LocmemAdapter, "publish", publish_while_others_fail)
    assert delivery.deliver(row.pk) == Publication.Status.POSTED
    channel.refresh_from_db()
    assert channel.failure_streak == 0
    assert channel.paused_until is None
