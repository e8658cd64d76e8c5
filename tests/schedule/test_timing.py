"""A channel's timing decides when a publish's post is due; crosspost_deliver sends it then,
once. Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from tests.factories import publish
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.choices import choose
from wagtail_crosspost.models import Publication
from wagtail_crosspost.schedule.models import ChannelSchedule, Timing

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)  # Berlin: 11:00 CET
TUESDAY_9_BERLIN = datetime(2026, 3, 24, 8, 0, tzinfo=UTC)
THURSDAY_9_BERLIN = datetime(2026, 3, 26, 8, 0, tzinfo=UTC)


def deliver_at(moment, capture):
    with time_machine.travel(moment, tick=False), capture(execute=True):
        call_command("crosspost_deliver")


def publish_at(moment, page, capture):
    with time_machine.travel(moment, tick=False), capture(execute=True):
        publish(page)


def test_a_post_waits_for_the_next_slot_and_goes_out_once_at_that_minute(
    slotted, channel, make_article, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    page = make_article(title="Spring fair", channels=[channel])
    publish_at(MONDAY, page, capture)
    row = Publication.objects.get()
    assert row.status == "pending" and row.next_attempt_at == TUESDAY_9_BERLIN
    assert locmem.outbox == []  # the worker woken at publish found nothing due

    deliver_at(TUESDAY_9_BERLIN - timedelta(minutes=1), capture)
    assert locmem.outbox == []
    deliver_at(TUESDAY_9_BERLIN, capture)
    deliver_at(TUESDAY_9_BERLIN + timedelta(minutes=5), capture)
    assert [post.channel for post in locmem.outbox] == [channel.name]
    row.refresh_from_db()
    assert row.status == "posted" and row.sent_at == TUESDAY_9_BERLIN


def test_a_taken_slot_sends_the_next_page_to_the_slot_after(
    slotted, channel, make_article, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    publish_at(MONDAY, make_article(title="One", channels=[channel]), capture)
    publish_at(MONDAY, make_article(title="Two", channels=[channel]), capture)
    due = Publication.objects.order_by("pk").values_list("page_title", "next_attempt_at")
    assert list(due) == [("One", TUESDAY_9_BERLIN), ("Two", THURSDAY_9_BERLIN)]


def test_a_delay_after_going_live(channel, make_article, django_capture_on_commit_callbacks):
    ChannelSchedule.objects.create(channel=channel, default_timing=Timing.DELAY, delay_minutes=120)
    publish_at(MONDAY, make_article(channels=[channel]), django_capture_on_commit_callbacks)
    assert Publication.objects.get().next_attempt_at == MONDAY + timedelta(hours=2)


def test_the_editors_time_for_the_page_wins_and_a_past_time_means_now(
    slotted, channel, make_article, django_capture_on_commit_callbacks
):
    page = make_article(channels=[channel])
    choose(page, channel, timing=Timing.AT, send_at=MONDAY + timedelta(days=3, minutes=7))
    page.save()
    publish_at(MONDAY, page, django_capture_on_commit_callbacks)
    assert Publication.objects.get().next_attempt_at == MONDAY + timedelta(days=3, minutes=7)

    other = make_article(channels=[channel])
    choose(other, channel, timing=Timing.AT, send_at=MONDAY - timedelta(days=1))
    other.save()
    publish_at(MONDAY, other, django_capture_on_commit_callbacks)
    assert Publication.objects.get(page=other).next_attempt_at == MONDAY


def test_with_the_page_for_this_page_overrides_the_channels_slots(
    slotted, channel, make_article, django_capture_on_commit_callbacks
):
    page = make_article(channels=[channel])
    choose(page, channel, timing=Timing.WITH_PAGE)
    page.save()
    publish_at(MONDAY, page, django_capture_on_commit_callbacks)
    assert Publication.objects.get().next_attempt_at == MONDAY


def test_a_channel_without_a_schedule_posts_with_the_page(
    channel, make_article, django_capture_on_commit_callbacks
):
    publish_at(MONDAY, make_article(channels=[channel]), django_capture_on_commit_callbacks)
    assert Publication.objects.get().next_attempt_at == MONDAY
    assert len(locmem.outbox) == 1


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"slots": "Tue 9"}, "slots", '"Tue 9" is not a slot'),
        ({"time_zone": "Europe/Springfield"}, "time_zone", "not a known time zone"),
        ({"default_timing": Timing.NEXT_SLOT}, "slots", "needs at least one slot"),
        ({"default_timing": Timing.DELAY}, "delay_minutes", "Give the delay"),
    ],
)
def test_bad_input_is_a_clear_error_on_the_field(channel, fields, field, text):
    schedule = ChannelSchedule(channel=channel, **fields)
    with pytest.raises(ValidationError) as error:
        schedule.full_clean()
    assert text in " ".join(error.value.message_dict[field])


def test_clean_writes_the_slots_the_same_way(channel):
    schedule = ChannelSchedule(channel=channel, slots="do 9:00,  Di 09:00", time_zone="UTC")
    schedule.full_clean()
    assert schedule.slots == "Tue 09:00, Thu 09:00"


def test_a_task_backend_that_can_defer_wakes_the_worker_at_the_slot(
    slotted, channel, make_article, settings, django_capture_on_commit_callbacks
):
    from django_tasks import task_backends

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
        "crosspost": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"},
    }
    settings.WAGTAILCROSSPOST_TASK_BACKEND = "crosspost"
    publish_at(MONDAY, make_article(channels=[channel]), django_capture_on_commit_callbacks)
    (result,) = task_backends["crosspost"].results
    assert result.task.run_after == TUESDAY_9_BERLIN
    assert result.args == [[Publication.objects.get().pk]]  # deliver_rows takes a list of ids


def test_a_scheduled_page_posts_at_the_first_slot_after_it_goes_live(
    slotted, channel, make_article, settings, django_capture_on_commit_callbacks
):
    """go_live_at Monday 10:00 UTC; publish_scheduled (run by crosspost_deliver) makes it live
    then; the post waits for Tuesday 09:00 Berlin, and goes out once."""
    capture = django_capture_on_commit_callbacks
    settings.WAGTAILCROSSPOST_PUBLISH_SCHEDULED = True
    page = make_article(title="Autumn fair", channels=[channel], live=False)
    page.go_live_at = MONDAY
    publish_at(MONDAY - timedelta(days=2), page, capture)
    assert not Publication.objects.exists()
    deliver_at(MONDAY + timedelta(minutes=1), capture)
    page.refresh_from_db()
    assert page.live and Publication.objects.get().next_attempt_at == TUESDAY_9_BERLIN
    for minute in (-1, 0, 1):
        deliver_at(TUESDAY_9_BERLIN + timedelta(minutes=minute), capture)
    assert [post.channel for post in locmem.outbox] == [channel.name]
    assert Publication.objects.get().sent_at == TUESDAY_9_BERLIN


def test_reconnecting_a_channel_does_not_send_the_posts_waiting_for_their_slot(
    slotted, channel, make_article, django_capture_on_commit_callbacks
):
    from wagtail_crosspost.outbox.health import resume_channel

    publish_at(MONDAY, make_article(channels=[channel]), django_capture_on_commit_callbacks)
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert resume_channel(channel) == 0
    assert Publication.objects.get().next_attempt_at == TUESDAY_9_BERLIN
    assert locmem.outbox == []
