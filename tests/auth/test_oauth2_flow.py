"""OAuth 2 connect flows end to end against the local authorization server (oauthlib)."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.urls import reverse

from tests.auth.authserver import CLIENTS, REDIRECT_URI
from wagtail_crosspost import crypto
from wagtail_crosspost.auth import store
from wagtail_crosspost.models import Channel, Publication

pytestmark = pytest.mark.django_db


def _flows(client) -> dict:
    session = client.session
    return crypto.decrypt(session[store.SESSION_KEY])


def _tamper(client, change) -> None:
    session = client.session
    data = crypto.decrypt(session[store.SESSION_KEY])
    change(data)
    session[store.SESSION_KEY] = crypto.encrypt(data)
    session.save()


def test_start_redirects_to_the_provider_with_state_and_s256_challenge(flow, authserver):
    response = flow.start("linkedin")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == authserver.url_for(
        "/oauth/authorize"
    )
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == "linkedin-app-id"
    assert query["redirect_uri"] == REDIRECT_URI
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) >= 32
    assert "w_organization_social" in query["scope"].split()
    # The challenge is S256 of the verifier kept (encrypted) in the session.
    stored = _flows(flow.client)["flows"][query["state"]]
    digest = hashlib.sha256(stored["verifier"].encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    # The session holds no plain verifier: the blob is a Fernet token.
    assert stored["verifier"] not in str(dict(flow.client.session.items()))
    assert "client_secret" not in response["Location"]


def test_linkedin_success_lists_pages_and_saves_encrypted_tokens(flow, authserver):
    choose_url = flow.until_choice("linkedin")
    page = flow.get(choose_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Erika Mustermann" in html  # the member
    assert "Muster Maschinenbau GmbH" in html  # the Page the member administers
    assert "Other Org AG" not in html  # ANALYST cannot post
    response = flow.post(choose_url, {"account": "urn:li:organization:5515715", "name": ""})
    assert response.status_code == 302
    channel = Channel.objects.get()
    assert response["Location"] == reverse("wagtail_crosspost_channels:edit", args=[channel.pk])
    assert channel.platform == "linkedin"
    assert channel.name == "Muster Maschinenbau GmbH"
    assert channel.options["author_urn"] == "urn:li:organization:5515715"
    assert channel.status == Channel.Status.OK
    issued = authserver.issued[-1]
    credentials = channel.get_credentials()
    assert credentials["access_token"] == issued["access_token"]
    assert credentials["refresh_token"] == issued["refresh_token"]
    assert channel.token_expires_at is not None
    # Encrypted at rest: the raw column is a Fernet token without the access token.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials FROM wagtail_crosspost_channel WHERE id = %s", [channel.pk]
        )
        raw = cursor.fetchone()[0]
    assert issued["access_token"] not in raw and raw.startswith("gAAAA")
    # The confidential client authenticated in the form body (LinkedIn's way).
    assert authserver.client_auth_methods == ["body"]
    # The pending connection is single use.
    assert flow.get(choose_url).status_code == 400


def test_wrong_state_is_rejected_and_nothing_is_saved(flow, authserver):
    response = flow.start("linkedin")
    callback = flow.authorize(response["Location"])
    response = flow.callback(callback, state="forged-" + "x" * 40)
    assert response.status_code == 400
    assert "state" in response.content.decode()
    assert Channel.objects.count() == 0
    # The code was never sent to the token endpoint.
    assert not authserver.requests_to("POST", "/oauth/token")


def test_missing_state_is_rejected(flow):
    response = flow.start("linkedin")
    callback = flow.authorize(response["Location"])
    parts = urlsplit(callback)
    params = {k: v[0] for k, v in parse_qs(parts.query).items() if k != "state"}
    response = flow.client.get(parts.path, params)
    assert response.status_code == 400
    assert Channel.objects.count() == 0


def test_expired_flow_is_rejected(flow, monkeypatch):
    response = flow.start("linkedin")
    callback = flow.authorize(response["Location"])
    _tamper(
        flow.client,
        lambda data: [f.update(created=f["created"] - 3600) for f in data["flows"].values()],
    )
    response = flow.callback(callback)
    assert response.status_code == 400
    assert Channel.objects.count() == 0


def test_pkce_is_required_a_missing_verifier_fails_the_exchange_cleanly(flow, authserver):
    response = flow.start("linkedin")
    callback = flow.authorize(response["Location"])
    _tamper(flow.client, lambda data: [f.pop("verifier") for f in data["flows"].values()])
    response = flow.callback(callback)
    assert response.status_code == 400
    html = response.content.decode()
    assert "did not accept the authorization" in html
    assert "Nothing was saved" in html
    sent = authserver.requests_to("POST", "/oauth/token")[-1]
    assert "code_verifier" not in sent.form
    assert authserver.issued == []
    assert Channel.objects.count() == 0


def test_a_wrong_verifier_is_refused(flow, authserver):
    response = flow.start("linkedin")
    callback = flow.authorize(response["Location"])
    _tamper(
        flow.client,
        lambda data: [f.update(verifier="w" * 64) for f in data["flows"].values()],
    )
    response = flow.callback(callback)
    assert response.status_code == 400
    assert authserver.issued == [] and Channel.objects.count() == 0


def test_the_server_itself_requires_pkce(authserver):
    """The fake is strict: an authorization request without a challenge never yields a code."""
    answer = requests.get(
        authserver.url_for("/oauth/authorize"),
        params={
            "response_type": "code",
            "client_id": "linkedin-app-id",
            "redirect_uri": REDIRECT_URI,
            "state": "s" * 32,
        },
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302
    assert "error=invalid_request" in answer.headers["Location"]
    assert "code=" not in answer.headers["Location"]


def test_a_code_cannot_be_replayed(flow, authserver):
    response = flow.start("linkedin")
    callback = flow.authorize(response["Location"])
    old_verifier = next(iter(_flows(flow.client)["flows"].values()))["verifier"]
    response = flow.callback(callback)
    assert response.status_code == 302
    choose_url = response["Location"]
    flow.post(choose_url, {"account": "urn:li:person:AbC123xYz"})
    channel = Channel.objects.get()
    saved = channel.get_credentials()

    # The same callback again: the state is spent.
    again = flow.callback(callback)
    assert again.status_code == 400
    assert len(authserver.requests_to("POST", "/oauth/token")) == 1

    # A fresh flow carrying the old code (and its verifier): the server refuses the spent code.
    response = flow.start(channel=channel)
    new_state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    _tamper(flow.client, lambda data: data["flows"][new_state].update(verifier=old_verifier))
    code = parse_qs(urlsplit(callback).query)["code"][0]
    replay = flow.client.get(urlsplit(callback).path, {"code": code, "state": new_state})
    flow.pages.append(replay.content.decode())
    assert replay.status_code == 400
    assert "invalid_grant" in replay.content.decode() or "did not accept" in replay.content.decode()
    assert len(authserver.issued) == 1
    channel.refresh_from_db()
    assert channel.get_credentials() == saved


def test_redirect_uri_must_match_the_registered_one(flow, oauth_settings, authserver):
    oauth_settings.WAGTAILCROSSPOST_PLATFORMS["linkedin"]["REDIRECT_URI"] = "http://evil.test/cb/"
    response = flow.start("linkedin")
    answer = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert answer.status_code == 400  # never redirected to an unregistered address
    assert "evil.test" not in answer.headers.get("Location", "")


def test_wrong_client_secret_is_refused_without_showing_it(flow, oauth_settings, authserver):
    oauth_settings.WAGTAILCROSSPOST_PLATFORMS["linkedin"]["CLIENT_SECRET"] = "wrong-SECRET-9999"
    response = flow.start("linkedin")
    callback = flow.authorize(response["Location"])
    response = flow.callback(callback)
    assert response.status_code == 400
    assert "wrong-SECRET-9999" not in response.content.decode()
    assert Channel.objects.count() == 0


def test_the_platform_denies_access(flow):
    response = flow.start("linkedin")
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    response = flow.client.get(
        reverse("wagtail_crosspost:auth:callback"),
        {
            "state": state,
            "error": "user_cancelled_authorize",
            "error_description": "The user cancelled",
        },
    )
    assert response.status_code == 400
    assert "user_cancelled_authorize" in response.content.decode()
    assert Channel.objects.count() == 0


def test_missing_app_credentials_send_the_admin_to_the_developer(flow, oauth_settings):
    """The administrator reads what to do, not a settings key; the system check names the key."""
    del oauth_settings.WAGTAILCROSSPOST_PLATFORMS["linkedin"]["CLIENT_SECRET"]
    response = flow.start("linkedin")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ask your developer to configure the LinkedIn app." in html
    assert "https://wagtail-crosspost.readthedocs.io/en/latest/how-to/linkedin/" in html
    assert "WAGTAILCROSSPOST_" not in html and "CLIENT_SECRET" not in html


def test_reconnect_keeps_history_and_the_refresh_token(flow, authserver, monkeypatch):
    flow.connect("linkedin", account="urn:li:organization:5515715")
    channel = Channel.objects.get()
    first = channel.get_credentials()
    Publication.objects.create(channel=channel, page_title="Old post", status="posted")
    channel.mark(Channel.Status.NEEDS_RECONNECT, "Token expired")
    resumed = []
    monkeypatch.setattr("wagtail_crosspost.outbox.health.resume_channel", resumed.append)

    authserver.issue_refresh_token = False  # LinkedIn sends none this time
    choose_url = flow.until_choice(channel=channel)
    page = flow.get(choose_url)
    assert page.context["selected"] == "urn:li:organization:5515715"  # the current account
    flow.post(choose_url, {"account": "urn:li:organization:5515715"})

    assert Channel.objects.count() == 1
    channel.refresh_from_db()
    credentials = channel.get_credentials()
    assert (
        credentials["access_token"]
        == authserver.issued[-1]["access_token"]
        != first["access_token"]
    )
    assert credentials["refresh_token"] == first["refresh_token"]
    assert channel.status == Channel.Status.OK
    assert channel.publications.count() == 1
    assert [c.pk for c in resumed] == [channel.pk]


def test_x_oauth2_uses_basic_client_auth_and_lists_the_user(flow, authserver):
    authserver.expires_in = 7200
    flow.connect("x", protocol="oauth2")
    channel = Channel.objects.get()
    assert channel.options["auth"] == "oauth2"
    credentials = channel.get_credentials()
    assert credentials["access_token"] == authserver.issued[-1]["access_token"]
    assert credentials["refresh_token"]
    assert abs(credentials["expires_at"] - channel.token_expires_at.timestamp()) < 2
    assert authserver.client_auth_methods == ["basic"]
    assert "X account" in channel.status_detail
    # The X adapter reads what was stored.
    adapter = channel.get_adapter()
    assert adapter.auth_mode == "oauth2"
    assert adapter.credentials["expires_at"] == credentials["expires_at"]


def test_facebook_exchanges_for_a_long_lived_token_and_keeps_only_the_page_token(flow, authserver):
    choose_url = flow.until_choice("facebook")
    html = flow.get(choose_url).content.decode()
    assert "Muster Maschinen" in html
    assert "Read-only Page" not in html  # no CREATE_CONTENT task
    flow.post(choose_url, {"account": "1001"})
    channel = Channel.objects.get()
    assert channel.options["page_id"] == "1001"
    assert channel.get_credentials()["page_access_token"] == authserver.page_tokens["1001"]
    assert "access_token" not in channel.get_credentials()  # the user token is not kept
    assert channel.token_expires_at is None
    exchange = authserver.requests_to("GET", "/graph/oauth/access_token")
    assert [r.value("grant_type") for r in exchange] == ["authorization_code", "fb_exchange_token"]


def test_instagram_lists_business_accounts_linked_to_pages(flow, authserver, oauth_settings):
    # No "instagram" settings: the Facebook app's credentials serve.
    choose_url = flow.until_choice("instagram")
    page = flow.get(choose_url)
    assert [a["id"] for a in page.context["accounts"]] == ["17841400000000001"]
    assert "@muster.maschinen" in page.content.decode()
    flow.post(choose_url, {"account": "17841400000000001", "name": "Instagram"})
    channel = Channel.objects.get()
    assert channel.name == "Instagram"
    assert channel.options["ig_user_id"] == "17841400000000001"
    assert channel.get_credentials()["access_token"] == authserver.page_tokens["1001"]


def test_threads_exchanges_for_a_60_day_token(flow, authserver):
    flow.connect("threads")
    channel = Channel.objects.get()
    assert channel.options["user_id"] == "th-member-1"
    assert (
        authserver.requests_to("GET", "/threads/access_token")[0].value("client_secret")
        == (CLIENTS["threads-app-id"])
    )
    from django.utils import timezone

    days = (channel.token_expires_at - timezone.now()).days
    assert 58 <= days <= 60


def test_a_huge_answer_from_an_authorization_server_is_refused_unread(monkeypatch):
    """Server addresses are entered by admins (Mastodon): a hostile one must not fill memory."""
    from wagtail_crosspost.adapters import http
    from wagtail_crosspost.adapters.oauth import Client, Unavailable
    from wagtail_crosspost.testing import FakeServer

    monkeypatch.setattr(http, "MAX_ANSWER_BYTES", 1000)
    with FakeServer() as server:
        server.add_route("POST", r"/oauth/token", lambda request: {"access_token": "x" * 5000})
        with pytest.raises(Unavailable) as info:
            Client("Example").request("POST", server.url_for("/oauth/token"), data={"a": "b"})
    assert "AnswerTooLarge" in info.value.message


def test_a_platform_that_does_not_answer_gets_a_readable_page_not_a_502(flow, authserver):
    """A gateway status would let a proxy in front of the site swap the page for its own."""
    response = flow.start("linkedin")
    callback = flow.authorize(response["Location"])
    authserver.fail(503, {"error": "temporarily_unavailable"}, path="/oauth/token")
    response = flow.callback(callback)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The account was not connected" in html
    assert 'role="alert"' in html
    assert Channel.objects.count() == 0
