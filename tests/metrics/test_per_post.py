"""A post's figures where editors meet them: the log's sortable figure columns, the detail's
figures over time (chart and table), and "How this page did" in the Publish-to tab."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ChannelFactory, set_admin_preferences
from tests.metrics.helpers import sent
from wagtail_crosspost.metrics import charts, per_post
from wagtail_crosspost.metrics.click_models import ClickDay, TrackedLink
from wagtail_crosspost.models import Publication

pytestmark = pytest.mark.django_db

LOG = "/admin/wagtail_crosspost_log/"
SENT = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)


def titles(html: str) -> list[str]:
    """The page titles of the log's rows, top to bottom."""
    return re.findall(
        r'<a href="/admin/wagtail_crosspost_log/inspect/\d+/"[^>]*>\s*([^<]+?)\s*<', html
    )


def figure_cells(html: str, name: str) -> list[str]:
    return re.findall(rf'data-figure="figure_{name}">(?:<span[^>]*>)?([^<]*)<', html)


@pytest.fixture
def posts(make_article):
    """Four posts: 9, 3 and 0 reactions, and one whose platform gave none (Telegram)."""
    mastodon = ChannelFactory(name="Alpha", platform="mastodon")
    telegram = ChannelFactory(name="Beta", platform="telegram")
    rows = {}
    for title, reactions in (("Nine", 9), ("Three", 3), ("Zero", 0)):
        page = make_article(title=title)
        rows[title] = sent(
            mastodon, page, SENT, stages=[("24h", {"reactions": reactions, "reposts": 1})]
        )
    rows["None"] = sent(telegram, make_article(title="None"), SENT)
    return rows


def test_the_log_shows_figures_and_a_dash_for_figures_not_given(posts, admin_client):
    html = admin_client.get(LOG + "?ordering=-figure_reactions").content.decode()
    assert titles(html) == ["Nine", "Three", "Zero", "None"]
    assert figure_cells(html, "reactions") == ["9", "3", "0", "–"]  # 0 is 0, "–" is not given
    assert figure_cells(html, "views") == ["–"] * 4
    assert "Clicks (counted here)" in html


def test_sorting_by_a_figure_puts_posts_without_it_last_both_ways(posts, admin_client):
    down = admin_client.get(LOG + "?ordering=-figure_reactions").content.decode()
    up = admin_client.get(LOG + "?ordering=figure_reactions").content.decode()
    assert titles(down) == ["Nine", "Three", "Zero", "None"]
    assert titles(up) == ["Zero", "Three", "Nine", "None"]
    # The column heading links to the other direction, as Wagtail's sortable columns do.
    assert "ordering=figure_reactions" in down


def test_sorting_keeps_the_filters_and_pages(posts, admin_client, make_article):
    alpha = posts["Nine"].channel
    for n in range(25):  # a second page of Alpha's posts, each with n reactions
        sent(alpha, make_article(title=f"Bulk {n}"), SENT, stages=[("1h", {"reactions": n})])
    first = admin_client.get(LOG + f"?channel={alpha.pk}&ordering=-figure_reactions")
    second = admin_client.get(LOG + f"?channel={alpha.pk}&ordering=-figure_reactions&p=2")
    one, two = titles(first.content.decode()), titles(second.content.decode())
    assert one[:3] == ["Bulk 24", "Bulk 23", "Bulk 22"]
    assert len(one) == 20 and len(two) == 8
    assert "None" not in one + two  # the channel filter still applies
    assert set(one).isdisjoint(two)
    assert two[-1] == "Zero" and "Nine" in one[:17]
    # The pagination's links keep the order and the filter.
    next_page = re.findall(r'href="([^"]*p=2[^"]*)"', first.content.decode())
    assert next_page and all("ordering=-figure_reactions" in url for url in next_page)
    assert all(f"channel={alpha.pk}" in url for url in next_page)


def test_an_unknown_ordering_is_ignored(posts, admin_client):
    response = admin_client.get(LOG + "?ordering=-figure_secret")
    assert response.status_code == 200 and len(titles(response.content.decode())) == 4


def test_own_clicks_are_none_without_the_short_link_and_zero_without_clicks(posts):
    nine, three = posts["Nine"], posts["Three"]
    TrackedLink.objects.create(publication=nine, code="aaaaaaaa", target="https://example.com/")
    TrackedLink.objects.create(publication=three, code="bbbbbbbb", target="https://example.com/")
    ClickDay.objects.create(publication=nine, day=dt.date(2026, 11, 20), clicks=4)
    ClickDay.objects.create(publication=nine, day=dt.date(2026, 11, 21), clicks=2)
    rows = {p.page_title: p for p in per_post.with_figures(Publication.objects.all())}
    assert rows["Nine"].figure_own_clicks == 6
    assert rows["Three"].figure_own_clicks == 0
    assert rows["Zero"].figure_own_clicks is None


def test_the_log_sorts_by_our_own_clicks(posts, admin_client):
    nine, three = posts["Nine"], posts["Three"]
    TrackedLink.objects.create(publication=nine, code="aaaaaaaa", target="https://example.com/")
    TrackedLink.objects.create(publication=three, code="bbbbbbbb", target="https://example.com/")
    ClickDay.objects.create(publication=three, day=dt.date(2026, 11, 20), clicks=4)
    html = admin_client.get(LOG + "?ordering=-figure_own_clicks").content.decode()
    assert titles(html)[:2] == ["Three", "Nine"]  # 4 clicks, then a counted 0
    assert figure_cells(html, "own_clicks") == ["4", "0", "–", "–"]


def test_the_export_has_the_figures(posts, admin_client):
    response = admin_client.get(LOG + "?export=csv&ordering=-figure_reactions")
    lines = b"".join(response.streaming_content).decode().strip().splitlines()
    assert lines[0].endswith(
        "Reactions,Reposts,Replies,Quotes,Views,Clicks (platform),Clicks (counted here)"
    )
    assert lines[1].endswith(",9,1,,,,,")  # not given: empty, not 0
    assert lines[3].endswith(",0,1,,,,,")


def test_the_log_list_costs_the_same_queries_for_5_or_40_posts(admin_client, make_article):
    alpha = ChannelFactory(name="Alpha", platform="mastodon")
    page = make_article(title="Counted")

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = admin_client.get(LOG + "?ordering=-figure_views")
        assert response.status_code == 200
        return len(context.captured_queries)

    for _n in range(5):
        row = sent(alpha, page, SENT, stages=[("24h", {"reactions": 1, "views": 10})])
        TrackedLink.objects.create(publication=row, code=f"c{row.pk:07d}", target="https://x.y/")
    few = queries()
    for _n in range(35):
        sent(alpha, page, SENT, stages=[("24h", {"reactions": 2, "views": 20})])
    assert queries() == few


def test_the_detail_shows_a_chart_and_a_table_of_the_snapshots(admin_client, make_article):
    alpha = ChannelFactory(name="Alpha", platform="mastodon")
    row = sent(
        alpha,
        make_article(title="Growing"),
        SENT,
        stages=[
            ("1h", {"reactions": 2, "reposts": 0, "replies": 1}),
            ("24h", {"reactions": 11, "reposts": 3, "replies": 1}),
            ("7d", {"reactions": 17, "reposts": 4, "replies": 2}),
        ],
    )
    row.metrics_snapshots.update(unavailable={"views": "platform"})
    TrackedLink.objects.create(publication=row, code="gggggggg", target="https://example.com/")
    ClickDay.objects.create(publication=row, day=dt.date(2026, 11, 20), clicks=5)
    html = admin_client.get(reverse("wagtail_crosspost_log:inspect", args=[row.pk])).content
    html = html.decode()
    assert "Figures over time" in html
    chart = re.search(r'<svg class="crosspost-chart crosspost-chart--lines.*?</svg>', html, re.S)
    assert chart is not None
    svg = chart.group(0)
    assert svg.count("<polyline") == 3  # reactions, reposts, replies; no views line
    assert "Reactions, after 7 days: 17" in svg and ">Reactions</text>" in svg
    assert 'role="img"' in svg and "<title>Interactions of this post over time</title>" in svg
    # The same numbers as a table, with "–" for the views and why.
    table = html.split('class="listing crosspost-figures-table"')[1].split("</table>")[0]
    assert "after 1 hour" in table and "after 7 days" in table
    assert '<td data-figure="reactions">17</td>' in table
    assert 'title="the platform does not give this figure">–' in table
    assert "Views: the platform does not give this figure" in html
    assert "5 clicks on this post" in html


def test_the_detail_says_telegram_gives_no_figures(admin_client, make_article):
    beta = ChannelFactory(name="Beta", platform="telegram")
    row = sent(beta, make_article(title="Quiet"), SENT)
    html = admin_client.get(reverse("wagtail_crosspost_log:inspect", args=[row.pk])).content
    assert "Telegram gives no figures for posts." in html.decode()
    assert b'<svg class="crosspost-chart' not in html


def test_the_detail_of_an_update_has_no_figures(admin_client, make_article):
    alpha = ChannelFactory(name="Alpha", platform="mastodon")
    row = sent(alpha, make_article(title="Edited"), SENT)
    row.action = Publication.Action.UPDATE
    row.save()
    html = admin_client.get(reverse("wagtail_crosspost_log:inspect", args=[row.pk])).content
    assert b"Figures over time" not in html


def test_the_detail_in_german(make_article, client, admin_user):
    set_admin_preferences(admin_user, preferred_language="de")
    client.force_login(admin_user)
    alpha = ChannelFactory(name="Alpha", platform="mastodon")
    row = sent(alpha, make_article(), SENT, stages=[("24h", {"reactions": 1200})])
    html = client.get(reverse("wagtail_crosspost_log:inspect", args=[row.pk])).content.decode()
    assert "Zahlen im Verlauf" in html and "nach 24 Stunden" in html
    assert "Interaktionen dieses Beitrags im Verlauf" in html  # the chart's title
    assert '<td data-figure="reactions">1200</td>' in html


def test_a_line_chart_leaves_a_gap_for_not_given():
    svg = charts.lines({"Views": [None, 40, 90]}, ["a", "b", "c"], "t")
    assert svg.count("<circle") == 3  # two points and the legend's marker, none for "a"
    assert "Views, a:" not in svg and "Views, c: 90" in svg
    assert charts.nice_ceiling(90) == 100 and charts.nice_ceiling(0) == 1
    assert charts.nice_ceiling(3) == 5 and charts.nice_ceiling(11) == 20


def test_the_editor_sees_how_the_page_did(admin_client, make_article):
    alpha = ChannelFactory(name="Alpha", platform="mastodon")
    beta = ChannelFactory(name="Beta", platform="telegram")
    page = make_article(title="Launch")
    first = sent(alpha, page, SENT, stages=[("24h", {"reactions": 4, "reposts": 1})])
    again = sent(
        alpha, page, SENT + dt.timedelta(days=1), stages=[("1h", {"reactions": 2, "replies": 3})]
    )
    quiet = sent(beta, page, SENT)
    TrackedLink.objects.create(publication=quiet, code="tttttttt", target="https://example.com/")
    ClickDay.objects.create(publication=quiet, day=dt.date(2026, 11, 20), clicks=8)
    html = admin_client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    section = html.split("data-crosspost-performance")[1].split("</section>")[0]
    assert "How this page did" in section
    alpha_row = section.split(f'data-channel="{alpha.pk}"')[1].split("</tr>")[0]
    beta_row = section.split(f'data-channel="{beta.pk}"')[1].split("</tr>")[0]
    # Alpha: two posts summed; the columns are those some channel gives.
    assert "(2 posts)" in alpha_row
    cells = re.findall(r"<td>(?:<span[^>]*>)?([^<]*)<", alpha_row)
    assert cells[:4] == ["6", "1", "3", "–"]  # reactions, reposts, replies, counted clicks
    assert reverse("wagtail_crosspost_log:inspect", args=[again.pk]) in alpha_row
    assert reverse("wagtail_crosspost_log:inspect", args=[first.pk]) not in alpha_row
    assert re.findall(r"<td>(?:<span[^>]*>)?([^<]*)<", beta_row)[:4] == ["–", "–", "–", "8"]
    assert "Views" not in section  # no channel gives views


def test_a_page_never_posted_has_no_summary_and_no_extra_query(
    admin_client, make_article, django_assert_max_num_queries
):
    ChannelFactory(name="Alpha", platform="mastodon")
    page = make_article(title="Draft")
    html = admin_client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    assert "How this page did" not in html
    with CaptureQueriesContext(connection) as context:
        per_post.page_summary(page.pk, [])
    assert len(context.captured_queries) == 0


def test_the_summary_is_one_query_however_many_channels(make_article):
    page = make_article(title="Wide")
    channels = [ChannelFactory(name=f"C{n}", platform="mastodon") for n in range(6)]
    for channel in channels:
        sent(channel, page, SENT, stages=[("24h", {"reactions": 1})])
    with CaptureQueriesContext(connection) as context:
        summaries = per_post.page_summary(page.pk, channels)
    assert len(context.captured_queries) == 1
    assert [s.figures["reactions"] for s in summaries] == [1] * 6


def test_how_the_page_did_in_german(make_article, client, admin_user):
    set_admin_preferences(admin_user, preferred_language="de")
    client.force_login(admin_user)
    alpha = ChannelFactory(name="Alpha", platform="mastodon")
    page = make_article(title="Messe")
    sent(alpha, page, SENT, stages=[("24h", {"reactions": 3})])
    html = client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    section = html.split("data-crosspost-performance")[1].split("</section>")[0]
    assert "So lief diese Seite" in section and "Reaktionen" in section
    assert "Details zum Beitrag auf Alpha" in section
