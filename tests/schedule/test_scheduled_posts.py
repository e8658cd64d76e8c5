"""A scheduled page's entry in the calendar lists the posts it will make: the channels ticked in
its scheduled revision, at the time each channel's timing gives for its go-live."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.factories import ChannelFactory, publish
from wagtail_crosspost.schedule.models import ChannelSchedule, Timing

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)  # a Monday
GO_LIVE = NOW + timedelta(days=1, hours=2)  # Tuesday 12:00 UTC, 13:00 in Berlin
THURSDAY_9_BERLIN = datetime(2026, 3, 26, 8, 0, tzinfo=UTC)
QUERY = {"start": "2026-03-01T00:00:00Z", "end": "2026-04-01T00:00:00Z"}


@pytest.fixture(autouse=True)
def fixed_time():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_scheduled_page_shows_its_posts_with_their_planned_times(
    make_article, admin_user, admin_client
):
    with_page, slotted, delayed, unticked = (
        ChannelFactory(name=n, platform="locmem") for n in ("Mastodon", "LinkedIn", "Bluesky", "X")
    )
    ChannelSchedule.objects.create(
        channel=slotted,
        time_zone="Europe/Berlin",
        slots="Tue 09:00, Thu 09:00",
        default_timing=Timing.NEXT_SLOT,
    )
    ChannelSchedule.objects.create(channel=delayed, default_timing=Timing.DELAY, delay_minutes=90)
    page = make_article(title="Autumn fair", channels=[with_page, slotted, delayed], live=False)
    page.go_live_at = GO_LIVE
    publish(page, user=admin_user)

    entries = admin_client.get(reverse("wagtail_crosspost:calendar_data"), QUERY).json()
    (entry,) = [e for e in entries if e["id"] == f"page-{page.pk}"]
    posts = {p["channel"]: p["start"] for p in entry["extendedProps"]["posts"]}
    assert posts == {
        "Mastodon": GO_LIVE.isoformat(),
        "LinkedIn": THURSDAY_9_BERLIN.isoformat(),  # Tuesday's 09:00 is before the go-live
        "Bluesky": (GO_LIVE + timedelta(minutes=90)).isoformat(),
    }
    assert unticked.name not in posts


def test_two_scheduled_pages_do_not_share_a_predicted_slot(make_article, admin_user, admin_client):
    channel = ChannelFactory(name="LinkedIn")
    ChannelSchedule.objects.create(
        channel=channel,
        time_zone="Europe/Berlin",
        slots="Thu 09:00, Fri 09:00",
        default_timing=Timing.NEXT_SLOT,
    )
    for title, hours in (("First", 2), ("Second", 3)):
        page = make_article(title=title, slug=title.lower(), channels=[channel], live=False)
        page.go_live_at = NOW + timedelta(hours=hours)
        publish(page, user=admin_user)
    entries = admin_client.get(reverse("wagtail_crosspost:calendar_data"), QUERY).json()
    planned = {
        e["title"]: [p["start"] for p in e["extendedProps"]["posts"]]
        for e in entries
        if e["extendedProps"]["kind"] == "page"
    }
    assert planned == {
        "First": [THURSDAY_9_BERLIN.isoformat()],
        "Second": [(THURSDAY_9_BERLIN + timedelta(days=1)).isoformat()],
    }


def test_the_publish_to_panel_of_a_scheduled_page_lists_its_posts(
    make_article, admin_user, admin_client
):
    channel = ChannelFactory(name="LinkedIn")
    ChannelSchedule.objects.create(
        channel=channel,
        time_zone="Europe/Berlin",
        slots="Tue 09:00, Thu 09:00",
        default_timing=Timing.NEXT_SLOT,
    )
    page = make_article(title="Autumn fair", channels=[channel], live=False)
    page.go_live_at = GO_LIVE
    publish(page, user=admin_user)
    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert "data-crosspost-scheduled-posts" in html
    item = html.split(f'<li data-channel="{channel.pk}">', 1)[1].split("</li>", 1)[0]
    assert item.startswith("LinkedIn: ") and "March 26, 2026" in item
