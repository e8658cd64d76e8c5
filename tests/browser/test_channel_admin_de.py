"""Settings → Social channels in the German admin, in a real Chromium: the platform choice, the
Mastodon form (with a refused server address shown beside its field) and a channel's edit page
show no English words, and the edit page says one thing about the channel's state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import ChannelFactory, set_admin_preferences
from wagtail_crosspost.models import Channel

from .conftest import SCREENSHOTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ADD = "/admin/wagtail_crosspost_channels/new/"

#: English words the German channel screens must not show (as whole words, any case).
ENGLISH = (
    "server url",
    "server address",
    "visibility",
    "language",
    "save",
    "connected",
    "needs reconnecting",
    "reconnect",
    "choose",
    "platform",
    "add",
    "enter",
    "access token",
    "test connection",
    "not tested",
    "public",
    "followers",
    "unlisted",
    "enabled",
    "dry run",
    "when the text is too long",
    "shorten",
    "required",
    "channel",
    "ask your developer",
    "error",
)


def english_words(page: Page) -> list[str]:
    """The known-English words in the visible text of the page's main area."""
    text = page.locator("main").inner_text()
    return [word for word in ENGLISH if re.search(rf"\b{re.escape(word)}\b", text, re.I)]


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"channel_admin_de_{name}.png"))


@pytest.fixture
def german_admin(superuser, logged_in, settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    settings.WAGTAILCROSSPOST_PLATFORMS = {}  # LinkedIn, Meta and X have no app yet
    set_admin_preferences(superuser, preferred_language="de")
    return logged_in(superuser)


def test_the_platform_choice_speaks_german(german_admin):
    page = german_admin
    page.goto(ADD)
    expect(page.locator(".w-breadcrumbs, [data-w-breadcrumbs]").first).to_be_attached()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kanal hinzufügen")
    expect(page.locator('[data-platform="mastodon"]')).to_be_visible()
    expect(page.locator('[data-platform="locmem"]')).to_have_count(0)
    expect(page.locator('[data-platform="linkedin"] [data-crosspost-app-missing]')).to_be_visible()
    screenshot(page, "choose")
    assert english_words(page) == []
    assert "WAGTAILCROSSPOST" not in page.locator("main").inner_text()


def test_the_mastodon_form_speaks_german_and_shows_the_error_beside_the_field(german_admin):
    page = german_admin
    page.goto(ADD)
    page.locator('[data-platform="mastodon"] a.button').click()
    page.wait_for_url("**/new/?platform=mastodon")
    assert english_words(page) == []
    visibility = page.locator("select#id_option_visibility")
    expect(visibility.locator("option")).to_have_text(
        [
            "Öffentlich",
            "Nicht gelistet (öffentlich, aber nicht in öffentlichen Timelines)",
            "Nur für Follower",
            "Nur erwähnte Profile",
        ]
    )
    expect(page.locator("select#id_option_language")).to_have_value("")
    page.fill("#id_name", "Firmen-Neuigkeiten")
    page.fill("#id_option_server_url", "http://127.0.0.1:3000")
    visibility.select_option("private")
    page.select_option("#id_option_language", "de")
    page.fill("#id_credential_access_token", "ein-geheimes-token")
    form = page.locator('main form[method="post"][action*="platform=mastodon"]')
    form.locator('button[type="submit"]').first.click()
    server = page.locator('[data-contentpath="option_server_url"]')
    expect(server.locator(".w-field__errors")).to_contain_text("127.0.0.1")
    server.scroll_into_view_if_needed()
    screenshot(page, "mastodon_error")
    assert english_words(page) == []
    # The choices survive the refused submit.
    expect(visibility).to_have_value("private")
    expect(page.locator("select#id_option_language")).to_have_value("de")
    assert not Channel.objects.exists()


def test_a_channel_that_needs_reconnecting_says_only_that_in_german(german_admin):
    page = german_admin
    channel = ChannelFactory(
        platform="mastodon",
        name="Firmen-Neuigkeiten",
        options={"server_url": "https://social.example", "visibility": "public"},
        status=Channel.Status.NEEDS_RECONNECT,
        status_detail="Der Server hat den Zugriff abgelehnt.",
    )
    channel.set_credentials({"access_token": "ein-geheimes-token"})
    channel.save()
    page.goto(f"/admin/wagtail_crosspost_channels/edit/{channel.pk}/")
    state = page.locator("[data-crosspost-channel-state]")
    expect(state).to_have_count(1)
    expect(state).to_have_attribute("data-crosspost-channel-state", "critical")
    expect(state).to_contain_text("Der Server hat den Zugriff abgelehnt.")
    screenshot(page, "edit")
    text = page.locator("main").inner_text()
    assert "Verbunden." not in text
    assert english_words(page) == []


def test_the_word_list_finds_english_in_the_english_admin(superuser, logged_in):
    """The check above can fail: the same pages in English trip it."""
    page = logged_in(superuser)
    page.goto(ADD + "?platform=mastodon")
    found = english_words(page)
    assert {"server address", "visibility", "language"} <= set(found), found
