"""The connect wizard: the callback URL to paste, the scopes and the app-review steps for Meta,
LinkedIn and X; the app's keys entered in the admin, kept encrypted, and checked live against the
strict OAuth fake (tests/auth/authserver.py: oauthlib answers "invalid_client" for keys it does
not know). Keys in the settings still win."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from tests.auth.authserver import CLIENTS
from wagtail_crosspost.adapters.provider import get_provider
from wagtail_crosspost.models import PlatformApp

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_keys_in_settings(oauth_settings):
    """The fake's endpoints, but no app keys in the settings: the wizard provides them."""
    oauth_settings.WAGTAILCROSSPOST_PLATFORMS = {
        key: {k: v for k, v in value.items() if k not in ("CLIENT_ID", "CLIENT_SECRET")}
        for key, value in oauth_settings.WAGTAILCROSSPOST_PLATFORMS.items()
    }
    return oauth_settings


def wizard(platform):
    return reverse("wagtail_crosspost:auth:app", args=[platform])


@pytest.mark.parametrize("platform", ["facebook", "threads", "linkedin", "x"])
def test_the_page_guides_through_registering_the_app(admin_client, no_keys_in_settings, platform):
    html = admin_client.get(wizard(platform)).content.decode()
    callback = "http://testserver" + reverse("wagtail_crosspost:auth:callback")
    assert f'value="{callback}"' in html and "data-crosspost-copy" in html
    assert 'data-controller="w-clipboard' in html
    for scope in get_provider(platform).get_scopes():
        assert f"<code>{scope}</code>" in html
    steps = html.split("data-crosspost-wizard-steps>")[1].split("</ol>")[0]
    assert steps.count("<li>") == 4
    assert "App Review" in html or "review" in html.lower() or platform == "x"
    assert "w-breadcrumbs" in html or "breadcrumb" in html  # Wagtail's header bar


def test_keys_entered_in_the_admin_are_stored_encrypted_and_used(admin_client, no_keys_in_settings):
    provider = get_provider("linkedin")
    assert provider.missing_settings()  # nothing yet: the connect button is disabled
    response = admin_client.post(
        wizard("linkedin"),
        {"client_id": "linkedin-app-id", "client_secret": CLIENTS["linkedin-app-id"]},
        follow=True,
    )
    html = response.content.decode()
    assert "knows this app: the keys work" in html
    app = PlatformApp.objects.get(platform="linkedin")
    assert app.check_ok is True and app.checked_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT keys FROM wagtail_crosspost_platformapp")
        (raw,) = cursor.fetchone()
    assert CLIENTS["linkedin-app-id"] not in raw and "linkedin-app-id" not in raw
    assert CLIENTS["linkedin-app-id"] not in html  # the secret is never shown again
    provider = get_provider("linkedin")
    assert provider.client_id == "linkedin-app-id" and not provider.missing_settings()
    # An empty secret keeps the stored one.
    admin_client.post(wizard("linkedin"), {"client_id": "linkedin-app-id", "client_secret": ""})
    assert get_provider("linkedin").client_secret == CLIENTS["linkedin-app-id"]


@pytest.mark.parametrize("platform", ["facebook", "linkedin", "x"])
def test_wrong_keys_are_refused_by_the_live_check(admin_client, no_keys_in_settings, platform):
    client_id = {"facebook": "meta-app-id", "linkedin": "linkedin-app-id", "x": "x-app-id"}
    response = admin_client.post(
        wizard(platform),
        {"client_id": client_id[platform], "client_secret": "not-the-secret"},
        follow=True,
    )
    assert "does not accept these keys" in response.content.decode()
    assert PlatformApp.objects.get(platform=platform).check_ok is False
    good = admin_client.post(
        wizard(platform),
        {"client_id": client_id[platform], "client_secret": CLIENTS[client_id[platform]]},
        follow=True,
    )
    assert "the keys work" in good.content.decode()
    assert PlatformApp.objects.get(platform=platform).check_ok is True


def test_settings_win_over_the_stored_keys(admin_client, oauth_settings):
    PlatformApp.objects.create(
        platform="linkedin", keys={"CLIENT_ID": "stored-id", "CLIENT_SECRET": "stored"}
    )
    assert get_provider("linkedin").client_id == "linkedin-app-id"  # from the settings
    html = admin_client.get(wizard("linkedin")).content.decode()
    assert "data-crosspost-settings-win" in html


def test_only_administrators_set_up_apps(client, django_user_model, no_keys_in_settings):
    from django.contrib.auth.models import Permission

    editor = django_user_model.objects.create_user("ed", "ed@example.com", "pw")
    editor.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="add_channel"),
    )
    client.force_login(editor)
    # Wagtail's admin answers a refused permission with a redirect to the dashboard.
    for response in (
        client.get(wizard("linkedin")),
        client.post(wizard("linkedin"), {"client_id": "x", "client_secret": "y"}),
    ):
        assert response.status_code in (302, 403)
        assert "data-crosspost-callback-url" not in response.content.decode()
    assert not PlatformApp.objects.exists()


def test_an_unknown_platform_has_no_wizard(admin_client, no_keys_in_settings):
    assert admin_client.get(wizard("mastodon")).status_code == 404
