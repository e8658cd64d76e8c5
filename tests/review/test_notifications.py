"""E-mail (Django's locmem backend) to the people who should act, in their admin language, and
never a token: every test greps the whole mail outbox for the channel's secrets."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from tests import scripted
from tests.factories import ChannelFactory, publish, set_admin_preferences
from tests.review.conftest import grant
from wagtail_crosspost.adapters.base import AmbiguousError, AuthError, PermanentError
from wagtail_crosspost.choices import choose
from wagtail_crosspost.models import Channel, Publication
from wagtail_crosspost.outbox import delivery

pytestmark = pytest.mark.django_db

ACCESS = "tok-access-8f3a9c"
REFRESH = "tok-refresh-77b2e1"


@pytest.fixture(autouse=True)
def scripted_adapter(settings):
    settings.WAGTAILCROSSPOST_ADAPTERS = ["tests.scripted.ScriptedAdapter"]
    scripted.SCRIPT.clear()
    scripted.CALLS.clear()


@pytest.fixture
def channel(company):
    channel = ChannelFactory(platform="scripted", name="Scripted", site=company["site"])
    channel.set_credentials({"access_token": ACCESS, "nested": {"refresh_token": REFRESH}})
    channel.status = Channel.Status.OK
    channel.save()
    grant(company["managers"], channel, "manage")
    return channel


def planned(company, channel, user):
    page = company["page"]
    choose(page, channel, enabled=True)
    page.save()
    publish(page, user=user)
    return Publication.objects.get(page=page, channel=channel)


def recipients() -> set[str]:
    return {address for message in mail.outbox for address in message.to}


def assert_no_secret() -> None:
    everything = "".join(
        f"{m.subject}\n{m.body}\n{m.from_email}\n{m.to}\n{m.extra_headers}" for m in mail.outbox
    )
    assert ACCESS not in everything and REFRESH not in everything


def test_a_failed_post_mails_its_editor_and_the_channel_managers(company, channel):
    users = company["users"]
    row = planned(company, channel, users["editor_with"])
    scripted.SCRIPT.append(PermanentError(f"Rejected: bad token {ACCESS}"))
    assert delivery.deliver(row.pk) == "failed"
    # Manage is restricted to the managers: neither other channel admins nor superusers.
    assert recipients() == {"agency@example.com", "manager@example.com"}
    message = mail.outbox[0]
    assert message.subject == "Posting “Open day” to Scripted failed"
    assert "Reason: Rejected: bad token [redacted]" in message.body
    inspect = reverse("wagtail_crosspost_log:inspect", args=[row.pk])
    assert f"See the post in the publication log: http://testserver{inspect}" in message.body
    assert_no_secret()


def test_an_unknown_post_asks_to_check(company, channel):
    row = planned(company, channel, company["users"]["editor_with"])
    scripted.SCRIPT.append(AmbiguousError("Timed out after sending"))
    assert delivery.deliver(row.pk) == "unknown"
    assert {m.subject for m in mail.outbox} == {"Check the post of “Open day” on Scripted"}
    assert_no_secret()


def test_each_recipient_reads_their_admin_language(company, channel):
    set_admin_preferences(company["users"]["manager"], preferred_language="de")
    row = planned(company, channel, company["users"]["editor_with"])
    scripted.SCRIPT.append(PermanentError("Rejected"))
    delivery.deliver(row.pk)
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert (
        subjects["manager@example.com"] == "Posten von „Open day“ im Kanal Scripted fehlgeschlagen"
    )
    assert subjects["agency@example.com"] == "Posting “Open day” to Scripted failed"
    assert_no_secret()


def test_a_channel_needing_reconnection_mails_its_managers_once(company, channel):
    row = planned(company, channel, company["users"]["editor_with"])
    scripted.SCRIPT.append(AuthError(f"Token {REFRESH} expired"))
    delivery.deliver(row.pk)
    assert Channel.objects.get(pk=channel.pk).needs_reconnect
    assert [m.to for m in mail.outbox] == [["manager@example.com"]]
    message = mail.outbox[0]
    assert message.subject == "The channel Scripted needs to be reconnected"
    edit = reverse("wagtail_crosspost_channels:edit", args=[channel.pk])
    assert f"Reconnect it here: http://testserver{edit}" in message.body
    # Still needing reconnection: no second mail.
    Channel.objects.get(pk=channel.pk).mark(Channel.Status.NEEDS_RECONNECT, "Still expired")
    assert len(mail.outbox) == 1
    assert_no_secret()


def test_a_deliberate_disconnect_mails_nobody(company, channel):
    channel.set_credentials({})
    channel.status = Channel.Status.NEEDS_RECONNECT
    channel.save(update_fields=["credentials", "status"])
    assert mail.outbox == []


def test_an_unrestricted_channel_mails_everyone_who_may_change_channels_on_its_site(company):
    open_channel = company["open"]
    open_channel.mark(Channel.Status.NEEDS_RECONNECT, "Expired")
    # Not the beta site's channel admin: the channel is not on their site.
    assert recipients() == {"manager@example.com", "changer@example.com", "r@example.com"}


def test_notifications_can_be_turned_off(settings, company, channel):
    settings.WAGTAILCROSSPOST_NOTIFICATIONS = False
    row = planned(company, channel, company["users"]["editor_with"])
    scripted.SCRIPT.append(PermanentError("Rejected"))
    delivery.deliver(row.pk)
    channel.mark(Channel.Status.NEEDS_RECONNECT, "Expired")
    assert mail.outbox == []
