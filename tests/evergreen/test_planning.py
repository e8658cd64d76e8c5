"""The planner against the database: what it writes, what it keeps, what it refuses."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from tests.evergreen.conftest import NOW
from wagtail_crosspost.evergreen.models import Blackout, EvergreenPage
from wagtail_crosspost.evergreen.planning import plan_all
from wagtail_crosspost.models import Publication

pytestmark = pytest.mark.django_db
Kind = Publication.Kind


def reshares():
    return list(Publication.objects.filter(kind=Kind.RESHARE).order_by("slot_at"))


def test_fills_the_free_slots_longest_ago_first_ties_by_id(evergreen, make_pages):
    pages = make_pages(5)
    plan_all(days=7, now=NOW)
    rows = reshares()
    assert [r.page_id for r in rows] == [p.pk for p in pages] + [None, None][:0]
    assert len(rows) == 5  # cooldown: five pages fill five of the seven days
    assert all(r.slot_at == r.next_attempt_at and r.slot_at.hour == 9 for r in rows)
    assert [r.generation for r in rows] == [1] * 5


def test_planning_twice_plans_nothing_new(evergreen, make_pages):
    make_pages(10)
    plan_all(days=7, now=NOW)
    first = [(r.pk, r.slot_at) for r in reshares()]
    [result] = plan_all(days=7, now=NOW)
    assert not result.planned and result.removed == 0
    assert [(r.pk, r.slot_at) for r in reshares()] == first


def test_changed_rules_re_plan_the_unsent_rows(evergreen, make_pages):
    make_pages(10)
    plan_all(days=7, now=NOW)
    assert len(reshares()) == 7
    evergreen.per_week = 2
    evergreen.save()
    [result] = plan_all(days=7, now=NOW)
    assert result.removed == 7
    assert len(reshares()) == 2


def test_the_slot_constraint_refuses_a_second_row(evergreen, make_pages):
    make_pages(3)
    plan_all(days=1, now=NOW)
    [row] = reshares()
    with pytest.raises(IntegrityError), transaction.atomic():
        Publication.objects.create(
            page_id=row.page_id,
            channel=row.channel,
            kind=Kind.RESHARE,
            slot_at=row.slot_at,
            generation=2,
        )


def test_blackouts_and_the_pause_switch(evergreen, make_pages, channel):
    make_pages(10)
    Blackout.objects.create(starts_at=NOW + timedelta(days=2), ends_at=NOW + timedelta(days=4))
    plan_all(days=7, now=NOW)
    days = [r.slot_at.day for r in reshares()]
    assert days == [2, 3, 6, 7, 8]  # Mar 4 and 5 are blacked out
    Blackout.objects.create(channel=channel, starts_at=NOW, reason="Recall")  # pause all
    [result] = plan_all(days=7, now=NOW)
    assert result.removed == 5 and reshares() == []


def test_a_page_switched_off_or_until_is_left_out(evergreen, make_pages):
    a, b, c = make_pages(3)
    EvergreenPage.objects.create(page=a, reshare="no")
    EvergreenPage.objects.create(page=b, reshare="until", until=(NOW + timedelta(days=1)).date())
    plan_all(days=7, now=NOW)
    assert [r.page_id for r in reshares()] == [b.pk, c.pk]


def test_no_new_text_skips_the_page_with_a_reason(evergreen, make_pages):
    [page] = make_pages(1)
    Publication.objects.create(page=page, channel=evergreen.channel, status="posted", sent_at=NOW)
    evergreen.cooldown_days = 1
    evergreen.save()
    [result] = plan_all(days=7, now=NOW)
    assert result.planned == [] and result.skipped == {page.pk: "no_new_text"}
    EvergreenPage.objects.create(page=page, variants=[{"channel": None, "text": "Still true"}])
    [result] = plan_all(days=7, now=NOW)
    assert [p.text for p in result.planned][:3] == ["Still true", "", "Still true"]


def test_a_dry_run_plans_nothing(evergreen, make_pages, capsys):
    make_pages(3)
    [result] = plan_all(days=28, now=NOW, dry_run=True)
    assert len(result.planned) == 3 and reshares() == []
    call_command("crosspost_plan_evergreen", "--dry-run")
    assert "pool of 3 pages" in capsys.readouterr().out
    assert reshares() == []


def test_queries_do_not_grow_with_the_pool(evergreen, make_pages, django_assert_max_num_queries):
    make_pages(5)
    with django_assert_max_num_queries(40) as small:
        plan_all(days=28, now=NOW)
    Publication.objects.filter(kind=Kind.RESHARE).delete()
    make_pages(60, prefix="More")
    with django_assert_max_num_queries(len(small.captured_queries)):
        plan_all(days=28, now=NOW)
