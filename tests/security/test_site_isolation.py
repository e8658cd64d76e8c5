"""Two sites: a crossposter of site B sees nothing of site A in any admin view, inspect page,
export, dashboard panel, preview or the JSON API (docs/reference/permissions.md)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import include, path, reverse
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site

from tests.factories import ChannelFactory, make_image, publish
from tests.testapp.models import ArticlePage, SimplePage
from wagtail_crosspost.choices import choose
from wagtail_crosspost.models import Channel, Publication

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("crosspost/api/", include("wagtail_crosspost.api_urls")),
    path("", include(wagtail_urls)),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

SECRET_TITLE = "Alpha merger plans"
SECRET_CHANNEL = "Alpha newsroom"
SECRET_ERROR = "Alpha token revoked"
OWN_TITLE = "Beta open day"


def _article(parent, title, channels):
    page = ArticlePage(title=title, intro="An intro.")
    parent.add_child(instance=page)
    for channel in channels:
        choose(page, channel, enabled=True)
    page.save()
    return page


@pytest.fixture
def two_sites(home, django_user_model, django_capture_on_commit_callbacks):
    site_a = Site.objects.get(is_default_site=True)
    root_b = Page.get_first_root_node().add_child(instance=SimplePage(title="Beta home"))
    site_b = Site.objects.create(hostname="beta.example", root_page=root_b)

    channel_a = ChannelFactory(name=SECRET_CHANNEL, site=site_a)
    channel_b = ChannelFactory(name="Beta newsroom", site=site_b)
    channel_all = ChannelFactory(name="Group wall")  # every site

    page_a = _article(home, SECRET_TITLE, [channel_a, channel_all])
    page_b = _article(root_b, OWN_TITLE, [channel_b, channel_all])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page_a)
        publish(page_b)
    # Site A's rows need attention: they would appear on the dashboard panel.
    Publication.objects.filter(page=page_a).update(status="failed", error=SECRET_ERROR)
    Channel.objects.filter(pk=channel_a.pk).update(status=Channel.Status.NEEDS_RECONNECT)

    group = Group.objects.create(name="Beta crossposters")
    group.permissions.add(
        *Permission.objects.filter(
            codename__in=[
                "access_admin",
                "crosspost_page",
                "view_publication",
                "add_channel",
                "change_channel",
                "delete_channel",
            ]
        )
    )
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=group, page=root_b, permission=Permission.objects.get(codename=codename)
        )
    user = django_user_model.objects.create_user("beta", "beta@example.com", "pw")
    user.groups.add(group)
    return {
        "user": user,
        "group": group,
        "page_a": page_a,
        "page_b": page_b,
        "channel_a": channel_a,
        "channel_b": channel_b,
        "channel_all": channel_all,
        "rows_a": list(Publication.objects.filter(page=page_a)),
        "rows_b": list(Publication.objects.filter(page=page_b)),
    }


@pytest.fixture
def beta_client(client, two_sites):
    client.force_login(two_sites["user"])
    return client


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _assert_no_site_a(text: str) -> None:
    for secret in (SECRET_TITLE, SECRET_CHANNEL, SECRET_ERROR):
        assert secret not in text


def test_the_helpers_give_each_site_its_own(two_sites, admin_user):
    user = two_sites["user"]
    visible = set(Publication.objects.visible_to(user))
    assert visible == set(two_sites["rows_b"])
    assert set(Channel.objects.visible_to(user)) == {
        two_sites["channel_b"],
        two_sites["channel_all"],
    }
    # Superusers see everything; a user without rights on any site sees nothing.
    assert Publication.objects.visible_to(admin_user).count() == 4
    assert Channel.objects.visible_to(admin_user).count() == 3


def test_a_user_without_page_rights_sees_no_publication_and_no_channel(
    two_sites, django_user_model
):
    reader = django_user_model.objects.create_user("reader", "r@example.com", "pw")
    reader.user_permissions.add(*Permission.objects.filter(codename="view_publication"))
    assert not Publication.objects.visible_to(reader).exists()
    assert not Channel.objects.visible_to(reader).exists()


def test_a_permission_on_the_tree_root_covers_every_site(two_sites, django_user_model):
    everywhere = Group.objects.create(name="All sites")
    GroupPagePermission.objects.create(
        group=everywhere,
        page=Page.get_first_root_node(),
        permission=Permission.objects.get(codename="change_page"),
    )
    user = django_user_model.objects.create_user("all", "all@example.com", "pw")
    user.groups.add(everywhere)
    assert Publication.objects.visible_to(user).count() == 4


def test_the_log_list_filters_and_exports_show_only_site_b(beta_client, two_sites):
    url = reverse("wagtail_crosspost_log:index")
    index = beta_client.get(url)
    assert index.status_code == 200
    html = _text(index)
    assert OWN_TITLE in html
    _assert_no_site_a(html)  # neither the rows nor the channel filter's choices
    for query in ("?status=failed", f"?channel={two_sites['channel_a'].pk}", "?q=Alpha"):
        _assert_no_site_a(_text(beta_client.get(url + query)))
    csv = beta_client.get(url + "?export=csv")
    assert csv.status_code == 200
    csv_text = _text(csv)
    assert OWN_TITLE in csv_text
    _assert_no_site_a(csv_text)
    xlsx = beta_client.get(url + "?export=xlsx")
    assert xlsx.status_code == 200
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    cells = " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
    assert OWN_TITLE in cells
    _assert_no_site_a(cells)


def test_the_inspect_page_of_a_site_a_row_is_not_found(beta_client, two_sites):
    for row in two_sites["rows_a"]:
        response = beta_client.get(reverse("wagtail_crosspost_log:inspect", args=[row.pk]))
        assert response.status_code == 404
        _assert_no_site_a(_text(response))
    own = two_sites["rows_b"][0]
    response = beta_client.get(reverse("wagtail_crosspost_log:inspect", args=[own.pk]))
    assert response.status_code == 200 and OWN_TITLE in _text(response)


def test_actions_on_site_a_rows_are_refused(beta_client, two_sites):
    row = two_sites["rows_a"][0]
    for url in (
        reverse("wagtail_crosspost:retry", args=[row.pk]),
        reverse("wagtail_crosspost:delete_remote", args=[row.pk]),
        reverse("wagtail_crosspost:test_connection", args=[two_sites["channel_a"].pk]),
    ):
        response = beta_client.post(url)
        assert response.status_code == 302 and response["Location"] == "/admin/", url
    row.refresh_from_db()
    assert row.status == "failed"
    assert beta_client.get(
        reverse("wagtail_crosspost:delete_remote", args=[row.pk])
    ).status_code in (302, 403)


def test_the_dashboard_panel_shows_no_site_a_trouble(beta_client, two_sites):
    html = _text(beta_client.get(reverse("wagtailadmin_home")))
    _assert_no_site_a(html)
    # The same trouble on site B is shown: the panel works for this user.
    Publication.objects.filter(pk=two_sites["rows_b"][0].pk).update(
        status="failed", error="Beta failure"
    )
    html = _text(beta_client.get(reverse("wagtailadmin_home")))
    assert "Beta failure" in html
    _assert_no_site_a(html)


def test_the_channel_screens_show_only_site_b_and_all_sites(beta_client, two_sites):
    index = _text(beta_client.get(reverse("wagtail_crosspost_channels:index")))
    assert "Beta newsroom" in index and "Group wall" in index
    _assert_no_site_a(index)
    for name in ("edit", "delete"):
        url = reverse(f"wagtail_crosspost_channels:{name}", args=[two_sites["channel_a"].pk])
        assert beta_client.get(url).status_code == 404, name
        assert beta_client.post(url).status_code == 404, name
    assert Channel.objects.filter(pk=two_sites["channel_a"].pk).exists()


def test_the_preview_refuses_site_a_channels_and_foreign_images(beta_client, two_sites):
    url = reverse("wagtail_crosspost:preview")
    page_b = two_sites["page_b"]
    response = beta_client.post(url, {"channel": two_sites["channel_a"].pk, "page": page_b.pk})
    assert response.status_code == 404 and "error" in response.json()
    response = beta_client.post(
        url, {"channel": two_sites["channel_b"].pk, "page": two_sites["page_a"].pk}
    )
    assert response.status_code == 403 and response.json()["error"]
    _assert_no_site_a(_text(response))
    # Images: only from collections the user may choose from.
    root = Collection.get_first_root_node()
    hidden = root.add_child(name="Alpha board")
    allowed = root.add_child(name="Beta pictures")
    GroupCollectionPermission.objects.create(
        group=two_sites["group"],
        collection=allowed,
        permission=Permission.objects.get(codename="choose_image"),
    )
    secret = make_image(title="Alpha secret image")
    secret.collection = hidden
    secret.save()
    own = make_image(title="Beta image")
    own.collection = allowed
    own.save()
    data = {"channel": two_sites["channel_b"].pk, "page": page_b.pk}
    shown = beta_client.post(url, {**data, "override_image": own.pk}).json()
    assert shown["image"] is not None
    refused = beta_client.post(url, {**data, "override_image": secret.pk}).json()
    assert refused["image"] is None or "secret" not in str(refused["image"]).lower()
    assert beta_client.post(url, {**data, "image": secret.pk}).json()["image"] is None


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "١", "", "1 OR 1=1", "9" * 40, "0x10"])
def test_the_preview_answers_400_for_bad_ids(admin_client, two_sites, value):
    url = reverse("wagtail_crosspost:preview")
    for key in ("channel", "page", "override_image", "image"):
        data = {"channel": two_sites["channel_b"].pk, key: value}
        if key == "channel" or value:
            response = admin_client.post(url, data)
            assert response.status_code == 400, (key, value)
            assert response.json()["error"], (key, value)


def test_the_api_does_not_show_site_a_publications(beta_client, two_sites):
    page_a, page_b = two_sites["page_a"], two_sites["page_b"]
    response = beta_client.get(f"/crosspost/api/pages/{page_a.pk}/publications/")
    assert response.status_code in (403, 404)
    _assert_no_site_a(_text(response))
    own = beta_client.get(f"/crosspost/api/pages/{page_b.pk}/publications/")
    assert own.status_code == 200
    assert {p["id"] for p in own.json()["publications"]} == {r.pk for r in two_sites["rows_b"]}


def test_the_channel_form_offers_only_the_users_sites(
    beta_client, two_sites, admin_client, settings
):
    settings.WAGTAILCROSSPOST_SHOW_DEV_ADAPTERS = True  # locmem: a development adapter
    site_a = Site.objects.get(is_default_site=True)
    site_b = two_sites["channel_b"].site
    url = reverse("wagtail_crosspost_channels:add") + "?platform=locmem"
    html = _text(beta_client.get(url))
    site_select = html.split('name="site"')[1].split("</select>")[0]
    assert f'<option value="{site_b.pk}"' in site_select
    assert f'<option value="{site_a.pk}"' not in site_select
    data = {"name": "Sneaky", "enabled": "on", "on_unpublish": "keep"}
    # Neither another site's channel nor one for every site (it would post for site A's pages).
    for site in (str(site_a.pk), ""):
        response = beta_client.post(url, {**data, "site": site})
        assert response.status_code == 200, site
        assert not Channel.objects.filter(name="Sneaky").exists()
    response = beta_client.post(url, {**data, "site": str(site_b.pk)})
    assert response.status_code == 302
    assert Channel.objects.get(name="Sneaky").site == site_b
    # Users with rights on every site may still make a channel for every site.
    response = admin_client.post(url, {**data, "name": "Everywhere", "site": ""})
    assert response.status_code == 302 and Channel.objects.get(name="Everywhere").site is None
