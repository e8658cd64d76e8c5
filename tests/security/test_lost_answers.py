"""Lost answers are "maybe sent", never "failed": rows end readable, and nothing posts twice.

The Mastodon server is reached as ``mastodon.example`` (resolver hook, a public address, pinned
by the gate) over plain http: Mastodon channels need https unless the private-network test setting
is on, so both fakes run with it on. The gate's refusals are tested in ``test_gate.py``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from tests.factories import ChannelFactory, publish
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.meta import FakeGraph
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox import delivery
from wagtail_crosspost.testing.gate import RecordingConnector, gate_hooks, resolving

pytestmark = pytest.mark.django_db
TOKEN = "lost-answer-secret-token"
PAGE = "104857600123456"
PAGE_TOKEN = "EAAPageToken-s3cret-0001"


@pytest.fixture
def mastodon(settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True  # http:// (see the module's docstring)
    cache.clear()
    with FakeMastodon(token=TOKEN) as server:
        port = int(server.url.rsplit(":", 1)[1])
        connector = RecordingConnector(to=("127.0.0.1", port))
        with gate_hooks(
            resolve=resolving({"mastodon.example": "93.184.215.14"}), connect=connector
        ):
            server.public_url = f"http://mastodon.example:{port}"
            yield server
    cache.clear()


@pytest.fixture
def mastodon_channel(mastodon):
    channel = ChannelFactory(
        platform="mastodon", name="Mastodon", options={"server_url": mastodon.public_url}
    )
    channel.set_credentials({"access_token": TOKEN})
    channel.save()
    return channel


@pytest.fixture
def graph(settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
    with FakeGraph(page_id=PAGE, page_token=PAGE_TOKEN) as fake:
        yield fake


@pytest.fixture
def facebook_channel(graph):
    channel = ChannelFactory(
        platform="facebook", name="Facebook", options={"page_id": PAGE, "graph_url": graph.url}
    )
    channel.set_credentials({"page_access_token": PAGE_TOKEN})
    channel.save()
    return channel


def publish_now(page, capture):
    with capture(execute=True):
        publish(page)
    return Publication.objects.get(page=page)


@pytest.mark.parametrize("fault", ["cut", "garble"])
def test_facebook_answer_lost_after_posting_is_unknown_not_failed(
    fault, make_article, graph, facebook_channel, django_capture_on_commit_callbacks
):
    getattr(graph, fault)(**({"process": True} if fault == "drop" else {}), path=r".*/feed")
    row = publish_now(make_article(channels=[facebook_channel]), django_capture_on_commit_callbacks)
    assert row.status == "unknown"
    assert "may or may not" in row.error
    assert len(graph.posts) == 1
    # The sweep leaves an unknown row alone: no second post by itself.
    Publication.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    delivery.deliver_due()
    assert len(graph.posts) == 1


def test_retry_of_a_row_that_may_have_posted_asks_first(
    admin_client, make_article, graph, facebook_channel, django_capture_on_commit_callbacks
):
    graph.cut(path=r".*/feed")
    row = publish_now(make_article(channels=[facebook_channel]), django_capture_on_commit_callbacks)
    url = reverse("wagtail_crosspost:retry", args=[row.pk])
    for response in (admin_client.get(url), admin_client.post(url)):
        assert response.status_code == 200
        html = response.content.decode()
        assert "may have worked" in html and "may or may not" in html
        assert 'name="confirmed"' in html
    row.refresh_from_db()
    assert row.status == "unknown" and len(graph.posts) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"confirmed": "1"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "posted"  # the editor checked and chose to post again
    assert len(graph.posts) == 2


def test_retry_of_a_failed_row_needs_no_confirmation(
    admin_client, make_article, graph, facebook_channel, django_capture_on_commit_callbacks
):
    graph.fail(400, {"error": {"message": "(#100) Invalid", "code": 100}}, path=r".*/feed")
    row = publish_now(make_article(channels=[facebook_channel]), django_capture_on_commit_callbacks)
    assert row.status == "failed"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("wagtail_crosspost:retry", args=[row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "posted"


@pytest.mark.parametrize("fault", ["cut", "garble"])
def test_mastodon_lost_answer_retries_with_the_same_key_and_posts_once(
    fault, make_article, mastodon, mastodon_channel, django_capture_on_commit_callbacks
):
    getattr(mastodon, fault)(method="POST", path="/api/v1/statuses")
    row = publish_now(make_article(channels=[mastodon_channel]), django_capture_on_commit_callbacks)
    assert row.status == "pending" and row.error
    # The time of the uncertain attempt is kept: no repeat once the key may be forgotten.
    assert delivery.AMBIGUOUS_SINCE in row.delivery_state
    assert len(mastodon.statuses) == 1
    Publication.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    delivery.deliver_due()
    row.refresh_from_db()
    assert row.status == "posted"
    assert len(mastodon.statuses) == 1


def test_mastodon_unreadable_answer_is_not_repeated_after_the_key_window(
    make_article, mastodon, mastodon_channel, django_capture_on_commit_callbacks
):
    mastodon.garble(method="POST", path="/api/v1/statuses")
    row = publish_now(make_article(channels=[mastodon_channel]), django_capture_on_commit_callbacks)
    assert row.status == "pending"
    since = timezone.now() - timedelta(hours=2)
    Publication.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now(),
        delivery_state={delivery.AMBIGUOUS_SINCE: since.isoformat()},
    )
    delivery.deliver_due()
    row.refresh_from_db()
    # Past the key window the server may have forgotten the key: the account's latest posts are
    # looked through instead of posting again, and the post made by the lost attempt is found.
    [made] = mastodon.statuses  # ids of what exists on the server
    assert row.status == "posted" and row.remote_id == made
