"""The Social performance report: sums, change, top pages, best times, export, filters."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ChannelFactory, set_admin_preferences
from tests.metrics.helpers import sent
from wagtail_crosspost.metrics import report
from wagtail_crosspost.metrics.click_models import ClickDay

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)
URL = "/admin/crosspost/performance/"


@pytest.fixture
def data(make_article):
    alpha = ChannelFactory(name="Alpha", platform="mastodon")
    beta = ChannelFactory(name="Beta", platform="telegram")
    one = make_article(title="First page")
    two = make_article(title="Second page")
    # This period (last 30 days): later snapshots win over earlier ones.
    row = sent(
        alpha,
        one,
        NOW - dt.timedelta(days=3),
        stages=[("1h", {"reactions": 2, "views": None}), ("24h", {"reactions": 5, "reposts": 1})],
    )
    sent(alpha, two, NOW - dt.timedelta(days=9), stages=[("24h", {"reactions": 1, "replies": 2})])
    sent(beta, one, NOW - dt.timedelta(days=2))  # Telegram: no figures at all
    ClickDay.objects.create(publication=row, day=dt.date(2026, 12, 4), clicks=7)
    # The period before: one post on Alpha with 4 reactions.
    sent(alpha, two, NOW - dt.timedelta(days=40), stages=[("24h", {"reactions": 4})])
    return alpha, beta


def test_channel_rows_sum_the_latest_snapshots_and_compare(data):
    alpha, beta = data
    with time_machine.travel(NOW, tick=False):
        rows = {r.name: r for r in report.channel_rows([alpha, beta], report.period_of(30))}
    a, b = rows["Alpha"], rows["Beta"]
    assert a.posts == 2 and a.reactions == 6 and a.reposts == 1 and a.replies == 2
    assert a.own_clicks == 7
    assert a.interactions == 9
    assert a.reactions_change == 50.0  # 6 against 4
    assert a.posts_change == 100.0
    assert a.views is None and a.engagement_rate is None  # no views given: "–", not 0
    assert b.posts == 1 and b.reactions is None and b.own_clicks == 0


def test_engagement_rate_counts_only_posts_with_views(make_article):
    channel = ChannelFactory(name="X")
    page = make_article()
    sent(
        channel, page, NOW - dt.timedelta(days=1), stages=[("24h", {"reactions": 5, "views": 100})]
    )
    sent(channel, page, NOW - dt.timedelta(days=1), stages=[("24h", {"reactions": 50})])
    with time_machine.travel(NOW, tick=False):
        (row,) = report.channel_rows([channel], report.period_of(7))
    assert row.engagement_rate == 5.0


def test_top_pages_best_times_and_per_day(data):
    alpha, beta = data
    with time_machine.travel(NOW, tick=False):
        period = report.period_of(30)
        ids = [alpha.pk, beta.pk]
        top = report.top_pages(ids, period)
        grid = report.best_times(ids, period)
        days = report.per_day(ids, period)
    assert [p["title"] for p in top] == ["First page", "Second page"]
    assert top[0]["interactions"] == 6 and top[0]["own_clicks"] == 7
    sent_at = NOW - dt.timedelta(days=3)  # Thursday 12:00 UTC
    cell = grid[sent_at.isoweekday() - 1][12]
    assert cell == {"posts": 1, "average": 6.0}
    assert dict(days)[dt.date(2026, 12, 3)] == 6
    assert len(days) in (30, 31)


def test_the_report_renders_with_charts_and_exports(data, admin_client):
    with time_machine.travel(NOW, tick=False):
        page = admin_client.get(URL)
        csv = admin_client.get(URL + "?export=csv")
        xlsx = admin_client.get(URL + "?export=xlsx&period=7")
        custom = admin_client.get(URL + "?sent_after=2026-10-20&sent_before=2026-10-31")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('<svg class="crosspost-chart') == 2
    assert "First page" in html and "Alpha" in html and "+50" in html
    text = b"".join(csv.streaming_content).decode()
    lines = text.strip().splitlines()
    assert lines[0].startswith("Channel,Platform,Posts,Reactions")
    assert lines[1].startswith("Alpha,mastodon,2,6,1,2,")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    assert "Second page" in custom.content.decode()  # the post of 40 days ago


def test_the_report_in_german(data, client, admin_user):
    set_admin_preferences(admin_user, preferred_language="de")
    client.force_login(admin_user)
    with time_machine.travel(NOW, tick=False):
        html = client.get(URL).content.decode()
    assert "Social-Media-Erfolg" in html and "Beste Zeit zum Posten" in html
    assert "Interaktionen" in html


def test_the_report_is_refused_without_rights(data, client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="pw")
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert client.get(URL).status_code in (302, 403)


def test_the_report_takes_a_fixed_number_of_queries(data, admin_client, make_article):
    alpha, _beta = data
    with time_machine.travel(NOW, tick=False):
        with CaptureQueriesContext(connection) as few:
            admin_client.get(URL)
        page = make_article(title="More")
        for n in range(20):
            sent(alpha, page, NOW - dt.timedelta(hours=n + 1), stages=[("1h", {"reactions": n})])
        with CaptureQueriesContext(connection) as many:
            admin_client.get(URL)
    assert len(many) == len(few)


def test_the_latest_figures_follow_saved_and_deleted_snapshots(make_article):
    from wagtail_crosspost.metrics import rollup
    from wagtail_crosspost.metrics.models import MetricsSnapshot

    channel = ChannelFactory()
    row = sent(channel, make_article(), NOW, stages=[("1h", {"reactions": 1, "views": 10})])
    assert rollup.PublicationFigures.objects.get(publication=row).rated == 1
    later = MetricsSnapshot.objects.create(
        publication=row, stage="24h", taken_at=NOW + dt.timedelta(days=1), reactions=3, reposts=2
    )
    figures = rollup.PublicationFigures.objects.get(publication=row)
    assert (figures.reactions, figures.interactions, figures.views, figures.rated) == (
        3,
        5,
        None,
        0,
    )
    later.delete()
    assert rollup.PublicationFigures.objects.get(publication=row).reactions == 1
    MetricsSnapshot.objects.filter(publication=row).delete()  # a queryset delete: signals too
    assert not rollup.PublicationFigures.objects.filter(publication=row).exists()


def test_the_channel_sums_take_two_queries_for_both_periods(data, django_assert_num_queries):
    alpha, beta = data
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(2):
        # posts with our own clicks, and the latest figures: this period and the one before
        rows = report.channel_rows([alpha, beta], report.period_of(30))
    assert [row.posts for row in rows] == [2, 1]


def test_the_report_page_sums_each_thing_once(data, admin_client):
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as captured:
        assert admin_client.get(URL).status_code == 200
    ours = [q["sql"] for q in captured if '"wagtail_crosspost_publication' in q["sql"]]
    figures = [sql for sql in ours if 'FROM "wagtail_crosspost_publicationfigures"' in sql]
    posts = [sql for sql in ours if 'FROM "wagtail_crosspost_publication" ' in sql]
    # figures: per channel (both periods at once), top pages, best times, per day;
    # posts: per channel with the clicks (both periods), the top pages' clicks
    assert (len(figures), len(posts)) == (4, 2), ours
