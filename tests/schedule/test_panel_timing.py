"""The editor's timing per page and channel in the Publish-to panel: stored with the revision,
honoured at publish, bad input is an error that publishes nothing."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from wagtail.models import Page

from tests.test_panels import edit_form, request_row
from tests.testapp.models import ArticlePage
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.choices import choices_for
from wagtail_crosspost.models import Publication

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)
THURSDAY_1430 = datetime(2026, 3, 26, 14, 30, tzinfo=UTC)


@pytest.fixture
def page(home):
    page = ArticlePage(title="Open house", intro="Visit us.", live=False)
    home.add_child(instance=page)
    return page


def post_edit(client, page, row, capture):
    with time_machine.travel(MONDAY, tick=False), capture(execute=True):
        return client.post(
            reverse("wagtailadmin_pages:edit", args=[page.pk]), edit_form(page, [row])
        )


def test_the_panel_offers_the_timing(admin_client, page, channel):
    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert 'name="crosspost_choices-0-timing"' in html
    assert 'name="crosspost_choices-0-send_at"' in html
    assert "Next free slot" in html


def test_a_date_and_time_for_this_page_posts_once_at_that_minute(
    admin_client, page, channel, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    row = request_row(channel, timing="at", send_at="2026-03-26 14:30")
    response = post_edit(admin_client, page, row, capture)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert choices_for(Page.objects.get(pk=page.pk))[channel.pk].send_at == THURSDAY_1430
    publication = Publication.objects.get()
    assert publication.next_attempt_at == THURSDAY_1430 and locmem.outbox == []

    for moment in (THURSDAY_1430 - timedelta(minutes=1), THURSDAY_1430, THURSDAY_1430):
        with time_machine.travel(moment, tick=False), capture(execute=True):
            call_command("crosspost_deliver")
    assert [post.channel for post in locmem.outbox] == [channel.name]
    publication.refresh_from_db()
    assert publication.sent_at == THURSDAY_1430


@pytest.mark.parametrize(
    ("send_at", "message"),
    [("2026-03-20 09:00", "This time has passed"), ("", "Choose the date and time")],
)
def test_a_bad_time_is_an_error_and_publishes_nothing(
    admin_client, page, channel, django_capture_on_commit_callbacks, send_at, message
):
    row = request_row(channel, timing="at", send_at=send_at)
    response = post_edit(admin_client, page, row, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert message in response.content.decode()
    page.refresh_from_db()
    assert not page.live and not Publication.objects.exists() and locmem.outbox == []
