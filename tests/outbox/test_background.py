"""Delivery without a worker (issue #13): Publish returns before any platform is called; rows a
dead process left behind go out with a later request's piggyback sweep; never twice.

No timings: the fake platform blocks on an ``Event`` that the test sets only after Publish has
returned. Had Publish waited for the platform, the platform would have given up waiting
(``TIMEOUT``) and said so.
"""

from __future__ import annotations

import threading

import pytest

from tests.factories import ChannelFactory, publish
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.adapters.base import Adapter, PlatformRules, Post, Receipt
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox import background, inflight, planning

#: Long enough never to run out while the test does its part; reached only if Publish waited.
TIMEOUT = 30

# Threads see only committed rows. PostgreSQL: SQLite's shared in-memory test database locks a
# table for the whole connection, so a second thread cannot even read it.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgres,
]


class BlockingAdapter(Adapter):
    """Answers only once the test releases it; records whether it had to give up instead."""

    key = "blocking"
    label = "Blocking"
    rules = PlatformRules(text_limit=500)
    idempotent = True
    called = threading.Event()
    release = threading.Event()
    gave_up: list[bool] = []

    def publish(self, post: Post) -> Receipt:
        type(self).called.set()
        if not type(self).release.wait(TIMEOUT):
            type(self).gave_up.append(True)
        return Receipt(remote_id="b1", url="https://blocking.invalid/b1")


@pytest.fixture
def in_background(settings):
    settings.WAGTAILCROSSPOST_DELIVER_IN_BACKGROUND = True
    settings.WAGTAILCROSSPOST_ADAPTERS = [f"{__name__}.BlockingAdapter"]
    BlockingAdapter.called.clear()
    BlockingAdapter.release.clear()
    BlockingAdapter.gave_up.clear()
    background._state["last_sweep"] = float("-inf")
    yield
    BlockingAdapter.release.set()
    assert background.wait(TIMEOUT)


def test_publish_returns_before_the_platform_answers(make_article, in_background):
    page = make_article(channels=[ChannelFactory(platform="blocking")])
    publish(page)  # returns while the platform still blocks
    row = Publication.objects.get(page=page)
    assert row.status in ("pending", "sending")
    assert BlockingAdapter.called.wait(TIMEOUT)  # the thread got there after all
    BlockingAdapter.release.set()
    assert background.wait(TIMEOUT)
    row.refresh_from_db()
    assert row.status == "posted" and not BlockingAdapter.gave_up


def test_without_the_setting_publish_sends_inside_the_request(make_article, settings):
    settings.WAGTAILCROSSPOST_DELIVER_IN_BACKGROUND = False
    page = make_article(channels=[ChannelFactory()])
    publish(page)
    assert Publication.objects.get(page=page).status == "posted"


def test_a_real_queue_turns_the_background_off(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
        "crosspost": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"},
    }
    settings.WAGTAILCROSSPOST_DELIVER_IN_BACKGROUND = True
    assert background.wanted("default")
    settings.WAGTAILCROSSPOST_TASK_BACKEND = "crosspost"
    assert not background.wanted()


def left_behind(make_article, count=1, channel=None):
    """Rows planned and committed by a process that died before handing them over."""
    channel = channel or ChannelFactory()
    rows = []
    for i in range(count):
        page = make_article(title=f"Left behind {i}", channels=[channel])
        revision = page.save_revision()
        # Published without the signal handler's hand-over: as if the process died after commit.
        from wagtail.signals import page_published

        from wagtail_crosspost.signal_handlers import on_page_published

        page_published.disconnect(on_page_published, dispatch_uid="wagtail_crosspost_published")
        try:
            revision.publish()
        finally:
            page_published.connect(on_page_published, dispatch_uid="wagtail_crosspost_published")
        page.refresh_from_db()
        rows += planning.plan_publications(page, page.live_revision)
    return rows


def test_a_later_request_delivers_rows_a_dead_process_left_behind(
    make_article, in_background, client
):
    (row,) = left_behind(make_article)
    assert row.status == "pending"
    client.get("/admin/login/")  # any request; its end starts the sweep
    assert background.wait(TIMEOUT)
    row.refresh_from_db()
    assert row.status == "posted"
    assert len(locmem.outbox) == 1


def test_the_piggyback_sweep_runs_at_most_once_a_period(make_article, in_background, settings):
    settings.WAGTAILCROSSPOST_BACKGROUND_SWEEP_SECONDS = 3600
    assert background.piggyback_sweep() is not None
    assert background.wait(TIMEOUT)
    (row,) = left_behind(make_article)
    assert background.piggyback_sweep() is None  # too soon: the row waits for the next period
    row.refresh_from_db()
    assert row.status == "pending"


def test_two_sweeps_at_once_never_send_a_row_twice(make_article, settings):
    settings.WAGTAILCROSSPOST_WORKER_CONCURRENCY = 4
    rows = left_behind(make_article, count=12)
    start = threading.Barrier(2)
    results: list[dict] = []

    def sweep():
        from django.db import connections

        try:
            start.wait(TIMEOUT)
            results.append(inflight.deliver_due(limit=50))
        finally:
            connections.close_all()

    sweeps = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in sweeps:
        thread.start()
    for thread in sweeps:
        thread.join(TIMEOUT)
    assert sum(r.get("posted", 0) for r in results) == len(rows)
    assert len(locmem.outbox) == len(rows)
    assert len({sent.post.text for sent in locmem.outbox}) == len(rows)  # each page once
    assert set(Publication.objects.values_list("status", flat=True)) == {"posted"}


def test_with_planning_after_the_commit_publish_returns_before_planning_and_posting(
    make_article, in_background, settings
):
    """The package's default: the publish records the posts to plan; a thread plans and sends."""
    from wagtail_crosspost.outbox.pending import PendingPlan

    settings.WAGTAILCROSSPOST_PLAN_AFTER_COMMIT = True
    page = make_article(channels=[ChannelFactory(platform="blocking")])
    publish(page)  # returns while the platform still blocks
    assert BlockingAdapter.called.wait(TIMEOUT)  # planned and being sent by the thread
    BlockingAdapter.release.set()
    assert background.wait(TIMEOUT)
    assert Publication.objects.get(page=page).status == "posted"
    assert not PendingPlan.objects.exists() and not BlockingAdapter.gave_up


def test_a_later_request_plans_and_sends_a_publish_a_dead_process_recorded(
    make_article, in_background, settings, client
):
    from wagtail_crosspost.outbox import later

    settings.WAGTAILCROSSPOST_PLAN_AFTER_COMMIT = True
    (row,) = left_behind(make_article)
    Publication.objects.filter(pk=row.pk).delete()  # recorded, never planned
    later.record(row.page, row.revision)
    client.get("/admin/login/")  # any request; its end starts the sweep
    assert background.wait(TIMEOUT)
    assert Publication.objects.get(page=row.page).status == "posted"
    assert len(locmem.outbox) == 1


def test_work_handed_over_in_a_request_starts_once_its_response_has_gone_out():
    """A thread started during the request would compete with it for the interpreter and, on
    SQLite, for the write lock: it starts at ``request_finished``."""
    ran = threading.Event()
    background.request_started()
    background.start_after_response("crosspost-test", ran.set)
    assert not background._running  # not started during the request
    background.request_finished()
    assert ran.wait(TIMEOUT)
    background.start_after_response("crosspost-test", ran.clear)  # outside a request: at once
    assert background.wait(TIMEOUT) and not ran.is_set()


def test_a_request_starting_in_the_same_thread_keeps_the_work_another_left():
    """Request B starts in a thread where request A's hand-over still waits (A's
    ``request_finished`` has not run it: a server that runs several requests in one thread, or
    a receiver before ours that raised). Neither's work is dropped."""
    done: list[str] = []
    background.request_started()  # A
    background.after_response(lambda: done.append("A"))
    background.request_started()  # B, in the same thread
    background.after_response(lambda: done.append("B"))
    assert done == []
    background.request_finished()  # whichever finishes first runs what waits
    background.request_finished()
    assert done == ["A", "B"]
