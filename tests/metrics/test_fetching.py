"""Snapshots at +1 h, +24 h, +7 d and +30 d, frozen, batched, paced; failures on the channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ChannelFactory
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.adapters.base import AuthError, TransientError
from wagtail_crosspost.metrics import fetching
from wagtail_crosspost.metrics.models import ChannelMetricsSettings, MetricsSnapshot, Stage
from wagtail_crosspost.metrics.types import PLATFORM, Metrics
from wagtail_crosspost.models import Channel, Publication

SENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clean_locmem():
    locmem.figures.clear()
    locmem.metrics_calls.clear()
    yield
    locmem.figures.clear()
    locmem.metrics_calls.clear()


def posted(channel, n=1, sent=SENT, **kwargs):
    start = Publication.objects.count()
    return [
        Publication.objects.create(
            channel=channel,
            page_title=f"Post {start + i}",
            status=Publication.Status.POSTED,
            remote_id=f"locmem-{start + i}",
            sent_at=sent,
            **kwargs,
        )
        for i in range(n)
    ]


@pytest.mark.django_db
def test_each_stage_is_taken_once_then_frozen(channel):
    (row,) = posted(channel)
    locmem.figures[row.remote_id] = Metrics(reactions=3, reposts=0, replies=None)

    assert fetching.fetch_due(now=SENT + timedelta(minutes=59)).snapshots == 0
    assert fetching.fetch_due(now=SENT + timedelta(hours=1, minutes=5)).snapshots == 1
    locmem.figures[row.remote_id] = Metrics(reactions=9, reposts=2)
    # the +1 h stage is frozen: running again before +24 h takes nothing
    assert fetching.fetch_due(now=SENT + timedelta(hours=5)).snapshots == 0
    assert fetching.fetch_due(now=SENT + timedelta(hours=25)).snapshots == 1
    assert fetching.fetch_due(now=SENT + timedelta(days=7, hours=1)).snapshots == 1
    assert fetching.fetch_due(now=SENT + timedelta(days=30, hours=1)).snapshots == 1
    assert fetching.fetch_due(now=SENT + timedelta(days=60)).snapshots == 0

    stages = list(row.metrics_snapshots.order_by("taken_at").values_list("stage", "reactions"))
    assert stages == [("1h", 3), ("24h", 9), ("7d", 9), ("30d", 9)]
    first = row.metrics_snapshots.get(stage=Stage.HOUR)
    assert (first.reposts, first.replies) == (0, None)  # 0 is a figure, None is "not given"


@pytest.mark.django_db
def test_a_missed_stage_is_skipped_not_taken_late(channel):
    (row,) = posted(channel)
    fetching.fetch_due(now=SENT + timedelta(days=3))
    assert list(row.metrics_snapshots.values_list("stage", flat=True)) == ["24h"]


@pytest.mark.django_db
def test_batches_follow_the_adapter_and_queries_per_batch_stay_constant(channel):
    posted(channel, 120)
    with CaptureQueriesContext(connection) as small:
        fetching.fetch_due(now=SENT + timedelta(hours=2), batches=1)
    MetricsSnapshot.objects.all().delete()
    locmem.metrics_calls.clear()
    with CaptureQueriesContext(connection) as big:
        outcome = fetching.fetch_due(now=SENT + timedelta(hours=2))
    assert [len(call) for call in locmem.metrics_calls] == [50, 50, 20]
    assert outcome.snapshots == 120 and outcome.calls == 3
    per_batch = len(small.captured_queries)
    # five queries per batch (select the batch, store it; refresh its latest figures: read the
    # snapshots, drop stale rows, upsert), the rest per channel
    assert len(big.captured_queries) - per_batch == 2 * 5 + 1  # two more batches, one empty look


@pytest.mark.django_db
def test_dry_runs_unsent_and_deleted_posts_have_no_figures(channel):
    posted(channel, dry_run=True)
    posted(channel, action=Publication.Action.UPDATE)  # the same remote post as its "post" row
    posted(channel, action=Publication.Action.DELETE)
    Publication.objects.create(channel=channel, status="failed", sent_at=SENT)
    Publication.objects.create(channel=channel, status="posted", sent_at=SENT)  # no remote id
    assert fetching.fetch_due(now=SENT + timedelta(hours=2)).calls == 0


@pytest.mark.django_db
def test_a_channel_can_switch_figures_off(channel):
    posted(channel)
    ChannelMetricsSettings.objects.create(channel=channel, fetch_figures=False)
    assert fetching.fetch_due(now=SENT + timedelta(hours=2)).calls == 0
    assert not MetricsSnapshot.objects.exists()


@pytest.mark.django_db
def test_x_channels_start_with_figures_off_telegram_has_none(db):
    x = ChannelFactory(platform="x", name="X")
    telegram = ChannelFactory(platform="telegram", name="Telegram")
    posted(x)
    posted(telegram)
    assert fetching.fetch_due(now=SENT + timedelta(hours=2)).calls == 0
    from wagtail_crosspost.adapters import get_adapter_class

    assert not fetching.wants_figures(x, get_adapter_class("x"))
    assert get_adapter_class("telegram").metrics_batch_size == 0
    assert get_adapter_class("webhook").metrics_batch_size == 0


@pytest.mark.django_db
def test_a_rate_limit_pauses_the_channel_and_nothing_is_lost(channel, monkeypatch):
    rows = posted(channel, 60)
    real = locmem.LocmemAdapter.fetch_metrics
    answers = iter(["ok", "limited"])

    def flaky(self, publications):
        if next(answers, "ok") == "limited":
            raise TransientError("slow down", retry_after=600, status_code=429)
        return real(self, publications)

    monkeypatch.setattr(locmem.LocmemAdapter, "fetch_metrics", flaky)
    now = SENT + timedelta(hours=2)
    outcome = fetching.fetch_due(now=now)
    assert outcome.snapshots == 50 and outcome.failed == [channel.name]
    settings = ChannelMetricsSettings.objects.get(channel=channel)
    assert settings.paused_until >= now + timedelta(seconds=600)
    assert "slow down" in settings.error
    # paused: the next run a minute later asks nothing
    assert fetching.fetch_due(now=now + timedelta(minutes=1)).paused == [channel.name]
    # after the pause the rest is taken, still at the +1 h stage
    outcome = fetching.fetch_due(now=now + timedelta(minutes=30))
    assert outcome.snapshots == 10
    assert MetricsSnapshot.objects.filter(stage="1h").count() == len(rows)
    settings.refresh_from_db()
    assert settings.error == "" and settings.paused_until is None
    # the posts themselves were never touched
    assert set(Publication.objects.values_list("status", "error")) == {("posted", "")}


@pytest.mark.django_db
def test_a_refused_token_shows_on_the_channel_not_the_publication(channel, monkeypatch):
    (row,) = posted(channel)

    def refused(self, publications):
        raise AuthError("The token was refused.", status_code=401)

    monkeypatch.setattr(locmem.LocmemAdapter, "fetch_metrics", refused)
    fetching.fetch_due(now=SENT + timedelta(hours=2))
    channel.refresh_from_db()
    assert channel.status == Channel.Status.NEEDS_RECONNECT
    row.refresh_from_db()
    assert (row.status, row.error) == ("posted", "")


@pytest.mark.django_db
def test_a_paused_channel_is_not_asked(channel):
    posted(channel)
    Channel.objects.filter(pk=channel.pk).update(paused_until=SENT + timedelta(days=1))
    assert fetching.fetch_due(now=SENT + timedelta(hours=2)).paused == [channel.name]


@pytest.mark.django_db
def test_reconnecting_keeps_the_history(channel):
    (row,) = posted(channel)
    locmem.figures[row.remote_id] = Metrics(reactions=4)
    fetching.fetch_due(now=SENT + timedelta(hours=2))
    # reconnect: new credentials, the channel goes through "needs reconnect" and back
    channel.mark(Channel.Status.NEEDS_RECONNECT, "expired")
    channel.set_credentials({"access_token": "a-new-one"})
    channel.save()
    channel.mark(Channel.Status.OK, "")
    locmem.figures[row.remote_id] = Metrics(reactions=7)
    fetching.fetch_due(now=SENT + timedelta(hours=30))
    assert list(row.metrics_snapshots.order_by("taken_at").values_list("reactions", flat=True)) == [
        4,
        7,
    ]


@pytest.mark.django_db
def test_none_and_reasons_are_stored_as_given(channel):
    (row,) = posted(channel)
    fetching.fetch_due(now=SENT + timedelta(hours=2))
    snapshot = row.metrics_snapshots.get()
    assert snapshot.views is None and snapshot.reactions == 0
    assert snapshot.unavailable == {"views": PLATFORM, "clicks": PLATFORM}
    assert snapshot.as_metrics().figures()["views"] is None


@pytest.mark.django_db
def test_command_and_task(channel):
    posted(channel, 3)
    from io import StringIO

    import time_machine

    out = StringIO()
    with time_machine.travel(SENT + timedelta(hours=2), tick=False):
        call_command("crosspost_fetch_metrics", stdout=out)
    assert "3 snapshots from 1 calls on 1 channels" in out.getvalue()
    MetricsSnapshot.objects.all().delete()
    from wagtail_crosspost.metrics.tasks import fetch_metrics

    with time_machine.travel(SENT + timedelta(hours=2), tick=False):
        result = fetch_metrics.call()
    assert result == {"snapshots": 3, "calls": 1, "failed": 0}


@pytest.mark.django_db
def test_an_unexpected_error_costs_only_its_own_channel(monkeypatch):
    broken, fine = ChannelFactory(name="Broken"), ChannelFactory(name="Fine")
    posted(broken)
    (good,) = posted(fine)
    real = locmem.LocmemAdapter.fetch_metrics

    def sometimes(self, publications):
        if self.channel.name == "Broken":
            raise KeyError("likeCount")
        return real(self, publications)

    monkeypatch.setattr(locmem.LocmemAdapter, "fetch_metrics", sometimes)
    outcome = fetching.fetch_due(now=SENT + timedelta(hours=2))
    assert outcome.failed == ["Broken"] and outcome.snapshots == 1
    assert good.metrics_snapshots.count() == 1
    assert "likeCount" in ChannelMetricsSettings.objects.get(channel=broken).error
