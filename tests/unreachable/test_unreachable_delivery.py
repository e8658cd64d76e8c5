"""The outbox on an unreachable server: a channel that never posted fails the post at once (no
retries) and is marked as needing attention with the reason; one that posted before waits and
tries again (an outage), still marked. Real webhook adapter, a closed port on 127.0.0.1."""

from __future__ import annotations

import logging
import socket

import pytest

from tests.factories import ChannelFactory, publish
from wagtail_crosspost.models import Channel, Publication
from wagtail_crosspost.outbox import delivery

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(local_platform):
    """127.0.0.1 allowed, short timeouts (tests/conftest.py)."""


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def webhook_row(make_article):
    channel = ChannelFactory(
        platform="webhook",
        name="Intranet",
        options={"url": f"http://127.0.0.1:{closed_port()}/hook"},
    )
    channel.set_credentials({"secret": "s" * 32})
    channel.save()
    page = make_article(channels=[channel])
    publish(page)  # planned, not delivered (no on_commit in these tests)
    return channel, Publication.objects.get(page=page, channel=channel)


def test_a_new_channel_that_refuses_fails_at_once_and_needs_attention(make_article, caplog):
    channel, row = webhook_row(make_article)
    with caplog.at_level(logging.WARNING, logger="wagtail_crosspost"):
        assert delivery.deliver(row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 1
    assert "“127.0.0.1” refused the connection" in row.error
    assert "Check the address" in row.error and "tried again" not in row.error
    channel.refresh_from_db()
    assert channel.status == Channel.Status.ERROR
    assert "Check the address" in channel.status_detail
    assert "127.0.0.1" in caplog.text and "Check the address" in caplog.text
    # Not due again: nothing is waiting to be retried.
    assert delivery.deliver_due() == {}


def test_a_channel_that_posted_before_tries_again(make_article):
    channel, row = webhook_row(make_article)
    earlier = make_article(title="Earlier")
    Publication.objects.create(
        page=earlier, channel=channel, status=Publication.Status.POSTED, remote_id="42"
    )
    assert delivery.deliver(row.pk) == "pending"
    row.refresh_from_db()
    assert row.status == "pending" and row.next_attempt_at is not None
    assert "refused the connection" in row.error
    channel.refresh_from_db()
    assert channel.status == Channel.Status.ERROR  # the panel warns meanwhile
