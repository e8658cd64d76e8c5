"""Planning after the commit (issue #13, ``PLAN_AFTER_COMMIT``, the package's default): the
editor's Publish records the publish in one row and returns; the posts are planned after the
commit, by a thread of the web process, a worker or the next sweep. Nothing is lost when the
process dies in between, and nothing is planned twice.

The test settings plan inside the publish (so that other tests find the rows at once); these
tests turn the default back on. With pytest-django's transaction per test, ``on_commit``
callbacks never run: a publish there is a process that died right after its commit.
"""

from __future__ import annotations

import logging
import threading

import pytest
from django.core.management import call_command
from django.db import connections
from wagtail.models import PageLogEntry

from tests.factories import ChannelFactory, publish
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox import later, planning, tasks
from wagtail_crosspost.outbox.pending import PendingPlan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def after_commit(settings):
    settings.WAGTAILCROSSPOST_PLAN_AFTER_COMMIT = True


@pytest.fixture
def dummy_queue(settings):
    """A task backend that only records what is enqueued: the queue's worker never runs."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
        "crosspost": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"},
    }
    settings.WAGTAILCROSSPOST_TASK_BACKEND = "crosspost"


def test_publish_records_the_posts_to_plan_and_plans_nothing(make_article, admin_user):
    page = make_article(channels=[ChannelFactory(), ChannelFactory()])
    revision = publish(page, user=admin_user)
    assert not Publication.objects.filter(page=page).exists()
    plan = PendingPlan.objects.get(page=page)
    assert (plan.revision_id, plan.user_id) == (revision.pk, admin_user.pk)


def test_a_page_without_ticked_channels_records_nothing(make_article):
    publish(make_article())
    assert not PendingPlan.objects.exists()


def test_run_plans_the_publish_as_the_request_would_have(make_article, admin_user):
    channels = [ChannelFactory(), ChannelFactory()]
    page = make_article(channels=channels)
    revision = publish(page, user=admin_user)
    rows = later.run()
    assert sorted(row.channel_id for row in rows) == sorted(c.pk for c in channels)
    assert {(row.revision_id, row.requested_by_id) for row in rows} == {
        (revision.pk, admin_user.pk)
    }
    assert not PendingPlan.objects.exists()
    entry = PageLogEntry.objects.get(page=page, action="wagtail_crosspost.planned")
    assert entry.user_id == admin_user.pk
    assert later.run() == []  # planned once
    assert Publication.objects.filter(page=page).count() == 2


def test_a_publish_recorded_twice_is_planned_once(make_article):
    """A second record of the same publish (a retried request, a plan a sweep restored) finds
    the posts planned: planning one revision again creates none."""
    page = make_article(channels=[ChannelFactory()])
    revision = publish(page)
    later.record(page, revision)
    assert len(later.run()) == 1
    assert Publication.objects.filter(page=page).count() == 1
    assert not PendingPlan.objects.exists()


def test_a_page_unpublished_before_planning_is_not_posted(make_article):
    page = make_article(channels=[ChannelFactory()])
    publish(page)
    page.unpublish()
    assert later.run() == []
    assert not Publication.objects.filter(page=page).exists()
    assert not PendingPlan.objects.exists()


def test_the_worker_plans_and_sends_what_a_dead_process_recorded(make_article):
    """The web process died after the publish's commit, before planning: ``crosspost_deliver``
    (or the piggyback sweep) plans it and sends the post."""
    page = make_article(title="Recorded, then the process died", channels=[ChannelFactory()])
    publish(page)
    call_command("crosspost_deliver", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Publication.objects.get(page=page).status == "posted"
    assert [sent.post.text.splitlines()[0] for sent in locmem.outbox] == [
        "Recorded, then the process died"
    ]
    assert not PendingPlan.objects.exists()


def test_in_the_request_without_background_the_post_goes_out_after_the_commit(
    make_article, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAILCROSSPOST_DELIVER_IN_BACKGROUND = False  # immediate backend, in the request
    page = make_article(channels=[ChannelFactory()])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    assert Publication.objects.get(page=page).status == "posted"
    assert len(locmem.outbox) == 1


def test_a_queue_gets_one_plan_task_and_its_worker_hands_the_rows_over(
    make_article, dummy_queue, django_capture_on_commit_callbacks
):
    from django_tasks import task_backends

    page = make_article(channels=[ChannelFactory(), ChannelFactory()])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    queued = task_backends["crosspost"].results
    assert [(r.task.name, r.args) for r in queued] == [
        ("plan_rows", [[PendingPlan.objects.get().pk]])
    ]
    assert not Publication.objects.exists()
    # The worker runs the task: the rows are planned and handed over in deliver_rows tasks.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.plan_rows.call(*queued[0].args) == 2
    rows = set(Publication.objects.values_list("pk", flat=True))
    handed = [r for r in task_backends["crosspost"].results if r.task.name == "deliver_rows"]
    assert handed and all(set(r.args[0]) == rows for r in handed)


def test_planning_that_fails_is_tried_again_and_given_up_after_five_times(
    make_article, monkeypatch, caplog
):
    page = make_article(channels=[ChannelFactory()])
    publish(page)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in a plan gate")

    monkeypatch.setattr(planning, "plan_publications", broken)
    with caplog.at_level(logging.ERROR, logger="wagtail_crosspost"):
        for attempt in range(1, later.MAX_ATTEMPTS):
            assert later.run() == []
            assert PendingPlan.objects.get().attempts == attempt  # kept for the next sweep
        assert later.run() == []
    assert not PendingPlan.objects.exists()
    assert "the next sweep tries again" in caplog.text
    assert "5 times: given up" in caplog.text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_planners_of_one_publish_plan_it_once(make_article):
    """A thread of the web process and a sweep take the same record at once: the second waits
    for the first's commit and finds it gone."""
    page = make_article(channels=[ChannelFactory(), ChannelFactory()])
    revision = publish(page)  # on_commit runs here: planned; undone for the two planners below
    PendingPlan.objects.all().delete()
    Publication.objects.all().delete()
    PageLogEntry.objects.filter(action="wagtail_crosspost.planned").delete()
    later.record(page, revision)
    start = threading.Barrier(2)
    planned: list[int] = []

    def plan():
        try:
            start.wait(30)
            planned.append(len(later.run()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=plan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(planned) == [0, 2]
    assert Publication.objects.filter(page=page).count() == 2
    assert PageLogEntry.objects.filter(action="wagtail_crosspost.planned").count() == 1


def test_the_channels_to_come_are_those_the_plan_takes_and_nothing_is_written(make_article):
    """What the editor is told after Publish while the plan waits ("Queued for …")."""
    first, second = ChannelFactory(), ChannelFactory()
    page = make_article(channels=[first, second])
    publish(page)
    assert sorted(c.pk for c in later.channels_to_come(page)) == sorted([first.pk, second.pk])
    assert not Publication.objects.exists()
    assert len(later.run()) == 2
    publish(page)  # again, nothing new ticked: nothing to come, nothing planned
    assert later.channels_to_come(page) == []
    assert later.run() == []


def test_the_plan_task_is_enqueued_once_the_response_has_gone_out(
    make_article, dummy_queue, django_capture_on_commit_callbacks
):
    """The editor's request writes one row; the queue's round trips come after its response."""
    from django_tasks import task_backends

    from wagtail_crosspost.outbox import background

    page = make_article(channels=[ChannelFactory()])
    background.request_started()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            publish(page)
        assert task_backends["crosspost"].results == []  # not during the request
    finally:
        background.request_finished()
    queued = task_backends["crosspost"].results
    assert [(r.task.name, r.args) for r in queued] == [
        ("plan_rows", [[PendingPlan.objects.get().pk]])
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_publish_is_recorded_in_the_transaction_that_saves_the_choices(
    make_article, monkeypatch
):
    """No commit of its own for the editor's Publish (issue #13): the row is written while
    Wagtail saves the page's choices record, inside the transaction Django opens for it, and the
    ``page_published`` handler that follows records nothing more."""
    from django.db import connection

    calls: list[tuple[str, bool]] = []
    real_record = later.record

    def spy(page, revision):
        calls.append((revision.pk, connection.in_atomic_block))
        return real_record(page, revision)

    monkeypatch.setattr(later, "record", spy)
    page = make_article(channels=[ChannelFactory(), ChannelFactory()])
    assert not connection.in_atomic_block  # autocommit: only Django's own transaction counts
    revision = publish(page)
    assert calls == [(revision.pk, True)]
    # The commit ran the hand-over (here: planned in the request, the test settings' backend).
    rows = Publication.objects.filter(page=page)
    assert {row.revision_id for row in rows} == {revision.pk} and len(rows) == 2
    assert not PendingPlan.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_record_that_fails_in_the_choices_save_leaves_the_publish_whole(
    make_article, monkeypatch, caplog
):
    """A database error while recording (here: a missing table) is rolled back to its
    savepoint: the page and its choices are published, and the handler records the publish."""
    from django.db import connection
    from wagtail.models import Page

    from wagtail_crosspost.choices import parse

    real_record = later.record
    failures: list[int] = []

    def broken_once(page, revision):
        if not failures:
            failures.append(page.pk)
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table_for_crosspost")
        return real_record(page, revision)

    monkeypatch.setattr(later, "record", broken_once)
    channel = ChannelFactory()
    page = make_article(title="Published all the same", channels=[channel])
    with caplog.at_level(logging.ERROR, logger="wagtail_crosspost"):
        revision = publish(page)
    assert failures == [page.pk]
    assert "Could not record the publish of page" in caplog.text
    live = Page.objects.get(pk=page.pk).specific
    assert (live.live, live.live_revision_id) == (True, revision.pk)
    choices = parse(live.crosspost_choices.get().channels)
    assert [pk for pk, choice in choices.items() if choice.enabled] == [channel.pk]
    # Recorded by the handler instead, and planned once the publish had committed.
    assert [row.channel_id for row in Publication.objects.filter(page=page)] == [channel.pk]
    assert not PendingPlan.objects.exists()


def test_saving_a_live_page_is_not_taken_for_a_publish(make_article):
    from wagtail.models import Page

    page = make_article(channels=[ChannelFactory()])
    publish(page)
    later.run()
    live = Page.objects.get(pk=page.pk).specific
    live.title = "Saved by other code"
    live.save()
    assert not PendingPlan.objects.exists()


def test_a_later_save_that_looks_like_a_publish_records_nothing(make_article):
    """Code that read ``live_revision`` and saves the page with its choices, minutes after its
    publish: no plan (its last publish is not now), so nothing is posted again, not even a post
    deleted since."""
    import time_machine
    from django.utils import timezone
    from wagtail.models import Page

    from wagtail_crosspost.choices import choose

    channel = ChannelFactory()
    page = make_article(channels=[channel])
    publish(page)
    assert len(later.run()) == 1
    Publication.objects.filter(page=page).update(status=Publication.Status.DELETED)
    with time_machine.travel(timezone.now() + 5 * later.PUBLISH_MOMENT):
        live = Page.objects.get(pk=page.pk).specific
        assert live.live_revision is not None
        choose(live, channel, enabled=True)
        live.save()
    assert not PendingPlan.objects.exists()
    assert Publication.objects.filter(page=page).count() == 1


def test_a_save_right_after_the_publish_plans_nothing_twice(make_article):
    """The published page object saved again at once (its publish moment is now): the plan it
    records is of the revision just planned, and planning it again creates no post."""
    from django.utils import timezone

    from wagtail_crosspost.choices import choose

    channel = ChannelFactory()
    page = make_article(channels=[channel])
    revision = page.save_revision()
    revision.publish()
    assert len(later.run()) == 1
    published = revision.as_object()
    published.live_revision = revision  # as Wagtail's publish left it
    published.last_published_at = timezone.now()
    choose(published, channel, enabled=True)
    published.save()
    assert PendingPlan.objects.count() == 1
    assert later.run() == []
    assert Publication.objects.filter(page=page).count() == 1


def test_the_same_revision_published_again_after_an_unpublish_posts_again(make_article):
    """Wagtail's bulk Publish (or ``revision.publish()`` in code) of the revision that was live
    before: its post was deleted with the unpublish, so it is posted again, even when the sweep,
    not the hand-over, plans the recorded publish."""
    channel = ChannelFactory()
    page = make_article(channels=[channel])
    revision = publish(page)
    assert len(later.run()) == 1
    Publication.objects.filter(page=page).update(status=Publication.Status.DELETED)
    page.refresh_from_db()
    page.unpublish()
    Publication.objects.filter(page=page, action="delete").delete()  # the deletion went out
    revision.publish()
    assert PendingPlan.objects.get().revision_id == revision.pk
    rows = later.run()  # the sweep
    assert [(row.channel_id, row.revision_id) for row in rows] == [(channel.pk, revision.pk)]
