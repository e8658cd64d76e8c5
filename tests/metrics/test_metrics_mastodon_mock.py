"""Figures read back from ``mastodon-mock``, an independent implementation of Mastodon's API.

It is not Mastodon (see tests/servers/mastodon_mock.py), but it counts favourites, boosts and
replies from its own rows, so a favourite, a boost and a reply made through its API must come
back as 1, 1 and 1. It has no quotes (Mastodon 4.4): quotes stay None with a reason.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.servers.mastodon_mock import MastodonMockServer
from wagtail_crosspost.adapters.base import Post
from wagtail_crosspost.metrics.fetching import fetch_due
from wagtail_crosspost.models import Channel, Publication

pytestmark = [pytest.mark.mastodon_server, pytest.mark.xdist_group("mastodon_mock")]


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_a_favourite_a_boost_and_a_reply_are_counted(mastodon_mock: MastodonMockServer):
    channel = Channel.objects.create(
        platform="mastodon", name="Mock Mastodon", options={"server_url": mastodon_mock.url}
    )
    channel.set_credentials({"access_token": mastodon_mock.token})
    channel.save()
    receipt = channel.get_adapter().publish(Post(text="Figures, please.", idempotency_key="fig-1"))
    sent = timezone.now() - timedelta(hours=2)
    publication = Publication.objects.create(
        channel=channel, status="posted", remote_id=receipt.remote_id, sent_at=sent
    )
    status_id = receipt.remote_id
    for path in (f"/api/v1/statuses/{status_id}/favourite", f"/api/v1/statuses/{status_id}/reblog"):
        assert mastodon_mock.request("POST", path).status_code == 200
    reply = mastodon_mock.request(
        "POST", "/api/v1/statuses", data={"status": "Nice!", "in_reply_to_id": status_id}
    )
    assert reply.status_code == 200, reply.text

    outcome = fetch_due()
    assert outcome.snapshots == 1, outcome
    snapshot = publication.metrics_snapshots.get()
    assert (snapshot.reactions, snapshot.reposts, snapshot.replies) == (1, 1, 1)
    assert snapshot.views is None and snapshot.unavailable["views"] == "platform"
    if "quotes_count" not in snapshot.raw:
        assert snapshot.quotes is None and snapshot.unavailable["quotes"] == "platform"
