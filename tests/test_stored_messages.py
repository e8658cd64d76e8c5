"""Stored messages are a code plus parameters, rendered in the reader's language: a German admin
reads German for rows the outbox wrote while English was active, in the log list, the details, the
CSV export, the panel's status and the API. A row that failed for good never promises another try.
Rows stored as plain text (before codes) keep showing their text."""

from __future__ import annotations

import pickle
import socket

import pytest
from django.urls import reverse
from django.utils import translation

from tests import scripted
from tests.factories import ChannelFactory, publish, set_admin_preferences
from wagtail_crosspost import stored_messages
from wagtail_crosspost.adapters.base import TransientError
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox import delivery
from wagtail_crosspost.stored_messages import gettext, render_message

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def failed_in_english(make_article, local_platform):
    """A webhook to a closed port on 127.0.0.1 (real adapter, real connection refused),
    delivered while English is active: the row fails at once with "Check the address"."""
    channel = ChannelFactory(
        platform="webhook", name="Intranet", options={"url": f"http://127.0.0.1:{closed_port()}/"}
    )
    channel.set_credentials({"secret": "s" * 32})
    channel.save()
    page = make_article(title="Sommerfest", channels=[channel])
    publish(page)
    row = Publication.objects.get(page=page)
    with translation.override("en"):
        assert delivery.deliver(row.pk) == "failed"
    row.refresh_from_db()
    return page, row


@pytest.fixture
def german_admin(client, django_user_model):
    user = django_user_model.objects.create_superuser("anna", "anna@example.com", "pw")
    set_admin_preferences(user, preferred_language="de")
    client.force_login(user)
    return client


def test_the_row_keeps_a_code_and_parameters(failed_in_english):
    _page, row = failed_in_english
    assert "refused the connection" in row.error  # the text as written, for search
    assert row.message_code == stored_messages.TEXT
    assert "refused the connection" in row.message_params["msgid"]
    assert row.message_params["values"]["host"] == "127.0.0.1"
    assert render_message(row, "en") == row.error
    german = render_message(row, "de")
    assert "hat die Verbindung abgelehnt" in german and "127.0.0.1" in german
    assert "refused" not in german


def test_a_german_admin_reads_german_everywhere(failed_in_english, german_admin):
    page, row = failed_in_english
    german = render_message(row, "de")
    detail = german_admin.get(reverse("wagtail_crosspost_log:inspect", args=[row.pk]))
    assert german in detail.content.decode()
    assert "refused the connection" not in detail.content.decode()  # (the raw answer may say so)
    listing = german_admin.get(reverse("wagtail_crosspost_log:index")).content.decode()
    assert "hat die Verbindung abgelehnt" in listing and "refused the connection" not in listing
    csv = german_admin.get(reverse("wagtail_crosspost_log:index") + "?export=csv")
    exported = b"".join(csv.streaming_content).decode() if csv.streaming else csv.content.decode()
    assert "hat die Verbindung abgelehnt" in exported
    assert "refused the connection" not in exported
    status = german_admin.get(reverse("wagtail_crosspost:page_status", args=[page.pk])).json()
    (shown,) = [p for p in status["publications"] if p["id"] == row.pk]
    assert shown["error"] == german
    assert shown["error_code"] == stored_messages.TEXT
    edit = german_admin.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert "hat die Verbindung abgelehnt" in edit


@pytest.fixture
def scripted_channel(settings):
    settings.WAGTAILCROSSPOST_ADAPTERS = ["tests.scripted.ScriptedAdapter"]
    scripted.SCRIPT.clear()
    scripted.CALLS.clear()
    yield ChannelFactory(platform="scripted", name="Scripted")
    scripted.SCRIPT.clear()


def test_giving_up_does_not_promise_another_try(make_article, scripted_channel, settings):
    settings.WAGTAILCROSSPOST_MAX_ATTEMPTS = 1
    page = make_article(channels=[scripted_channel])
    publish(page)
    row = Publication.objects.get(page=page)
    with translation.override("en"):
        # As the HTTP plumbing words it (adapters/http.py), while English is active.
        reason = gettext("Could not reach %(platform)s. It will be tried again.")
        scripted.SCRIPT.append(TransientError(reason % {"platform": "Mastodon"}))
        assert delivery.deliver(row.pk) == "failed"
    row.refresh_from_db()
    assert row.message_code == "crosspost.gave_up"
    english = render_message(row, "en")
    assert english == "Gave up after 1 attempts. Last error: Could not reach Mastodon."
    german = render_message(row, "de")
    assert german == ("Nach 1 Versuchen aufgegeben. Letzter Fehler: Mastodon war nicht erreichbar.")


def test_a_queued_row_keeps_its_promise_in_the_readers_language(make_article, scripted_channel):
    page = make_article(channels=[scripted_channel])
    publish(page)
    row = Publication.objects.get(page=page)
    with translation.override("en"):
        reason = gettext("Could not reach %(platform)s. It will be tried again.")
        scripted.SCRIPT.append(TransientError(reason % {"platform": "Mastodon"}))
        assert delivery.deliver(row.pk) == "pending"
    row.refresh_from_db()
    assert render_message(row, "de") == "Mastodon war nicht erreichbar. Es wird erneut versucht."


def test_rows_stored_as_text_keep_their_text(make_article, scripted_channel, german_admin):
    page = make_article(channels=[scripted_channel])
    publish(page)
    row = Publication.objects.get(page=page)
    Publication.objects.filter(pk=row.pk).update(status="failed", error="Old free text.")
    row.refresh_from_db()
    assert row.message_code == "" and render_message(row, "de") == "Old free text."
    detail = german_admin.get(reverse("wagtail_crosspost_log:inspect", args=[row.pk]))
    assert "Old free text." in detail.content.decode()
    # A code this version does not know, or parameters that do not fit: the stored text.
    Publication.objects.filter(pk=row.pk).update(
        message_code="someone.else", message_params={"x": 1}
    )
    row.refresh_from_db()
    assert render_message(row, "de") == "Old free text."
    Publication.objects.filter(pk=row.pk).update(
        message_code=stored_messages.TEXT, message_params={"msgid": "%(missing)s", "values": {}}
    )
    row.refresh_from_db()
    assert render_message(row, "de") == "Old free text."


def test_messages_survive_pickling_and_nesting():
    with translation.override("en"):
        inner = gettext("Mastodon is still processing the image. It will be tried again.")
        outer = stored_messages.message("crosspost.gave_up", n=3, error=inner)
    again = pickle.loads(pickle.dumps(outer))  # noqa: S301  (our own bytes)
    assert isinstance(again, stored_messages.Message) and again.params == outer.params
    german = stored_messages.render(again.code, again.params, "de")
    assert german.startswith("Nach 3 Versuchen aufgegeben. Letzter Fehler: Mastodon verarbeitet")
    joined = stored_messages.lines([inner, gettext("The channel was disabled before sending.")])
    assert joined.code == stored_messages.LINES
    assert "\n" in stored_messages.render(joined.code, joined.params, "de")


def test_the_channels_warning_is_in_the_readers_language(failed_in_english):
    _page, row = failed_in_english
    channel = row.channel
    channel.refresh_from_db()
    assert "refused the connection" in channel.status_detail  # as the worker wrote it
    with translation.override("de"):
        assert "hat die Verbindung abgelehnt" in channel.status_detail_text
    # Another writer that changes the text alone: the text is shown, not the old code.
    type(channel).objects.filter(pk=channel.pk).update(status_detail="Paused.")
    channel.refresh_from_db()
    with translation.override("de"):
        assert channel.status_detail_text == "Paused."
