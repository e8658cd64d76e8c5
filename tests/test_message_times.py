"""Times in pacing and retry messages are stored as ISO moments, not formatted into the text: they
are shown when read, in the reader's time zone (the site's ``TIME_ZONE``, or the Wagtail user's
own) and language. The worker here writes on UTC in English; the reader is a German admin on a
site that runs on Berlin time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from tests import scripted
from tests.factories import ChannelFactory, publish, set_admin_preferences
from wagtail_crosspost import stored_messages
from wagtail_crosspost.adapters.base import TransientError
from wagtail_crosspost.models import Channel, Publication
from wagtail_crosspost.outbox import delivery
from wagtail_crosspost.stored_messages import render_message

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 6, 12, 50, tzinfo=UTC)  # 13:50 in Berlin (winter time, UTC+1)
PAUSED_UNTIL = datetime(2026, 12, 6, 13, 5, tzinfo=UTC)  # 14:05 in Berlin


def due(row: Publication) -> Publication:
    """Planned now (the real clock), due at the test's NOW."""
    Publication.objects.filter(pk=row.pk).update(next_attempt_at=NOW - timedelta(minutes=1))
    return row


@pytest.fixture
def scripted_channel(settings):
    settings.WAGTAILCROSSPOST_ADAPTERS = ["tests.scripted.ScriptedAdapter"]
    settings.TIME_ZONE = "Europe/Berlin"
    scripted.SCRIPT.clear()
    scripted.CALLS.clear()
    yield ChannelFactory(platform="scripted", name="Scripted")
    scripted.SCRIPT.clear()


@pytest.fixture
def paused_row(make_article, scripted_channel):
    """A row held because its channel rests until 13:05 UTC, written by a worker on UTC."""
    Channel.objects.filter(pk=scripted_channel.pk).update(
        paused_until=PAUSED_UNTIL, failure_streak=5
    )
    page = make_article(channels=[scripted_channel])
    publish(page)
    row = due(Publication.objects.get(page=page))
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        with timezone.override("UTC"):
            assert delivery.deliver(row.pk) == "pending"
    row.refresh_from_db()
    return row


def test_a_pause_keeps_its_time_as_a_moment(paused_row):
    assert "rests until" in paused_row.error  # the text as written, for search
    values = paused_row.message_params["values"]
    assert values["time"] == {stored_messages.MOMENT: PAUSED_UNTIL.isoformat(), "clock": True}


def test_a_pause_reads_in_berlin_time_and_german(paused_row):
    with time_machine.travel(NOW, tick=False), timezone.override("Europe/Berlin"):
        german = render_message(paused_row, "de")
        english = render_message(paused_row, "en")
    assert "Pausiert" in german and "14:05" in german and "13:05" not in german
    assert "rests until 2:05 p.m." in english
    # On another day the date is shown too.
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        with timezone.override("Europe/Berlin"):
            assert "06.12.2026 14:05" in render_message(paused_row, "de")


def test_the_german_admin_sees_the_sites_time_zone(paused_row, client, django_user_model):
    user = django_user_model.objects.create_superuser("anna", "anna@example.com", "pw")
    set_admin_preferences(user, preferred_language="de")
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        detail = client.get(reverse("wagtail_crosspost_log:inspect", args=[paused_row.pk]))
        listing = client.get(reverse("wagtail_crosspost_log:index"))
    for html in (detail.content.decode(), listing.content.decode()):
        assert "bis 14:05" in html, html
        assert "13:05" not in html and "rests until" not in html
    # A Wagtail user with a time zone of their own reads the time in it.
    set_admin_preferences(user, current_time_zone="Europe/London")
    with time_machine.travel(NOW, tick=False):
        detail = client.get(reverse("wagtail_crosspost_log:inspect", args=[paused_row.pk]))
    assert "bis 13:05" in detail.content.decode()


def test_the_breakers_status_detail_keeps_its_time(make_article, scripted_channel, settings):
    settings.WAGTAILCROSSPOST_BREAKER_THRESHOLD = 1
    settings.WAGTAILCROSSPOST_BREAKER_PAUSE_SECONDS = 15 * 60
    page = make_article(channels=[scripted_channel])
    publish(page)
    row = due(Publication.objects.get(page=page))
    scripted.SCRIPT.append(TransientError("down"))
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        with timezone.override("UTC"):
            delivery.deliver(row.pk)
    channel = Channel.objects.get(pk=scripted_channel.pk)
    assert channel.paused_until == NOW + timedelta(minutes=15)
    assert "tries again at 1:05 p.m." in channel.status_detail  # written on UTC
    with time_machine.travel(NOW, tick=False), translation.override("de"):
        with timezone.override("Europe/Berlin"):
            shown = channel.status_detail_text
    assert shown.startswith("Pausiert nach 1 fehlgeschlagenen Versuchen") and "14:05" in shown


def test_a_lost_answers_time_is_a_moment_too(make_article, settings):
    settings.WAGTAILCROSSPOST_ADAPTERS = ["tests.scripted.ForgetfulScriptedAdapter"]
    channel = ChannelFactory(platform="scripted_hour", name="Forgetful")
    page = make_article(channels=[channel])
    publish(page)
    row = Publication.objects.get(page=page)
    since = NOW - timedelta(hours=2)  # 11:50 in Berlin
    Publication.objects.filter(pk=row.pk).update(
        delivery_state={"ambiguous_since": since.isoformat()}, next_attempt_at=NOW
    )
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        with timezone.override("UTC"):
            assert delivery.deliver(row.pk) == "unknown"
    row.refresh_from_db()
    assert row.message_params["values"]["time"][stored_messages.MOMENT] == since.isoformat()
    with time_machine.travel(NOW, tick=False), timezone.override("Europe/Berlin"):
        assert "11:50" in render_message(row, "de")
