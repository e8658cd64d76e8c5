"""Migration 0012: rows written before messages were stored as codes (English sentences only)
get their code and parameters where the sentence can be read back, so the German admin shows
them in German, with times in the reader's time zone. Unknown text is left as it is."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone, translation

from tests.factories import ChannelFactory
from wagtail_crosspost import stored_messages
from wagtail_crosspost.models import Channel, Publication
from wagtail_crosspost.stored_messages import render_message

BEFORE = [("wagtail_crosspost", "0011_clicks_goals_figures")]
AFTER = [("wagtail_crosspost", "0012_old_messages_as_codes")]
NEXT_ATTEMPT = datetime(2026, 12, 6, 13, 5, tzinfo=UTC)  # 14:05 in Berlin

GAVE_UP = "Gave up after 8 attempts. Last error: Could not reach Mastodon. It will be tried again."
REFUSED = (
    "Nothing was sent: the server “hooks.example” refused the connection (port 8443). Check the "
    "address in the channel's settings."
)
PAUSED = (
    "Paused: “Intranet” failed 5 times in a row, so it rests until 14:05 and then tries again "
    "by itself."
)
TWO_LINES = (
    "The channel was disabled before sending.\nCould not reach Bluesky. It will be tried again."
)
UNKNOWN = "Something a plugin of our own once wrote."
CHANNEL_DETAIL = "Paused after 3 failed attempts in a row; tries again at 14:05."


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_old_english_rows_read_in_german_after_the_migration(make_article, settings):
    settings.TIME_ZONE = "Europe/Berlin"  # the worker wrote "14:05" in the site's time zone
    channel = ChannelFactory(platform="webhook", name="Intranet")
    page = make_article(channels=[channel])
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes("wagtail_crosspost")
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    old = old_apps.get_model("wagtail_crosspost", "Publication")
    texts = {
        "gave_up": ("failed", GAVE_UP),
        "refused": ("failed", REFUSED),
        "paused": ("pending", PAUSED),
        "lines": ("failed", TWO_LINES),
        "unknown": ("failed", UNKNOWN),
    }
    pks = {}
    for n, (name, (status, text)) in enumerate(texts.items()):
        pks[name] = old.objects.create(
            page_id=page.pk,
            page_title=page.title,
            channel_id=channel.pk,
            generation=n,
            idempotency_key=name,
            status=status,
            error=text,
            next_attempt_at=NEXT_ATTEMPT,
        ).pk
    old_apps.get_model("wagtail_crosspost", "Channel").objects.filter(pk=channel.pk).update(
        status_detail=CHANNEL_DETAIL, paused_until=NEXT_ATTEMPT, status_message={}
    )
    try:
        MigrationExecutor(connection).migrate(AFTER)
        # Then the later migrations, so that today's models match the tables they read.
        latest = MigrationExecutor(connection)
        latest.migrate(latest.loader.graph.leaf_nodes("wagtail_crosspost"))
        rows = {name: Publication.objects.get(pk=pk) for name, pk in pks.items()}
        channel = Channel.objects.get(pk=channel.pk)
        with time_machine.travel(NEXT_ATTEMPT, tick=False), timezone.override("Europe/Berlin"):
            german = {name: render_message(row, "de") for name, row in rows.items()}
            with timezone.override("Europe/London"):
                paused_in_london = render_message(rows["paused"], "de")
            with translation.override("de"):
                channel_detail = channel.status_detail_text
    finally:
        MigrationExecutor(connection).migrate(leaves)

    assert rows["gave_up"].message_code == "crosspost.gave_up"
    # Failed for good: no promise of another try, in German.
    assert german["gave_up"] == (
        "Nach 8 Versuchen aufgegeben. Letzter Fehler: Mastodon war nicht erreichbar."
    )
    assert rows["refused"].message_code == stored_messages.TEXT
    assert rows["refused"].message_params["values"] == {"host": "hooks.example", "port": "8443"}
    assert german["refused"] == (
        "Nichts wurde gesendet: Der Server „hooks.example“ hat die Verbindung abgelehnt "
        "(Port 8443). Prüfen Sie die Adresse in den Einstellungen des Kanals."
    )
    # The time written into the text is a moment again: read in the reader's time zone.
    assert rows["paused"].message_params["values"]["time"] == {
        stored_messages.MOMENT: NEXT_ATTEMPT.isoformat(),
        stored_messages.CLOCK: True,
    }
    assert german["paused"].startswith("Pausiert: „Intranet“") and "14:05" in german["paused"]
    assert "13:05" in paused_in_london
    assert rows["lines"].message_code == stored_messages.LINES
    assert german["lines"] == (
        "Der Kanal wurde vor dem Senden deaktiviert.\nBluesky war nicht erreichbar."
    )
    # Text that cannot be read back stays as it was written.
    assert rows["unknown"].message_code == "" and german["unknown"] == UNKNOWN
    assert channel.status_message["code"] == stored_messages.TEXT
    assert channel_detail.startswith("Pausiert nach 3 fehlgeschlagenen")
    assert "14:05" in channel_detail


def test_the_reader_leaves_short_or_unknown_sentences_alone():
    from importlib import import_module

    migration = import_module("wagtail_crosspost.migrations.0012_old_messages_as_codes")
    reader = migration.Reader(migration.msgids())
    assert reader.read("Intranet: down", []) is None  # "%(channel)s: %(detail)s" is too loose
    assert reader.read(UNKNOWN, []) is None
    assert reader.read("", []) is None
    read = reader.read("Could not reach Mastodon. It will be tried again.", [])
    assert read == {
        "code": stored_messages.TEXT,
        "params": {
            "msgid": "Could not reach %(platform)s. It will be tried again.",
            "values": {"platform": {"code": stored_messages.TEXT, "params": {"msgid": "Mastodon"}}},
        },
    }
