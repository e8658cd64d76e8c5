from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.urls import reverse

from tests.auth.authserver import CLIENTS, CONSUMER_KEY, CONSUMER_SECRET, FakeAuthServer


@pytest.fixture
def authserver():
    with FakeAuthServer() as server:
        yield server


@pytest.fixture
def oauth_settings(settings, authserver):
    u = authserver.url
    settings.ROOT_URLCONF = "tests.auth.urls"
    settings.WAGTAILCROSSPOST_PLATFORMS = {
        "linkedin": {
            "CLIENT_ID": "linkedin-app-id",
            "CLIENT_SECRET": CLIENTS["linkedin-app-id"],
            "AUTHORIZE_URL": u + "/oauth/authorize",
            "TOKEN_URL": u + "/oauth/token",
            "REVOKE_URL": u + "/oauth/revoke",
            "API_URL": u + "/li",
        },
        "x": {
            "CLIENT_ID": "x-app-id",
            "CLIENT_SECRET": CLIENTS["x-app-id"],
            "CONSUMER_KEY": CONSUMER_KEY,
            "CONSUMER_SECRET": CONSUMER_SECRET,
            "AUTHORIZE_URL": u + "/oauth/authorize",
            "TOKEN_URL": u + "/oauth/token",
            "REVOKE_URL": u + "/oauth/revoke",
            "API_URL": u + "/x",
            "REQUEST_TOKEN_URL": u + "/oauth1/request_token",
            "OAUTH1_AUTHORIZE_URL": u + "/oauth1/authorize",
            "ACCESS_TOKEN_URL": u + "/oauth1/access_token",
            "INVALIDATE_URL": u + "/oauth1/invalidate_token",
        },
        "facebook": {
            "CLIENT_ID": "meta-app-id",
            "CLIENT_SECRET": CLIENTS["meta-app-id"],
            "AUTHORIZE_URL": u + "/oauth/authorize",
            "TOKEN_URL": u + "/graph/oauth/access_token",
            "API_URL": u + "/graph",
        },
        "threads": {
            "CLIENT_ID": "threads-app-id",
            "CLIENT_SECRET": CLIENTS["threads-app-id"],
            "AUTHORIZE_URL": u + "/oauth/authorize",
            "TOKEN_URL": u + "/oauth/token",
            "API_URL": u + "/threads",
        },
    }
    return settings


class Flow:
    """Drives a connect flow: the admin in the Django test client, the platform over HTTP."""

    def __init__(self, client, server):
        self.client = client
        self.server = server
        self.pages: list[str] = []  # every HTML page the admin saw

    def start(self, platform="", channel=None, protocol=""):
        data = {"protocol": protocol}
        if channel is not None:
            data["channel"] = channel.pk
        else:
            data["platform"] = platform
        response = self.client.post(reverse("wagtail_crosspost:auth:start"), data)
        self.pages.append(response.content.decode())
        return response

    def authorize(self, location):
        """The platform's consent screen, approved: returns the callback URL it redirects to."""
        answer = requests.get(location, allow_redirects=False, timeout=5)
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]

    def callback(self, url, **changes):
        parts = urlsplit(url)
        params = dict(parse_qsl(parts.query))
        params.update(changes)
        response = self.client.get(parts.path, params)
        self.pages.append(response.content.decode())
        return response

    def get(self, url):
        response = self.client.get(url)
        self.pages.append(response.content.decode())
        return response

    def post(self, url, data):
        response = self.client.post(url, data)
        self.pages.append(response.content.decode())
        return response

    def until_choice(self, platform="", channel=None, protocol=""):
        """start → platform → callback; returns the choose-account page's URL."""
        response = self.start(platform, channel, protocol)
        assert response.status_code == 302, response.content
        callback = self.authorize(response["Location"])
        response = self.callback(callback)
        assert response.status_code == 302, response.content.decode()
        return response["Location"]

    def connect(self, platform="", channel=None, protocol="", account=None, name=""):
        choose_url = self.until_choice(platform, channel, protocol)
        page = self.get(choose_url)
        assert page.status_code == 200
        data = {"account": account or page.context["selected"], "name": name}
        response = self.post(choose_url, data)
        assert response.status_code == 302, response.content.decode()
        return response


@pytest.fixture
def flow(admin_client, authserver, oauth_settings):
    return Flow(admin_client, authserver)
