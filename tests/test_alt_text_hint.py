"""A missing alt text on the image that will be sent is flagged in the Publish-to row, with a link
to Wagtail's edit page of the image (where its description is the alt text)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import ChannelFactory, make_image

pytestmark = pytest.mark.django_db


def row_of(html: str, channel) -> str:
    return html.split(f'data-channel="{channel.pk}"')[1].split("</li>")[0]


def alt_hint(row: str) -> str:
    return row.split("data-crosspost-alt", 1)[1].split("</p>")[0]


def edit_page(client, page) -> str:
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_image_without_description_is_flagged_with_a_link(admin_client, make_article):
    channel = ChannelFactory(name="Fediverse")  # locmem: sends alt text
    image = make_image(title="IMG_4711.jpg")
    image.description = ""
    image.save()
    page = make_article(image=image)
    hint = alt_hint(row_of(edit_page(admin_client, page), channel))
    assert not hint.startswith(" hidden")
    assert "has no description (alt text)" in hint
    assert f'href="{reverse("wagtailimages:edit", args=[image.pk])}"' in hint


def test_an_image_with_a_description_is_not_flagged(admin_client, make_article):
    channel = ChannelFactory(name="Fediverse")
    page = make_article(image=make_image())
    assert alt_hint(row_of(edit_page(admin_client, page), channel)).startswith(" hidden")


def test_a_platform_without_alt_text_is_not_flagged(admin_client, make_article, settings):
    settings.WAGTAILCROSSPOST_ADAPTERS = [
        "wagtail_crosspost.adapters.locmem.LocmemAdapter",
        "wagtail_crosspost.adapters.telegram.TelegramAdapter",
    ]
    channel = ChannelFactory(name="Telegram", platform="telegram")
    image = make_image()
    image.description = ""
    image.save()
    page = make_article(image=image)
    assert alt_hint(row_of(edit_page(admin_client, page), channel)).startswith(" hidden")


def test_the_preview_says_so_for_the_image_chosen_now(admin_client, make_article):
    channel = ChannelFactory(name="Fediverse")
    page = make_article(image=make_image())
    bare = make_image(title="scan.png")
    bare.description = ""
    bare.save()
    url = reverse("wagtail_crosspost:preview")
    data = admin_client.post(url, {"channel": channel.pk, "page": page.pk}).json()
    assert data["image"]["alt_missing"] is False
    data = admin_client.post(
        url, {"channel": channel.pk, "page": page.pk, "override_image": bare.pk}
    ).json()
    assert data["image"]["alt_missing"] is True
    assert data["image"]["alt"] == "scan.png"  # what goes out instead
    assert data["image"]["edit_url"] == reverse("wagtailimages:edit", args=[bare.pk])
