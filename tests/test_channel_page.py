"""A channel's edit page says one thing about the channel: its health first, then its connection
(never "Needs reconnecting" above a blue "Connected")."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.urls import reverse

from tests.factories import ChannelFactory, set_admin_preferences
from wagtail_crosspost.models import Channel

pytestmark = pytest.mark.django_db


def state_boxes(html: str) -> list[tuple[str, str]]:
    """(level, text) of every status box on the page."""
    return [
        (level, html_lib.unescape(" ".join(re.sub(r"<[^>]+>", " ", inner).split())))
        for level, inner in re.findall(
            r'data-crosspost-channel-state="(\w+)"[^>]*>(.*?)</div>', html, re.S
        )
    ]


def make_channel(platform="mastodon", **fields):
    channel = ChannelFactory(
        platform=platform,
        name="Company news",
        options={"server_url": "https://social.example", "chat_id": "@news"},
        **fields,
    )
    channel.set_credentials({"access_token": "tok", "bot_token": "1:abc"})
    channel.save()
    return channel


def edit_page(client, channel) -> str:
    response = client.get(reverse("wagtail_crosspost_channels:edit", args=[channel.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("platform", ["mastodon", "telegram"])
def test_needs_reconnecting_is_the_only_message(admin_client, platform):
    channel = make_channel(
        platform,
        status=Channel.Status.NEEDS_RECONNECT,
        status_detail="Mastodon refused the channel's access token.",
    )
    html = edit_page(admin_client, channel)
    assert state_boxes(html) == [
        ("critical", "Needs reconnecting: Mastodon refused the channel's access token.")
    ]
    assert "Connected" not in html


def test_an_unreachable_server_is_not_called_connected_in_german(client, admin_user):
    set_admin_preferences(admin_user, preferred_language="de")
    client.force_login(admin_user)
    channel = make_channel(
        status=Channel.Status.ERROR, status_detail="social.example is not reachable."
    )
    html = edit_page(client, channel)
    assert state_boxes(html) == [("critical", "Fehler: social.example is not reachable.")]
    assert "Verbunden" not in html


def test_a_healthy_channel_says_so_once(admin_client):
    channel = make_channel(
        status=Channel.Status.OK, status_detail="Company news is connected. @news@social.example"
    )
    html = edit_page(admin_client, channel)
    [(level, text)] = state_boxes(html)
    assert level == "info"
    assert text.startswith("Company news is connected. @news@social.example")
    assert "Needs reconnecting" not in html and "help-critical" not in html


def test_a_new_channel_asks_for_a_test(admin_client):
    html = edit_page(admin_client, make_channel("telegram"))
    assert state_boxes(html) == [
        ("info", "Not tested yet: press “Test connection” to check the account.")
    ]
