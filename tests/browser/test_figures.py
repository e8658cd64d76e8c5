"""A post's figures in the real browser, as a marketing lead looks for them: the publication log
sorted by reactions (posts without figures last), a post's detail with its chart and table,
and "How this page did" in the page editor, whose link leads back to the post's detail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import ChannelFactory
from tests.metrics.helpers import sent
from tests.testapp.models import ArticlePage

from .helpers import open_editor

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def posts(home):
    mastodon = ChannelFactory(name="Fediverse", platform="mastodon")
    telegram = ChannelFactory(name="Newsgroup", platform="telegram")
    sent_at = timezone.now() - dt.timedelta(days=8)
    pages = {
        title: home.add_child(instance=ArticlePage(title=title, intro="An intro.", live=True))
        for title in ("Spring fair", "Quiet update", "Big launch")
    }
    growth = [
        ("1h", {"reactions": 3, "reposts": 1, "replies": 0}),
        ("24h", {"reactions": 12, "reposts": 4, "replies": 2}),
        ("7d", {"reactions": 19, "reposts": 6, "replies": 5}),
    ]
    launch = sent(mastodon, pages["Big launch"], sent_at, stages=growth)
    sent(mastodon, pages["Spring fair"], sent_at, stages=[("24h", {"reactions": 2, "reposts": 0})])
    sent(telegram, pages["Quiet update"], sent_at)  # Telegram gives no figures: "–"
    return pages, launch


def rows_in_order(page):
    return page.locator(
        "table.listing tbody tr td:first-child a[href*='/inspect/']"
    ).all_inner_texts()


def test_sort_the_log_open_the_chart_and_see_how_the_page_did(
    page, logged_in, superuser, posts, dialogs
):
    pages, launch = posts
    logged_in(superuser)

    # The log, sorted by reactions: from the fewest up, then the most first; "–" last both ways.
    page.goto("/admin/wagtail_crosspost_log/")
    header = page.locator("table.listing thead").get_by_role("link", name="Reactions")
    header.click()
    page.wait_for_url("**ordering=figure_reactions*")
    assert [t.strip() for t in rows_in_order(page)] == ["Spring fair", "Big launch", "Quiet update"]
    page.locator("table.listing thead").get_by_role("link", name="Reactions").click()
    page.wait_for_url("**ordering=-figure_reactions*")
    assert [t.strip() for t in rows_in_order(page)] == ["Big launch", "Spring fair", "Quiet update"]
    quiet = page.locator("table.listing tbody tr", has_text="Quiet update")
    expect(quiet.locator('[data-figure="figure_reactions"]')).to_have_text("–")
    launch_row = page.locator("table.listing tbody tr", has_text="Big launch")
    expect(launch_row.locator('[data-figure="figure_reactions"]')).to_have_text("19")

    # The post's detail: a chart of its snapshots, and the same numbers as a table.
    launch_row.get_by_role("link", name="Big launch").click()
    expect(page.get_by_role("heading", name="Figures over time")).to_be_visible()
    chart = page.get_by_role("img", name="Interactions of this post over time")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 150
    expect(chart.locator("polyline")).to_have_count(3)  # reactions, reposts, replies
    table = page.locator("table.crosspost-figures-table")
    week = table.locator("tr", has_text="after 7 days")
    expect(week.locator('[data-figure="reactions"]')).to_have_text("19")
    expect(week.locator('[data-figure="views"]')).to_have_text("–")

    # The page editor: "How this page did" on the Publish-to tab, with a way back to the post.
    open_editor(page, pages["Big launch"])
    summary = page.locator("[data-crosspost-performance]")
    expect(summary.get_by_role("heading", name="How this page did")).to_be_visible()
    row = summary.locator("tbody tr", has_text="Fediverse")
    expect(row.locator("td").nth(0)).to_have_text("19")
    row.get_by_role("link", name="Details of the post on Fediverse").click()
    page.wait_for_url(f"**/admin/wagtail_crosspost_log/inspect/{launch.pk}/")
    expect(page.get_by_role("img", name="Interactions of this post over time")).to_be_visible()
    assert dialogs == []
