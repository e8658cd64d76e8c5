"""The daily token check: the managers of a channel whose login expires within 7 days and
cannot be renewed get one mail, in their language, without the token."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from tests.factories import ChannelFactory, set_admin_preferences
from wagtail_crosspost.review.expiry import expiring_channels

pytestmark = pytest.mark.django_db

TOKEN = "expiring-access-token-ABCDEF123456"
REFRESH = "renewable-refresh-token-987654321"


@pytest.fixture
def channels(company, settings):
    settings.WAGTAILCROSSPOST_NOTIFICATIONS = True
    now = timezone.now()
    soon = company["locked"]  # managed by the "Channel managers" group only
    soon.set_credentials({"access_token": TOKEN})
    soon.token_expires_at = now + timedelta(days=3)
    soon.save()
    renewable = ChannelFactory(name="Renewable", token_expires_at=now + timedelta(days=2))
    renewable.set_credentials({"access_token": "x" * 12, "refresh_token": REFRESH})
    renewable.save()
    ChannelFactory(name="Later", token_expires_at=now + timedelta(days=10))
    set_admin_preferences(company["users"]["manager"], preferred_language="de")
    mail.outbox.clear()
    return {"soon": soon, "now": now}


def test_only_logins_that_expire_soon_and_cannot_be_renewed(channels):
    assert [c.name for c in expiring_channels(channels["now"])] == ["Locked"]


def test_the_daily_check_mails_the_managers_in_their_language(channels, company):
    with time_machine.travel(channels["now"], tick=False):
        call_command("crosspost_check_tokens", stdout=open("/dev/null", "w"))
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert "manager@example.com" in recipients
    assert "changer@example.com" not in recipients  # manages other channels, not Locked
    german = next(m for m in mail.outbox if m.to == ["manager@example.com"])
    assert "läuft" in german.subject or "Anmeldung" in german.subject
    for message in mail.outbox:
        assert TOKEN not in message.subject + message.body
        assert REFRESH not in message.subject + message.body


def test_four_days_later_the_later_login_is_due_and_the_expired_one_no_more(channels):
    with time_machine.travel(channels["now"] + timedelta(days=4), tick=False):
        call_command("crosspost_check_tokens", stdout=open("/dev/null", "w"))
    subjects = [m.subject for m in mail.outbox]
    assert subjects and all("Later" in s for s in subjects)  # expires in 6 days now
    assert not any("Locked" in s for s in subjects)  # expired a day ago: no more warning
