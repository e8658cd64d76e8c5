"""Rescheduling from the calendar: a scheduled page through Wagtail's scheduling, a waiting post
by its send time only, undo, and every refusal changing nothing."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from wagtail.models import GroupPagePermission, PageLogEntry

from tests.factories import publish
from wagtail_crosspost.models import Publication
from wagtail_crosspost.schedule import moves

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MOVE = "wagtail_crosspost:calendar_move"
UNDO = "wagtail_crosspost:calendar_undo"


@pytest.fixture(autouse=True)
def fixed_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def scheduled(make_article, channel, admin_user):
    page = make_article(title="Autumn fair", channels=[channel], live=False)
    page.go_live_at = NOW + timedelta(days=2)
    publish(page, user=admin_user)
    page.refresh_from_db()
    assert page.scheduled_revision is not None
    return page


@pytest.fixture
def waiting(make_article, channel):
    page = make_article(title="Spring fair")
    return Publication.objects.create(
        page=page, page_title=page.title, channel=channel, next_attempt_at=NOW + timedelta(days=1)
    )


def approved(page):
    """The scheduled go-live as stored now (``page.scheduled_revision`` is cached)."""
    return type(page).objects.get(pk=page.pk).scheduled_revision.approved_go_live_at


def _editor(django_user_model, home, perms, name="editor", crosspost=True):
    group = Group.objects.create(name=f"Group {name}")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    if crosspost:
        group.permissions.add(Permission.objects.get(codename="crosspost_page"))
    for perm in perms:
        GroupPagePermission.objects.create(
            group=group, page=home, permission=Permission.objects.get(codename=perm)
        )
    user = django_user_model.objects.create_user(name, f"{name}@example.com", "pw")
    user.groups.add(group)
    return user


def test_moving_a_scheduled_page_reschedules_it_as_wagtail_does(admin_client, scheduled):
    new = NOW + timedelta(days=5, hours=3)
    response = admin_client.post(
        reverse(MOVE), {"entry": f"page-{scheduled.pk}", "start": new.isoformat()}
    )
    assert response.status_code == 200, response.content
    assert response.json()["previous"] == (NOW + timedelta(days=2)).isoformat()
    scheduled = type(scheduled).objects.get(pk=scheduled.pk)
    revision = scheduled.scheduled_revision
    assert revision.approved_go_live_at == new
    assert revision.as_object().go_live_at == new
    assert scheduled.go_live_at == new
    assert not scheduled.live
    entry = PageLogEntry.objects.filter(page=scheduled, action="wagtail.publish.schedule").first()
    assert entry.data["revision"]["go_live_at"] == new.isoformat().replace("+00:00", "Z") or (
        entry.data["revision"]["go_live_at"].startswith("2026-03-07T12:00")
    )
    # Wagtail's edit view shows the new go-live.
    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[scheduled.pk])).content
    assert b"Mar. 7, 2026" in html or b"7 Mar" in html or b"March 7, 2026" in html


def test_the_moved_page_goes_live_at_the_new_time(admin_client, scheduled):
    from django.core.management import call_command

    new = NOW + timedelta(days=5)
    admin_client.post(reverse(MOVE), {"entry": f"page-{scheduled.pk}", "start": new.isoformat()})
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        call_command("publish_scheduled")
    scheduled.refresh_from_db()
    assert not scheduled.live  # the old time passed: nothing
    with time_machine.travel(new + timedelta(minutes=1), tick=False):
        call_command("publish_scheduled")
    scheduled.refresh_from_db()
    assert scheduled.live


def test_moving_a_waiting_post_changes_only_its_send_time_and_undo_puts_it_back(
    admin_client, waiting
):
    before = Publication.objects.filter(pk=waiting.pk).values().get()
    new = NOW + timedelta(days=3)
    answer = admin_client.post(
        reverse(MOVE), {"entry": f"post-{waiting.pk}", "start": new.isoformat()}
    ).json()
    after = Publication.objects.filter(pk=waiting.pk).values().get()
    assert after["next_attempt_at"] == new
    changed = {k for k in before if before[k] != after[k]}
    assert changed <= {"next_attempt_at", "updated_at"}

    assert admin_client.post(reverse(UNDO), {"token": answer["undo"]}).status_code == 200
    waiting.refresh_from_db()
    assert waiting.next_attempt_at == NOW + timedelta(days=1)


def test_undo_expires(admin_client, waiting):
    answer = admin_client.post(
        reverse(MOVE),
        {"entry": f"post-{waiting.pk}", "start": (NOW + timedelta(days=3)).isoformat()},
    ).json()
    with time_machine.travel(NOW + timedelta(seconds=moves.UNDO_SECONDS + 5), tick=False):
        response = admin_client.post(reverse(UNDO), {"token": answer["undo"]})
    assert response.status_code == 400 and "Too late" in response.json()["error"]
    waiting.refresh_from_db()
    assert waiting.next_attempt_at == NOW + timedelta(days=3)


def test_a_forged_undo_token_is_refused(admin_client, waiting):
    response = admin_client.post(reverse(UNDO), {"token": "post:1:nonsense"})
    assert response.status_code == 400


@pytest.mark.parametrize("status", ["sending", "posted", "failed"])
def test_a_post_that_does_not_wait_cannot_be_moved(admin_client, waiting, status):
    Publication.objects.filter(pk=waiting.pk).update(status=status)
    response = admin_client.post(
        reverse(MOVE),
        {"entry": f"post-{waiting.pk}", "start": (NOW + timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 400
    waiting.refresh_from_db()
    assert waiting.next_attempt_at == NOW + timedelta(days=1)


@pytest.mark.parametrize("kind", ["page", "post"])
def test_a_move_into_the_past_changes_nothing(admin_client, scheduled, waiting, kind):
    pk = scheduled.pk if kind == "page" else waiting.pk
    response = admin_client.post(
        reverse(MOVE), {"entry": f"{kind}-{pk}", "start": (NOW - timedelta(hours=1)).isoformat()}
    )
    assert response.status_code == 400
    assert "past" in response.json()["error"]
    scheduled.refresh_from_db()
    waiting.refresh_from_db()
    assert approved(scheduled) == NOW + timedelta(days=2)
    assert waiting.next_attempt_at == NOW + timedelta(days=1)


@pytest.mark.parametrize("start", ["", "tomorrow", "2026-13-45T99:00"])
def test_a_time_that_does_not_parse_is_refused(admin_client, waiting, start):
    response = admin_client.post(reverse(MOVE), {"entry": f"post-{waiting.pk}", "start": start})
    assert response.status_code == 400


def test_an_editor_without_publish_permission_cannot_move_a_page(
    client, django_user_model, home, scheduled
):
    user = _editor(django_user_model, home, ["add_page", "change_page"])
    client.force_login(user)
    response = client.post(
        reverse(MOVE),
        {"entry": f"page-{scheduled.pk}", "start": (NOW + timedelta(days=4)).isoformat()},
    )
    assert response.status_code == 403
    assert "publish" in response.json()["error"]
    scheduled.refresh_from_db()
    assert approved(scheduled) == NOW + timedelta(days=2)
    # The calendar does not offer the move either.
    data = client.get(
        reverse("wagtail_crosspost:calendar_data"),
        {"start": NOW.isoformat(), "end": (NOW + timedelta(days=30)).isoformat()},
    ).json()
    page_entry = next(e for e in data if e["id"] == f"page-{scheduled.pk}")
    assert page_entry["editable"] is False  # an editor sees the scheduled page, not moves it


def test_a_page_locked_by_someone_else_cannot_be_moved(
    client, django_user_model, home, scheduled, admin_user
):
    user = _editor(django_user_model, home, ["add_page", "change_page", "publish_page"])
    type(scheduled).objects.filter(pk=scheduled.pk).update(
        locked=True, locked_by=admin_user, locked_at=NOW
    )
    client.force_login(user)
    response = client.post(
        reverse(MOVE),
        {"entry": f"page-{scheduled.pk}", "start": (NOW + timedelta(days=4)).isoformat()},
    )
    assert response.status_code == 403 and "locked" in response.json()["error"]
    scheduled.refresh_from_db()
    assert approved(scheduled) == NOW + timedelta(days=2)


def test_an_editor_may_move_a_page_they_may_publish(client, django_user_model, home, scheduled):
    user = _editor(django_user_model, home, ["add_page", "change_page", "publish_page"])
    client.force_login(user)
    new = NOW + timedelta(days=4)
    response = client.post(
        reverse(MOVE), {"entry": f"page-{scheduled.pk}", "start": new.isoformat()}
    )
    assert response.status_code == 200, response.content
    assert PageLogEntry.objects.filter(
        page=scheduled, action="wagtail.publish.schedule", user=user
    ).exists()


def test_an_editor_without_crosspost_permission_cannot_move_a_post(
    client, django_user_model, home, waiting
):
    user = _editor(django_user_model, home, ["change_page", "publish_page"], crosspost=False)
    user.groups.first().permissions.add(Permission.objects.get(codename="view_publication"))
    client.force_login(user)
    response = client.post(
        reverse(MOVE),
        {"entry": f"post-{waiting.pk}", "start": (NOW + timedelta(days=4)).isoformat()},
    )
    assert response.status_code == 403
    waiting.refresh_from_db()
    assert waiting.next_attempt_at == NOW + timedelta(days=1)


def test_someone_who_may_not_see_the_calendar_gets_403(client, django_user_model, waiting):
    user = django_user_model.objects.create_user("nobody", "n@example.com", "pw")
    client.force_login(user)
    response = client.post(
        reverse(MOVE),
        {"entry": f"post-{waiting.pk}", "start": (NOW + timedelta(days=4)).isoformat()},
    )
    assert response.status_code in (302, 403)
    waiting.refresh_from_db()
    assert waiting.next_attempt_at == NOW + timedelta(days=1)


def test_get_is_not_a_move(admin_client, waiting):
    assert admin_client.get(reverse(MOVE)).status_code == 405
