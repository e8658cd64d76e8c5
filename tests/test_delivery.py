"""The delivery state machine: what each adapter outcome does to the row and the channel."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import scripted
from tests.factories import ChannelFactory, publish
from wagtail_crosspost.adapters.base import (
    AmbiguousError,
    AuthError,
    PermanentError,
    TransientError,
)
from wagtail_crosspost.models import Channel, Publication
from wagtail_crosspost.outbox import delivery, health, planning

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def scripted_adapters(settings):
    settings.WAGTAILCROSSPOST_ADAPTERS = [
        "tests.scripted.ScriptedAdapter",
        "tests.scripted.IdempotentScriptedAdapter",
        "tests.scripted.ForgetfulScriptedAdapter",
    ]
    scripted.SCRIPT.clear()
    scripted.CALLS.clear()
    yield


def planned_row(make_article, platform="scripted"):
    channel = ChannelFactory(platform=platform, name="Scripted")
    page = make_article(channels=[channel])
    publish(page)  # no on_commit execution: the row is planned but not delivered
    return Publication.objects.get(page=page)


def test_success_records_what_was_sent(make_article):
    row = planned_row(make_article)
    assert delivery.deliver(row.pk) == "posted"
    row.refresh_from_db()
    assert row.remote_id == "s1" and row.remote_url == "https://scripted.invalid/1"
    assert "Hello world" in row.sent_text
    assert row.attempts == 1 and row.sent_at is not None and row.lease_until is None


def test_transient_error_retries_later_with_the_platforms_hint(make_article):
    row = planned_row(make_article)
    scripted.SCRIPT.append(TransientError("Slow down", retry_after=600))
    before = timezone.now()
    assert delivery.deliver(row.pk) == "pending"
    row.refresh_from_db()
    assert row.status == "pending" and row.error == "Slow down"
    assert row.next_attempt_at >= before + timedelta(seconds=600)
    # Not due yet: a sweep leaves it alone; once due, it goes out.
    assert delivery.deliver(row.pk) is None
    Publication.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver(row.pk) == "posted"


def test_transient_errors_give_up_after_max_attempts(make_article, settings):
    settings.WAGTAILCROSSPOST_MAX_ATTEMPTS = 2
    row = planned_row(make_article)
    scripted.SCRIPT.extend([TransientError("down"), TransientError("still down")])
    delivery.deliver(row.pk)
    Publication.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver(row.pk) == "failed"
    row.refresh_from_db()
    assert "Gave up after 2 attempts" in row.error and "still down" in row.error


def test_permanent_error_fails_with_reason(make_article):
    row = planned_row(make_article)
    scripted.SCRIPT.append(PermanentError("Text too long", raw={"error": "too long"}))
    assert delivery.deliver(row.pk) == "failed"
    row.refresh_from_db()
    assert row.error == "Text too long" and row.raw_response == {"error": "too long"}


def test_auth_error_marks_channel_and_holds_the_post(make_article):
    row = planned_row(make_article)
    scripted.SCRIPT.append(AuthError("Token expired"))
    assert delivery.deliver(row.pk) == "pending"
    row.refresh_from_db()
    assert row.channel.status == Channel.Status.NEEDS_RECONNECT
    assert "needs to be reconnected" in row.error
    assert row.attempts == 0
    # Reconnecting makes the held post due again, and it goes out.
    row.channel.mark(Channel.Status.OK)
    health.resume_channel(row.channel)
    assert delivery.deliver(row.pk) == "posted"


def test_ambiguous_error_without_idempotency_becomes_unknown(make_article):
    row = planned_row(make_article)
    scripted.SCRIPT.append(AmbiguousError("Timed out after sending"))
    assert delivery.deliver(row.pk) == "unknown"
    # Nothing retries it by itself; the editor's Retry does.
    Publication.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver_due() == {}
    row.refresh_from_db()
    assert planning.retry(row)
    assert delivery.deliver(row.pk) == "posted"
    assert len(scripted.CALLS) == 2


def test_ambiguous_error_with_idempotency_retries(make_article):
    row = planned_row(make_article, platform="scripted_idem")
    scripted.SCRIPT.append(AmbiguousError("Timed out after sending"))
    assert delivery.deliver(row.pk) == "pending"


def make_due(row, minutes_ago: float = 0) -> None:
    Publication.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=minutes_ago)
    )


def age_the_uncertain_attempt(row, minutes: float) -> None:
    """As if the uncertain attempt had been ``minutes`` ago."""
    row.refresh_from_db()
    since = timezone.now() - timedelta(minutes=minutes)
    Publication.objects.filter(pk=row.pk).update(
        delivery_state={**row.delivery_state, delivery.AMBIGUOUS_SINCE: since.isoformat()}
    )


def test_an_uncertain_post_is_repeated_while_the_platform_recognises_the_repeat(make_article):
    row = planned_row(make_article, platform="scripted_hour")
    scripted.SCRIPT.extend([AmbiguousError("Timed out after sending"), TransientError("down")])
    assert delivery.deliver(row.pk) == "pending"
    age_the_uncertain_attempt(row, 20)
    make_due(row)
    assert delivery.deliver(row.pk) == "pending"  # a 503 meanwhile keeps the time of the first
    row.refresh_from_db()
    assert delivery.AMBIGUOUS_SINCE in row.delivery_state
    make_due(row)
    assert delivery.deliver(row.pk) == "posted"
    assert len(scripted.CALLS) == 3


def test_an_uncertain_post_is_not_repeated_once_the_platform_forgot_its_key(make_article):
    """Mastodon recognises an Idempotency-Key for an hour. An attempt whose answer was lost,
    then outages and backoff past that hour: a repeat could be a second post. Unknown instead."""
    row = planned_row(make_article, platform="scripted_hour")
    scripted.SCRIPT.extend([AmbiguousError("Timed out after sending"), TransientError("down")])
    assert delivery.deliver(row.pk) == "pending"
    make_due(row)
    assert delivery.deliver(row.pk) == "pending"
    age_the_uncertain_attempt(row, 55)
    make_due(row)
    assert delivery.deliver(row.pk) == "unknown"
    assert len(scripted.CALLS) == 2  # not sent a third time
    row.refresh_from_db()
    assert "recognises a repeat only for 60 minutes" in row.error
    assert "Check the account" in row.error
    # The editor checked and found nothing: Retry sends it, the old attempt no longer counts.
    assert planning.retry(row)
    assert delivery.deliver(row.pk) == "posted"
    assert len(scripted.CALLS) == 3


def test_platforms_that_recognise_a_repeat_for_good_repeat_however_late(make_article):
    row = planned_row(make_article, platform="scripted_idem")
    scripted.SCRIPT.append(AmbiguousError("Timed out after sending"))
    assert delivery.deliver(row.pk) == "pending"
    age_the_uncertain_attempt(row, 60 * 24)
    make_due(row)
    assert delivery.deliver(row.pk) == "posted"


def test_unexpected_exception_fails_cleanly(make_article):
    row = planned_row(make_article)
    scripted.SCRIPT.append(ZeroDivisionError("boom"))
    assert delivery.deliver(row.pk) == "failed"
    row.refresh_from_db()
    assert "ZeroDivisionError" in row.error


def test_only_one_claim_wins(make_article):
    row = planned_row(make_article)
    first = delivery.claim(row.pk)
    assert first is not None and first.status == "sending"
    assert delivery.claim(row.pk) is None


def test_expired_lease_of_non_idempotent_platform_becomes_unknown(make_article):
    row = planned_row(make_article)
    assert delivery.claim(row.pk) is not None  # a worker takes it ... and dies
    Publication.objects.filter(pk=row.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert delivery.deliver(row.pk) is None
    row.refresh_from_db()
    assert row.status == "unknown" and "worker stopped" in row.error
    assert scripted.CALLS == []


def test_expired_lease_of_idempotent_platform_is_sent_again(make_article):
    row = planned_row(make_article, platform="scripted_idem")
    assert delivery.claim(row.pk) is not None
    Publication.objects.filter(pk=row.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert delivery.deliver(row.pk) == "posted"
    assert scripted.CALLS[0].idempotency_key == row.idempotency_key


def test_disabled_channel_skips(make_article):
    row = planned_row(make_article)
    Channel.objects.filter(pk=row.channel_id).update(enabled=False)
    assert delivery.deliver(row.pk) == "skipped"


def test_sweep_delivers_every_due_row(make_article):
    rows = [planned_row(make_article) for _ in range(3)]
    assert delivery.deliver_due() == {"posted": 3}
    assert set(
        Publication.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)
    ) == {"posted"}


def test_backoff_grows_and_honours_hints(settings):
    settings.WAGTAILCROSSPOST_RETRY_BASE_SECONDS = 10
    assert 5 <= delivery.backoff(1) <= 10
    assert all(delivery.backoff(6) <= 320 for _ in range(20))
    assert max(delivery.backoff(6) for _ in range(50)) > 40
    assert delivery.backoff(1, retry_after=900) >= 900


def test_republish_after_failure_tries_again(make_article, django_capture_on_commit_callbacks):
    channel = ChannelFactory(platform="scripted", name="Scripted")
    page = make_article(channels=[channel])
    scripted.SCRIPT.append(PermanentError("Rejected"))
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    assert Publication.objects.get(page=page).status == "failed"
    page.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    row = Publication.objects.get(page=page)
    assert row.status == "posted" and len(scripted.CALLS) == 2


def test_quota_paces_instead_of_failing(make_article, monkeypatch):
    monkeypatch.setattr(
        scripted.ScriptedAdapter,
        "rules",
        scripted.ScriptedAdapter.rules.__class__(text_limit=100, quota=(2, 300)),
    )
    channel = ChannelFactory(platform="scripted", name="Paced")
    rows = []
    for i in range(3):
        page = make_article(title=f"Paced {i}", channels=[channel])
        publish(page)
        rows.append(Publication.objects.get(page=page))
    assert [delivery.deliver(r.pk) for r in rows] == ["posted", "posted", "pending"]
    held = Publication.objects.get(pk=rows[2].pk)
    assert "posting limit (2 posts per 5 minutes)" in held.error
    assert held.attempts == 0 and held.next_attempt_at > timezone.now() + timedelta(seconds=250)
    assert len(scripted.CALLS) == 2
    # When the window has passed, it goes out.
    Publication.objects.filter(channel=channel, status="posted").update(
        sent_at=timezone.now() - timedelta(seconds=301)
    )
    Publication.objects.filter(pk=held.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver(held.pk) == "posted"


def test_circuit_breaker_pauses_a_failing_channel(make_article, settings):
    settings.WAGTAILCROSSPOST_BREAKER_THRESHOLD = 2
    rows = [planned_row(make_article) for _ in range(3)]
    Publication.objects.update(channel=rows[0].channel)
    scripted.SCRIPT.extend([TransientError("down"), TransientError("down")])
    delivery.deliver(rows[0].pk)
    delivery.deliver(rows[1].pk)
    channel = Channel.objects.get(pk=rows[0].channel_id)
    assert channel.paused_until is not None and channel.status == "error"
    assert "Paused after 2 failed attempts" in channel.status_detail
    # The next row waits for the pause instead of hammering the platform.
    assert delivery.deliver(rows[2].pk) == "pending"
    assert "rests until" in Publication.objects.get(pk=rows[2].pk).error
    assert len(scripted.CALLS) == 2
    # After the pause a success resets the streak.
    Channel.objects.filter(pk=channel.pk).update(paused_until=timezone.now() - timedelta(seconds=1))
    Publication.objects.filter(pk=rows[2].pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver(rows[2].pk) == "posted"
    channel.refresh_from_db()
    assert channel.failure_streak == 0 and channel.paused_until is None


def test_a_raising_signal_receiver_does_not_fail_the_post(make_article):
    from wagtail_crosspost.signals import publication_finished

    def broken(sender, publication, **kwargs):
        raise RuntimeError("integrator bug")

    publication_finished.connect(broken)
    try:
        row = planned_row(make_article)
        assert delivery.deliver(row.pk) == "posted"
    finally:
        publication_finished.disconnect(broken)


def test_failed_attempt_keeps_the_text_it_tried_to_send(make_article):
    row = planned_row(make_article)
    scripted.SCRIPT.append(PermanentError("Rejected"))
    delivery.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == "failed" and "Hello world" in row.sent_text


def test_dry_run_delete_leaves_the_real_post_alone(make_article, settings):
    row = planned_row(make_article)
    delivery.deliver(row.pk)
    settings.WAGTAILCROSSPOST_DRY_RUN = True
    delete = Publication.objects.create(
        page=row.page, channel=row.channel, action="delete", target=row
    )
    assert delivery.deliver(delete.pk) == "deleted"
    row.refresh_from_db()
    assert row.status == "posted"


def test_a_pending_post_of_a_deleted_page_is_skipped(make_article):
    row = planned_row(make_article)
    Publication.objects.get(pk=row.pk).page.delete()
    assert delivery.deliver(row.pk) == "skipped"
    row.refresh_from_db()
    assert row.error == "The page was deleted before this post was sent."
    assert scripted.CALLS == []


def test_a_post_queued_when_its_page_is_unpublished_does_not_go_out(make_article):
    row = planned_row(make_article)
    Channel.objects.filter(pk=row.channel_id).update(on_unpublish=Channel.OnUnpublish.DELETE)
    Publication.objects.get(pk=row.pk).page.specific.unpublish()
    assert delivery.deliver(row.pk) == "skipped"
    assert scripted.CALLS == []
    row.refresh_from_db()
    assert row.error == "The page was unpublished before this post was sent."
