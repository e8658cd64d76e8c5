"""The panel's link-card endpoint: page edit permission, site isolation, the live page fetched
at its public address, a page not live yet rendered in-process."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import ChannelFactory, make_image, publish
from tests.security.test_site_isolation import beta_client, two_sites  # noqa: F401
from wagtail_crosspost.testing.fakeserver import FakeServer, Response

pytestmark = pytest.mark.django_db

LIVE_HTML = (
    '<html><head><meta property="og:title" content="Live title">'
    '<meta property="og:image" content="/relative.png"></head><body></body></html>'
)


@pytest.fixture
def mastodon(db):
    return ChannelFactory(
        platform="mastodon", name="Toot", options={"server_url": "https://m.example"}
    )


def link_card(client, page, *channels):
    url = reverse("wagtail_crosspost:link_card", args=[page.pk])
    return client.get(url, {"channel": [c.pk for c in channels]})


def test_a_page_not_live_yet_is_rendered_from_its_latest_draft(
    admin_client, make_article, mastodon
):
    article = make_article(title="First draft", intro="", live=False)
    article.title = "Newest draft"
    article.save_revision()
    data = link_card(admin_client, article, mastodon).json()
    assert data["source"] == "rendered"
    assert data["card"]["title"] == "Newest draft"
    assert data["channels"] == {str(mastodon.pk): "mastodon"}
    assert [p["platform"] for p in data["platforms"]] == ["mastodon"]
    assert any(w.startswith("og:description is missing") for w in data["warnings"])
    assert any(w.startswith("og:image is missing") for w in data["warnings"])
    assert data["source_label"] == "The page is not live yet: checked as the latest draft renders."


def test_a_rendered_draft_with_a_media_path_warns_that_the_image_is_relative(
    admin_client, make_article, mastodon
):
    article = make_article(title="Pictured", live=False, image=make_image(1200, 630))
    data = link_card(admin_client, article, mastodon).json()
    assert "og:image is relative — set it to an absolute URL (https://…)." in data["warnings"]


def test_a_live_page_is_fetched_at_its_public_address(
    admin_client, make_article, mastodon, settings
):
    with FakeServer() as server:
        server.add_route(
            "GET",
            r"/live/",
            lambda r: Response(200, LIVE_HTML.encode(), {"Content-Type": "text/html"}),
        )
        settings.WAGTAILCROSSPOST_PAGE_URL = lambda page: server.url_for("/live/")
        article = make_article(title="Live")
        publish(article)
        data = link_card(admin_client, article, mastodon).json()
        assert [r.path for r in server.requests] == ["/live/"]
    assert data["source"] == "live"
    assert data["card"]["title"] == "Live title"
    assert data["card"]["domain"] == "127.0.0.1"
    assert "og:image is relative — set it to an absolute URL (https://…)." in data["warnings"]


def test_an_unreachable_live_page_says_why(admin_client, make_article, mastodon, settings):
    with FakeServer() as server:
        server.add_route("GET", r"/gone/", lambda r: Response(404, b"", {}))
        gone = server.url_for("/gone/")
        settings.WAGTAILCROSSPOST_PAGE_URL = lambda page: gone
        article = make_article()
        publish(article)
        data = link_card(admin_client, article, mastodon).json()
    assert data["warnings"] == [f"{gone} answered with an error (HTTP 404)."]


def test_without_edit_permission_nothing_is_fetched(
    client, django_user_model, make_article, mastodon
):
    article = make_article(live=False)
    user = django_user_model.objects.create_user("nobody", "n@example.com", "pw")
    client.force_login(user)
    assert link_card(client, article, mastodon).status_code in (302, 403)
    client.logout()
    response = link_card(client, article, mastodon)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_only_get(admin_client, make_article):
    article = make_article(live=False)
    url = reverse("wagtail_crosspost:link_card", args=[article.pk])
    assert admin_client.post(url).status_code == 405


def test_another_sites_page_and_channels_stay_hidden(beta_client, two_sites):  # noqa: F811
    response = link_card(beta_client, two_sites["page_a"], two_sites["channel_a"])
    assert response.status_code == 403
    data = link_card(
        beta_client, two_sites["page_b"], two_sites["channel_a"], two_sites["channel_b"]
    ).json()
    assert set(data["channels"]) == {str(two_sites["channel_b"].pk)}


def test_the_fediverse_creator_of_the_setting_reaches_the_card(
    admin_client, make_article, mastodon, settings
):
    settings.WAGTAILCROSSPOST_FEDIVERSE_CREATOR = "news@Social.Example"
    data = link_card(admin_client, make_article(live=False), mastodon).json()
    assert data["card"]["fediverse_creator"] == "@news@social.example"


def test_the_answer_is_json_in_german_for_german_editors(
    admin_client, admin_user, make_article, mastodon
):
    from tests.factories import set_admin_preferences

    set_admin_preferences(admin_user, preferred_language="de")
    data = link_card(admin_client, make_article(live=False, intro=""), mastodon).json()
    assert data["source_label"] == (
        "Die Seite ist noch nicht live: geprüft, wie der neueste Entwurf dargestellt wird."
    )
    assert any(w.startswith("og:description fehlt") for w in data["warnings"])
