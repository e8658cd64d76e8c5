"""The page's re-sharing choice and variants: saved in one record, a too-long variant refused
with the channel's name and by how much."""

import pytest
from django.urls import reverse

from wagtail_crosspost.evergreen.models import EvergreenPage
from wagtail_crosspost.views.evergreen_page import too_long_by

pytestmark = pytest.mark.django_db


def test_an_editor_turns_re_sharing_off_and_adds_variants(admin_client, make_pages, channel):
    [page] = make_pages(1)
    url = reverse("wagtail_crosspost:reshare_page", args=[page.pk])
    assert admin_client.get(url).status_code == 200
    data = {"reshare": "no", "variant_all_0": "Still <b>true</b>", f"variant_{channel.pk}_0": "Hi"}
    response = admin_client.post(url, data)
    assert response.status_code == 302
    record = EvergreenPage.objects.get(page=page)
    assert record.reshare == "no"
    assert record.variants == [
        {"channel": None, "text": "Still <b>true</b>"},
        {"channel": channel.pk, "text": "Hi"},
    ]
    html = admin_client.get(url).content.decode()
    assert "Still &lt;b&gt;true&lt;/b&gt;" in html  # escaped, shown again


def test_a_too_long_variant_names_the_channel_and_by_how_much(admin_client, make_pages, channel):
    channel.platform = "mastodon"
    channel.options = {"instance_url": "https://social.example"}
    channel.save()
    [page] = make_pages(1)
    url = reverse("wagtail_crosspost:reshare_page", args=[page.pk])
    response = admin_client.post(url, {"reshare": "yes", "variant_all_0": "x" * 600})
    html = response.content.decode()
    assert response.status_code == 200 and "Too long for Alpha" in html
    over = too_long_by(page, channel, "x" * 600)
    assert over > 100  # Mastodon's 500, the link counted as 23
    assert f"Too long for {channel} by {over} characters." in html
    assert not EvergreenPage.objects.exists()


def test_until_needs_a_date(admin_client, make_pages):
    [page] = make_pages(1)
    url = reverse("wagtail_crosspost:reshare_page", args=[page.pk])
    response = admin_client.post(url, {"reshare": "until"})
    assert "Give the last day" in response.content.decode()
