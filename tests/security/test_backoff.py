"""Absurd Retry-After hints and rows that break: bounded waits, and a worker that lives on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests import scripted
from tests.factories import ChannelFactory, publish
from wagtail_crosspost.adapters.base import AmbiguousError, TransientError
from wagtail_crosspost.adapters.http import parse_retry_after
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox import delivery

DAY = 24 * 3600
NOW = 1_790_000_000.0

ABSURD = [
    "1e12",
    "1e400",
    "inf",
    "-inf",
    "nan",
    "NaN",
    "99999999999999999999999999",
    "Sun, 01 Jan 2999 00:00:00 GMT",
    "2999-01-01T00:00:00Z",
    "90000",  # 25 hours: over the documented maximum
    "garbage",
    "",
    "\x00",
    "9" * 5000,
]


@pytest.mark.parametrize("value", ABSURD)
def test_absurd_hints_are_ignored(value):
    assert parse_retry_after({"Retry-After": value}, now=NOW) is None


@pytest.mark.parametrize("value", ["-5", "Sat, 01 Jan 2000 00:00:00 GMT"])
def test_hints_in_the_past_mean_now(value):
    assert parse_retry_after({"Retry-After": value}, now=NOW) == 0


def test_sane_hints_are_honoured_up_to_the_maximum():
    assert parse_retry_after({"Retry-After": "3600"}, now=NOW) == 3600
    assert parse_retry_after({"Retry-After": str(DAY)}, now=NOW) == DAY


@pytest.mark.parametrize("hint", [float("inf"), float("nan"), 1e12, -1.0, 10 * DAY, "x", None])
def test_backoff_falls_back_to_the_normal_delay(settings, hint):
    settings.WAGTAILCROSSPOST_RETRY_BASE_SECONDS = 30
    settings.WAGTAILCROSSPOST_RETRY_MAX_SECONDS = 600
    for attempts in (1, 5, 10_000):
        assert 15 <= delivery.backoff(attempts, hint) <= 600


def test_backoff_honours_a_sane_hint_beyond_the_normal_cap(settings):
    settings.WAGTAILCROSSPOST_RETRY_MAX_SECONDS = 600
    assert 3600 <= delivery.backoff(1, 3600) <= 3605


# -- rows ---------------------------------------------------------------------------------------


@pytest.fixture
def scripted_channel(db, settings):
    settings.WAGTAILCROSSPOST_ADAPTERS = [
        "tests.scripted.ScriptedAdapter",
        "tests.scripted.IdempotentScriptedAdapter",
    ]
    scripted.SCRIPT.clear()
    scripted.CALLS.clear()
    yield lambda platform="scripted": ChannelFactory(platform=platform, name="Scripted")
    scripted.SCRIPT.clear()


def planned_row(make_article, channel):
    page = make_article(channels=[channel])
    publish(page)  # planned, not delivered (no on_commit)
    return Publication.objects.get(page=page)


@pytest.mark.parametrize("hint", [float("inf"), float("nan"), 1e12, -1e300])
def test_an_absurd_hint_on_a_row_retries_on_the_normal_schedule(
    settings, make_article, scripted_channel, hint
):
    settings.WAGTAILCROSSPOST_RETRY_MAX_SECONDS = 600
    row = planned_row(make_article, scripted_channel())
    scripted.SCRIPT.append(TransientError("Slow down", retry_after=hint))
    assert delivery.deliver_due() == {"pending": 1}
    row.refresh_from_db()
    assert row.status == "pending" and row.error == "Slow down"
    assert row.next_attempt_at <= timezone.now() + timedelta(seconds=601)


def test_a_row_that_breaks_is_finished_with_a_reason_and_the_sweep_goes_on(
    monkeypatch, make_article, scripted_channel, caplog
):
    channel = scripted_channel()
    broken = planned_row(make_article, channel)
    fine = planned_row(make_article, channel)

    def explode(*args, **kwargs):
        raise OverflowError("date value out of range")

    monkeypatch.setattr(delivery, "backoff", explode)
    scripted.SCRIPT.append(TransientError("Slow down", retry_after=60))
    counts = delivery.deliver_due()
    assert counts == {"failed": 1, "posted": 1}
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert broken.status == "failed" and "OverflowError" in broken.error
    assert broken.lease_until is None
    assert fine.status == "posted"
    assert "failed unexpectedly" in caplog.text


def test_a_row_that_breaks_after_a_maybe_sent_is_unknown(
    monkeypatch, make_article, scripted_channel
):
    row = planned_row(make_article, scripted_channel("scripted_idem"))

    def explode(*args, **kwargs):
        raise OverflowError("date value out of range")

    monkeypatch.setattr(delivery, "backoff", explode)
    scripted.SCRIPT.append(AmbiguousError("The answer was lost"))
    assert delivery.deliver(row.pk) == "unknown"
    row.refresh_from_db()
    assert row.status == "unknown" and "OverflowError" in row.error


def test_the_loop_worker_survives_a_failing_sweep(monkeypatch, db):
    calls = []

    def failing(limit=50, **filters):  # the sweep passes among= and until=
        calls.append(limit)
        raise RuntimeError("database went away")

    monkeypatch.setattr(delivery, "deliver_due", failing)
    call_command("crosspost_deliver", loop=True, max_sweeps=3, interval=0)
    assert len(calls) == 3
    with pytest.raises(RuntimeError):  # once (cron): the error is the command's exit status
        call_command("crosspost_deliver")
