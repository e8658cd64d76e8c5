"""Every way Wagtail publishes a page posts it exactly once; scheduling and aliases never post."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import publish
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.choices import choose
from wagtail_crosspost.models import Publication

pytestmark = pytest.mark.django_db


def sent_texts():
    return [(p.channel, p.action, p.post.text if p.post else None) for p in locmem.outbox]


def test_publishing_posts_to_each_ticked_channel_once(
    make_article, channels, django_capture_on_commit_callbacks
):
    page = make_article(title="Spring fair", intro="Come and see us.", channels=channels)
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)

    assert sorted(p.channel for p in locmem.outbox) == ["Alpha", "Beta"]
    text = locmem.outbox[0].post.text
    assert "Spring fair" in text and "Come and see us." in text
    assert page.full_url in text
    rows = Publication.objects.filter(page=page)
    assert {r.status for r in rows} == {"posted"}
    assert {r.remote_url for r in rows} == {
        "https://locmem.invalid/locmem-1",
        "https://locmem.invalid/locmem-2",
    }

    # Publishing again (an edit) posts nothing new.
    page.title = "Spring fair (updated)"
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    assert len(locmem.outbox) == 2
    assert Publication.objects.filter(page=page).count() == 2


def test_unticked_channel_is_not_posted(make_article, channels, django_capture_on_commit_callbacks):
    page = make_article(channels=channels[:1])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    assert [p.channel for p in locmem.outbox] == ["Alpha"]


def test_post_again_posts_a_second_time(make_article, channel, django_capture_on_commit_callbacks):
    page = make_article(channels=[channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    choose(page, channel, repost=True)
    page.save()
    page.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    assert [p.action for p in locmem.outbox] == ["post", "post"]
    assert list(
        Publication.objects.filter(page=page)
        .order_by("generation")
        .values_list("generation", flat=True)
    ) == [0, 1]


def test_update_existing_edits_the_post(make_article, channel, django_capture_on_commit_callbacks):
    page = make_article(title="First", channels=[channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    choose(page, channel, update_existing=True)
    page.save()
    page.refresh_from_db()
    page.title = "Second"
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    assert [p.action for p in locmem.outbox] == ["post", "update"]
    assert locmem.outbox[1].remote_id == locmem.outbox[0].remote_id
    assert "Second" in locmem.outbox[1].post.text


def test_scheduled_page_posts_when_it_goes_live_not_when_scheduled(
    make_article, channel, django_capture_on_commit_callbacks, monkeypatch
):
    page = make_article(channels=[channel], live=False)
    page.go_live_at = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    page.refresh_from_db()
    assert not page.live
    assert locmem.outbox == []
    assert not Publication.objects.exists()

    # Two hours pass; Wagtail's own command makes the page live.
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("publish_scheduled")
    page.refresh_from_db()
    assert page.live
    assert [p.channel for p in locmem.outbox] == [channel.name]


def test_alias_never_posts(make_article, channel, home, django_capture_on_commit_callbacks):
    page = make_article(channels=[channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
        alias = page.create_alias(update_slug="alias-of-page")
    assert alias.alias_of_id == page.pk
    page.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)  # updates the alias too, which sends page_published(alias=True)
    assert len(locmem.outbox) == 1
    assert not Publication.objects.filter(page=alias).exists()


def test_unpublish_deletes_posts_when_channel_says_so(
    make_article, channel, django_capture_on_commit_callbacks
):
    channel.on_unpublish = "delete"
    channel.save()
    page = make_article(channels=[channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    assert [p.action for p in locmem.outbox] == ["post", "delete"]
    post = Publication.objects.get(page=page, action="post")
    assert post.status == "deleted"


def test_unpublish_keeps_posts_by_default(
    make_article, channel, django_capture_on_commit_callbacks
):
    page = make_article(channels=[channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    assert [p.action for p in locmem.outbox] == ["post"]
    assert Publication.objects.get(page=page).status == "posted"


def test_dry_run_records_and_sends_nothing(
    make_article, channel, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAILCROSSPOST_DRY_RUN = True
    page = make_article(channels=[channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    assert locmem.outbox == []
    row = Publication.objects.get(page=page)
    assert row.status == "posted" and row.dry_run
    assert "Hello world" in row.sent_text


def test_workflow_approval_posts(
    make_article, channel, admin_user, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Group
    from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask

    moderators = Group.objects.get(name="Moderators")
    task = GroupApprovalTask.objects.create(name="Review")
    task.groups.set([moderators])
    workflow = Workflow.objects.create(name="Review first")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    page = make_article(channels=[channel], live=False)
    WorkflowPage.objects.create(workflow=workflow, page=page.get_parent())
    page.save_revision(user=admin_user)
    state = workflow.start(page, admin_user)
    assert locmem.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        state.current_task_state.approve(user=admin_user)
    page.refresh_from_db()
    assert page.live
    assert [p.channel for p in locmem.outbox] == [channel.name]


def test_bulk_publish_action_posts(
    make_article, channel, admin_client, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    pages = [make_article(title=f"Bulk {i}", channels=[channel], live=False) for i in range(2)]
    for page in pages:
        page.save_revision()
    url = (
        reverse("wagtail_bulk_action", args=("wagtailcore", "page", "publish"))
        + "?"
        + "&".join(f"id={p.pk}" for p in pages)
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url)
    assert response.status_code == 302
    assert sorted(p.post.title for p in locmem.outbox) == [
        "Bulk 0",
        "Bulk 1",
    ]


def test_copy_of_a_page_does_not_inherit_sent_state(
    make_article, channel, home, django_capture_on_commit_callbacks
):
    page = make_article(channels=[channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
        copy = page.copy(update_attrs={"slug": "copy", "title": "Copy"})
    assert not Publication.objects.filter(page=copy).exists()
    assert len(locmem.outbox) == 1
