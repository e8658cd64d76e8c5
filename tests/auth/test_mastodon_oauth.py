"""Connect with Mastodon: the site registers itself on the server the administrator names, then
runs the authorization-code flow with PKCE (S256) and ``state``; disconnect revokes the token.

Against ``FakeMastodonAuth`` (oauthlib's server side with Mastodon's app registration), over
real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.cache import cache
from django.urls import reverse

from tests.auth.authserver import REDIRECT_URI
from tests.auth.conftest import Flow
from tests.auth.mastodon_authserver import FakeMastodonAuth
from wagtail_crosspost import crypto
from wagtail_crosspost.adapters.mastodon import MastodonAdapter
from wagtail_crosspost.adapters.mastodon.connect import MastodonProvider
from wagtail_crosspost.adapters.oauth import Refused
from wagtail_crosspost.adapters.provider import provider_for_channel
from wagtail_crosspost.auth import store
from wagtail_crosspost.models import Channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def mastodon():
    with FakeMastodonAuth() as server:
        yield server


@pytest.fixture
def mflow(admin_client, mastodon, settings):
    settings.ROOT_URLCONF = "tests.auth.urls"
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True  # the fake listens on 127.0.0.1
    settings.WAGTAILCROSSPOST_PLATFORMS = {}
    cache.clear()
    yield MastodonFlow(admin_client, mastodon)
    cache.clear()


class MastodonFlow(Flow):
    def start(self, platform="mastodon", channel=None, protocol="", server_url=None):
        data = {"protocol": protocol}
        if channel is not None:
            data["channel"] = channel.pk
        else:
            data["platform"] = platform
        if server_url is not None:
            data["server_url"] = server_url
        elif channel is None:
            data["server_url"] = self.server.url
        response = self.client.post(reverse("wagtail_crosspost:auth:start"), data)
        self.pages.append(response.content.decode())
        return response


def _flow_entry(client, state):
    return crypto.decrypt(client.session[store.SESSION_KEY])["flows"][state]


def _our_log(caplog) -> str:
    main = threading.main_thread().name
    return "\n".join(r.getMessage() for r in caplog.records if r.threadName == main)


def test_connect_registers_the_app_and_runs_pkce_with_state(mflow, mastodon):
    response = mflow.start()
    assert response.status_code == 302, response.content.decode()

    # The app was registered on that server, for our callback, with the narrow scopes.
    [registration] = mastodon.requests_to("POST", "/api/v1/apps")
    assert registration.value("redirect_uris") == REDIRECT_URI
    assert registration.value("scopes") == "write:statuses write:media read:accounts"
    [app] = mastodon.apps.values()

    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == mastodon.url_for(
        "/oauth/authorize"
    )
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["client_id"] == app["client_id"]
    assert query["redirect_uri"] == REDIRECT_URI
    assert query["scope"] == "write:statuses write:media read:accounts"
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) >= 32
    entry = _flow_entry(mflow.client, query["state"])
    digest = hashlib.sha256(entry["verifier"].encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert entry["server"] == mastodon.url
    assert app["client_secret"] not in response["Location"]

    # The platform approves; the callback exchanges the code with the verifier.
    callback = mflow.authorize(response["Location"])
    response = mflow.callback(callback)
    assert response.status_code == 302, response.content.decode()
    [exchange] = mastodon.requests_to("POST", "/oauth/token")
    assert exchange.value("code_verifier") == entry["verifier"]
    assert exchange.value("client_id") == app["client_id"]
    assert exchange.value("grant_type") == "authorization_code"

    page = mflow.get(response["Location"])
    assert page.status_code == 200
    assert "@news@127.0.0.1" in page.content.decode()
    response = mflow.post(response["Location"], {"account": "109876543210", "name": ""})
    assert response.status_code == 302

    channel = Channel.objects.get()
    assert channel.platform == "mastodon"
    assert channel.name == "@news@127.0.0.1"
    assert channel.options["server_url"] == mastodon.url
    assert channel.status == Channel.Status.OK
    assert channel.token_expires_at is None  # Mastodon tokens do not expire
    credentials = channel.get_credentials()
    [issued] = mastodon.issued
    assert credentials["access_token"] == issued["access_token"]
    assert credentials["client_id"] == app["client_id"]
    assert credentials["client_secret"] == app["client_secret"]
    assert "refresh_token" not in credentials
    # The adapter posts with what was saved (and the token works for verify_credentials).
    assert MastodonAdapter(channel).access_token == issued["access_token"]
    answer = requests.get(
        mastodon.url_for("/api/v1/accounts/verify_credentials"),
        headers={"Authorization": f"Bearer {credentials['access_token']}"},
        timeout=5,
    )
    assert answer.status_code == 200


def test_the_app_is_registered_once_per_server(mflow, mastodon):
    mflow.connect("mastodon")
    mflow.connect("mastodon")
    assert mastodon.registrations == 1
    assert Channel.objects.count() == 2
    # The cached app is encrypted: the client secret is not in the cache in the clear.
    [app] = mastodon.apps.values()
    key = MastodonProvider(mastodon.url)._app_cache_key(REDIRECT_URI)
    assert app["client_secret"] not in str(cache.get(key))


def test_a_server_that_forgot_the_app_gets_a_new_registration(mflow, mastodon):
    mflow.connect("mastodon")
    mastodon.apps.clear()  # the server's admin removed the app
    response = mflow.start()
    callback = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert callback.status_code == 400  # Mastodon refuses the unknown client
    # The cached app survives until the token exchange fails, so reset it the way that does:
    key = MastodonProvider(mastodon.url)._app_cache_key(REDIRECT_URI)
    provider = MastodonProvider(mastodon.url, {"client_id": "gone", "client_secret": "gone-x"})
    with pytest.raises(Refused):
        provider.token_request(
            provider.client(),
            {"grant_type": "authorization_code", "code": "x", "redirect_uri": REDIRECT_URI},
        )
    assert cache.get(key) is None
    mflow.connect("mastodon")
    assert mastodon.registrations == 2


def test_a_wrong_state_is_refused_before_anything_is_sent(mflow, mastodon):
    response = mflow.start()
    callback = mflow.authorize(response["Location"])
    response = mflow.callback(callback, state="forged-state")
    assert response.status_code == 400
    assert "does not belong to a connection started here" in response.content.decode()
    assert mastodon.requests_to("POST", "/oauth/token") == []
    assert not Channel.objects.exists()


def test_a_replayed_callback_is_refused(mflow, mastodon):
    response = mflow.start()
    callback = mflow.authorize(response["Location"])
    assert mflow.callback(callback).status_code == 302
    assert mflow.callback(callback).status_code == 400  # the state was single use
    assert len(mastodon.requests_to("POST", "/oauth/token")) == 1


def test_a_private_server_is_refused_unless_allowed(mflow, mastodon, settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    port = urlsplit(mastodon.url).port
    response = mflow.start(server_url=f"https://localhost:{port}")
    assert response.status_code == 400
    assert "points to this machine or a private network" in response.content.decode()
    response = mflow.start(server_url=mastodon.url)  # http://127.0.0.1:…
    assert response.status_code == 400
    assert mastodon.requests == []  # not even the registration was sent
    with pytest.raises(Refused, match="private network"):
        MastodonProvider.clean_server("https://10.1.2.3")
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
    assert MastodonProvider.clean_server(mastodon.url + "/") == mastodon.url


def test_the_server_is_checked_again_before_the_token_exchange_and_the_revocation(
    mflow, mastodon, settings
):
    # The name was public when the connection started; by the callback (or the disconnect) it
    # points into the private network (DNS rebinding). No code, verifier, client secret or
    # token may be sent there.
    response = mflow.start()
    callback = mflow.authorize(response["Location"])
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    response = mflow.callback(callback)
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()  # (the fake is also plain http)
    assert mastodon.requests_to("POST", "/oauth/token") == []
    assert not Channel.objects.exists()

    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
    mflow.connect("mastodon")
    channel = Channel.objects.get()
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    response = mflow.post(reverse("wagtail_crosspost:auth:disconnect", args=[channel.pk]), {})
    assert response.status_code == 302
    assert mastodon.requests_to("POST", "/oauth/revoke") == []
    channel.refresh_from_db()
    assert channel.get_credentials() == {}


def test_plain_http_is_refused_for_a_public_server(mflow, mastodon, settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    response = mflow.start(server_url="http://mastodon.example")
    assert response.status_code == 400
    assert "must start with https://" in response.content.decode()


def test_no_server_address_is_refused(mflow, mastodon):
    response = mflow.start(server_url="")
    assert response.status_code == 400
    assert mastodon.requests == []


def test_reconnect_keeps_the_server_and_reuses_the_channels_app(mflow, mastodon):
    mflow.connect("mastodon")
    channel = Channel.objects.get()
    old_token = channel.get_credentials()["access_token"]
    cache.clear()  # only the channel remembers the app now
    mflow.connect(channel=channel)
    channel.refresh_from_db()
    assert Channel.objects.count() == 1
    assert mastodon.registrations == 1
    assert channel.get_credentials()["access_token"] != old_token
    assert channel.options["server_url"] == mastodon.url


def test_disconnect_revokes_the_token_with_the_apps_credentials(mflow, mastodon):
    mflow.connect("mastodon")
    channel = Channel.objects.get()
    credentials = channel.get_credentials()
    page = mflow.get(reverse("wagtail_crosspost:auth:disconnect", args=[channel.pk]))
    assert "also revoked at Mastodon" in page.content.decode()
    response = mflow.post(reverse("wagtail_crosspost:auth:disconnect", args=[channel.pk]), {})
    assert response.status_code == 302
    [revoke] = mastodon.requests_to("POST", "/oauth/revoke")
    assert revoke.value("token") == credentials["access_token"]
    assert revoke.value("client_id") == credentials["client_id"]
    assert revoke.value("client_secret") == credentials["client_secret"]
    assert mastodon.revoked == [credentials["access_token"]]
    answer = requests.get(
        mastodon.url_for("/api/v1/accounts/verify_credentials"),
        headers={"Authorization": f"Bearer {credentials['access_token']}"},
        timeout=5,
    )
    assert answer.status_code == 401  # the token is dead at the server
    channel.refresh_from_db()
    assert channel.get_credentials() == {}
    assert channel.status == Channel.Status.NEEDS_RECONNECT


def test_a_pasted_token_cannot_be_revoked_from_here(mflow, mastodon):
    channel = Channel(platform="mastodon", name="Pasted", options={"server_url": mastodon.url})
    channel.set_credentials({"access_token": "pasted-token-0001"})
    channel.save()
    provider = provider_for_channel(channel)
    assert isinstance(provider, MastodonProvider)
    assert not provider.can_revoke
    mflow.post(reverse("wagtail_crosspost:auth:disconnect", args=[channel.pk]), {})
    assert mastodon.requests_to("POST", "/oauth/revoke") == []


def test_the_token_form_stays_an_alternative(mflow):
    assert MastodonAdapter.credential_fields == ("access_token",)
    page = mflow.get(reverse("wagtail_crosspost_channels:add") + "?platform=mastodon")
    assert page.status_code == 200
    assert 'name="credential_access_token"' in page.content.decode()
    chooser = mflow.get(reverse("wagtail_crosspost_channels:add")).content.decode()
    assert "Connect with Mastodon" in chooser
    assert 'name="server_url"' in chooser


def test_no_secret_in_any_page_or_log(mflow, mastodon, caplog):
    caplog.set_level(logging.DEBUG)
    mflow.connect("mastodon")
    channel = Channel.objects.get()
    mflow.get(reverse("wagtail_crosspost_channels:edit", args=[channel.pk]))
    mflow.get(reverse("wagtail_crosspost:auth:disconnect", args=[channel.pk]))
    mflow.callback("/admin/crosspost/connect/callback/?state=forged&code=forged")
    mflow.post(reverse("wagtail_crosspost:auth:disconnect", args=[channel.pk]), {})
    exchange = mastodon.requests_to("POST", "/oauth/token")[0]
    values = mastodon.secrets_issued + [exchange.value("code"), exchange.value("code_verifier")]
    assert len(values) >= 4
    texts = mflow.pages + [_our_log(caplog)]
    for value in values:
        assert value
        for text in texts:
            assert value not in text, f"a secret ({value[:4]}…) leaked"
