"""Scheduled pages go live and post with crosspost_deliver alone, and overdue ones are reported."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from tests.factories import publish
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.checks import check_scheduled_pages_go_live
from wagtail_crosspost.models import Publication

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled_page(make_article, channel, django_capture_on_commit_callbacks):
    page = make_article(title="Autumn fair", channels=[channel], live=False)
    page.go_live_at = timezone.now() + timedelta(minutes=2)
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    page.refresh_from_db()
    assert not page.live and not Publication.objects.exists()
    return page


def test_scheduled_page_posts_with_crosspost_deliver_alone_when_the_setting_is_on(
    scheduled_page, channel, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAILCROSSPOST_PUBLISH_SCHEDULED = True
    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("crosspost_deliver")  # no cron line for publish_scheduled
    scheduled_page.refresh_from_db()
    assert scheduled_page.live
    assert [p.channel for p in locmem.outbox] == [channel.name]
    assert Publication.objects.get().status == "posted"

    # The next sweep publishes and posts nothing again.
    with time_machine.travel(timezone.now() + timedelta(minutes=4), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("crosspost_deliver")
    assert len(locmem.outbox) == 1


def test_without_the_setting_crosspost_deliver_leaves_scheduled_pages_to_wagtail(
    scheduled_page, django_capture_on_commit_callbacks
):
    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("crosspost_deliver")
    scheduled_page.refresh_from_db()
    assert not scheduled_page.live
    assert locmem.outbox == []


def test_the_flag_turns_it_on_for_one_run(scheduled_page, django_capture_on_commit_callbacks):
    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("crosspost_deliver", "--publish-scheduled")
    scheduled_page.refresh_from_db()
    assert scheduled_page.live
    assert len(locmem.outbox) == 1


def test_a_page_overdue_by_more_than_15_minutes_is_a_system_check_warning(scheduled_page):
    assert check_scheduled_pages_go_live(None) == []  # not due yet
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        assert check_scheduled_pages_go_live(None) == []  # due, but within the grace time
    with time_machine.travel(timezone.now() + timedelta(minutes=20), tick=False):
        (warning,) = check_scheduled_pages_go_live(None)
    assert warning.id == "wagtail_crosspost.W003"
    assert "Autumn fair" in warning.msg
    assert "publish_scheduled" in warning.hint
