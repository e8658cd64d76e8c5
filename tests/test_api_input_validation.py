"""Issue #12.8: bad ids and bad text get a 400 with a readable JSON error, never a 500; on
SQLite and on PostgreSQL (which refuses NUL characters and out-of-range integers)."""

from __future__ import annotations

import json

import pytest
from django.urls import include, path
from wagtail.models import APIToken

from tests.factories import publish
from wagtail_crosspost.models import Publication
from wagtail_crosspost.validation import MAX_MESSAGE_LENGTH

urlpatterns = [path("crosspost/api/", include("wagtail_crosspost.api_urls"))]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

BIG = "9" * 30


@pytest.fixture
def auth(admin_user):
    _instance, plaintext = APIToken.create_token(user=admin_user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


@pytest.fixture
def page(make_article, channels):
    article = make_article(title="Input")
    publish(article)
    return article


def assert_400(response, *words):
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    for word in words:
        assert word in error, error


@pytest.mark.parametrize("page_id", ["abc", "0", BIG, "2147483648", "١٢", "%C2%B2", "-1"])
def test_bad_page_ids(client, auth, page, page_id):
    for url in (
        f"/crosspost/api/pages/{page_id}/publications/",
        f"/crosspost/api/pages/{page_id}/crosspost/",
    ):
        method = client.get if url.endswith("publications/") else client.post
        assert_400(method(url, **auth), "page id", "whole number")


def test_the_largest_page_id_is_a_plain_404(client, auth, page):
    response = client.get("/crosspost/api/pages/2147483647/publications/", **auth)
    assert response.status_code == 404


def crosspost(client, auth, page, body):
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.post(
        f"/crosspost/api/pages/{page.pk}/crosspost/", raw, content_type="application/json", **auth
    )


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ('{"message": "a\\u0000b"}', ["message", "NUL"]),
        ('{"message": "broken \\ud800 half"}', ["message", "surrogate"]),
        ('{"message": "\\udfff"}', ["message", "surrogate"]),
        ('{"channels": ["Al\\u0000pha"]}', ["channels", "NUL"]),
        ('{"channels": ["\\ud83d"]}', ["channels", "surrogate"]),
        (json.dumps({"channels": [int(BIG)]}), ["channels", "whole number"]),
        (json.dumps({"channels": [BIG]}), ["channels", "whole number"]),
        (json.dumps({"channels": [0]}), ["channels", "whole number"]),
        (json.dumps({"channels": ["x" * 256]}), ["channels", "too long"]),
        (json.dumps({"channels": ["²"]}), ["No channel"]),
        (json.dumps({"message": "x" * (MAX_MESSAGE_LENGTH + 1)}), ["message", "too long"]),
        ("[" * 100_000, ["not valid JSON"]),
        ('{"message": "\\u', ["not valid JSON"]),
    ],
)
def test_bad_text_and_ids_in_the_body(client, auth, page, raw, words):
    assert_400(crosspost(client, auth, page, raw), *words)
    assert not Publication.objects.filter(page=page, channel__name="Beta").exists()


def test_body_that_is_not_utf8(client, auth, page):
    response = client.post(
        f"/crosspost/api/pages/{page.pk}/crosspost/",
        b'{"message": "\xff\xfe"}',
        content_type="application/json",
        **auth,
    )
    assert_400(response, "JSON")


def test_a_message_of_the_longest_length_and_any_plane_is_accepted(
    client, auth, page, django_capture_on_commit_callbacks
):
    text = "Grüße 👋 " + "x" * (MAX_MESSAGE_LENGTH - 20)
    with django_capture_on_commit_callbacks(execute=True):
        response = crosspost(client, auth, page, {"channels": ["Beta"], "message": text})
    assert response.status_code == 202, response.content
    assert Publication.objects.get(page=page, channel__name="Beta").message == text


def test_a_channel_given_as_a_digit_string_is_found(client, auth, page, channels):
    response = crosspost(client, auth, page, {"channels": [str(channels[1].pk)]})
    assert response.status_code == 202


def test_the_answer_is_json_whatever_the_client_accepts(client, auth, page):
    response = client.get("/crosspost/api/pages/abc/publications/", HTTP_ACCEPT="text/html", **auth)
    assert_400(response, "page id")
    response = client.get(
        f"/crosspost/api/pages/{page.pk}/publications/", HTTP_ACCEPT="text/html", **auth
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
