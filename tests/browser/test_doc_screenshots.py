"""The screenshots in the documentation (docs/img/), taken from the real admin.

Only with ``CROSSPOST_DOC_SCREENSHOTS=1`` (CI does not rewrite them)::

    CROSSPOST_DOC_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_doc_screenshots.py
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect
from wagtail.models import Site

from tests.factories import ChannelFactory, make_image, set_admin_preferences
from tests.testapp.models import ArticlePage
from wagtail_crosspost.adapters import get_adapters
from wagtail_crosspost.models import Channel, Publication

from .helpers import channel_row, custom_text, open_editor, publish_to_tab, wait_for_autosave

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        os.environ.get("CROSSPOST_DOC_SCREENSHOTS") != "1",
        reason="documentation screenshots: set CROSSPOST_DOC_SCREENSHOTS=1",
    ),
]

IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
# The accounts to show: (platform, name), the first two ticked in the panel screenshot.
ACCOUNTS = (
    ("bluesky", "ACME on Bluesky"),
    ("mastodon", "ACME on Mastodon"),
    ("linkedin", "Company page on LinkedIn"),
    ("telegram", "Telegram news channel"),
    ("console", "Console (development)"),
)


@pytest.fixture(autouse=True)
def _quiet_admin(settings, live_server):
    """No avatars from Gravatar (the browser cannot reach it), image URLs on the live server."""
    settings.WAGTAIL_GRAVATAR_PROVIDER_URL = None
    settings.WAGTAILADMIN_BASE_URL = live_server.url


@pytest.fixture
def site(home):
    Site.objects.filter(is_default_site=True).update(
        hostname="www.acme-machines.example", port=443, site_name="ACME Machines"
    )
    return home


@pytest.fixture
def social_channels(site):
    registered = get_adapters()
    accounts = [(platform, name) for platform, name in ACCOUNTS if platform in registered][:4]
    return [
        ChannelFactory(
            name=name,
            platform=platform,
            status=Channel.Status.OK,
            checked_at=timezone.now(),
            options={"server_url": "https://mastodon.social"} if platform == "mastodon" else {},
        )
        for platform, name in accounts
    ]


@pytest.fixture
def article(site):
    page = ArticlePage(
        title="Open house at our Freiburg plant on 14 June",
        intro=(
            "See our new laser cutting line at work, meet the engineers who built it and "
            "bring your own parts for a test run."
        ),
        image=make_image(1800, 600, color=(30, 90, 160), title="The new laser cutting line"),
        live=False,
    )
    site.add_child(instance=page)
    page.tags.add("open house", "laser cutting", "manufacturing")
    page.save_revision().publish()
    return page


def _panel_with_two_channels_ticked(page, article, channels, message):
    """Two channels ticked, the first with the editor's own text and its preview open."""
    open_editor(page, article)
    first, second = channels[0], channels[1]
    for channel in (first, second):
        channel_row(page, channel).locator('input[name$="-enabled"]').check()
    custom_text(channel_row(page, first)).fill(message)
    preview = channel_row(page, first).locator("[data-crosspost-preview]")
    expect(preview).to_be_visible()
    expect(preview.locator("[data-crosspost-preview-text]")).to_contain_text(message[:20])
    expect(preview.locator("img")).to_be_visible()
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0",
        arg=preview.locator("img").element_handle(),
    )
    page.locator("textarea:focus").blur()
    wait_for_autosave(page)  # "Saved" in the header, not "Saving…"


def test_screenshot_panel(page, logged_in, superuser, article, social_channels):
    logged_in(superuser)
    _panel_with_two_channels_ticked(
        page,
        article,
        social_channels,
        "Come and see our new laser cutting line on 14 June! Bring your own parts for a "
        "test cut, meet the engineers and have a coffee with us.",
    )
    IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMG / "panel.png"))


def test_screenshot_panel_dark(page, logged_in, superuser, article, social_channels):
    set_admin_preferences(superuser, theme="dark")
    logged_in(superuser)
    _panel_with_two_channels_ticked(
        page,
        article,
        social_channels,
        "Come and see our new laser cutting line on 14 June! Bring your own parts for a "
        "test cut, meet the engineers and have a coffee with us.",
    )
    expect(page.locator("html")).to_have_class(re.compile(r"\bw-theme-dark\b"))
    IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMG / "panel-dark.png"))


def test_screenshot_panel_german(page, logged_in, superuser, article, social_channels):
    set_admin_preferences(superuser, preferred_language="de")
    logged_in(superuser)
    _panel_with_two_channels_ticked(
        page,
        article,
        social_channels,
        "Tag der offenen Tür am 14. Juni: Sehen Sie unsere neue Laserschneidanlage in Aktion "
        "und bringen Sie Ihre eigenen Teile zum Probeschnitt mit!",
    )
    with translation.override("de"):
        expect(publish_to_tab(page)).to_contain_text(gettext("Publish to"))
    IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMG / "panel-de.png"))


def test_screenshot_publication_log(page, logged_in, superuser, article, social_channels, home):
    now = timezone.now()
    older = ArticlePage(title="We are hiring: CNC machinists (m/f/d)", live=True)
    home.add_child(instance=older)
    rows = [
        (older, social_channels[0], Publication.Status.POSTED, "", 3),
        (older, social_channels[1], Publication.Status.POSTED, "", 3),
        (article, social_channels[0], Publication.Status.POSTED, "", 0),
        (article, social_channels[1], Publication.Status.PENDING, "", 0),
    ]
    if len(social_channels) > 2:
        rows.append(
            (
                article,
                social_channels[2],
                Publication.Status.FAILED,
                "The access token has expired. Reconnect the channel in "
                "Settings → Social channels.",
                0,
            )
        )
    for number, (pg, channel, status, error, days) in enumerate(rows, start=1):
        posted = status == Publication.Status.POSTED
        row = Publication.objects.create(
            page=pg,
            page_title=pg.title,
            channel=channel,
            status=status,
            error=error,
            remote_url=f"https://{channel.platform}.example/acme/{110_000 + number}"
            if posted
            else "",
            sent_text=pg.title if posted else "",
        )
        Publication.objects.filter(pk=row.pk).update(created_at=now - timedelta(days=days))

    logged_in(superuser)
    page.goto("/admin/wagtail_crosspost_log/")
    expect(page.locator("table.listing tbody tr")).to_have_count(len(rows))
    IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMG / "log.png"))


def test_screenshot_channel_list(page, logged_in, superuser, social_channels):
    if len(social_channels) > 2:
        social_channels[2].mark(
            Channel.Status.NEEDS_RECONNECT, "The access token expired on 2 June."
        )
    logged_in(superuser)
    page.goto("/admin/")
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("link", name="Social channels").click()
    expect(page.locator("table.listing tbody tr")).to_have_count(len(social_channels))
    IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMG / "channels.png"))


@pytest.mark.parametrize("language", ["en", "de"])
def test_screenshot_app_wizard(page, logged_in, superuser, site, live_server, settings, language):
    """The connect wizard for LinkedIn (docs/how-to/app-wizard.md and app-assistent.md)."""
    settings.WAGTAILCROSSPOST_PLATFORMS = {}
    set_admin_preferences(superuser, preferred_language=language)
    logged_in(superuser)
    page.goto(live_server.url + "/admin/crosspost/connect/apps/linkedin/")
    expect(page.locator("[data-crosspost-callback-url]")).to_be_visible()
    page.locator("#id_client_id").fill("86a1b2c3d4e5f6")
    IMG.mkdir(parents=True, exist_ok=True)
    suffix = "" if language == "en" else "-de"
    page.screenshot(path=str(IMG / f"app-wizard-linkedin{suffix}.png"), full_page=True)


@pytest.mark.parametrize("language", ["en", "de"])
def test_screenshot_calendar(page, logged_in, superuser, site, article, social_channels, language):
    """The social calendar's month (docs/editors/timing.md and zeitplan.md): posts sent and
    waiting, a scheduled page, and a paused channel's held post."""
    from wagtail_crosspost.schedule import pausing

    now = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    first, second = social_channels[0], social_channels[1]
    rows = [
        (first, Publication.Status.POSTED, -3),
        (second, Publication.Status.POSTED, -2),
        (first, Publication.Status.PENDING, 1),
        (second, Publication.Status.PENDING, 2),
    ]
    for number, (channel, status, days) in enumerate(rows, start=1):
        when = now + timedelta(days=days)
        posted = status == Publication.Status.POSTED
        Publication.objects.create(
            page=article,
            page_title=article.title,
            channel=channel,
            status=status,
            generation=number,
            next_attempt_at=when,
            sent_at=when if posted else None,
            sent_text=article.intro if posted else "",
        )
    if len(social_channels) > 2:
        held = social_channels[2]
        Publication.objects.create(
            page=article,
            page_title=article.title,
            channel=held,
            next_attempt_at=now + timedelta(days=1, hours=2),
        )
        pausing.pause(held)
    scheduled = ArticlePage(title="Autumn trade fair: meet us in hall 4", live=False)
    site.add_child(instance=scheduled)
    scheduled.go_live_at = now + timedelta(days=4)
    scheduled.save_revision(user=superuser).publish(user=superuser)

    set_admin_preferences(superuser, preferred_language=language)
    logged_in(superuser)
    page.set_viewport_size({"width": 1400, "height": 1100})
    page.goto("/admin/crosspost/calendar/")
    expect(page.locator(".ec-event").first).to_be_visible()
    expect(page.locator(".ec-event", has_text="Autumn trade fair")).to_be_visible()
    IMG.mkdir(parents=True, exist_ok=True)
    suffix = "" if language == "en" else "-de"
    page.screenshot(path=str(IMG / f"calendar{suffix}.png"), full_page=True)
