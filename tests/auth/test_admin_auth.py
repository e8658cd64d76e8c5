"""Permissions, methods, disconnect and revoke, the connection box, and the system check."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.template.loader import render_to_string
from django.urls import reverse

from tests.factories import ChannelFactory
from wagtail_crosspost.auth.checks import check_app_credentials, check_platform_settings
from wagtail_crosspost.auth.ui import connect_context, token_expiry
from wagtail_crosspost.models import Channel

pytestmark = pytest.mark.django_db


def refused(response) -> bool:
    """Wagtail's admin turns PermissionDenied into a redirect to the dashboard with a message."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    )


@pytest.fixture
def editor(client, django_user_model, oauth_settings):
    user = django_user_model.objects.create_user("editor", "e@example.com", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    return user


def test_anonymous_users_are_sent_to_the_login(client, oauth_settings):
    response = client.post(reverse("wagtail_crosspost:auth:start"), {"platform": "linkedin"})
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_admin_users_without_channel_permissions_are_refused(client, editor, authserver):
    response = client.post(reverse("wagtail_crosspost:auth:start"), {"platform": "linkedin"})
    assert refused(response)
    channel = ChannelFactory(platform="linkedin")
    response = client.post(reverse("wagtail_crosspost:auth:start"), {"channel": channel.pk})
    assert refused(response)
    response = client.post(reverse("wagtail_crosspost:auth:disconnect", args=[channel.pk]))
    assert refused(response)
    channel.refresh_from_db()
    assert channel.status == Channel.Status.UNTESTED
    assert not authserver.requests


def test_add_permission_may_connect_new_channels_only(client, editor, flow):
    editor.user_permissions.add(Permission.objects.get(codename="add_channel"))
    response = client.post(reverse("wagtail_crosspost:auth:start"), {"platform": "linkedin"})
    assert response.status_code == 302
    channel = ChannelFactory(platform="linkedin")
    response = client.post(reverse("wagtail_crosspost:auth:start"), {"channel": channel.pk})
    assert refused(response)


def test_start_is_post_only_and_csrf_protected(admin_user, oauth_settings):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    url = reverse("wagtail_crosspost:auth:start")
    assert client.get(url, {"platform": "linkedin"}).status_code == 405
    assert client.post(url, {"platform": "linkedin"}).status_code == 403  # no CSRF token


def test_unknown_platform_is_404(admin_client, oauth_settings):
    response = admin_client.post(reverse("wagtail_crosspost:auth:start"), {"platform": "telegram"})
    assert response.status_code == 404


def test_a_flow_started_by_another_user_cannot_be_completed(flow, django_user_model, authserver):
    response = flow.start("linkedin")
    callback = flow.authorize(response["Location"])
    other = django_user_model.objects.create_superuser("other", "o@example.com", "pw")
    session_key = flow.client.session.session_key
    flow.client.force_login(other)  # a new session: the flow is not in it
    assert flow.client.session.session_key != session_key
    response = flow.callback(callback)
    assert response.status_code == 400
    assert Channel.objects.count() == 0


def test_disconnect_revokes_and_clears_credentials(flow, authserver):
    flow.connect("linkedin", account="urn:li:organization:5515715")
    channel = Channel.objects.get()
    token = channel.get_credentials()["refresh_token"]
    url = reverse("wagtail_crosspost:auth:disconnect", args=[channel.pk])
    page = flow.get(url)
    assert page.status_code == 200 and "revoked" in page.content.decode()
    assert authserver.revoked == []  # GET changes nothing
    response = flow.post(url, {})
    assert response.status_code == 302
    assert authserver.revoked == [token]
    channel.refresh_from_db()
    assert channel.get_credentials() == {}
    assert channel.status == Channel.Status.NEEDS_RECONNECT
    assert channel.token_expires_at is None


def test_disconnect_does_not_revoke_a_token_another_channel_uses(flow, authserver):
    flow.connect("linkedin", account="urn:li:organization:5515715")
    first = Channel.objects.get()
    second = ChannelFactory(platform="linkedin", name="Copy")
    second.set_credentials(first.get_credentials())
    second.save()
    flow.post(reverse("wagtail_crosspost:auth:disconnect", args=[first.pk]), {})
    assert authserver.revoked == []
    second.refresh_from_db()
    assert second.get_credentials()  # untouched


def test_disconnect_meta_only_forgets(flow, authserver):
    flow.connect("facebook", account="1001")
    channel = Channel.objects.get()
    flow.post(reverse("wagtail_crosspost:auth:disconnect", args=[channel.pk]), {})
    channel.refresh_from_db()
    assert channel.get_credentials() == {}
    assert not authserver.requests_to("POST", "/oauth/revoke")


def test_connect_panel_shows_buttons_expiry_and_disconnect(flow, authserver):
    authserver.expires_in = 7200
    flow.connect("x", protocol="oauth2")
    channel = Channel.objects.get()
    html = render_to_string(
        "wagtail_crosspost/auth/connect_panel.html", {"connect": connect_context(channel)}
    )
    assert "Access token: valid for 1" in html  # "valid for 1 hour, 59 minutes (until …)"
    assert "Reconnect: Connect with X (OAuth 2.0)" in html
    assert "Reconnect: Connect with X (OAuth 1.0a)" in html
    assert reverse("wagtail_crosspost:auth:disconnect", args=[channel.pk]) in html
    assert token_expiry(channel).startswith("valid for 1")


def test_connect_buttons_for_a_new_channel_name_missing_settings(oauth_settings):
    del oauth_settings.WAGTAILCROSSPOST_PLATFORMS["threads"]["CLIENT_ID"]
    html = render_to_string(
        "wagtail_crosspost/auth/connect_buttons.html",
        {"connect": connect_context(platform="threads")},
    )
    assert 'name="platform" value="threads"' in html
    assert "disabled" in html
    assert "WAGTAILCROSSPOST_PLATFORMS" not in html and "CLIENT_ID" not in html
    assert "Ask your developer to configure the Threads app." in html
    assert 'href="https://wagtail-crosspost.readthedocs.io/en/latest/how-to/threads/"' in html
    assert connect_context(platform="telegram")["buttons"] == []
    # Mastodon needs no app credentials (it registers itself on each server): the admin names
    # the server instead.
    [mastodon] = connect_context(platform="mastodon")["buttons"]
    assert mastodon["needs_server"] and not mastodon["missing"]


def test_system_check_names_the_missing_setting(settings, monkeypatch):
    settings.WAGTAILCROSSPOST_PLATFORMS = {}
    ChannelFactory(platform="linkedin", name="Our Page")
    ChannelFactory(platform="x", name="Legacy X", options={"auth": "oauth1"})
    messages = check_app_credentials(None)
    text = "\n".join(m.msg for m in messages)
    assert 'WAGTAILCROSSPOST_PLATFORMS["linkedin"]["CLIENT_ID"]' in text
    assert 'WAGTAILCROSSPOST_PLATFORMS["linkedin"]["CLIENT_SECRET"]' in text
    assert 'WAGTAILCROSSPOST_PLATFORMS["x"]["CONSUMER_KEY"]' in text
    assert "Our Page" in text
    assert {m.id for m in messages} == {"wagtail_crosspost.W101"}
    assert any("WAGTAILCROSSPOST_LINKEDIN_CLIENT_ID" in m.hint for m in messages)
    # The environment is a fallback.
    monkeypatch.setenv("WAGTAILCROSSPOST_LINKEDIN_CLIENT_ID", "from-env")
    monkeypatch.setenv("WAGTAILCROSSPOST_LINKEDIN_CLIENT_SECRET", "from-env")
    text = "\n".join(m.msg for m in check_app_credentials(None))
    assert "linkedin" not in text


def test_system_check_is_quiet_without_oauth_channels(settings):
    settings.WAGTAILCROSSPOST_PLATFORMS = {}
    ChannelFactory(platform="locmem")
    assert check_app_credentials(None) == []


def test_platform_settings_shape_is_checked(settings):
    settings.WAGTAILCROSSPOST_PLATFORMS = {"linkedin": "oops", "x": {"CLIENT_ID": "a", "TYPO": 1}}
    ids = sorted(m.id for m in check_platform_settings(None))
    assert ids == ["wagtail_crosspost.E101", "wagtail_crosspost.W102"]
