"""Pausing a channel by hand: its new posts wait (the sweep and the workers leave them), the
calendar shows them as paused, and a resume plans the posts whose time passed into the next free
slots, one per slot, with a log line. Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from tests.factories import ChannelFactory, publish
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.models import Channel, Publication
from wagtail_crosspost.outbox import delivery
from wagtail_crosspost.schedule import pausing

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)  # Berlin: 11:00 CET
TUESDAY_9_BERLIN = datetime(2026, 3, 24, 8, 0, tzinfo=UTC)
THURSDAY_9_BERLIN = datetime(2026, 3, 26, 8, 0, tzinfo=UTC)
NEXT_TUESDAY_9_BERLIN = datetime(2026, 3, 31, 7, 0, tzinfo=UTC)  # CEST from 29 March
NEXT_THURSDAY_9_BERLIN = datetime(2026, 4, 2, 7, 0, tzinfo=UTC)


def at(moment):
    return time_machine.travel(moment, tick=False)


def sweep(moment, capture):
    with at(moment), capture(execute=True):
        call_command("crosspost_deliver")


def _plan(channel, make_article, capture, titles, moment=MONDAY):
    with at(moment), capture(execute=True):
        for title in titles:
            publish(make_article(title=title, channels=[channel]))
    return list(Publication.objects.order_by("pk"))


def test_a_paused_channel_holds_its_posts_and_the_resume_spreads_them_over_the_next_slots(
    slotted, channel, make_article, django_capture_on_commit_callbacks, caplog
):
    capture = django_capture_on_commit_callbacks
    rows = _plan(channel, make_article, capture, ["One", "Two"])
    assert [r.next_attempt_at for r in rows] == [TUESDAY_9_BERLIN, THURSDAY_9_BERLIN]
    with at(MONDAY):
        assert pausing.pause(channel) is True
        assert pausing.pause(channel) is False  # paused already: keeps its start
    assert Channel.objects.get(pk=channel.pk).paused_at == MONDAY

    # Both slots pass while the channel is paused: nothing goes out, not even late.
    sweep(TUESDAY_9_BERLIN, capture)
    sweep(THURSDAY_9_BERLIN + timedelta(hours=1), capture)
    assert locmem.outbox == []
    with at(THURSDAY_9_BERLIN + timedelta(hours=1)):  # the worker path, by id, holds it too
        assert delivery.deliver(rows[0].pk) is None
    assert set(Publication.objects.values_list("status", flat=True)) == {"pending"}

    # Resumed on Friday: one post per slot from the next Tuesday, in their planned order.
    with at(THURSDAY_9_BERLIN + timedelta(days=1)), caplog.at_level(logging.INFO):
        resumed = pausing.resume(channel)
    assert resumed is not None
    assert [when for _pk, when in resumed.replanned] == [
        NEXT_TUESDAY_9_BERLIN,
        NEXT_THURSDAY_9_BERLIN,
    ]
    due = Publication.objects.order_by("pk").values_list("page_title", "next_attempt_at")
    assert list(due) == [("One", NEXT_TUESDAY_9_BERLIN), ("Two", NEXT_THURSDAY_9_BERLIN)]
    assert "resumed; 2 held posts planned" in caplog.text
    assert Channel.objects.get(pk=channel.pk).paused_at is None

    # Never all at once: the sweep on Tuesday sends the first only.
    sweep(NEXT_TUESDAY_9_BERLIN + timedelta(minutes=1), capture)
    assert len(locmem.outbox) == 1
    assert Publication.objects.get(page_title="One").status == "posted"
    assert Publication.objects.get(page_title="Two").status == "pending"
    sweep(NEXT_THURSDAY_9_BERLIN, capture)
    assert len(locmem.outbox) == 2
    assert set(Publication.objects.values_list("status", flat=True)) == {"posted"}


def test_a_post_whose_slot_lies_after_the_pause_keeps_it(
    slotted, channel, make_article, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    _plan(channel, make_article, capture, ["One", "Two"])
    with at(MONDAY):
        pausing.pause(channel)
    with at(TUESDAY_9_BERLIN + timedelta(hours=2)):  # Tuesday's slot passed, Thursday's not
        resumed = pausing.resume(channel)
    # "One" cannot take Thursday (Two has it): it goes to the Tuesday after.
    assert resumed.replanned == [
        (Publication.objects.get(page_title="One").pk, NEXT_TUESDAY_9_BERLIN)
    ]
    assert Publication.objects.get(page_title="Two").next_attempt_at == THURSDAY_9_BERLIN


def test_without_slots_the_held_posts_go_out_an_hour_apart(
    channel, make_article, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    with at(MONDAY):
        pausing.pause(channel)
    rows = _plan(channel, make_article, capture, ["One", "Two", "Three"])  # with the page: now
    sweep(MONDAY + timedelta(minutes=5), capture)
    assert locmem.outbox == []
    resume_at = MONDAY + timedelta(days=2)
    with at(resume_at):
        resumed = pausing.resume(channel)
    assert [pk for pk, _when in resumed.replanned] == [r.pk for r in rows]
    assert [when for _pk, when in resumed.replanned] == [
        resume_at,
        resume_at + timedelta(hours=1),
        resume_at + timedelta(hours=2),
    ]
    sweep(resume_at, capture)
    assert len(locmem.outbox) == 1


def test_a_deletion_still_goes_out_while_paused(
    channel, make_article, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    page = make_article(channels=[channel])
    with at(MONDAY), capture(execute=True):
        publish(page)
    post = Publication.objects.get()
    post.refresh_from_db()
    assert post.status == "posted"
    with at(MONDAY):
        pausing.pause(channel)
        Publication.objects.create(
            page=page,
            page_title=page.title,
            channel=channel,
            action=Publication.Action.DELETE,
            target=post,
            next_attempt_at=MONDAY,
        )
    sweep(MONDAY + timedelta(minutes=1), capture)
    deletion = Publication.objects.get(action=Publication.Action.DELETE)
    assert deletion.status != "pending"


def test_other_channels_are_not_held(make_article, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    paused, running = ChannelFactory(name="Paused"), ChannelFactory(name="Running")
    with at(MONDAY):
        pausing.pause(paused)
        with capture(execute=True):
            publish(make_article(channels=[paused, running]))
    sweep(MONDAY + timedelta(minutes=1), capture)
    assert [p.channel for p in locmem.outbox] == ["Running"]


def test_resuming_a_running_channel_changes_nothing(channel):
    assert pausing.resume(channel) is None


def test_the_calendar_shows_held_posts_as_paused(
    slotted, channel, make_article, django_capture_on_commit_callbacks, admin_client
):
    capture = django_capture_on_commit_callbacks
    _plan(channel, make_article, capture, ["One"])
    url = reverse("wagtail_crosspost:calendar_data")
    query = {"start": "2026-03-01T00:00:00Z", "end": "2026-04-01T00:00:00Z"}
    with at(MONDAY):
        assert [e["extendedProps"]["paused"] for e in admin_client.get(url, query).json()] == [
            False
        ]
        pausing.pause(channel)
        entries = admin_client.get(url, query).json()
    assert [e["extendedProps"]["paused"] for e in entries] == [True]


def test_pause_and_resume_from_the_calendar(
    slotted, channel, make_article, django_capture_on_commit_callbacks, admin_client, caplog
):
    _plan(channel, make_article, django_capture_on_commit_callbacks, ["One"])
    page = admin_client.get(reverse("wagtail_crosspost:calendar"))
    pause_url = reverse("wagtail_crosspost:channel_pause", args=[channel.pk])
    assert pause_url in page.content.decode()
    with at(MONDAY):
        response = admin_client.post(pause_url)
    assert response.status_code == 302
    page = admin_client.get(reverse("wagtail_crosspost:calendar"))
    resume_url = reverse("wagtail_crosspost:channel_resume", args=[channel.pk])
    assert resume_url in page.content.decode() and "paused since" in page.content.decode()
    with at(TUESDAY_9_BERLIN + timedelta(hours=2)), caplog.at_level(logging.INFO):
        response = admin_client.post(resume_url, follow=True)
    assert "held posts go out one by one" in response.content.decode()
    assert Publication.objects.get().next_attempt_at == THURSDAY_9_BERLIN
    assert "resumed; 1 held posts planned" in caplog.text


def test_only_who_may_change_channels_can_pause(channel, django_user_model, client):
    editor = django_user_model.objects.create_user("editor", password="x")
    group = Group.objects.create(name="Calendar readers")
    for codename in ("access_admin", "crosspost_page"):
        group.permissions.add(Permission.objects.get(codename=codename))
    editor.groups.add(group)
    client.force_login(editor)
    pause_url = reverse("wagtail_crosspost:channel_pause", args=[channel.pk])
    assert pause_url not in client.get(reverse("wagtail_crosspost:calendar")).content.decode()
    response = client.post(pause_url)
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    assert Channel.objects.get(pk=channel.pk).paused_at is None
