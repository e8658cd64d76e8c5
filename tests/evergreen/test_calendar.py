"""Re-shares in the calendar feed; moving and cancelling one."""

from datetime import timedelta

import pytest

from tests.evergreen.conftest import NOW
from wagtail_crosspost.evergreen import calendar
from wagtail_crosspost.evergreen.planning import plan_all
from wagtail_crosspost.models import Publication

pytestmark = pytest.mark.django_db


def test_the_feed_shows_re_shares_and_moving_one_works(evergreen, make_pages, admin_user):
    make_pages(3)
    plan_all(days=3, now=NOW)
    feed = calendar.entries(admin_user, NOW, NOW + timedelta(days=3))
    assert [e["extendedProps"]["kind"] for e in feed] == ["reshare"] * 3
    first, second = sorted(Publication.objects.filter(kind="reshare"), key=lambda r: r.slot_at)[:2]
    assert calendar.move(first.pk, second.slot_at, admin_user)  # taken: refused with a reason
    later = first.slot_at + timedelta(hours=3)
    assert calendar.move(first.pk, later, admin_user) == ""
    first.refresh_from_db()
    assert first.next_attempt_at == later == first.slot_at
    [result] = plan_all(days=3, now=NOW)  # the planner keeps the move
    assert result.removed == 0
    assert Publication.objects.get(pk=first.pk).next_attempt_at == later
    assert calendar.cancel(second.pk, admin_user)
    assert Publication.objects.get(pk=second.pk).status == "skipped"


def test_a_planned_re_share_shows_the_variant_it_will_send_in_the_calendar(
    evergreen, make_pages, admin_user
):
    """The calendar entry of a planned re-share has the variant's words, not the first post's."""
    from wagtail_crosspost.evergreen.models import EvergreenPage
    from wagtail_crosspost.schedule import calendar as social_calendar

    [page] = make_pages(1)
    Publication.objects.create(
        page=page,
        channel=evergreen.channel,
        status="posted",
        sent_at=NOW - timedelta(days=30),
        sent_text="The words of the first post",
    )
    evergreen.cooldown_days = 1
    evergreen.save()
    EvergreenPage.objects.create(page=page, variants=[{"channel": None, "text": "Still true"}])
    plan_all(days=1, now=NOW)
    feed = social_calendar.posts(
        admin_user, NOW, NOW + timedelta(days=1), social_calendar.Filters()
    )
    [entry] = [e for e in feed if e["extendedProps"]["reshare"]]
    assert entry["extendedProps"]["words"] == "Still true"
