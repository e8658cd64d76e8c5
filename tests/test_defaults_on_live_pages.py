"""Issue #18.1: "ticked by default" applies only to pages that have never been published. An edit
of a live page, submitted exactly as the editor's form shows it, posts nothing on any publish
path; ticking a channel in this edit does post."""

from __future__ import annotations

import json
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.urls import include, path, reverse
from django.utils import timezone
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from tests.factories import ChannelFactory, publish
from tests.testapp.models import ArticlePage
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.models import Publication

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("crosspost/api/", include("wagtail_crosspost.api_urls")),
    path("", include(wagtail_urls)),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


class _CrosspostFields(HTMLParser):
    """The Publish-to formset's fields as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name") or ""
        if not name.startswith("crosspost_choices-"):
            return
        if tag == "input":
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.data[name] = a.get("value") or "on"
            else:
                self.data[name] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def shown_fields(client, page) -> dict[str, str]:
    html = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    parser = _CrosspostFields()
    parser.feed(html)
    assert "crosspost_choices-TOTAL_FORMS" in parser.data
    return parser.data


def submit_as_shown(client, page, action="action-publish", tick=None, **extra):
    """Fix a typo and submit the form with every box as it was shown (or ``tick`` one)."""
    fields = shown_fields(client, page)
    if tick is not None:
        index = next(
            k.split("-")[1]
            for k, v in fields.items()
            if k.endswith("-channel") and v == str(tick.pk)
        )
        fields[f"crosspost_choices-{index}-enabled"] = "on"
    data = nested_form_data(
        {
            "title": page.title + " ",
            "slug": page.slug,
            "intro": page.intro,
            "body": rich_text("<p>Body, typo fixed</p>"),
            "tags": "",
            "comments": inline_formset([]),
        }
    )
    data.update(fields)
    if action:
        data[action] = "1"
    data.update(extra)
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


@pytest.fixture
def default_channel(db):
    return ChannelFactory(name="Default on", selected_by_default=True)


@pytest.fixture
def old_page(make_article, default_channel, django_capture_on_commit_callbacks):
    """A live article, published long ago (before the channel existed) and never posted."""
    page = make_article(title="Old article")
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    page.refresh_from_db()
    assert page.first_published_at is not None
    return page


def published_latest(page) -> bool:
    page.refresh_from_db()
    return page.live and page.live_revision_id == page.get_latest_revision().pk


def assert_nothing_posted(page):
    assert published_latest(page)  # the path really published this edit
    assert not Publication.objects.filter(page=page).exists()
    assert locmem.outbox == []


def test_the_default_is_ticked_on_a_new_page_only(admin_client, home, old_page, default_channel):
    draft = ArticlePage(title="Brand new", intro="x", live=False)
    home.add_child(instance=draft)
    assert shown_fields(admin_client, draft).get("crosspost_choices-0-enabled") == "on"
    assert "crosspost_choices-0-enabled" not in shown_fields(admin_client, old_page)
    # Once live, then unpublished: still "has been published".
    old_page.unpublish()
    old_page.refresh_from_db()
    assert "crosspost_choices-0-enabled" not in shown_fields(admin_client, old_page)


def test_editor_publish_of_a_typo_fix_posts_nothing(
    admin_client, old_page, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit_as_shown(admin_client, old_page)
    assert_nothing_posted(old_page)


def test_ticking_the_channel_in_this_edit_posts(
    admin_client, old_page, default_channel, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit_as_shown(admin_client, old_page, tick=default_channel)
    assert published_latest(old_page)
    assert [p.channel for p in locmem.outbox] == ["Default on"]


def test_revision_publish_of_a_typo_fix_posts_nothing(
    admin_client, old_page, django_capture_on_commit_callbacks
):
    submit_as_shown(admin_client, old_page, action=None)  # a draft
    old_page.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        old_page.get_latest_revision().publish()
    assert_nothing_posted(old_page)


def test_bulk_publish_of_a_typo_fix_posts_nothing(
    admin_client, old_page, django_capture_on_commit_callbacks
):
    submit_as_shown(admin_client, old_page, action=None)
    url = (
        reverse("wagtail_bulk_action", args=("wagtailcore", "page", "publish"))
        + f"?id={old_page.pk}"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(url).status_code == 302
    assert_nothing_posted(old_page)


def test_workflow_approval_of_a_typo_fix_posts_nothing(
    admin_client, admin_user, old_page, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Group
    from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask

    task = GroupApprovalTask.objects.create(name="Review")
    task.groups.set([Group.objects.get(name="Moderators")])
    workflow = Workflow.objects.create(name="Review first")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=old_page.get_parent())
    submit_as_shown(admin_client, old_page, action="action-submit")
    old_page.refresh_from_db()
    state = old_page.current_workflow_state
    assert state is not None
    with django_capture_on_commit_callbacks(execute=True):
        state.current_task_state.approve(user=admin_user)
    assert_nothing_posted(old_page)


def test_scheduled_publish_of_a_typo_fix_posts_nothing(
    admin_client, old_page, django_capture_on_commit_callbacks, monkeypatch
):
    go_live = timezone.localtime(timezone.now() + timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        submit_as_shown(admin_client, old_page, go_live_at=go_live.strftime("%Y-%m-%d %H:%M"))
    old_page.refresh_from_db()
    assert old_page.get_latest_revision().approved_go_live_at is not None
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("publish_scheduled")
    assert_nothing_posted(old_page)


def test_api_crosspost_of_a_typo_fixed_page_posts_nothing_unless_asked(
    admin_client, old_page, default_channel, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit_as_shown(admin_client, old_page)
    url = f"/crosspost/api/pages/{old_page.pk}/crosspost/"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, "{}", content_type="application/json")
    assert response.status_code == 200
    assert response.json()["publications"] == []
    assert_nothing_posted(old_page)
    # Naming the channel is asking for it.
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url, json.dumps({"channels": [default_channel.pk]}), content_type="application/json"
        )
    assert response.status_code == 202
    assert [p.channel for p in locmem.outbox] == ["Default on"]
