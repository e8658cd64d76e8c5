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


# -- adding a channel -------------------------------------------------------------------------


def test_the_platform_choice_has_wagtails_header_and_no_settings_keys(admin_client, settings):
    settings.WAGTAILCROSSPOST_PLATFORMS = {}  # no app configured for LinkedIn, Meta or X
    html = admin_client.get(reverse("wagtail_crosspost_channels:add")).content.decode()
    assert 'class="w-slim-header' in html or "w-breadcrumbs" in html
    assert "Add a channel" in html
    assert "WAGTAILCROSSPOST_" not in html and "CLIENT_ID" not in html
    assert "Ask your developer to configure the LinkedIn app." in html
    assert "https://wagtail-crosspost.readthedocs.io/en/latest/how-to/linkedin/" in html


def test_development_adapters_are_hidden_in_production(admin_client, settings):
    settings.DEBUG = False
    settings.WAGTAILCROSSPOST_SHOW_DEV_ADAPTERS = False
    add = reverse("wagtail_crosspost_channels:add")
    html = admin_client.get(add).content.decode()
    assert 'data-platform="mastodon"' in html
    assert 'data-platform="locmem"' not in html and 'data-platform="console"' not in html
    assert admin_client.get(add + "?platform=console").status_code == 404
    response = admin_client.post(add + "?platform=locmem", {"name": "x", "on_unpublish": "keep"})
    assert response.status_code == 404
    assert not Channel.objects.exists()


@pytest.mark.parametrize("switch", ["DEBUG", "WAGTAILCROSSPOST_SHOW_DEV_ADAPTERS"])
def test_development_adapters_are_offered_when_allowed(admin_client, settings, switch):
    settings.DEBUG = False
    setattr(settings, switch, True)
    add = reverse("wagtail_crosspost_channels:add")
    html = admin_client.get(add).content.decode()
    assert 'data-platform="console"' in html and 'data-platform="locmem"' in html
    assert "nothing leaves this site" in html
    assert admin_client.get(add + "?platform=console").status_code == 200


def test_an_existing_development_channel_can_still_be_edited(admin_client, settings):
    settings.DEBUG = False
    channel = ChannelFactory(platform="locmem", name="Test wall")
    assert edit_page(admin_client, channel)
