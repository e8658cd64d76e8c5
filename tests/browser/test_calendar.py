"""Social calendar in the real browser: the vendored calendar draws the month with the entries
of the JSON endpoint, an entry leads to its log row, and the German UI."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import ChannelFactory, set_admin_preferences
from tests.testapp.models import ArticlePage
from wagtail_crosspost.models import Publication

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def waiting(home):
    page = home.add_child(instance=ArticlePage(title="Spring fair", intro="Come."))
    return Publication.objects.create(
        page=page,
        page_title=page.title,
        channel=ChannelFactory(name="Alpha"),
        next_attempt_at=timezone.now(),
    )


def test_the_calendar_shows_a_waiting_post_that_opens_its_log_row(
    page, logged_in, superuser, waiting, dialogs
):
    logged_in(superuser)
    page.goto("/admin/crosspost/calendar/")
    entry = page.locator(".ec-event", has_text="Alpha · Spring fair")
    expect(entry).to_be_visible()
    entry.click()  # the entry's dialog: details, preview, move, and the link to its log row
    dialog = page.locator("[data-crosspost-entry-dialog]")
    expect(dialog).to_be_visible()
    link = dialog.get_by_role("link", name="Open", exact=True)
    expect(link).to_have_attribute("href", re.compile(rf"/inspect/{waiting.pk}/$"))
    link.click()
    expect(page).to_have_url(re.compile(rf"/inspect/{waiting.pk}/$"))
    assert dialogs == []


def test_the_calendar_speaks_german(page, logged_in, superuser, waiting):
    set_admin_preferences(superuser, preferred_language="de")
    logged_in(superuser)
    page.goto("/admin/crosspost/calendar/")
    expect(page.get_by_role("heading", name="Social-Kalender")).to_be_visible()
    expect(page.locator(".ec-toolbar button", has_text="Heute")).to_be_visible()
    expect(page.locator(".ec-toolbar button", has_text="Monat")).to_be_visible()
    expect(page.locator(".ec-event", has_text="Spring fair")).to_be_visible()
