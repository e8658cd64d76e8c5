"""Rescheduling in the real browser: drag a scheduled page (Wagtail then shows the new go-live),
drag a waiting post and undo, move by keyboard, no move without publish permission, German UI and
dark mode of the entry dialog."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import GroupPagePermission

from tests.factories import ChannelFactory, publish, set_admin_preferences
from tests.testapp.models import ArticlePage
from wagtail_crosspost.models import Publication

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _next_tuesday_noon() -> datetime:
    """A Tuesday at least two days ahead, at noon local time: its Wednesday is in the same row
    of the month grid, whatever today is."""
    today = timezone.localdate()
    day = today + timedelta(days=2)
    while day.weekday() != 1:
        day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


@pytest.fixture
def tuesday():
    return _next_tuesday_noon()


@pytest.fixture
def scheduled(home, superuser, tuesday):
    page = home.add_child(instance=ArticlePage(title="Autumn fair", intro="Come.", live=False))
    page.go_live_at = tuesday
    publish(page, user=superuser)
    return page


@pytest.fixture
def waiting(home, tuesday):
    page = home.add_child(instance=ArticlePage(title="Spring fair", intro="Come."))
    return Publication.objects.create(
        page=page,
        page_title=page.title,
        channel=ChannelFactory(name="Alpha"),
        next_attempt_at=tuesday,
        message="Join us at the spring fair",
    )


def _day_cell(page, day):
    return page.locator(f'.ec-day:has(time[datetime="{day.isoformat()}"])').first


def _drag(page, entry, cell):
    box, target = entry.bounding_box(), cell.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 5, box["y"] + 5, steps=5)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2, steps=15)
    page.mouse.up()


def _open(page, day):
    page.goto(f"/admin/crosspost/calendar/?date={day.date().isoformat()}")


def test_drag_a_scheduled_page_to_another_day_and_wagtail_shows_the_new_go_live(
    page, logged_in, superuser, scheduled, tuesday, dialogs
):
    logged_in(superuser)
    _open(page, tuesday)
    entry = page.locator(f'.ec-event[data-entry="page-{scheduled.pk}"]')
    expect(entry).to_be_visible()
    _drag(page, entry, _day_cell(page, tuesday.date() + timedelta(days=1)))
    expect(page.locator("[data-crosspost-calendar-toast]")).to_contain_text("Moved to")
    wednesday = tuesday + timedelta(days=1)
    scheduled_revision = type(scheduled).objects.get(pk=scheduled.pk).scheduled_revision
    assert scheduled_revision.approved_go_live_at == wednesday
    page.goto(f"/admin/pages/{scheduled.pk}/edit/")
    shown = timezone.localtime(wednesday)
    expect(page.locator("body")).to_contain_text(f"{shown.day}")
    expect(page.get_by_text("Scheduled", exact=False).first).to_be_visible()
    assert dialogs == []


def test_drag_a_waiting_post_then_undo(page, logged_in, superuser, waiting, tuesday):
    logged_in(superuser)
    _open(page, tuesday)
    entry = page.locator(f'.ec-event[data-entry="post-{waiting.pk}"]')
    expect(entry).to_contain_text("Join us at the spring fair")
    _drag(page, entry, _day_cell(page, tuesday.date() + timedelta(days=1)))
    undo = page.locator("[data-crosspost-undo]")
    expect(undo).to_be_visible()
    waiting.refresh_from_db()
    assert waiting.next_attempt_at == tuesday + timedelta(days=1)
    undo.click()
    expect(page.locator("[data-crosspost-calendar-toast]")).to_contain_text("undone")
    waiting.refresh_from_db()
    assert waiting.next_attempt_at == tuesday


def test_move_by_keyboard(page, logged_in, superuser, waiting, tuesday):
    logged_in(superuser)
    _open(page, tuesday)
    entry = page.locator(f'.ec-event[data-entry="post-{waiting.pk}"]')
    entry.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("[data-crosspost-entry-dialog]")
    expect(dialog).to_be_visible()
    field = dialog.get_by_label("Move to")
    field.focus()
    new = timezone.localtime(tuesday + timedelta(days=2, hours=3))
    field.fill(new.strftime("%Y-%m-%dT%H:%M"))
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("[data-crosspost-undo]")).to_be_visible()
    waiting.refresh_from_db()
    assert waiting.next_attempt_at == tuesday + timedelta(days=2, hours=3)


def test_an_editor_without_publish_permission_cannot_move_a_page(
    page, logged_in, django_user_model, home, scheduled, tuesday
):
    group = Group.objects.create(name="Writers")
    for codename in ("access_admin", "crosspost_page"):
        group.permissions.add(Permission.objects.get(codename=codename))
    for codename in ("add_page", "change_page"):
        GroupPagePermission.objects.create(
            group=group, page=home, permission=Permission.objects.get(codename=codename)
        )
    writer = django_user_model.objects.create_user("writer", "w@example.com", "pw")
    writer.groups.add(group)
    logged_in(writer)
    _open(page, tuesday)
    entry = page.locator(f'.ec-event[data-entry="page-{scheduled.pk}"]')
    expect(entry).to_be_visible()
    _drag(page, entry, _day_cell(page, tuesday.date() + timedelta(days=1)))
    dialog = page.locator("[data-crosspost-entry-dialog]")
    # The calendar swallows a click that comes straight after a drag: click until it opens.
    for _ in range(10):
        entry.click()
        if dialog.evaluate("(el) => el.open"):
            break
        page.wait_for_timeout(200)
    expect(dialog).to_contain_text("cannot be moved")
    expect(dialog.get_by_label("Move to")).to_have_count(0)
    assert type(scheduled).objects.get(pk=scheduled.pk).scheduled_revision.approved_go_live_at == (
        tuesday
    )


def test_the_entry_dialog_in_german_and_dark_mode(page, logged_in, superuser, waiting, tuesday):
    set_admin_preferences(superuser, preferred_language="de", theme="dark")
    logged_in(superuser)
    _open(page, tuesday)
    page.locator(f'.ec-event[data-entry="post-{waiting.pk}"]').click()
    dialog = page.locator("[data-crosspost-entry-dialog]")
    expect(dialog.get_by_label("Verschieben auf")).to_be_visible()
    expect(dialog.get_by_role("button", name="Schließen")).to_be_visible()
    background = dialog.evaluate("(el) => getComputedStyle(el).backgroundColor")
    channels = [int(n) for n in background[background.index("(") + 1 : -1].split(",")[:3]]
    assert sum(channels) < 3 * 100, background  # a dark surface, not white
