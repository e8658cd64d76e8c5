"""Evergreen re-sharing in the real browser: an editor turns re-sharing off for a page and adds
a variant; an administrator sets a blackout (an end before the start is refused); the calendar
shows the planned re-shares."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import Page

from tests.factories import ChannelFactory
from tests.testapp.models import ArticlePage
from wagtail_crosspost.evergreen.models import Blackout, EvergreenPage, EvergreenSettings
from wagtail_crosspost.evergreen.planning import plan_all
from wagtail_crosspost.models import Publication
from wagtail_crosspost.schedule.models import ChannelSchedule

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
DAILY = ", ".join(f"{d} 09:00" for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))


@pytest.fixture
def setup(home):
    channel = ChannelFactory(name="Alpha")
    ChannelSchedule.objects.create(channel=channel, time_zone="UTC", slots=DAILY)
    EvergreenSettings.objects.create(channel=channel, enabled=True)
    pages = [
        home.add_child(instance=ArticlePage(title=title, intro="Still good.", live=True))
        for title in ("Old favourite", "Evergreen guide")
    ]
    Page.objects.filter(pk__in=[p.pk for p in pages]).update(
        first_published_at=timezone.now() - timedelta(days=365)
    )
    return channel, pages


def test_editor_admin_and_calendar(page, logged_in, superuser, setup, dialogs):
    channel, (favourite, guide) = setup
    logged_in(superuser)

    # The editor: no re-sharing for this page, and a variant for all channels.
    page.goto(reverse("wagtail_crosspost:reshare_page", args=[favourite.pk]))
    page.get_by_label("No", exact=True).check()
    page.get_by_label("Variant 1 for All channels").fill("Still our favourite: {url}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Re-sharing saved for")).to_be_visible()
    record = EvergreenPage.objects.get(page=favourite)
    assert record.reshare == "no"
    assert record.variants == [{"channel": None, "text": "Still our favourite: {url}"}]

    # The administrator: a blackout; first with the end before the start.
    page.goto(reverse("wagtail_crosspost_blackouts:add"))
    page.locator("[name=reason]").fill("Company holidays")
    page.locator("[name=starts_at]").fill("2040-12-24 00:00")
    page.locator("[name=ends_at]").fill("2040-12-20 00:00")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("The blackout ends before it starts.")).to_be_visible()
    page.locator("[name=ends_at]").fill("2041-01-06 00:00")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("link", name="Company holidays")).to_be_visible()
    assert Blackout.objects.get().reason == "Company holidays"

    # The planner plans the other page; the calendar shows its re-share.
    plan_all(days=7)
    page.goto("/admin/crosspost/calendar/?view=listWeek")
    expect(page.locator(".ec-event", has_text="Alpha · Evergreen guide").first).to_be_visible()
    expect(page.locator(".ec-event", has_text="Old favourite")).to_have_count(0)
    assert dialogs == []


def test_dragging_a_planned_re_share_moves_its_slot(page, logged_in, superuser, setup, dialogs):
    """A re-share dragged onto a day whose slot another re-share holds is refused (nothing
    changes); dragged onto a free day it moves with its slot, and the planner keeps the move."""
    from tests.browser.test_calendar_moves import _day_cell, _drag, _next_tuesday_noon

    channel, _pages = setup
    tuesday = _next_tuesday_noon().replace(hour=6)
    plan_all(days=2, now=tuesday)
    first, second = Publication.objects.filter(kind="reshare").order_by("slot_at")
    assert first.slot_at == tuesday.replace(hour=9)
    assert second.slot_at == first.slot_at + timedelta(days=1)
    logged_in(superuser)
    page.goto(f"/admin/crosspost/calendar/?date={tuesday.date().isoformat()}")
    entry = page.locator(f'.ec-event[data-entry="post-{first.pk}"]')
    expect(entry).to_have_attribute("data-reshare", "")
    expect(entry).to_contain_text("Re-share")

    _drag(page, entry, _day_cell(page, tuesday.date() + timedelta(days=1)))
    toast = page.locator("[data-crosspost-calendar-toast]")
    expect(toast).to_contain_text("Another re-share of this channel is planned at that time.")
    first.refresh_from_db()
    assert first.slot_at == first.next_attempt_at == tuesday.replace(hour=9)

    thursday = tuesday.replace(hour=9) + timedelta(days=2)
    _drag(page, entry, _day_cell(page, thursday.date()))
    expect(toast).to_contain_text("Moved to")
    first.refresh_from_db()
    assert first.slot_at == first.next_attempt_at == thursday
    [result] = plan_all(days=2, now=tuesday)
    assert result.removed == 0 and not result.planned
    assert Publication.objects.get(pk=first.pk).slot_at == thursday
    assert dialogs == []


def test_variants_in_the_publish_to_panel_with_live_counters(page, logged_in, superuser, home):
    """The editor writes a variant in the Publish-to panel: each channel that re-shares counts it
    as the re-share goes out (the link with its UTM parameters); too long, the save is refused
    with the channel and by how much; shortened, it is saved."""
    from tests.browser.helpers import open_editor, publish_to_tab, wait_for_autosave
    from wagtail_crosspost.views.evergreen_page import too_long_by

    tracked = ChannelFactory(name="Tracked", options={"utm": True})
    EvergreenSettings.objects.create(channel=tracked, enabled=True)
    ChannelFactory(name="Quiet")  # re-shares nothing: no counter
    article = home.add_child(instance=ArticlePage(title="Open house", intro="Come and see."))
    article.tags.add("bakery")
    article.save()
    logged_in(superuser)
    open_editor(page, article)
    section = page.locator("[data-crosspost-evergreen]")
    expect(section).to_contain_text("Re-sharing")
    variant = section.get_by_label("Variant 1 for All channels")
    variant.fill("Still worth a visit")
    counter = section.locator(f'[data-crosspost-variant-counters] li[data-channel="{tracked.pk}"]')
    count = 500 + too_long_by(article, tracked, "Still worth a visit")
    expect(counter).to_have_text(
        f"Tracked: {count} / 500 characters (+ link to the page, + tracking link)"
    )
    expect(counter).to_have_attribute("data-state", "ok")
    expect(section.locator("[data-crosspost-variant-counters] li")).to_have_count(1)
    # Under the counter, the variant's preview for that channel (open): the text as the re-share
    # sends it, with its own link (utm_campaign=evergreen) — the same text delivery builds.
    preview = section.locator(f'[data-crosspost-variant-preview][data-channel="{tracked.pk}"]')
    expect(preview).to_have_attribute("open", "")
    expect(preview.locator("summary")).to_have_text("Preview for Tracked")
    sent = preview.locator("[data-crosspost-preview-text]")
    expect(sent).to_contain_text("utm_campaign=evergreen")
    assert sent.text_content() == _reshare_text(article, tracked, "Still worth a visit")
    assert sent.text_content().startswith("Still worth a visit\n\nhttp")
    expect(section.locator("[data-crosspost-variant-preview]")).to_have_count(1)
    # With the hashtags placeholder, the page's tags follow as hashtags, counted and shown.
    variant.fill("Still worth a visit {hashtags}")
    expect(counter).to_contain_text("+ 1 hashtag,")
    expect(sent).to_contain_text("#bakery")
    assert sent.text_content() == _reshare_text(article, tracked, "Still worth a visit {hashtags}")
    # A closed preview stays closed while the editor types on.
    preview.locator("summary").click()
    expect(preview).not_to_have_attribute("open", "")
    variant.fill("Still worth a visit, again {hashtags}")
    expect(sent).to_contain_text("Still worth a visit, again #bakery")
    expect(preview).not_to_have_attribute("open", "")

    long_text = "word " * 100
    variant.fill(long_text)
    expect(counter).to_have_attribute("data-state", "over")
    over = too_long_by(article, tracked, long_text.strip())
    wait_for_autosave(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("could not be saved")).to_be_visible()
    publish_to_tab(page).click()
    # The count the counter showed, and the same excess in the error.
    expect(counter).to_have_text(re.compile(rf"^Tracked: {500 + over} / 500 characters"))
    expect(page.get_by_text(f"Too long for {tracked} by {over} characters.")).to_be_visible()
    # Not saved. (Wagtail's autosave may have kept an earlier, valid variant as the editor
    # typed; the too-long one it refuses like the save.)
    kept = EvergreenPage.objects.filter(page=article).first()
    assert kept is None or long_text.strip() not in [v["text"].strip() for v in kept.variants]

    # Shortened on the same form (the one with the error), and saved.
    section.get_by_label("No", exact=True).check()
    section.get_by_label("Variant 1 for All channels").fill("Still worth a visit")
    wait_for_autosave(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    record = EvergreenPage.objects.get(page=article)
    assert record.reshare == "no"
    assert record.variants == [{"channel": None, "text": "Still worth a visit"}]


def _reshare_text(page, channel, message: str) -> str:
    """The page's first re-share of ``message`` on ``channel``, as delivery builds it."""
    from wagtail_crosspost.compose.post import build_post
    from wagtail_crosspost.outbox import inputs

    found, rules = inputs.gather(
        channel.get_adapter(),
        page,
        message=message,
        image=None,
        live_rules=False,
        extra_options=inputs.reshare_link_options(1),
    )
    return build_post(found, rules)[0].text
