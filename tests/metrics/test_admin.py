"""Settings → Engagement figures: switch a channel's figures off; the health and what the
platform gives show in the list, in English and German."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import ChannelFactory
from wagtail_crosspost.metrics.models import ChannelMetricsSettings

pytestmark = pytest.mark.django_db
ADD = "wagtail_crosspost_metrics_settings:add"
INDEX = "wagtail_crosspost_metrics_settings:index"


def test_an_administrator_switches_figures_off(admin_client, channel):
    response = admin_client.post(reverse(ADD), {"channel": channel.pk})  # unticked: off
    assert response.status_code == 302, response.content.decode()[:500]
    assert ChannelMetricsSettings.objects.get(channel=channel).fetch_figures is False
    index = admin_client.get(reverse(INDEX)).content.decode()
    assert channel.name in index and "Switched off" in index


def test_the_list_says_telegram_gives_no_figures_and_shows_failures(admin_client):
    telegram = ChannelFactory(platform="telegram", name="News on Telegram")
    ChannelMetricsSettings.objects.create(channel=telegram)
    mastodon = ChannelFactory(platform="mastodon", name="Company Mastodon")
    ChannelMetricsSettings.objects.create(
        channel=mastodon, error="Figures could not be read: Mastodon had a problem"
    )
    index = admin_client.get(reverse(INDEX)).content.decode()
    assert "No figures: Telegram gives none." in index
    assert "Figures could not be read: Mastodon had a problem" in index
    with translation.override("de"):
        german = admin_client.get(reverse(INDEX), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Keine Kennzahlen: Telegram liefert keine." in german


def test_editors_without_the_channel_permission_cannot_open_it(client, django_user_model):
    user = django_user_model.objects.create_user("ed", password="pw")
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    response = client.get(reverse(INDEX))
    assert response.status_code in (302, 403)
