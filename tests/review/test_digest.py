"""Each user chooses, per event, an e-mail at once or the daily digest (Wagtail's account
settings); the delivery command sends the digest once a day at the configured hour, in the
user's time zone and language, batching what waited, and never a token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from tests.factories import account_settings_data, set_admin_preferences
from tests.review.test_approval_workflow import current, draft, workflow_of
from wagtail_crosspost.review import digest, notices
from wagtail_crosspost.review.models import Notice, NotificationPreferences

pytestmark = pytest.mark.django_db

ACCESS = "digest-access-token-0123456789"
MONDAY_7 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # before the digest hour (8:00 UTC)


@pytest.fixture(autouse=True)
def mails_on(settings):
    settings.WAGTAILCROSSPOST_NOTIFICATIONS = True
    settings.WAGTAILCROSSPOST_DIGEST_HOUR = 8


def choose(user, **choices):
    prefs = notices.preferences_of(user)
    for event, delivery in choices.items():
        setattr(prefs, event, delivery)
    prefs.save()


def submit(setup, home):
    workflow_of(home, setup["social"])
    setup["channel"].set_credentials({"access_token": ACCESS})
    setup["channel"].save()
    page = draft(home, setup["channel"], setup["writer"], message="Spring fair")
    page.get_workflow().start(page, setup["writer"])
    return page


def deliver():
    call_command("crosspost_deliver", stdout=open("/dev/null", "w"))


def to(address):
    """Our mails to ``address`` (Wagtail sends its own workflow mails besides)."""
    return [m for m in mail.outbox if m.to == [address] and "ocial" in m.subject]


def test_immediate_is_the_default_and_sends_at_once(setup, home):
    with time_machine.travel(MONDAY_7, tick=False):
        submit(setup, home)
    assert len(to("approver@example.com")) == 1
    notice = Notice.objects.get(recipient=setup["approver"])
    assert notice.kind == "approval_requested" and notice.mailed_at is not None
    assert not notice.digest_pending


def test_the_digest_waits_for_its_hour_and_batches_the_notices(setup, home):
    choose(setup["approver"], approval_requested="digest")
    set_admin_preferences(setup["approver"], preferred_language="de")
    with time_machine.travel(MONDAY_7, tick=False):
        page = submit(setup, home)
        assert to("approver@example.com") == []  # waits for the digest
        assert len(to("approver2@example.com")) == 1  # who kept "at once" got it now
        deliver()
    assert to("approver@example.com") == []  # 7:00: not yet

    with time_machine.travel(MONDAY_7 + timedelta(minutes=30), tick=False):
        # Settled before the digest (it leaves the digest); the resubmission asks again.
        setup["social"].on_action(current(page), setup["approver2"], "reject", comment="No")
        page.current_workflow_state.resume(user=setup["writer"])

    with time_machine.travel(MONDAY_7 + timedelta(hours=1), tick=False):
        deliver()
    (digest,) = to("approver@example.com")
    assert "Zusammenfassung" in digest.subject  # German, the user's language
    # One request: the first was settled (rejected) before the digest and left it.
    assert digest.body.count("— Social-Media-Beiträge zu „Open day“ warten auf Ihre") == 1
    assert reverse("wagtail_crosspost:notices") in digest.body
    assert ACCESS not in digest.subject + digest.body

    mail.outbox.clear()
    with time_machine.travel(MONDAY_7 + timedelta(hours=5), tick=False):
        deliver()  # the same day again: nothing more
    assert mail.outbox == []
    assert not Notice.objects.filter(digest_pending=True).exists()


def test_a_notice_after_the_hour_waits_for_the_next_day(setup, home):
    choose(setup["approver"], approval_requested="digest")
    nine = MONDAY_7 + timedelta(hours=2)
    with time_machine.travel(nine, tick=False):
        submit(setup, home)
        deliver()
    assert to("approver@example.com") == []
    with time_machine.travel(nine + timedelta(hours=22), tick=False):  # Tuesday 7:00
        deliver()
    assert to("approver@example.com") == []
    with time_machine.travel(nine + timedelta(hours=23), tick=False):  # Tuesday 8:00
        deliver()
    assert len(to("approver@example.com")) == 1


def test_the_hour_is_in_the_users_time_zone(setup, home):
    choose(setup["approver"], approval_requested="digest")
    set_admin_preferences(setup["approver"], current_time_zone="Europe/Berlin")
    with time_machine.travel(MONDAY_7 - timedelta(hours=2), tick=False):  # 6:00 in Berlin
        submit(setup, home)
    with time_machine.travel(MONDAY_7 - timedelta(minutes=1), tick=False):  # 7:59 in Berlin
        assert digest.send_due_digests() == 0
    with time_machine.travel(MONDAY_7, tick=False):  # 8:00 in Berlin
        assert digest.send_due_digests() == 1
    assert len(to("approver@example.com")) == 1


def test_what_was_seen_in_the_admin_is_not_mailed_again(setup, home, client):
    choose(setup["approver"], approval_requested="digest")
    with time_machine.travel(MONDAY_7, tick=False):
        submit(setup, home)
        client.force_login(setup["approver"])
        client.post(reverse("wagtail_crosspost:notices_seen"))
    with time_machine.travel(MONDAY_7 + timedelta(hours=1), tick=False):
        assert digest.send_due_digests() == 0
    assert to("approver@example.com") == []
    assert not Notice.objects.filter(digest_pending=True).exists()


def test_decisions_follow_the_submitters_own_choice(setup, home):
    choose(setup["writer"], approval_decided="digest")
    with time_machine.travel(MONDAY_7, tick=False):
        page = submit(setup, home)
        setup["social"].on_action(current(page), setup["approver"], "approve")
    assert to("writer@example.com") == []
    with time_machine.travel(MONDAY_7 + timedelta(hours=1), tick=False):
        deliver()
    (digest,) = to("writer@example.com")
    assert "were approved" in digest.body


def test_no_digest_mail_when_notifications_are_off(setup, home, settings):
    choose(setup["approver"], approval_requested="digest")
    with time_machine.travel(MONDAY_7, tick=False):
        submit(setup, home)
    settings.WAGTAILCROSSPOST_NOTIFICATIONS = False
    with time_machine.travel(MONDAY_7 + timedelta(hours=1), tick=False):
        assert digest.send_due_digests() == 0
    assert to("approver@example.com") == []
    assert Notice.objects.filter(recipient=setup["approver"]).exists()  # still in the admin


def test_the_account_settings_panel_stores_the_choice(setup, client):
    user = setup["approver"]
    client.force_login(user)
    response = client.get(reverse("wagtailadmin_account"))
    content = response.content.decode()
    assert "Social media notifications" in content
    assert 'name="crosspost_notifications-approval_requested"' in content

    data = account_settings_data(response, user)
    data["crosspost_notifications-approval_requested"] = "digest"
    response = client.post(reverse("wagtailadmin_account"), data)
    assert response.status_code == 302, response.context and [
        p.get_form().errors for ps in response.context["panels_by_tab"].values() for p in ps
    ]
    prefs = NotificationPreferences.objects.get(user=user)
    assert prefs.approval_requested == "digest" and prefs.post_problem == "immediate"


def test_the_panel_is_not_shown_to_users_who_get_no_notices(client, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("plain", "plain@example.com", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    response = client.get(reverse("wagtailadmin_account"))
    assert response.status_code == 200
    assert "crosspost_notifications-" not in response.content.decode()


def test_notices_seen_long_ago_are_deleted_and_unseen_ones_kept(setup, home, settings):
    """The delivery command deletes what a user saw more than ``NOTICE_RETENTION_DAYS`` ago;
    a notice never seen stays, however old, and one still waiting for a digest is kept."""
    settings.WAGTAILCROSSPOST_NOTICE_RETENTION_DAYS = 90
    user = setup["approver"]
    now = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)

    def notice(days_ago, seen_days_ago=None, digest_pending=False):
        return Notice.objects.create(
            recipient=user,
            event="post_problem",
            kind="post_failed",
            created_at=now - timedelta(days=days_ago),
            seen_at=None if seen_days_ago is None else now - timedelta(days=seen_days_ago),
            digest_pending=digest_pending,
        )

    old_seen = notice(200, seen_days_ago=120)
    recent_seen = notice(200, seen_days_ago=30)
    never_seen = notice(400)
    waits_for_digest = notice(200, seen_days_ago=120, digest_pending=True)
    with time_machine.travel(now, tick=False):
        deliver()
    left = set(Notice.objects.values_list("pk", flat=True))
    assert old_seen.pk not in left
    assert {recent_seen.pk, never_seen.pk, waits_for_digest.pk} <= left

    settings.WAGTAILCROSSPOST_NOTICE_RETENTION_DAYS = None  # kept for ever
    assert notices.delete_old(now + timedelta(days=3650)) == 0
    assert Notice.objects.filter(pk=recent_seen.pk).exists()
