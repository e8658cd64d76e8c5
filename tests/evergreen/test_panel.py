"""Re-sharing in the editor's Publish-to panel: the choice and the variants are saved with the
page, a too-long variant blocks the save with the channel and by how much, and the counters count
a variant as the re-share goes out (its UTM link and hashtags)."""

import re

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from tests.factories import ChannelFactory
from tests.testapp.models import ArticlePage
from wagtail_crosspost.compose.length import measure
from wagtail_crosspost.evergreen.models import EvergreenPage, EvergreenSettings
from wagtail_crosspost.models import Publication
from wagtail_crosspost.views.evergreen_page import too_long_by

pytestmark = pytest.mark.django_db
PREFIX = "crosspost_evergreen"


def form_data(page, evergreen=None, title=None):
    data = nested_form_data(
        {
            "title": title or page.title,
            "slug": page.slug or "new-page",
            "intro": getattr(page, "intro", ""),
            "body": rich_text("<p>Body</p>"),
            "tags": "",
            "comments": inline_formset([]),
            "crosspost_choices": inline_formset([], initial=0),
        }
    )
    for key, value in (evergreen or {}).items():
        data[f"{PREFIX}-{key}"] = value
    data["action-publish"] = "1"
    return data


@pytest.fixture
def resharing(channel):
    EvergreenSettings.objects.create(channel=channel, enabled=True)
    return channel


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def test_the_panel_shows_re_sharing_only_where_a_channel_re_shares(admin_client, home, channel):
    page = home.add_child(instance=ArticlePage(title="Guide", intro="How to."))
    html = admin_client.get(edit_url(page)).content.decode()
    assert f'name="{PREFIX}-reshare"' not in html
    EvergreenSettings.objects.create(channel=channel, enabled=True)
    html = admin_client.get(edit_url(page)).content.decode()
    assert f'name="{PREFIX}-reshare"' in html
    assert f'name="{PREFIX}-variant_all_0"' in html
    assert f'name="{PREFIX}-variant_{channel.pk}_4"' in html
    assert 'id="crosspost-evergreen-channels"' in html  # what the live counters count for


def test_an_editor_turns_re_sharing_off_and_adds_variants_in_the_panel(
    admin_client, home, resharing
):
    page = home.add_child(instance=ArticlePage(title="Guide", intro="How to."))
    data = form_data(
        page,
        {"reshare": "no", "variant_all_0": "Still true", f"variant_{resharing.pk}_1": "Hi"},
    )
    response = admin_client.post(edit_url(page), data)
    assert response.status_code == 302
    record = EvergreenPage.objects.get(page=page)
    assert record.reshare == "no"
    assert record.variants == [
        {"channel": None, "text": "Still true"},
        {"channel": resharing.pk, "text": "Hi"},
    ]
    html = admin_client.get(edit_url(page)).content.decode()
    assert "Still true" in html
    assert re.search(rf'name="{PREFIX}-reshare" value="no"[^>]*checked', html)


def test_a_new_page_gets_its_choice_once_it_is_saved(admin_client, home, resharing):
    url = reverse("wagtailadmin_pages:add", args=["testapp", "articlepage", home.pk])
    data = form_data(ArticlePage(title="Brand new", intro="Hi."), {"reshare": "until"})
    data[f"{PREFIX}-until"] = "2040-01-31"
    data["slug"] = "brand-new"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = ArticlePage.objects.get(slug="brand-new")
    record = EvergreenPage.objects.get(page=page)
    assert (record.reshare, str(record.until)) == ("until", "2040-01-31")


def test_a_too_long_variant_blocks_the_save_and_says_channel_and_by_how_much(
    admin_client, home, resharing
):
    page = home.add_child(instance=ArticlePage(title="Guide", intro="How to."))
    text = "x" * 520
    response = admin_client.post(
        edit_url(page), form_data(page, {"reshare": "yes", "variant_all_0": text})
    )
    html = response.content.decode()
    assert response.status_code == 200  # the edit form again, with the error
    over = too_long_by(page, resharing, text)
    assert over > 20
    assert f"Too long for {resharing} by {over} characters." in html
    assert not EvergreenPage.objects.exists()


def test_a_form_without_the_re_sharing_fields_saves_and_changes_nothing(
    admin_client, home, resharing
):
    page = home.add_child(instance=ArticlePage(title="Guide", intro="How to."))
    EvergreenPage.objects.create(page=page, reshare="no", variants=[{"channel": None, "text": "A"}])
    response = admin_client.post(edit_url(page), form_data(page))
    assert response.status_code == 302
    assert EvergreenPage.objects.get(page=page).variants == [{"channel": None, "text": "A"}]


def test_a_user_who_may_not_choose_channels_sees_the_choice_read_only(
    client, django_user_model, home, resharing
):
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupPagePermission

    group = Group.objects.create(name="Writers")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for codename in ("add_page", "change_page"):
        GroupPagePermission.objects.create(
            group=group, page=home, permission=Permission.objects.get(codename=codename)
        )
    writer = django_user_model.objects.create_user("writer", "w@example.com", "pw")
    writer.groups.add(group)
    client.force_login(writer)
    page = home.add_child(instance=ArticlePage(title="Guide", intro="How to."))
    html = client.get(edit_url(page)).content.decode()
    assert f'name="{PREFIX}-variant_all_0"' in html and "disabled" in html
    data = form_data(page, {"reshare": "no", "variant_all_0": "Forged"})
    data.pop("action-publish")
    client.post(edit_url(page), data)
    assert not EvergreenPage.objects.exists()


def test_the_counter_counts_a_variant_as_the_re_share_is_sent(admin_client, home):
    channel = ChannelFactory(name="Tracked", options={"utm": True})
    EvergreenSettings.objects.create(channel=channel, enabled=True)
    page = home.add_child(instance=ArticlePage(title="Guide", intro="How to."))
    Publication.objects.create(
        page=page, channel=channel, kind="reshare", generation=11, status="posted"
    )
    url = reverse("wagtail_crosspost:preview")
    common = {
        "channel": channel.pk,
        "page": page.pk,
        "message": "Again: {url} {hashtags}",
        "tags": "a, b",
    }
    first = admin_client.post(url, common).json()
    again = admin_client.post(url, {**common, "reshare": "12"}).json()
    assert "utm_campaign=evergreen" in again["text"] and "utm_content=12" in again["text"]
    assert "utm_campaign=evergreen" not in first["text"]
    assert again["count"] == measure(again["text"], "locmem")
    assert again["count"] > first["count"]  # the re-share's own UTM parameters count
    assert again["additions_label"] == "+ 2 hashtags, + tracking link"
    # The panel asks with the number of the page's next re-share on the channel.
    html = admin_client.get(edit_url(page)).content.decode()
    assert f'"id": {channel.pk}, "name": "Tracked", "number": 12' in html
