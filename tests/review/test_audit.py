"""Every crosspost action in Wagtail's audit log: the page history says who ticked, queued,
retried or deleted which post; the labels are registered and translated."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.log_actions import registry as log_registry
from wagtail.models import PageLogEntry

from tests.test_panels import edit_form, request_row
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox import delivery

pytestmark = pytest.mark.django_db

ACTIONS = [
    "planned",
    "approved",
    "changed",
    "retried",
    "posted",
    "updated",
    "failed",
    "deleted_remotely",
    "deleted",
    "channel_connected",
    "channel_disconnected",
]


def entries(page, action):
    return list(PageLogEntry.objects.filter(page=page, action=f"wagtail_crosspost.{action}"))


@pytest.mark.parametrize("name", ACTIONS)
def test_every_action_is_registered_with_a_translated_label(name):
    action = f"wagtail_crosspost.{name}"
    assert log_registry.action_exists(action)
    english = str(log_registry.get_action_label(action))
    with translation.override("de"):
        german = str(log_registry.get_action_label(action))
    assert english and german and english != german


def test_ticking_and_publishing_are_in_the_page_history(
    client, company, django_capture_on_commit_callbacks
):
    page, user = company["page"], company["users"]["editor_with"]
    client.force_login(user)
    data = edit_form(page, [request_row(company["open"]), request_row(company["locked"])])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    (changed,) = entries(page, "changed")
    assert changed.user == user
    assert sorted(changed.data["ticked"]) == ["Locked", "Open"]
    (planned,) = entries(page, "planned")
    assert planned.user == user
    assert planned.data == {"channels": ["Locked", "Open"], "action": "post", "dry_run": False}
    assert {e.data["channel"] for e in entries(page, "posted")} == {"Locked", "Open"}
    history = client.get(reverse("wagtailadmin_pages:history", args=[page.pk])).content.decode()
    assert "Queued posts to Locked, Open" in history
    assert "Channels: ticked Locked, Open" in history
    assert "Posted to In-memory (tests) (Open)" in history  # the platform and the name


def test_a_forged_tick_is_neither_planned_nor_logged_as_planned(
    client, company, django_capture_on_commit_callbacks
):
    page = company["page"]
    client.force_login(company["users"]["editor_without"])
    data = edit_form(page, [request_row(company["locked"])])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert entries(page, "planned") == []
    assert entries(page, "changed") == []  # saved, never ticked


def test_unticking_and_new_text_are_logged(client, company):
    page = company["page"]
    client.force_login(company["users"]["editor_with"])
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    data = edit_form(page, [request_row(company["open"])], action="action-save")
    data.pop("action-save")
    client.post(url, data)
    for row in (
        request_row(company["open"], message="New words"),
        request_row(company["open"], enabled=False),
    ):
        client.post(url, edit_form(page, [row], action="x"))
    changes = [e.data for e in entries(page, "changed")]
    assert {"ticked": ["Open"], "unticked": [], "edited": []} in changes
    assert {"ticked": [], "unticked": [], "edited": ["Open"]} in changes
    assert {"ticked": [], "unticked": ["Open"], "edited": []} in changes
    assert len(changes) == 3


def test_retry_and_remote_delete_are_in_the_page_history(
    client, company, django_capture_on_commit_callbacks
):
    page, user = company["page"], company["users"]["editor_with"]
    failed = Publication.objects.create(
        page=page, channel=company["locked"], status="failed", error="Boom"
    )
    client.force_login(user)
    client.post(reverse("wagtail_crosspost:retry", args=[failed.pk]))
    (retried,) = entries(page, "retried")
    assert (retried.user, retried.data) == (user, {"channel": "Locked", "platform": "locmem"})

    delivery.deliver(failed.pk)
    failed.refresh_from_db()
    assert failed.status == "posted"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("wagtail_crosspost:delete_remote", args=[failed.pk]))
    deletion = [e for e in entries(page, "planned") if e.data["action"] == "delete"]
    assert [e.user for e in deletion] == [user]
    assert [e.data["channel"] for e in entries(page, "deleted_remotely")] == ["Locked"]
    history = client.get(reverse("wagtailadmin_pages:history", args=[page.pk])).content.decode()
    assert "Retry of the post to In-memory (tests) (Locked)" in history
    assert "Deletion requested on Locked" in history
    assert "Deleted from In-memory (tests) (Locked)" in history


def test_labels_in_german(client, company, django_capture_on_commit_callbacks):
    from tests.factories import set_admin_preferences

    page, user = company["page"], company["users"]["superuser"]
    set_admin_preferences(user, preferred_language="de")
    client.force_login(user)
    data = edit_form(page, [request_row(company["open"])])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    history = client.get(reverse("wagtailadmin_pages:history", args=[page.pk])).content.decode()
    assert "Beiträge an Open eingereiht" in history


def test_a_token_typed_into_the_channel_form_logs_channel_connected(admin_client, admin_user):
    """Connecting by a typed token (not OAuth) is in the site history too, without the token."""
    from django.urls import reverse
    from wagtail.models import ModelLogEntry

    from wagtail_crosspost.models import Channel

    token = "typed-access-token-0123456789"
    url = reverse("wagtail_crosspost_channels:add") + "?platform=mastodon"
    data = {
        "name": "Typed Mastodon",
        "enabled": "on",
        "on_unpublish": "keep",
        "option_server_url": "https://social.example",
        "option_visibility": "public",
        "credential_access_token": token,
    }
    assert admin_client.post(url, data).status_code == 302
    channel = Channel.objects.get(name="Typed Mastodon")
    entries = ModelLogEntry.objects.filter(action="wagtail_crosspost.channel_connected")
    entry = entries.get(object_id=str(channel.pk))
    assert entry.user == admin_user
    assert token not in str(entry.data)
    # Saving again without a new token connects nothing.
    edit = reverse("wagtail_crosspost_channels:edit", args=[channel.pk])
    data.pop("credential_access_token")
    assert admin_client.post(edit, data).status_code == 302
    assert entries.count() == 1
