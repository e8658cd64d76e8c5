"""The Publish-to tab warns about a channel whose server could not be reached, before the
editor ticks it: the reason, and a link to the channel for those who may change it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import ChannelFactory
from tests.testapp.models import ArticlePage
from wagtail_crosspost.models import Channel

pytestmark = pytest.mark.django_db

REASON = "Nothing was sent: the server “mastodn.example” could not be found. Check the address."


def edit_page_html(client, home) -> str:
    page = ArticlePage(title="News", intro="An intro.")
    home.add_child(instance=page)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    return response.content.decode()


def row_of(html: str, channel: Channel) -> str:
    return html.split(f'data-channel="{channel.pk}"')[1].split("</li>")[0]


def test_a_broken_channel_is_marked_before_it_is_ticked(admin_client, home):
    broken = ChannelFactory(name="Fediverse")
    broken.mark(Channel.Status.ERROR, REASON)
    fine = ChannelFactory(name="Intranet")
    html = edit_page_html(admin_client, home)
    row = row_of(html, broken)
    assert "data-crosspost-attention" in row
    assert "This channel needs attention" in row
    assert "“mastodn.example” could not be found. Check the address." in row
    assert f'href="{reverse("wagtail_crosspost_channels:edit", args=[broken.pk])}"' in row
    assert "checked" not in row.split("data-crosspost-attention")[0]  # not ticked, only marked
    assert "data-crosspost-attention" not in row_of(html, fine)


def test_an_editor_without_channel_rights_is_told_whom_to_ask(client, home, django_user_model):
    from django.contrib.auth.models import Group

    editor = django_user_model.objects.create_user("ed", password="pw")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    broken = ChannelFactory(name="Fediverse")
    broken.mark(Channel.Status.ERROR, REASON)
    row = row_of(edit_page_html(client, home), broken)
    assert "Check the address." in row
    assert "Ask an administrator to check the channel." in row
    assert reverse("wagtail_crosspost_channels:edit", args=[broken.pk]) not in row


def test_the_german_panel_says_it_in_german(admin_client, home, admin_user):
    from tests.factories import set_admin_preferences

    set_admin_preferences(admin_user, preferred_language="de")
    broken = ChannelFactory(name="Fediverse")
    broken.mark(Channel.Status.ERROR, REASON)
    row = row_of(edit_page_html(admin_client, home), broken)
    assert "Dieser Kanal braucht Aufmerksamkeit" in row
    assert "Kanal prüfen" in row


def test_a_channel_to_reconnect_links_to_the_channel(admin_client, home):
    """The links need the user's rights in the panel's own context (Django's ``perms`` is not
    there): before, the Reconnect link was never shown."""
    waiting = ChannelFactory(name="Bluesky")
    waiting.mark(Channel.Status.NEEDS_RECONNECT, "Token expired")
    row = row_of(edit_page_html(admin_client, home), waiting)
    assert f'href="{reverse("wagtail_crosspost_channels:edit", args=[waiting.pk])}"' in row
    assert "data-crosspost-attention" not in row  # one warning, not two
