"""The calendar's JSON: what each user may see, in the period asked for, filtered; bad input."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from wagtail.models import GroupPagePermission, Page, Site

from tests.factories import ChannelFactory
from tests.testapp.models import ArticlePage
from wagtail_crosspost.models import Publication

pytestmark = pytest.mark.django_db

MARCH = {"start": "2026-03-01T00:00:00Z", "end": "2026-04-01T00:00:00Z"}
WAITING_AT = datetime(2026, 3, 24, 8, 0, tzinfo=UTC)
DATA = "wagtail_crosspost:calendar_data"


@pytest.fixture
def rows(make_article, channel):
    page = make_article(title="Spring fair")
    waiting = Publication.objects.create(
        page=page, page_title=page.title, channel=channel, next_attempt_at=WAITING_AT
    )
    sent = Publication.objects.create(
        page=page,
        page_title=page.title,
        channel=channel,
        generation=1,
        status="posted",
        sent_at=WAITING_AT - timedelta(days=3),
    )
    Publication.objects.create(  # April: outside the period
        page=page,
        page_title=page.title,
        channel=channel,
        generation=2,
        next_attempt_at=WAITING_AT + timedelta(days=20),
    )
    return waiting, sent


def test_the_month_shows_waiting_and_sent_posts_linking_to_the_log(admin_client, rows):
    waiting, sent = rows
    entries = admin_client.get(reverse(DATA), MARCH).json()
    by_id = {entry["id"]: entry for entry in entries}
    assert set(by_id) == {f"post-{waiting.pk}", f"post-{sent.pk}"}
    assert by_id[f"post-{waiting.pk}"]["start"] == "2026-03-24T08:00:00+00:00"
    assert by_id[f"post-{waiting.pk}"]["extendedProps"]["status"] == "pending"
    assert by_id[f"post-{sent.pk}"]["color"] != by_id[f"post-{waiting.pk}"]["color"]
    assert by_id[f"post-{sent.pk}"]["extendedProps"]["url"] == reverse(
        "wagtail_crosspost_log:inspect", args=[sent.pk]
    )
    assert by_id[f"post-{sent.pk}"]["title"] == "Alpha · Spring fair"


def test_a_waiting_re_share_shows_its_words_with_the_placeholders_filled(
    admin_client, make_article, channel
):
    """A re-share's variant is a template until it is sent: the calendar shows the title where
    ``{title}`` stands and nothing for what only the send knows; a sent text is shown as sent."""
    page = make_article(title="Spring fair")
    reshare = Publication.objects.create(
        page=page,
        page_title=page.title,
        channel=channel,
        kind=Publication.Kind.RESHARE,
        generation=1,
        next_attempt_at=WAITING_AT,
        message="{title}\n\nStill worth a visit: {url} {hashtags}",
    )
    sent = Publication.objects.create(
        page=page,
        page_title=page.title,
        channel=channel,
        generation=2,
        status="posted",
        sent_at=WAITING_AT - timedelta(days=3),
        sent_text="Braces as written: {title}",
    )
    words = {
        e["id"]: e["extendedProps"]["words"] for e in admin_client.get(reverse(DATA), MARCH).json()
    }
    assert words[f"post-{reshare.pk}"] == "Spring fair Still worth a visit:"
    assert words[f"post-{sent.pk}"] == "Braces as written: {title}"


def test_filters_by_status_and_channel(admin_client, rows):
    waiting, _sent = rows
    posted = admin_client.get(reverse(DATA), MARCH | {"status": "pending"}).json()
    assert [entry["id"] for entry in posted] == [f"post-{waiting.pk}"]
    other = ChannelFactory(name="Other")
    assert admin_client.get(reverse(DATA), MARCH | {"channel": other.pk}).json() == []


def test_a_page_scheduled_to_go_live_is_shown(admin_client, make_article, admin_user):
    page = make_article(title="Autumn fair", live=False)
    page.go_live_at = datetime(2026, 3, 10, 12, tzinfo=UTC)
    page.save_revision(user=admin_user, approved_go_live_at=page.go_live_at)
    (entry,) = admin_client.get(reverse(DATA), MARCH).json()
    assert entry["id"] == f"page-{page.pk}" and entry["title"] == "Autumn fair"
    assert entry["extendedProps"]["url"] == reverse("wagtailadmin_pages:edit", args=[page.pk])


def test_an_editor_sees_only_the_sites_they_work_on(client, django_user_model, rows, home):
    other_root = Page.get_first_root_node().add_child(instance=ArticlePage(title="Other site"))
    site = Site.objects.create(hostname="other.example", root_page=other_root)
    other_channel = ChannelFactory(name="Theirs", site=site)
    other_page = other_root.add_child(instance=ArticlePage(title="Their news"))
    Publication.objects.create(
        page=other_page, page_title="Their news", channel=other_channel, next_attempt_at=WAITING_AT
    )
    user = django_user_model.objects.create_user("ed", password="pw")
    editors = Group.objects.create(name="Calendar editors")
    editors.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="crosspost_page"),
    )
    GroupPagePermission.objects.create(
        group=editors, page=home, permission=Permission.objects.get(codename="change_page")
    )
    user.groups.add(editors)
    client.force_login(user)
    titles = {entry["title"] for entry in client.get(reverse(DATA), MARCH).json()}
    assert titles == {"Alpha · Spring fair"}


def test_without_permission_nothing(client, django_user_model, rows):
    user = django_user_model.objects.create_user("nobody", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    response = client.get(reverse(DATA), MARCH)
    assert response.status_code in (302, 403) and "Spring fair" not in response.content.decode()
    assert client.get(reverse("wagtail_crosspost:calendar")).status_code in (302, 403)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"start": "soon", "end": "later"},
        {"start": MARCH["end"], "end": MARCH["start"]},
        {"start": "2026-01-01T00:00:00Z", "end": "2026-12-01T00:00:00Z"},
    ],
)
def test_a_bad_period_is_a_clear_400(admin_client, query):
    response = admin_client.get(reverse(DATA), query)
    assert response.status_code == 400 and response.json()["error"]


def test_the_calendar_page_loads_the_vendored_library_and_no_cdn(admin_client):
    html = admin_client.get(reverse("wagtail_crosspost:calendar")).content.decode()
    assert "wagtail_crosspost/vendor/event-calendar/event-calendar.min.js" in html
    assert "crosspost-calendar-config" in html
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', html)


def test_the_dashboard_shows_this_weeks_waiting_posts(admin_client, make_article, channel):
    from django.utils import timezone

    page = make_article(title="Next week's fair")
    Publication.objects.create(
        page=page,
        page_title=page.title,
        channel=channel,
        next_attempt_at=timezone.now() + timedelta(days=2),
    )
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "This week on social media" in html
    assert "Alpha · Next week&#x27;s fair" in html
    assert reverse("wagtail_crosspost:calendar") in html
    row_url = reverse("wagtail_crosspost_log:inspect", args=[Publication.objects.get().pk])
    assert f'href="{row_url}"' in html


def test_the_dashboard_shows_the_posts_a_paused_channel_holds(
    admin_client, admin_user, make_article, channel
):
    """A post whose time passed while its channel is paused is in no week: the panel lists it
    apart, in German too, until the channel is resumed."""
    from django.utils import timezone

    from tests.factories import set_admin_preferences
    from wagtail_crosspost.schedule import pausing

    page = make_article(title="Held fair")
    Publication.objects.create(
        page=page,
        page_title=page.title,
        channel=channel,
        next_attempt_at=timezone.now() - timedelta(days=3),
    )
    home = reverse("wagtailadmin_home")
    assert "Held fair" not in admin_client.get(home).content.decode()  # not paused: not held
    pausing.pause(channel)
    html = admin_client.get(home).content.decode()
    assert "1 post waits for its paused channel: it goes out after the resume." in html
    assert "Alpha · Held fair" in html
    set_admin_preferences(admin_user, preferred_language="de")
    german = admin_client.get(home).content.decode()
    assert "1 Beitrag wartet auf seinen pausierten Kanal" in german
    pausing.resume(channel)  # planned into the next free time: an upcoming post again
    assert "pausierten Kanal" not in admin_client.get(home).content.decode()
