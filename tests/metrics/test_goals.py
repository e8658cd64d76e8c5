"""Goals per site and channel, their progress, and the dashboard panel."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from wagtail.models import Site

from tests.factories import ChannelFactory
from tests.metrics.helpers import sent
from wagtail_crosspost.metrics.click_models import ClickDay
from wagtail_crosspost.metrics.goals import Goal, period_start, progress

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 10, 12, tzinfo=dt.UTC)  # a Thursday


def test_the_period_starts_on_monday_or_the_first(settings):
    settings.TIME_ZONE = "UTC"
    assert period_start("week", NOW) == dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    assert period_start("month", NOW) == dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def test_posts_a_week_on_one_channel(make_article):
    linkedin = ChannelFactory(name="LinkedIn")
    other = ChannelFactory(name="Other")
    page = make_article()
    sent(linkedin, page, NOW - dt.timedelta(days=1))
    sent(linkedin, page, NOW - dt.timedelta(days=5))  # last week: not counted
    sent(other, page, NOW - dt.timedelta(days=1))
    goal = Goal.objects.create(channel=linkedin, metric="posts", target=2, period="week")
    with time_machine.travel(NOW, tick=False):
        found = progress(goal)
    assert found.reached == 1 and found.percent == 50 and not found.done


def test_clicks_a_month_count_the_days_of_the_month(make_article):
    channel = ChannelFactory()
    page = make_article()
    old = sent(channel, page, NOW - dt.timedelta(days=60))  # an old post still gets clicks
    ClickDay.objects.create(publication=old, day=dt.date(2026, 12, 2), clicks=30)
    ClickDay.objects.create(publication=old, day=dt.date(2026, 11, 30), clicks=99)
    site = Site.objects.get(is_default_site=True)
    goal = Goal.objects.create(site=site, metric="clicks", target=50, period="month")
    with time_machine.travel(NOW, tick=False):
        assert progress(goal).reached == 30


def test_reactions_come_from_the_latest_snapshots(make_article):
    channel = ChannelFactory()
    page = make_article()
    sent(
        channel,
        page,
        NOW - dt.timedelta(days=2),
        stages=[("1h", {"reactions": 3}), ("24h", {"reactions": 8})],
    )
    goal = Goal.objects.create(channel=channel, metric="reactions", target=4, period="week")
    with time_machine.travel(NOW, tick=False):
        found = progress(goal)
    assert found.reached == 8 and found.done and found.percent == 100


def test_the_dashboard_shows_the_last_30_days_and_the_goals(make_article, admin_client):
    channel = ChannelFactory(name="LinkedIn")
    page = make_article()
    sent(channel, page, NOW - dt.timedelta(days=1), stages=[("24h", {"reactions": 4})])
    Goal.objects.create(channel=channel, metric="posts", target=2, period="week")
    with time_machine.travel(NOW, tick=False):
        html = admin_client.get("/admin/").content.decode()
    assert "Social media, last 30 days" in html
    assert "1 of 2" in html and '<progress max="100" value="50">' in html


def test_goals_are_set_in_the_settings(admin_client):
    channel = ChannelFactory(name="LinkedIn")
    response = admin_client.post(
        "/admin/wagtail_crosspost_goals/new/",
        {"site": "", "channel": channel.pk, "metric": "posts", "target": 2, "period": "week"},
    )
    assert response.status_code == 302
    assert Goal.objects.get().channel == channel
