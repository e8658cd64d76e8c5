"""Never twice on a server that ignores Idempotency-Key (issue 11, point 3), over real HTTP to
the strict fake GoToSocial; and a keyed Mastodon post whose answer was lost (issue 12).

The checking state: found -> Posted with the found id; certainly not made -> sent once more;
unsure -> Unknown — check, with a sentence that says what to look at.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.factories import ChannelFactory, publish
from tests.fakes.gotosocial import FakeGoToSocial
from tests.fakes.mastodon import FakeMastodon
from wagtail_crosspost.compose.post import build_post
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox import checking, delivery, inputs

pytestmark = pytest.mark.django_db
TOKEN = "fedi-secret-token-24680"
CREATE = ("POST", "/api/v1/statuses")


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
    settings.WAGTAILCROSSPOST_HTTP_TIMEOUT = (2, 2)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def gts():
    with FakeGoToSocial(token=TOKEN) as server:
        yield server


def channel_for(server, **options):
    channel = ChannelFactory(
        platform="mastodon", name="Fedi", options={"server_url": server.url, **options}
    )
    channel.set_credentials({"access_token": TOKEN})
    channel.save()
    return channel


def post_page(make_article, server, capture, **options):
    page = make_article(channels=[channel_for(server, **options)])
    with capture(execute=True):
        publish(page)
    return Publication.objects.get(page=page)


def run_due(row):
    Publication.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    delivery.deliver_due()
    row.refresh_from_db()
    return row


def test_the_server_is_known_and_shown_after_the_first_delivery(
    make_article, gts, django_capture_on_commit_callbacks
):
    row = post_page(make_article, gts, django_capture_on_commit_callbacks)
    assert row.status == "posted"
    row.channel.refresh_from_db()
    stored = row.channel.options["server_software"]
    assert stored == {"name": "gotosocial", "version": "0.20.1", "problem": "", "limit": 5000}
    adapter = row.channel.get_adapter()
    assert adapter.describe_server(row.channel.options) == "GoToSocial 0.20.1 · limit 5000"
    assert not adapter.repeat_is_safe()


def test_lost_answer_found_by_checking_is_posted_with_the_found_id(
    make_article, gts, django_capture_on_commit_callbacks
):
    gts.drop(process=True, method="POST", path="/api/v1/statuses")
    row = post_page(make_article, gts, django_capture_on_commit_callbacks)
    assert row.status == "pending" and row.delivery_state.get(checking.CHECKING)
    assert "could not reach" not in row.error.lower()
    assert "GoToSocial" in row.error
    [made] = gts.statuses
    row = run_due(row)
    assert row.status == "posted" and row.remote_id == made
    assert list(gts.statuses) == [made]  # never twice
    assert len(gts.requests_to(*CREATE)) == 1


def test_certainly_not_made_is_sent_once_more(
    make_article, gts, django_capture_on_commit_callbacks
):
    gts.drop(process=False, method="POST", path="/api/v1/statuses")  # lost before it was made
    row = post_page(make_article, gts, django_capture_on_commit_callbacks)
    assert row.status == "pending" and row.delivery_state.get(checking.CHECKING)
    assert gts.statuses == {}
    row = run_due(row)
    assert row.status == "posted" and len(gts.statuses) == 1
    assert len(gts.requests_to(*CREATE)) == 2


def test_not_made_twice_ends_unknown_instead_of_a_third_send(
    make_article, gts, django_capture_on_commit_callbacks
):
    gts.drop(process=False, times=2, method="POST", path="/api/v1/statuses")
    row = post_page(make_article, gts, django_capture_on_commit_callbacks)
    row = run_due(row)  # nothing found: sent once more, lost again: checking again
    assert row.status == "pending" and row.delivery_state.get(checking.CHECKING)
    row = run_due(row)
    assert row.status == "unknown" and "Check the account" in row.error
    assert len(gts.requests_to(*CREATE)) == 2


def test_unsure_ends_unknown_with_what_to_look_at(
    make_article, gts, django_capture_on_commit_callbacks
):
    gts.drop(process=True, method="POST", path="/api/v1/statuses")
    row = post_page(make_article, gts, django_capture_on_commit_callbacks)
    gts.fail(500, {"error": "boom"}, times=5, method="GET", path=r"/api/v1/accounts/\d+/statuses")
    row = run_due(row)
    assert row.status == "unknown"
    assert "GoToSocial may or may not have published this post" in row.error
    assert "Look at the account's posts since" in row.error
    assert len(gts.requests_to(*CREATE)) == 1


def test_a_thread_reply_whose_answer_was_lost_is_found_not_repeated(
    make_article, gts, django_capture_on_commit_callbacks
):
    gts.limits.max_characters = 120
    gts.drop(process=True, method="POST", path="/api/v1/statuses", after=1)
    page = make_article(
        title="A long title " * 3,
        intro="It turns parts twice as fast. " * 10,
        channels=[channel_for(gts, long_text="thread", thread_max_parts=5)],
    )
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    row = Publication.objects.get(page=page)
    assert row.status == "posted", row.error
    texts = gts.texts()
    assert len(texts) == len(set(texts)) >= 2  # every part once
    assert len(row.delivery_state["receipt"]["thread"]) == len(texts) - 1


def test_keyed_mastodon_post_records_when_its_answer_was_lost_and_reconciles_later(
    make_article, django_capture_on_commit_callbacks
):
    with FakeMastodon(token=TOKEN) as server:
        server.drop(process=True, method="POST", path="/api/v1/statuses")
        row = post_page(make_article, server, django_capture_on_commit_callbacks)
        assert row.status == "pending"
        assert row.delivery_state.get(delivery.AMBIGUOUS_SINCE)  # issue 12
        assert "could not reach" not in row.error.lower()
        # The retry comes after the key window: the server has forgotten the key.
        long_ago = timezone.now() - timedelta(hours=2)
        Publication.objects.filter(pk=row.pk).update(
            delivery_state={delivery.AMBIGUOUS_SINCE: long_ago.isoformat()}
        )
        server.idempotency.clear()
        [made] = server.statuses
        row = run_due(row)
        assert row.status == "posted" and row.remote_id == made
        assert list(server.statuses) == [made]
        assert len(server.requests_to(*CREATE)) == 1


def test_a_worker_that_died_while_sending_leaves_a_check_not_a_guess(
    make_article, gts, django_capture_on_commit_callbacks
):
    channel = channel_for(gts)
    page = make_article(channels=[channel], live=False)
    with django_capture_on_commit_callbacks(execute=False):  # planned, not yet delivered
        publish(page)
    row = Publication.objects.get(page=page)
    Publication.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    claimed = delivery.claim(row.pk)  # a worker takes it, posts ... and dies before recording
    assert claimed is not None
    adapter = channel.get_adapter()
    post, _notes = build_post(*inputs.for_publication(claimed, adapter))
    adapter.publish(post)
    Publication.objects.filter(pk=row.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert delivery.deliver(row.pk) is None  # taken over: not sent, but checked
    row.refresh_from_db()
    assert row.status == "pending" and row.delivery_state.get(checking.CHECKING)
    assert "worker stopped" in row.error
    row = run_due(row)
    assert row.status == "posted" and list(gts.statuses) == [row.remote_id]
