"""The headless JSON API: token or session auth, permissions, JSON errors."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.models import APIToken

from tests.factories import publish
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.models import Publication

# The documented mount point, as a site's urls.py has it.
urlpatterns = [
    path("crosspost/api/", include("wagtail_crosspost.api_urls")),
    path("", include(wagtail_urls)),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def publications_url(page_id: int) -> str:
    return f"/crosspost/api/pages/{page_id}/publications/"


def crosspost_url(page_id: int) -> str:
    return f"/crosspost/api/pages/{page_id}/crosspost/"


@pytest.fixture
def editor(django_user_model):
    """A Wagtail editor (may edit every page) who may also choose channels."""
    user = django_user_model.objects.create_user("editor", "editor@example.com", "password")
    user.groups.add(Group.objects.get(name="Editors"))
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtail_crosspost", codename="crosspost_page"
        )
    )
    return user


@pytest.fixture
def token(editor):
    _instance, plaintext = APIToken.create_token(user=editor, name="Front end")
    return plaintext


@pytest.fixture
def page(make_article, channels):
    # "Alpha" is ticked, so publishing already posts there; "Beta" is free.
    article = make_article(title="Headless news", channels=channels[:1])
    publish(article)
    return article


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post_json(client: Client, url: str, data, **extra):
    body = data if isinstance(data, str) else json.dumps(data)
    return client.post(url, body, content_type="application/json", **extra)


# -- authentication ------------------------------------------------------------------------------


def test_anonymous_requests_are_told_how_to_authenticate(client, page):
    response = client.get(publications_url(page.pk))
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["error"]
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert post_json(client, crosspost_url(page.pk), {}).status_code == 401


@pytest.mark.parametrize("value", ["wagtail_not-a-token", "", "wagtail_" + "A" * 34])
def test_bad_tokens_are_refused(client, page, value):
    response = client.get(publications_url(page.pk), **bearer(value))
    assert response.status_code == 401
    assert "not valid" in response.json()["error"]


def test_a_revoked_token_is_refused(client, page, editor):
    instance, plaintext = APIToken.create_token(user=editor, name="Old")
    assert client.get(publications_url(page.pk), **bearer(plaintext)).status_code == 200
    instance.revoke()
    assert client.get(publications_url(page.pk), **bearer(plaintext)).status_code == 401


def test_a_token_of_an_inactive_user_is_refused(client, page, editor, token):
    editor.is_active = False
    editor.save()
    assert client.get(publications_url(page.pk), **bearer(token)).status_code == 401


def test_a_bearer_token_is_judged_alone_even_with_a_session(client, page, admin_user):
    client.force_login(admin_user)
    assert client.get(publications_url(page.pk)).status_code == 200
    assert client.get(publications_url(page.pk), **bearer("wagtail_bogus")).status_code == 401


# -- reading -------------------------------------------------------------------------------------


def test_read_publications_with_a_token(client, page, channels, token):
    response = client.get(publications_url(page.pk), **bearer(token))
    assert response.status_code == 200
    data = response.json()
    assert data["page"] == {
        "id": page.pk,
        "title": "Headless news",
        "live": True,
        "url": page.full_url,
    }
    [row] = data["publications"]
    assert row["channel"] == {"id": channels[0].pk, "name": "Alpha", "platform": "locmem"}
    assert row["action"] == "post" and row["status"] in ("pending", "posted")
    assert set(row) >= {"id", "status_label", "url", "text", "error", "dry_run", "created_at"}


def test_reading_needs_edit_permission(client, page, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", "n@example.com", "password")
    _instance, plaintext = APIToken.create_token(user=nobody, name="t")
    response = client.get(publications_url(page.pk), **bearer(plaintext))
    assert response.status_code == 403
    assert "may not edit this page" in response.json()["error"]


def test_unknown_page_is_404(client, token):
    response = client.get(publications_url(999_999), **bearer(token))
    assert response.status_code == 404
    assert "999999" in response.json()["error"]


def test_limit_is_checked(client, page, token):
    response = client.get(publications_url(page.pk) + "?limit=many", **bearer(token))
    assert response.status_code == 400 and "limit" in response.json()["error"]


def test_wrong_method_is_405_in_json(client, page, token):
    response = post_json(client, publications_url(page.pk), {}, **bearer(token))
    assert response.status_code == 405
    assert response["Allow"] == "GET" and "error" in response.json()


# -- requesting a crosspost ----------------------------------------------------------------------


def test_crosspost_with_a_token(client, page, channels, token, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(
            client,
            crosspost_url(page.pk),
            {"channels": ["Beta"], "message": "Read this: {url}"},
            **bearer(token),
        )
    assert response.status_code == 202, response.content
    [row] = response.json()["publications"]
    assert row["channel"]["name"] == "Beta"
    [sent] = locmem.outbox
    assert sent.post.text == f"Read this: {page.full_url}"
    publication = Publication.objects.get(pk=row["id"])
    assert publication.requested_by.username == "editor"

    again = post_json(client, crosspost_url(page.pk), {"channels": ["Beta"]}, **bearer(token))
    assert again.status_code == 200
    assert again.json()["publications"] == [] and "repost" in again.json()["detail"]


def test_crosspost_defaults_to_the_ticked_channels(
    client, page, token, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(client, crosspost_url(page.pk), {"repost": True}, **bearer(token))
    assert response.status_code == 202
    assert [r["channel"]["name"] for r in response.json()["publications"]] == ["Alpha"]


def test_dry_run_records_without_sending(client, page, token, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(
            client,
            crosspost_url(page.pk),
            {"channels": ["Alpha"], "dry_run": True, "repost": True},
            **bearer(token),
        )
    assert response.status_code == 202
    assert response.json()["publications"][0]["dry_run"] is True
    assert locmem.outbox == []


def test_crosspost_needs_the_crosspost_permission(client, page, django_user_model):
    user = django_user_model.objects.create_user("writer", "w@example.com", "password")
    user.groups.add(Group.objects.get(name="Editors"))
    _instance, plaintext = APIToken.create_token(user=user, name="t")
    response = post_json(client, crosspost_url(page.pk), {}, **bearer(plaintext))
    assert response.status_code == 403
    assert "choose channels" in response.json()["error"]
    assert not Publication.objects.filter(channel__name="Beta").exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "not valid JSON"),
        ([1, 2], "JSON object"),
        ({"channels": "Alpha"}, "non-empty list"),
        ({"channels": [{"id": 1}]}, "its id"),
        ({"channels": ["Nope"]}, "No channel 'Nope'"),
        ({"message": 3}, "“message” must be a string"),
        ({"dry_run": "yes"}, "“dry_run” must be true or false"),
    ],
)
def test_bad_requests_get_a_clear_sentence(client, page, token, body, message):
    response = post_json(client, crosspost_url(page.pk), body, **bearer(token))
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_a_draft_cannot_be_posted(client, make_article, token):
    draft = make_article(title="Draft", live=False)
    response = post_json(client, crosspost_url(draft.pk), {"channels": ["Alpha"]}, **bearer(token))
    assert response.status_code == 400 and "not live" in response.json()["error"]


def test_session_posts_need_the_csrf_token(editor, page, django_capture_on_commit_callbacks):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    refused = post_json(client, crosspost_url(page.pk), {"channels": ["Beta"]})
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]

    csrf = _get_new_csrf_string()
    client.cookies["csrftoken"] = csrf
    with django_capture_on_commit_callbacks(execute=True):
        accepted = post_json(
            client, crosspost_url(page.pk), {"channels": ["Beta"]}, HTTP_X_CSRFTOKEN=csrf
        )
    assert accepted.status_code == 202, accepted.content


def test_token_posts_need_no_csrf_token(page, token, django_capture_on_commit_callbacks):
    client = Client(enforce_csrf_checks=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(
            client, crosspost_url(page.pk), {"channels": ["Beta"]}, **bearer(token)
        )
    assert response.status_code == 202


def test_a_hostile_link_is_not_handed_to_front_ends(client, page, token):
    Publication.objects.filter(page=page).update(remote_url="javascript:alert(1)")
    [row] = client.get(publications_url(page.pk), **bearer(token)).json()["publications"]
    assert row["url"] == ""
