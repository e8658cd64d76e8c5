"""A user's view: publish an article with an image; the status appears on (fake) Mastodon with
the image and its alt text, and the log links to it. Over real HTTP to a strict local server."""

import pytest
from django.core.cache import cache

from tests.factories import ChannelFactory, make_image, publish
from tests.fakes.mastodon import FakeMastodon
from wagtail_crosspost.models import Channel, Publication
from wagtail_crosspost.outbox import delivery

pytestmark = pytest.mark.django_db
TOKEN = "e2e-secret-token-98765"


@pytest.fixture
def mastodon(settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
    settings.WAGTAILCROSSPOST_HTTP_TIMEOUT = (2, 2)
    cache.clear()
    with FakeMastodon(token=TOKEN) as server:
        yield server
    cache.clear()


@pytest.fixture
def mastodon_channel(mastodon):
    channel = ChannelFactory(
        platform="mastodon", name="Company Mastodon", options={"server_url": mastodon.url}
    )
    channel.set_credentials({"access_token": TOKEN})
    channel.save()
    return channel


def test_article_with_image_appears_on_mastodon(
    make_article, mastodon, mastodon_channel, django_capture_on_commit_callbacks, caplog
):
    image = make_image(1600, 900, title="Our new lathe")
    page = make_article(
        title="A new lathe for the workshop",
        intro="It turns parts twice as fast.",
        image=image,
        channels=[mastodon_channel],
    )
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)

    [status] = mastodon.statuses.values()
    assert "A new lathe for the workshop" in status["text"]
    assert page.full_url in status["text"]
    [media_id] = status["media_ids"]
    assert mastodon.media[media_id]["description"] == "Alt text for Our new lathe"
    row = Publication.objects.get(page=page)
    assert row.status == "posted"
    assert row.remote_url.endswith("/" + status["id"])
    assert row.sent_media[0]["alt_text"] == "Alt text for Our new lathe"
    assert TOKEN not in caplog.text


def test_expired_token_marks_channel_and_page_still_publishes(
    make_article, mastodon, mastodon_channel, django_capture_on_commit_callbacks
):
    mastodon_channel.set_credentials({"access_token": "revoked-token-xyz"})
    mastodon_channel.save()
    page = make_article(channels=[mastodon_channel], live=False)
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    page.refresh_from_db()
    assert page.live
    assert mastodon.statuses == {}
    mastodon_channel.refresh_from_db()
    assert mastodon_channel.status == Channel.Status.NEEDS_RECONNECT
    row = Publication.objects.get(page=page)
    assert row.status == "pending" and "reconnected" in row.error
    assert "revoked-token-xyz" not in row.error + str(row.raw_response)


def test_outage_then_recovery_posts_exactly_once(
    make_article, mastodon, mastodon_channel, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    mastodon.fail(503, {"error": "Maintenance"}, times=1, method="POST", path="/api/v1/statuses")
    page = make_article(channels=[mastodon_channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    row = Publication.objects.get(page=page)
    assert row.status == "pending" and "HTTP 503" in row.error
    Publication.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver_due() == {"posted": 1}
    assert len(mastodon.statuses) == 1


def test_connection_dropped_after_posting_does_not_duplicate(
    make_article, mastodon, mastodon_channel, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    # The server creates the status but the answer never arrives.
    mastodon.drop(process=True, times=1, method="POST", path="/api/v1/statuses")
    page = make_article(channels=[mastodon_channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    row = Publication.objects.get(page=page)
    assert row.status == "pending"  # idempotent platform: safe to try again
    Publication.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    delivery.deliver_due()
    row.refresh_from_db()
    assert row.status == "posted"
    assert len(mastodon.statuses) == 1
