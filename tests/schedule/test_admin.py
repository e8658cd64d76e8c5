"""Settings → Posting schedules: add, bad input changes nothing, German, permissions."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import translation

from wagtail_crosspost.schedule.models import ChannelSchedule

pytestmark = pytest.mark.django_db
ADD = "wagtail_crosspost_schedules:add"


def form(channel, **values):
    return {
        "channel": channel.pk,
        "time_zone": "Europe/Berlin",
        "slots": "Tue 09:00, Thu 09:00",
        "default_timing": "slot",
        "delay_minutes": "0",
        "min_gap_minutes": "60",
        **values,
    }


def test_an_administrator_adds_a_schedule(admin_client, channel):
    response = admin_client.post(reverse(ADD), form(channel, slots="do 9:00, di 09:00"))
    assert response.status_code == 302
    schedule = ChannelSchedule.objects.get()
    assert (schedule.channel, schedule.slots) == (channel, "Tue 09:00, Thu 09:00")
    index = admin_client.get(reverse("wagtail_crosspost_schedules:index")).content.decode()
    assert "Tue 09:00, Thu 09:00" in index and "Europe/Berlin" in index


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"slots": "Tuesday at nine"}, "&quot;Tuesday at nine&quot; is not a slot"),
        ({"time_zone": "Berlin"}, "&quot;Berlin&quot; is not a known time zone"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_saves_nothing(admin_client, channel, values, message):
    response = admin_client.post(reverse(ADD), form(channel, **values))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ChannelSchedule.objects.exists()


def test_the_form_speaks_german(admin_client, channel):
    with translation.override("de"):
        response = admin_client.post(
            reverse(ADD), form(channel, slots="Dienstag um neun"), HTTP_ACCEPT_LANGUAGE="de"
        )
    html = response.content.decode()
    assert "ist kein Zeitfenster" in html, html[:300]
    assert "Zeitzone" in html


def test_editors_without_the_channel_permission_cannot_open_it(client, django_user_model, channel):
    user = django_user_model.objects.create_user("ed", password="pw")
    editors = Group.objects.create(name="Ed")
    editors.permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(editors)
    client.force_login(user)
    response = client.get(reverse(ADD))
    assert response.status_code in (302, 403)
    assert not ChannelSchedule.objects.exists()
    editors.permissions.add(Permission.objects.get(codename="change_channel"))
    assert client.get(reverse("wagtail_crosspost_schedules:index")).status_code == 200
