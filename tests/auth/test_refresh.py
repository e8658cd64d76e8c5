"""Token refresh: the task, the command, and what a failure does to the channel."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import ChannelFactory
from wagtail_crosspost.auth import refresh
from wagtail_crosspost.models import Channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def x_channel(flow, authserver):
    authserver.expires_in = 7200  # X: two hours
    flow.connect("x", protocol="oauth2")
    return Channel.objects.get()


def test_refresh_renews_an_expiring_token_and_stores_the_rotated_refresh_token(
    x_channel, authserver
):
    before = x_channel.get_credentials()
    assert refresh.refresh_due() == {}  # 2 h left, X's margin is 45 min: not due yet
    counts = refresh.refresh_due(timedelta(hours=3))
    assert counts == {refresh.REFRESHED: 1}
    x_channel.refresh_from_db()
    after = x_channel.get_credentials()
    latest = authserver.issued[-1]
    assert after["access_token"] == latest["access_token"] != before["access_token"]
    assert after["refresh_token"] == latest["refresh_token"] != before["refresh_token"]
    assert authserver.refresh_tokens[before["refresh_token"]]["revoked"]  # rotated
    assert after["expires_at"] == int(x_channel.token_expires_at.timestamp())
    assert x_channel.status == Channel.Status.OK


def test_refresh_keeps_the_refresh_token_when_the_provider_omits_it(x_channel, authserver):
    before = x_channel.get_credentials()
    authserver.rotate_refresh_tokens = False
    authserver.issue_refresh_token = False
    assert refresh.refresh_due(timedelta(hours=3)) == {refresh.REFRESHED: 1}
    x_channel.refresh_from_db()
    after = x_channel.get_credentials()
    assert after["access_token"] != before["access_token"]
    assert after["refresh_token"] == before["refresh_token"]


def test_a_refused_refresh_marks_the_channel_needs_reconnect(x_channel, authserver):
    refresh_token = x_channel.get_credentials()["refresh_token"]
    authserver.refresh_tokens[refresh_token]["revoked"] = True
    assert refresh.refresh_due(timedelta(hours=3)) == {refresh.FAILED: 1}
    x_channel.refresh_from_db()
    assert x_channel.status == Channel.Status.NEEDS_RECONNECT
    assert "Renewing the X access token failed" in x_channel.status_detail
    assert "invalid_grant" in x_channel.status_detail
    assert refresh_token not in x_channel.status_detail


def test_an_unreachable_platform_is_tried_again_later(x_channel, authserver):
    authserver.fail(503, {"error": "temporarily_unavailable"}, path="/oauth/token")
    assert refresh.refresh_due(timedelta(hours=3)) == {refresh.RETRY: 1}
    x_channel.refresh_from_db()
    assert x_channel.status == Channel.Status.OK
    assert refresh.refresh_due(timedelta(hours=3)) == {refresh.REFRESHED: 1}


def test_threads_refresh(flow, authserver):
    flow.connect("threads")
    channel = Channel.objects.get()
    before = channel.get_credentials()["access_token"]
    # Threads' margin is 7 days; 61 days covers a 60-day token.
    assert refresh.refresh_due(timedelta(days=61)) == {refresh.REFRESHED: 1}
    channel.refresh_from_db()
    assert channel.get_credentials()["access_token"] != before
    assert authserver.requests_to("GET", "/threads/refresh_access_token")[0].value(
        "grant_type"
    ) == ("th_refresh_token")


def test_a_token_that_cannot_be_renewed_warns_then_needs_reconnect(db):
    soon = timezone.now() + timedelta(days=3)
    channel = ChannelFactory(
        platform="linkedin",
        options={"author_urn": "urn:li:organization:1"},
        token_expires_at=soon,
        status=Channel.Status.OK,
    )
    channel.set_credentials({"access_token": "li-token-without-refresh"})
    channel.save()
    assert refresh.refresh_due() == {refresh.EXPIRING: 1}
    channel.refresh_from_db()
    assert channel.status == Channel.Status.OK
    assert "cannot be renewed automatically" in channel.status_detail

    Channel.objects.filter(pk=channel.pk).update(token_expires_at=timezone.now() - timedelta(1))
    assert refresh.refresh_due() == {refresh.EXPIRED: 1}
    channel.refresh_from_db()
    assert channel.status == Channel.Status.NEEDS_RECONNECT
    assert "expired" in channel.status_detail


def test_the_command_and_the_task(x_channel):
    out = StringIO()
    call_command("crosspost_refresh_tokens", stdout=out)
    assert out.getvalue().strip() == "No token is due for renewal."
    call_command("crosspost_refresh_tokens", "--hours", "3", stdout=out)
    assert "1 refreshed" in out.getvalue()
    result = refresh.refresh_tokens.enqueue(hours=3)
    assert result.return_value == {refresh.REFRESHED: 1}


def test_refresh_without_app_credentials_names_the_setting(x_channel, oauth_settings, authserver):
    del oauth_settings.WAGTAILCROSSPOST_PLATFORMS["x"]["CLIENT_ID"]
    assert refresh.refresh_due(timedelta(hours=3)) == {refresh.RETRY: 1}
    x_channel.refresh_from_db()
    assert x_channel.status == Channel.Status.OK
    assert 'WAGTAILCROSSPOST_PLATFORMS["x"]["CLIENT_ID"]' in x_channel.status_detail
    assert not authserver.requests_to("POST", "/oauth/token")[1:]  # only the connect's exchange
