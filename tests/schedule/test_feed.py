"""The per-user calendar feed: a secret address, text/calendar in RFC 5545 lines, the user's
upcoming posts and scheduled pages only, no secrets and no draft text; renewable and revocable
from the account settings."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import translation

from tests.factories import ChannelFactory, account_settings_data, publish
from wagtail_crosspost.models import Channel, Publication
from wagtail_crosspost.schedule import feed, pausing
from wagtail_crosspost.schedule.models import CalendarFeed

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "s3cr3t-token-value"


@pytest.fixture(autouse=True)
def fixed_time():
    with time_machine.travel(NOW, tick=False):
        yield


def feed_url(user):
    row, _created = CalendarFeed.objects.get_or_create(user=user)
    return reverse("wagtail_crosspost_public:calendar_feed", args=[row.token])


def unfold(text):
    """The content lines of an iCalendar text (RFC 5545 3.1), checking the line rules."""
    assert text.endswith("\r\n")
    physical = text[:-2].split("\r\n")
    for line in physical:
        assert "\n" not in line and "\r" not in line
        assert len(line.encode()) <= 75, line
    lines = []
    for line in physical:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def events(lines):
    """The VEVENTs as {name: value} dicts (names without parameters), checking the nesting."""
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    found, current = [], None
    for line in lines[1:-1]:
        name, _sep, value = line.partition(":")
        assert _sep and re.fullmatch(r"[A-Z-]+(;[^:]*)?", name), line
        if line == "BEGIN:VEVENT":
            assert current is None
            current = {}
        elif line == "END:VEVENT":
            assert {"UID", "DTSTAMP", "DTSTART"} <= set(current)
            found.append(current)
            current = None
        elif current is not None:
            current[name.split(";")[0]] = value
    assert current is None
    return found


def unescape(value):
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


@pytest.fixture
def planned(make_article, admin_user):
    channel = ChannelFactory(name="Mastodon, main; news", credentials={"access_token": SECRET})
    page = make_article(title="Spring fair", channels=[channel])
    waiting = Publication.objects.create(
        page=page,
        page_title=page.title,
        channel=channel,
        message="Draft words that must stay out of the feed",
        next_attempt_at=NOW + timedelta(days=1, hours=3),
    )
    Publication.objects.create(
        page=page,
        page_title=page.title,
        channel=channel,
        status=Publication.Status.POSTED,
        sent_at=NOW - timedelta(days=1),
        sent_text="Already sent",
        idempotency_key="sent",
        generation=1,
    )
    scheduled = make_article(title="Autumn fair", live=False)
    scheduled.go_live_at = NOW + timedelta(days=3)
    publish(scheduled, user=admin_user)
    return channel, waiting, scheduled


def test_the_feed_lists_upcoming_posts_and_scheduled_pages(planned, admin_user, client):
    channel, waiting, scheduled = planned
    response = client.get(feed_url(admin_user))  # no login: the token is the key
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    found = {e["UID"]: e for e in events(unfold(text))}
    assert set(found) == {
        f"post-{waiting.pk}@wagtail-crosspost",
        f"page-{scheduled.pk}@wagtail-crosspost",
    }
    post = found[f"post-{waiting.pk}@wagtail-crosspost"]
    assert post["DTSTART"] == "20260303T120000Z"
    assert post["DTEND"] == "20260303T121500Z"
    assert unescape(post["SUMMARY"]) == "Mastodon, main; news · Spring fair"
    assert post["URL"].startswith("http://testserver/admin/")
    page = found[f"page-{scheduled.pk}@wagtail-crosspost"]
    assert unescape(page["SUMMARY"]) == "Autumn fair" and page["DTSTART"] == "20260305T090000Z"
    # No secrets, no draft text, nothing sent.
    for absent in (SECRET, "Draft words", "Already sent", "access_token"):
        assert absent not in text


def test_lines_are_folded_at_75_octets_without_splitting_a_character():
    line = "SUMMARY:" + "Übergrößenträger " * 10
    folded = feed.fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line
    assert feed.escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_a_paused_channels_post_says_so(planned, admin_user, client):
    channel, waiting, _scheduled = planned
    pausing.pause(Channel.objects.get(pk=channel.pk))
    post = next(
        e
        for e in events(unfold(client.get(feed_url(admin_user)).content.decode()))
        if e["UID"].startswith("post-")
    )
    assert "(Paused)" in unescape(post["DESCRIPTION"])


def test_the_feed_shows_only_what_the_user_may_see(planned, django_user_model, client):
    reader = django_user_model.objects.create_user("reader", password="x")
    group = Group.objects.create(name="Calendar readers")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    reader.groups.add(group)
    url = feed_url(reader)
    assert client.get(url).status_code == 404  # may not see the calendar at all
    group.permissions.add(Permission.objects.get(codename="crosspost_page"))
    assert client.get(url).status_code == 200
    reader.is_active = False
    reader.save()
    assert client.get(url).status_code == 404


def test_an_unknown_token_is_not_found(client):
    url = reverse("wagtail_crosspost_public:calendar_feed", args=["not-a-token"])
    assert client.get(url).status_code == 404


def _account_post(client, user, action):
    """Save the account settings page as the browser sends it, with the feed panel's choice."""
    data = account_settings_data(client.get(reverse("wagtailadmin_account")), user)
    data["crosspost_calendar_feed-action"] = action
    response = client.post(reverse("wagtailadmin_account"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def test_the_account_panel_turns_on_renews_and_revokes_the_address(admin_user, client):
    client.force_login(admin_user)
    page = client.get(reverse("wagtailadmin_account")).content.decode()
    assert "Social calendar feed" in page and "data-crosspost-feed-url" not in page
    _account_post(client, admin_user, "new")
    first = CalendarFeed.objects.get(user=admin_user).token
    page = client.get(reverse("wagtailadmin_account")).content.decode()
    assert reverse("wagtail_crosspost_public:calendar_feed", args=[first]) in page
    client.logout()
    assert (
        client.get(reverse("wagtail_crosspost_public:calendar_feed", args=[first])).status_code
        == 200
    )

    client.force_login(admin_user)
    _account_post(client, admin_user, "new")
    second = CalendarFeed.objects.get(user=admin_user).token
    assert second != first
    assert (
        client.get(reverse("wagtail_crosspost_public:calendar_feed", args=[first])).status_code
        == 404
    )

    _account_post(client, admin_user, "off")
    assert not CalendarFeed.objects.filter(user=admin_user).exists()
    assert (
        client.get(reverse("wagtail_crosspost_public:calendar_feed", args=[second])).status_code
        == 404
    )


def test_a_scheduled_page_lists_the_channels_it_will_post_to(make_article, admin_user, client):
    """What goes out when the page goes live: each ticked channel the user may see and its
    time, in the site's time zone."""
    channel = ChannelFactory(name="Mastodon, main")
    page = make_article(title="Winter fair", live=False, channels=[channel])
    page.go_live_at = NOW + timedelta(days=2)
    publish(page, user=admin_user)
    found = {e["UID"]: e for e in events(unfold(client.get(feed_url(admin_user)).content.decode()))}
    description = unescape(found[f"page-{page.pk}@wagtail-crosspost"]["DESCRIPTION"])
    assert description.splitlines() == [
        "Scheduled page",
        "Planned posts (UTC):",
        "Mastodon, main · 03/04/2026 9 a.m.",
    ]
    with translation.override("de"):
        german = feed.build(admin_user, "http://testserver/")
    event = next(e for e in events(unfold(german)) if e["UID"].startswith(f"page-{page.pk}@"))
    assert unescape(event["DESCRIPTION"]).splitlines() == [
        "Geplante Seite",
        "Geplante Beiträge (UTC):",
        "Mastodon, main · 04.03.2026 09:00",
    ]
