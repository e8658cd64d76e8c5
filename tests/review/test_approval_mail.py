"""Approval requested, given, refused: the right people get a mail, in their admin language,
and no mail holds a token (the whole outbox is grepped)."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.factories import set_admin_preferences
from tests.review.test_approval_workflow import current, draft, workflow_of

pytestmark = pytest.mark.django_db

ACCESS = "approval-access-token-0123456789"
REFRESH = "approval-refresh-token-9876543210"


@pytest.fixture
def started(setup, home, settings):
    settings.WAGTAILCROSSPOST_NOTIFICATIONS = True
    setup["channel"].set_credentials({"access_token": ACCESS, "refresh_token": REFRESH})
    setup["channel"].save()
    set_admin_preferences(setup["approver2"], preferred_language="de")
    workflow_of(home, setup["social"])
    page = draft(home, setup["channel"], setup["writer"], message=f"Never {ACCESS[:4]}")
    mail.outbox.clear()
    page.get_workflow().start(page, setup["writer"])
    return page


def no_secret():
    for message in mail.outbox:
        text = " ".join([message.subject, message.body, *message.to])
        assert ACCESS not in text and REFRESH not in text


def by_recipient():
    return {m.to[0]: m for m in mail.outbox}


def test_approval_requested_goes_to_the_approvers_in_their_language(started, setup):
    sent = by_recipient()
    assert set(sent) == {"approver@example.com", "approver2@example.com"}
    assert "wait for your approval" in sent["approver@example.com"].subject
    assert "warten auf Ihre Freigabe" in sent["approver2@example.com"].subject
    no_secret()


def test_approval_given_and_refused_go_to_the_submitter(started, setup):
    mail.outbox.clear()
    setup["social"].on_action(current(started), setup["approver"], "reject", comment="Shorter")
    sent = by_recipient()
    assert set(sent) == {"writer@example.com"}
    assert "Changes requested" in sent["writer@example.com"].subject
    assert "Shorter" in sent["writer@example.com"].body
    no_secret()

    started.current_workflow_state.resume(user=setup["writer"])
    mail.outbox.clear()
    setup["social"].on_action(current(started), setup["approver"], "approve")
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert "were approved" in subjects["writer@example.com"]
    no_secret()


def test_no_mail_when_notifications_are_off(setup, home, settings):
    settings.WAGTAILCROSSPOST_NOTIFICATIONS = False
    workflow_of(home, setup["social"])
    page = draft(home, setup["channel"], setup["writer"])
    mail.outbox.clear()
    page.get_workflow().start(page, setup["writer"])
    assert mail.outbox == []
