"""Cross-check: our Mastodon adapter against ``mastodon-mock``, an independent server.

``mastodon-mock`` (PyPI, MIT; FastAPI + SQLite) is a third-party implementation of Mastodon's
client API. It is NOT Mastodon: no real Mastodon-compatible server (Mastodon, GoToSocial,
Akkoma, Hollo, Takahē) can be installed here. The strict contract details are covered by our own
fake (``tests/adapters/test_mastodon.py``); these tests check that the adapter also works against
somebody else's reading of the API. The server is started once per session (per xdist worker,
and all these tests share one worker) by the ``mastodon_mock`` fixture; install it with
``scripts/install-mastodon-mock``. Everything is read back with plain ``requests``, not through
the adapter.

Known deviations of mastodon-mock 0.6.1 from Mastodon (``KNOWN_DEVIATIONS`` in
``tests/servers/mastodon_mock.py``) that these tests deliberately do not assert on: it counts
status length with ``len()`` (no 23-character URLs, no grapheme clusters), never answers 202 for
a media upload that is still processing, and ignores ``media_ids[]`` on edit.
"""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.cache import cache
from PIL import Image as PILImage

from tests.factories import ChannelFactory, make_image, publish
from tests.servers.mastodon_mock import USERNAME, MastodonMockServer
from wagtail_crosspost.adapters.base import AuthError, Media, Post, Receipt
from wagtail_crosspost.adapters.mastodon import MastodonAdapter
from wagtail_crosspost.models import Channel, Publication

pytestmark = [
    pytest.mark.mastodon_server,
    # one worker starts the server and runs them all (start-up is seconds, the tests are fast)
    pytest.mark.xdist_group("mastodon_mock"),
]

ALT = "A grey lathe on a workbench, seen from the front"


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True  # the server listens on 127.0.0.1
    cache.clear()  # the instance limits are cached per server URL
    yield
    cache.clear()


def make_adapter(server: MastodonMockServer, token: str | None = None) -> MastodonAdapter:
    channel = Channel(
        platform="mastodon", name="Company Mastodon", options={"server_url": server.url}
    )
    channel.set_credentials({"access_token": server.token if token is None else token})
    adapter = channel.get_adapter()
    assert isinstance(adapter, MastodonAdapter)
    return adapter


@pytest.fixture
def adapter(mastodon_mock: MastodonMockServer) -> MastodonAdapter:
    return make_adapter(mastodon_mock)


def jpeg(width: int = 64, height: int = 48) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (90, 110, 130)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def image(alt: str = ALT) -> Media:
    return Media(
        content=jpeg(),
        mime_type="image/jpeg",
        filename="lathe.jpg",
        width=64,
        height=48,
        alt_text=alt,
        focal_point=(0.25, -0.5),
    )


def unique_text(prefix: str = "New machine") -> str:
    # A marker to find exactly this test's statuses on the shared server.
    return f"{prefix} {uuid.uuid4().hex[:12]}"


def source_text(server: MastodonMockServer, status_id: str) -> str:
    """The status's plain text, from ``GET /api/v1/statuses/:id/source`` (Mastodon 3.5+)."""
    return server.get_json(f"/api/v1/statuses/{status_id}/source")["text"]


def statuses_containing(server: MastodonMockServer, marker: str) -> list[dict]:
    return [s for s in server.account_statuses() if marker in s["content"]]


# ---------------------------------------------------------------------------------------- account


def test_check_reports_the_account(adapter, mastodon_mock):
    health = adapter.check()
    assert health.ok, health.detail
    host = mastodon_mock.url.split("://", 1)[1]
    assert health.detail.startswith(f"@{USERNAME}@{host} · Mastodon ")


def test_wrong_token_is_an_auth_error(mastodon_mock):
    adapter = make_adapter(mastodon_mock, token="not-the-token-4711")  # noqa: S106
    with pytest.raises(AuthError) as caught:
        adapter.publish(Post(text=unique_text(), idempotency_key=uuid.uuid4().hex))
    assert caught.value.status_code == 401
    assert "not-the-token-4711" not in str(caught.value)
    health = adapter.check()
    assert not health.ok and health.needs_reconnect


def test_limits_are_read_from_the_instance(adapter, mastodon_mock):
    rules = adapter.rules_for_channel()
    statuses = mastodon_mock.instance["configuration"]["statuses"]
    media = mastodon_mock.instance["configuration"]["media_attachments"]
    assert rules.text_limit == statuses["max_characters"]
    assert rules.url_weight == statuses["characters_reserved_per_url"]
    assert rules.image.max_images == statuses["max_media_attachments"]
    assert rules.image.max_bytes == media["image_size_limit"]
    assert rules.image.max_pixels == media["image_matrix_limit"]
    # It offers image/gif too; we never send GIF (Mastodon makes it a soundless video).
    assert rules.image.formats == ("JPEG", "PNG", "WEBP")
    # Not asserted: how the server itself counts. mastodon-mock rejects len(text) > 500
    # instead of counting each URL as 23 characters the way Mastodon does.


# ---------------------------------------------------------------------------------------- posts


def test_status_with_image_and_alt_text_appears(adapter, mastodon_mock):
    text = unique_text() + " https://example.com/news/lathe"
    receipt = adapter.publish(
        Post(text=text, media=(image(),), language="en", idempotency_key=uuid.uuid4().hex)
    )

    response = mastodon_mock.get(f"/api/v1/statuses/{receipt.remote_id}")
    assert response.status_code == 200
    status = response.json()
    assert status["id"] == receipt.remote_id
    assert receipt.url == status["url"]
    assert receipt.url.startswith(mastodon_mock.url)
    assert source_text(mastodon_mock, receipt.remote_id) == text
    assert status["visibility"] == "public"
    assert status["language"] == "en"

    [attachment] = status["media_attachments"]
    assert attachment["type"] == "image"
    assert attachment["description"] == ALT
    assert attachment["meta"]["focus"] == {"x": 0.25, "y": -0.5}
    assert receipt.raw["media_attachments"][0]["description"] == ALT
    # The uploaded file is a JPEG of the size we sent. (mastodon-mock stores the bytes as they
    # came; Mastodon re-encodes, so only the format and size are compared.)
    served = mastodon_mock.session.get(attachment["url"], timeout=mastodon_mock.request_timeout)
    assert served.status_code == 200
    with PILImage.open(io.BytesIO(served.content)) as img:
        assert (img.format, img.size) == ("JPEG", (64, 48))
    # Not asserted: a 202 answer and polling GET /api/v1/media/:id. mastodon-mock answers
    # every upload with 200 and a url; the strict fake covers the 202 path.


def test_edit_changes_the_text_on_the_server(adapter, mastodon_mock):
    receipt = adapter.publish(
        Post(text=unique_text(), media=(image(),), idempotency_key=uuid.uuid4().hex)
    )
    new_text = unique_text("Edited: the lathe arrived")

    updated = adapter.update(receipt, Post(text=new_text, media=(image(),)))

    assert updated.remote_id == receipt.remote_id
    assert source_text(mastodon_mock, receipt.remote_id) == new_text
    status = mastodon_mock.get_json(f"/api/v1/statuses/{receipt.remote_id}")
    assert new_text in status["content"]
    assert status["edited_at"]
    history = mastodon_mock.get_json(f"/api/v1/statuses/{receipt.remote_id}/history")
    assert len(history) == 2  # the original and the edit
    # Not asserted: the attachments after the edit. mastodon-mock ignores media_ids[] on
    # PUT /api/v1/statuses/:id (Mastodon replaces them); the strict fake checks that.


def test_delete_removes_the_status(adapter, mastodon_mock):
    receipt = adapter.publish(Post(text=unique_text(), idempotency_key=uuid.uuid4().hex))
    assert mastodon_mock.get(f"/api/v1/statuses/{receipt.remote_id}").status_code == 200

    adapter.delete(receipt)

    assert mastodon_mock.get(f"/api/v1/statuses/{receipt.remote_id}").status_code == 404
    adapter.delete(receipt)  # already gone counts as deleted: no error
    assert adapter.check().ok  # and the token still works


def test_retry_with_the_same_idempotency_key_makes_one_status(adapter, mastodon_mock):
    text = unique_text()
    key = uuid.uuid4().hex
    first = adapter.publish(Post(text=text, media=(image(),), idempotency_key=key))
    # A retry after a lost answer: the same post, the same key, a new adapter (a new worker).
    retry = make_adapter(mastodon_mock).publish(
        Post(text=text, media=(image(),), idempotency_key=key)
    )

    assert retry.remote_id == first.remote_id
    marker = text.rsplit(" ", 1)[1]
    assert [s["id"] for s in statuses_containing(mastodon_mock, marker)] == [first.remote_id]

    # A different key is a different post: the server makes a second status.
    other = adapter.publish(Post(text=text, idempotency_key=uuid.uuid4().hex))
    assert other.remote_id != first.remote_id
    assert len(statuses_containing(mastodon_mock, marker)) == 2


def test_delete_of_a_receipt_for_an_unknown_status_is_quiet(adapter, mastodon_mock):
    adapter.delete(Receipt(remote_id="999999999999999"))  # 404: nothing to delete


# ---------------------------------------------------------------------------------------- pipeline


@pytest.mark.django_db
def test_article_with_image_appears_on_the_server(
    make_article, mastodon_mock, django_capture_on_commit_callbacks
):
    channel = ChannelFactory(
        platform="mastodon", name="Company Mastodon", options={"server_url": mastodon_mock.url}
    )
    channel.set_credentials({"access_token": mastodon_mock.token})
    channel.save()
    title = unique_text("A new lathe for the workshop")
    page = make_article(
        title=title,
        intro="It turns parts twice as fast.",
        image=make_image(1600, 900, title="Our new lathe"),
        channels=[channel],
    )

    with django_capture_on_commit_callbacks(execute=True):
        publish(page)

    row = Publication.objects.get(page=page)
    assert row.status == "posted", row.error
    status = mastodon_mock.get_json(f"/api/v1/statuses/{row.remote_id}")
    assert row.remote_url == status["url"]
    text = source_text(mastodon_mock, row.remote_id)
    assert title in text and page.full_url in text
    assert text == row.sent_text
    [attachment] = status["media_attachments"]
    assert attachment["type"] == "image"
    assert attachment["description"] == "Alt text for Our new lathe"
    assert row.sent_media[0]["alt_text"] == "Alt text for Our new lathe"
    served = mastodon_mock.session.get(attachment["url"], timeout=mastodon_mock.request_timeout)
    with PILImage.open(io.BytesIO(served.content)) as img:
        assert img.size == (row.sent_media[0]["width"], row.sent_media[0]["height"])
    marker = title.rsplit(" ", 1)[1]
    assert len(statuses_containing(mastodon_mock, marker)) == 1
