"""X's three-legged OAuth 1.0a against oauthlib's server-side signature validation."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.auth.authserver import CONSUMER_KEY, CONSUMER_SECRET
from wagtail_crosspost.models import Channel

pytestmark = pytest.mark.django_db


def test_oauth1_flow_saves_the_four_values_the_adapter_needs(flow, authserver):
    response = flow.start("x", protocol="oauth1")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/oauth1/authorize"
    request_token = parse_qs(location.query)["oauth_token"][0]
    assert request_token in authserver.request_tokens  # signed request accepted by oauthlib

    callback = flow.authorize(response["Location"])
    assert "oauth_verifier=" in callback
    response = flow.callback(callback)
    assert response.status_code == 302
    page = flow.get(response["Location"])
    assert "@muster" in page.content.decode()
    flow.post(response["Location"], {"account": "2244994945"})

    channel = Channel.objects.get()
    assert channel.platform == "x"
    assert channel.options["auth"] == "oauth1"
    issued = authserver.issued[-1]
    credentials = channel.get_credentials()
    assert credentials["consumer_key"] == CONSUMER_KEY
    assert credentials["consumer_secret"] == CONSUMER_SECRET
    assert credentials["access_token"] == issued["oauth_token"]
    assert credentials["access_token_secret"] == issued["oauth_token_secret"]
    assert channel.token_expires_at is None  # OAuth 1.0a tokens do not expire
    assert request_token not in authserver.request_tokens  # spent at the server too
    adapter = channel.get_adapter()
    assert adapter.auth_mode == "oauth1"


def test_oauth1_callback_cannot_be_replayed(flow, authserver):
    response = flow.start("x", protocol="oauth1")
    callback = flow.authorize(response["Location"])
    assert flow.callback(callback).status_code == 302
    again = flow.callback(callback)
    assert again.status_code == 400
    assert len(authserver.requests_to("POST", "/oauth1/access_token")) == 1


def test_oauth1_wrong_verifier_is_refused_by_the_server(flow, authserver):
    response = flow.start("x", protocol="oauth1")
    callback = flow.authorize(response["Location"])
    response = flow.callback(callback, oauth_verifier="forged" * 5)
    assert response.status_code == 400
    assert authserver.oauth1_tokens == {}
    assert Channel.objects.count() == 0


def test_oauth1_unknown_request_token_is_refused_here(flow, authserver):
    response = flow.start("x", protocol="oauth1")
    callback = flow.authorize(response["Location"])
    response = flow.callback(callback, oauth_token="someoneelsestoken00000000")
    assert response.status_code == 400
    assert not authserver.requests_to("POST", "/oauth1/access_token")


def test_oauth1_denied(flow):
    response = flow.start("x", protocol="oauth1")
    token = parse_qs(urlsplit(response["Location"]).query)["oauth_token"][0]
    response = flow.client.get("/admin/crosspost/connect/callback/", {"denied": token})
    assert response.status_code == 400
    assert "denied" in response.content.decode()
    assert Channel.objects.count() == 0


def test_oauth1_disconnect_invalidates_the_token_with_a_valid_signature(flow, authserver):
    flow.connect("x", protocol="oauth1")
    channel = Channel.objects.get()
    token = channel.get_credentials()["access_token"]
    response = flow.post(f"/admin/crosspost/connect/channels/{channel.pk}/disconnect/", {})
    assert response.status_code == 302
    assert authserver.oauth1_invalidated == [token]
    channel.refresh_from_db()
    assert channel.get_credentials() == {}
    assert channel.status == Channel.Status.NEEDS_RECONNECT
