"""Connecting and disconnecting a channel goes into Wagtail's site history, with who did it and
never a token."""

from __future__ import annotations

import json

from django.urls import reverse
from wagtail.models import ModelLogEntry

from wagtail_crosspost.models import Channel


def test_connect_and_disconnect_are_in_the_site_history(flow, authserver, admin_user):
    flow.connect("linkedin", account="urn:li:organization:5515715")
    channel = Channel.objects.get()
    secrets = [v for v in channel.get_credentials().values() if isinstance(v, str) and v]
    flow.post(reverse("wagtail_crosspost:auth:disconnect", args=[channel.pk]), {})
    entries = ModelLogEntry.objects.filter(object_id=str(channel.pk)).order_by("timestamp", "pk")
    ours = [e for e in entries if e.action.startswith("wagtail_crosspost.")]
    assert [e.action for e in ours] == [
        "wagtail_crosspost.channel_connected",
        "wagtail_crosspost.channel_disconnected",
    ]
    assert all(e.user == admin_user for e in ours)
    stored = json.dumps([e.data for e in entries])
    assert secrets and not any(secret in stored for secret in secrets)
    history = flow.client.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    named = f"{channel.platform_label} ({channel.name})"  # the platform, then the channel's name
    assert f"Connected {named}" in history
    assert f"Disconnected {named}" in history
