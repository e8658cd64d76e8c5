"""Calendar warnings: posts closer than the channel's minimum gap, the same page to the same
channel within N days, a scheduled page overdue; and the query count does not grow with rows."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ChannelFactory
from wagtail_crosspost.models import Publication
from wagtail_crosspost.schedule.models import ChannelSchedule

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MARCH = {"start": "2026-03-01T00:00:00Z", "end": "2026-04-01T00:00:00Z"}
DATA = "wagtail_crosspost:calendar_data"


@pytest.fixture(autouse=True)
def fixed_time():
    with time_machine.travel(NOW, tick=False):
        yield


def _post(page, channel, when, generation=0, **fields):
    return Publication.objects.create(
        page=page,
        page_title=page.title,
        channel=channel,
        generation=generation,
        next_attempt_at=when,
        **fields,
    )


def _warnings(admin_client):
    return {
        e["id"]: e["extendedProps"]["warnings"]
        for e in admin_client.get(reverse(DATA), MARCH).json()
    }


def test_posts_closer_than_the_minimum_gap_are_both_warned(admin_client, make_article, channel):
    ChannelSchedule.objects.create(channel=channel, min_gap_minutes=60)
    one, two, far = (make_article(title=t) for t in ("One", "Two", "Far"))
    first = _post(one, channel, NOW + timedelta(days=1))
    second = _post(two, channel, NOW + timedelta(days=1, minutes=30))
    third = _post(far, channel, NOW + timedelta(days=2))
    warned = _warnings(admin_client)
    assert any("60 minutes" in w for w in warned[f"post-{first.pk}"])
    assert any("60 minutes" in w for w in warned[f"post-{second.pk}"])
    assert warned[f"post-{third.pk}"] == []


def test_no_gap_warning_without_a_minimum_gap_or_on_another_channel(admin_client, make_article):
    alpha, beta = ChannelFactory(name="A"), ChannelFactory(name="B")
    ChannelSchedule.objects.create(channel=alpha, min_gap_minutes=60)
    one, two = make_article(title="One"), make_article(title="Two")
    first = _post(one, alpha, NOW + timedelta(days=1))
    second = _post(two, beta, NOW + timedelta(days=1, minutes=10))
    warned = _warnings(admin_client)
    assert warned[f"post-{first.pk}"] == [] and warned[f"post-{second.pk}"] == []


def test_the_same_page_to_the_same_channel_within_n_days(admin_client, make_article, channel):
    page = make_article(title="Again")
    sent = _post(page, channel, NOW, status="posted", sent_at=NOW - timedelta(days=1))
    again = _post(page, channel, NOW + timedelta(days=2), generation=1)
    warned = _warnings(admin_client)
    assert any("again within 7 days" in w for w in warned[f"post-{again.pk}"])
    assert any("again within 7 days" in w for w in warned[f"post-{sent.pk}"])


def test_a_repeat_after_n_days_is_not_warned(admin_client, make_article, channel, settings):
    settings.WAGTAILCROSSPOST_REPEAT_WARNING_DAYS = 2
    page = make_article(title="Again")
    _post(page, channel, NOW, status="posted", sent_at=NOW - timedelta(days=1))
    again = _post(page, channel, NOW + timedelta(days=2), generation=1)
    assert _warnings(admin_client)[f"post-{again.pk}"] == []


def test_an_overdue_scheduled_page_is_warned_and_the_page_says_what_to_add_to_cron(
    admin_client, make_article, channel
):
    from tests.factories import publish

    page = make_article(title="Late", channels=[channel], live=False)
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):
        page.go_live_at = NOW - timedelta(hours=1)
        publish(page)
    warned = _warnings(admin_client)
    assert any("publish_scheduled" in w for w in warned[f"page-{page.pk}"])
    html = admin_client.get(reverse("wagtail_crosspost:calendar")).content.decode()
    assert "manage.py publish_scheduled" in html


def test_the_query_count_does_not_grow_with_the_rows(admin_client, make_article, channel):
    ChannelSchedule.objects.create(channel=channel, min_gap_minutes=60)

    def count():
        with CaptureQueriesContext(connection) as queries:
            admin_client.get(reverse(DATA), MARCH)
        return len(queries)

    page = make_article(title="Busy")
    _post(page, channel, NOW + timedelta(days=1))
    few = count()
    for n in range(1, 30):
        _post(make_article(title=f"P{n}"), channel, NOW + timedelta(days=1, minutes=n))
    assert count() == few
