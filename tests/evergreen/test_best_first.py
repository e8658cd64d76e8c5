"""Best performers first: the pages whose earlier posts did best go first; equal scores and pages
without figures in the usual order (shared longest ago first), then the older page, then the id."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from tests.evergreen.conftest import NOW
from wagtail_crosspost.evergreen import pool
from wagtail_crosspost.evergreen.models import EvergreenSettings
from wagtail_crosspost.evergreen.planning import plan_all
from wagtail_crosspost.evergreen.rules import Candidate, Rules, plan
from wagtail_crosspost.metrics.rollup import PublicationFigures
from wagtail_crosspost.models import Publication

DAY = timedelta(days=1)
START = datetime(2026, 1, 5, 9, tzinfo=UTC)
SLOTS = [START + i * DAY for i in range(6)]
LONG_AGO = START - 200 * DAY


def candidate(page_id, score=None, last=None, published=LONG_AGO - 100 * DAY):
    return Candidate(page_id, last_shared=last, score=score, published=published, texts=("a",))


def order(candidates, best_first=True, **rules):
    fresh = [replace(c) for c in candidates]  # the planner moves its candidates on
    result = plan(Rules(best_first=best_first, **rules), SLOTS, fresh)
    return [p.page_id for p in result.planned]


def test_the_higher_score_first_then_pages_without_figures():
    pages = [candidate(1), candidate(2, Fraction(3)), candidate(3, Fraction(10)), candidate(4)]
    assert order(pages) == [3, 2, 1, 4]
    assert order(pages, best_first=False) == [1, 2, 3, 4]  # the default rule ignores scores


def test_equal_scores_go_by_last_share_then_page_age_then_id():
    older, newer = LONG_AGO - 300 * DAY, LONG_AGO - 10 * DAY
    pages = [
        candidate(1, Fraction(5), last=LONG_AGO),
        candidate(2, Fraction(5), last=LONG_AGO - DAY),  # shared longer ago
        candidate(3, Fraction(5), published=newer),  # never shared, newer page
        candidate(4, Fraction(5), published=older),  # never shared, older page
        candidate(5, Fraction(5), published=older),  # same age: the id decides
        candidate(6, Fraction(10, 2)),  # 5 as well, written another way
    ]
    assert order(pages) == [4, 5, 6, 3, 2, 1]


def test_a_best_performer_in_its_cooldown_waits_and_the_next_one_goes():
    pages = [candidate(1, Fraction(9), last=START - DAY), candidate(2, Fraction(1))]
    result = plan(Rules(best_first=True), SLOTS, pages)
    assert [p.page_id for p in result.planned] == [2]  # page 1: cooldown of 90 days


def test_after_its_cooldown_the_best_performer_comes_back_before_the_others():
    slots = [START + i * 10 * DAY for i in range(4)]
    pages = [candidate(1, Fraction(9)), candidate(2, Fraction(1)), candidate(3)]
    rules = Rules(best_first=True, cooldown=timedelta(days=25))
    assert [p.page_id for p in plan(rules, slots, pages).planned] == [1, 2, 3, 1]


def _posted(page, channel, interactions, views=None):
    row = Publication.objects.create(
        page=page,
        page_title=page.title,
        channel=channel,
        status=Publication.Status.POSTED,
        message="The launch text",  # so the template is a new text for the re-share
        sent_at=NOW - 200 * DAY,
        generation=Publication.objects.filter(page=page, channel=channel).count(),
    )
    PublicationFigures.objects.create(
        publication=row,
        channel=channel,
        page_id=page.pk,
        sent_at=row.sent_at,
        interactions=interactions,
        views=views,
    )
    return row


@pytest.mark.django_db
def test_scores_are_interactions_per_post_on_the_channel(evergreen, make_pages, channel):
    from tests.factories import ChannelFactory

    first, second, third = make_pages(3)
    _posted(first, channel, 10)
    row = _posted(first, channel, 2)
    row.kind = Publication.Kind.RESHARE  # a re-share's figures count too
    row.save()
    _posted(second, channel, 7)
    _posted(third, ChannelFactory(name="Other"), 100)  # another channel's audience
    assert pool.scores(channel) == {first.pk: Fraction(6), second.pk: Fraction(7)}


@pytest.mark.django_db
def test_the_planner_puts_the_best_performers_first(evergreen, make_pages, channel):
    pages = make_pages(4)
    _posted(pages[0], channel, 1)
    _posted(pages[2], channel, 40)
    _posted(pages[3], channel, 40)
    evergreen.order = EvergreenSettings.Order.BEST
    evergreen.save()
    [result] = plan_all(days=4, now=NOW)
    # 2 and 3 tie at 40 (sent at the same time, same age): by id; then 0 (scored), then 1.
    assert [p.page_id for p in result.planned] == [pages[i].pk for i in (2, 3, 0, 1)]


@pytest.mark.django_db
def test_switching_the_order_re_plans(evergreen, make_pages, channel):
    pages = make_pages(3)
    _posted(pages[2], channel, 5)
    plan_all(days=3, now=NOW)
    planned = Publication.objects.filter(kind="reshare").order_by("slot_at")
    assert [r.page_id for r in planned] == [p.pk for p in pages[:2]] + [pages[2].pk]
    evergreen.order = EvergreenSettings.Order.BEST
    evergreen.save()
    [result] = plan_all(days=3, now=NOW)
    assert result.removed > 0
    first = Publication.objects.filter(kind="reshare").order_by("slot_at").first()
    assert first.page_id == pages[2].pk


@pytest.mark.django_db
def test_best_first_costs_one_query_more_whatever_the_pool(evergreen, make_pages, channel):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(best):
        evergreen.order = EvergreenSettings.Order.BEST if best else EvergreenSettings.Order.OLDEST
        evergreen.save()
        with CaptureQueriesContext(connection) as captured:
            plan_all(days=7, now=NOW, dry_run=True)
        return len(captured)

    pages = make_pages(3)
    _posted(pages[0], channel, 4)
    small = (queries(False), queries(True))
    more = make_pages(12, prefix="More")
    for page in more[:6]:
        _posted(page, channel, 2)
    assert (queries(False), queries(True)) == small
    assert small[1] == small[0] + 1
