"""Our own click counting: the short link in the post, the redirect, the counter."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection

from tests import scripted
from tests.factories import ChannelFactory, publish
from wagtail_crosspost.metrics.click_models import ClickCounting, ClickDay, TrackedLink
from wagtail_crosspost.metrics.clicks import is_preview_fetcher
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox import delivery

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture(autouse=True)
def scripted_adapters(settings):
    settings.WAGTAILCROSSPOST_ADAPTERS = ["tests.scripted.ScriptedAdapter"]
    scripted.SCRIPT.clear()
    scripted.CALLS.clear()


def sent_row(make_article, counting=True, utm=True):
    channel = ChannelFactory(platform="scripted", name="Scripted", options={"utm": utm})
    ClickCounting.objects.create(channel=channel, enabled=counting)
    page = make_article(channels=[channel])
    publish(page)
    row = Publication.objects.get(page=page)
    assert delivery.deliver(row.pk) == "posted"
    row.refresh_from_db()
    return row


def test_the_post_links_to_the_short_redirect_with_utm_at_the_target(make_article):
    row = sent_row(make_article)
    link = TrackedLink.objects.get(publication=row)
    assert f"http://localhost/cp/{link.code}/" in row.sent_text
    assert "utm_" not in row.sent_text  # the short link stays short
    assert link.target.startswith(row.page.get_full_url())
    assert "utm_source=scripted" in link.target and "utm_medium=social" in link.target


def test_without_the_switch_the_post_links_to_the_page(make_article):
    row = sent_row(make_article, counting=False)
    assert not TrackedLink.objects.exists()
    assert row.page.get_full_url() in row.sent_text


def test_a_click_is_counted_once_per_click_per_day(make_article, client):
    row = sent_row(make_article)
    code = TrackedLink.objects.get(publication=row).code
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC), tick=False):
        first = client.get(f"/cp/{code}/", HTTP_USER_AGENT=BROWSER)
        client.get(f"/cp/{code}/", HTTP_USER_AGENT=BROWSER)
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC), tick=False):
        client.get(f"/cp/{code}/", HTTP_USER_AGENT=BROWSER)
    assert first.status_code == 302
    assert first["Location"] == TrackedLink.objects.get(code=code).target
    assert "no-store" in first["Cache-Control"] or "max-age=0" in first["Cache-Control"]
    days = dict(ClickDay.objects.filter(publication=row).values_list("day", "clicks"))
    assert days == {dt.date(2026, 12, 1): 2, dt.date(2026, 12, 2): 1}
    assert not first.cookies  # no cookie set


@pytest.mark.parametrize(
    "agent",
    [
        "http.rb/5.1.1 (Mastodon/4.3.2; +https://mastodon.social/)",
        "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
        "Twitterbot/1.0",
        "TelegramBot (like TwitterBot)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        "WhatsApp/2.23.20.0",
        "",
    ],
)
def test_preview_fetchers_are_sent_on_but_not_counted(make_article, client, agent):
    row = sent_row(make_article)
    code = TrackedLink.objects.get(publication=row).code
    response = client.get(f"/cp/{code}/", HTTP_USER_AGENT=agent)
    assert response.status_code == 302
    assert is_preview_fetcher(agent)
    assert not ClickDay.objects.exists()


def test_a_browser_is_not_taken_for_a_fetcher():
    assert not is_preview_fetcher(BROWSER)
    assert not is_preview_fetcher(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
    )


def test_a_head_request_is_not_counted(make_article, client):
    row = sent_row(make_article)
    code = TrackedLink.objects.get(publication=row).code
    assert client.head(f"/cp/{code}/", HTTP_USER_AGENT=BROWSER).status_code == 302
    assert not ClickDay.objects.exists()


@pytest.mark.parametrize("code", ["nothere1", "x", "../admin", "A" * 40])
def test_an_unknown_code_is_a_plain_404_and_counts_nothing(make_article, client, code):
    sent_row(make_article)
    response = client.get(f"/cp/{code}/", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 404
    assert "Location" not in response
    assert not ClickDay.objects.exists()


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/phish",
        "//evil.example/",
        "javascript:alert(1)",
        "http://localhost.evil.example/",
    ],
)
def test_it_redirects_only_to_the_sites_own_pages(make_article, client, target):
    row = sent_row(make_article)
    link = TrackedLink.objects.get(publication=row)
    TrackedLink.objects.filter(pk=link.pk).update(target=target)
    response = client.get(f"/cp/{link.code}/", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 404
    assert not ClickDay.objects.exists()


def test_a_retry_keeps_the_publications_code(make_article):
    from wagtail_crosspost.metrics.clicks import tracked_inputs
    from wagtail_crosspost.outbox import inputs

    row = sent_row(make_article)
    code = TrackedLink.objects.get(publication=row).code
    again, _rules = inputs.for_publication(row, row.channel.get_adapter())
    assert again.url.endswith(f"/cp/{code}/")
    assert tracked_inputs(row, again) is not None
    assert TrackedLink.objects.count() == 1


PERSONAL = ("ip", "addr", "agent", "cookie", "session", "user", "referer", "referrer", "device")


@pytest.mark.parametrize("model", [ClickDay, TrackedLink, ClickCounting])
def test_the_click_tables_hold_no_personal_data(model):
    """The database's own description of the tables: only counters, codes and keys."""
    with connection.cursor() as cursor:
        columns = [
            col.name.lower()
            for col in connection.introspection.get_table_description(cursor, model._meta.db_table)
        ]
    for column in columns:
        assert not any(word in column for word in PERSONAL), column
    if model is ClickDay:
        assert sorted(columns) == ["clicks", "day", "id", "publication_id"]
