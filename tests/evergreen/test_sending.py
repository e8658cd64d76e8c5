"""A planned re-share goes out at its slot with its variant and evergreen UTM, or is skipped
with a reason when its page changed meanwhile."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from tests.evergreen.conftest import NOW
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.evergreen.models import Blackout, EvergreenPage
from wagtail_crosspost.evergreen.planning import plan_all
from wagtail_crosspost.models import Publication

pytestmark = pytest.mark.django_db


def deliver_at(moment):
    with time_machine.travel(moment, tick=False):
        call_command("crosspost_deliver")


def planned_row():
    return Publication.objects.get(kind=Publication.Kind.RESHARE)


def test_a_re_share_goes_out_at_its_slot_with_its_variant_and_utm(evergreen, make_pages):
    channel = evergreen.channel
    channel.options = {"utm": True}
    channel.save()
    [page] = make_pages(1)
    Publication.objects.create(page=page, channel=channel, status="posted", sent_at=NOW)
    evergreen.cooldown_days = 1
    evergreen.save()
    EvergreenPage.objects.create(page=page, variants=[{"channel": channel.pk, "text": "Again!"}])
    plan_all(days=2, now=NOW)
    row = planned_row()
    deliver_at(row.slot_at - timedelta(minutes=1))
    assert locmem.outbox == []
    deliver_at(row.slot_at)
    [sent] = locmem.outbox
    assert sent.post.text.startswith("Again!")
    assert "utm_campaign=evergreen" in sent.post.link and "utm_content=1" in sent.post.link
    assert planned_row().status == "posted"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("unpublish", "unpublished"),
        ("expire", "expired"),
        ("switch_off", "switched re-sharing off"),
        ("blackout", "paused"),
        ("delete", "deleted"),
    ],
)
def test_a_page_that_changed_before_its_slot_is_skipped_with_a_reason(
    evergreen, make_pages, change, reason
):
    [page] = make_pages(1)
    plan_all(days=2, now=NOW)
    row = planned_row()
    if change == "unpublish":
        page.live = False
        page.save()
    elif change == "expire":
        page.expire_at = row.slot_at - timedelta(hours=1)
        page.save()
    elif change == "switch_off":
        EvergreenPage.objects.create(page=page, reshare="no")
    elif change == "blackout":
        Blackout.objects.create(starts_at=NOW, reason="Recall")
    else:
        page.delete()
    deliver_at(row.slot_at)
    row.refresh_from_db()
    assert locmem.outbox == []
    assert row.status == "skipped" and reason in row.error


def test_the_log_filters_re_shares(evergreen, make_pages, admin_client):
    make_pages(2)
    plan_all(days=2, now=NOW)
    Publication.objects.create(page_title="First post", channel=evergreen.channel)
    url = reverse("wagtail_crosspost_log:index") + "?kind=reshare"
    html = admin_client.get(url).content.decode()
    assert "Page 0" in html and "First post" not in html


def test_the_re_sharing_report_shows_pool_plan_never_shared_and_skips(
    evergreen, make_pages, admin_client
):
    pages = make_pages(3)
    plan_all(days=1, now=NOW)
    Publication.objects.filter(kind=Publication.Kind.RESHARE).update(
        status="skipped", error="The page expired before this re-share was sent."
    )
    with time_machine.travel(NOW, tick=False):
        html = admin_client.get(reverse("wagtail_crosspost:resharing") + "?weeks=1").content
    html = html.decode()
    assert "3 pages may be re-shared." in html
    assert "Never shared (3 pages)" in html and pages[2].title in html  # skipped: not shared
    assert "The page expired before this re-share was sent." in html
    assert "Dry run: the next week" in html
    assert Publication.objects.filter(status="pending").count() == 0  # the dry run planned nothing


def test_the_report_says_which_page_goes_first_and_links_each_planned_one_to_the_calendar(
    evergreen, make_pages, admin_client
):
    from datetime import timedelta

    make_pages(2)
    plan_all(days=1, now=NOW + timedelta(days=1000))  # planned in the future of "now"
    row = Publication.objects.get(kind=Publication.Kind.RESHARE)
    html = admin_client.get(reverse("wagtail_crosspost:resharing") + "?weeks=1").content.decode()
    assert "Which page first: Shared longest ago first." in html
    day = row.next_attempt_at.date().isoformat()
    assert f'href="{reverse("wagtail_crosspost:calendar")}?date={day}">Move in the calendar' in html
    evergreen.order = "best"
    evergreen.save()
    html = admin_client.get(reverse("wagtail_crosspost:resharing") + "?weeks=1").content.decode()
    assert "Which page first: Best performers first." in html
