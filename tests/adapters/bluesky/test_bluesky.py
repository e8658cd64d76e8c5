"""The Bluesky adapter against the real reference PDS (``@atproto/pds``), plus pure unit tests.

Tests marked ``pds`` read back what the adapter wrote with plain XRPC calls, so they check the
records themselves, not only the adapter's answers.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import responses
from django.core.cache import cache
from PIL import Image

from wagtail_crosspost.adapters.base import (
    AuthError,
    ConfigurationError,
    Media,
    PermanentError,
    Post,
    Receipt,
    TransientError,
)
from wagtail_crosspost.adapters.bluesky import BlueskyAdapter
from wagtail_crosspost.adapters.bluesky.atproto import (
    DERIVED_TID_EPOCH_US,
    DERIVED_TID_SPAN_US,
    TID_RE,
    build_facets,
    decode_tid,
    derive_tid,
    encode_tid,
    new_tid,
)
from wagtail_crosspost.models import Channel

POST = "app.bsky.feed.post"
pds = pytest.mark.pds


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
    cache.clear()
    yield
    cache.clear()


# -- helpers -------------------------------------------------------------------------------------


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, fmt)
    return buffer.getvalue()


def padded_png(total: int) -> bytes:
    data = image_bytes()
    return data + b"\0" * (total - len(data))


def media(content: bytes | None = None, alt: str = "A lathe in the workshop", **kwargs) -> Media:
    kwargs.setdefault("width", 40)
    kwargs.setdefault("height", 30)
    return Media(
        content=image_bytes() if content is None else content,
        mime_type=kwargs.pop("mime_type", "image/png"),
        filename=kwargs.pop("filename", "lathe.png"),
        alt_text=alt,
        **kwargs,
    )


def post(text: str = "New machine: https://example.com/news/lathe", **kwargs) -> Post:
    kwargs.setdefault("idempotency_key", "0f3c9a2e4b6d4e8f9a1b2c3d4e5f6a7b")
    return Post(text=text, **kwargs)


def make_adapter(service: str, handle: str, password: str, **options: Any) -> BlueskyAdapter:
    channel = Channel(
        platform="bluesky",
        name="Company Bluesky",
        options={"service": service, "handle": handle, **options},
    )
    channel.set_credentials({"app_password": password})
    return BlueskyAdapter(channel)


def watch(adapter: BlueskyAdapter, calls: list[str]) -> BlueskyAdapter:
    """Record the XRPC method of every request the adapter makes (``createSession`` …)."""

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        calls.append(urlsplit(response.url).path.rsplit("/", 1)[-1])

    adapter.http.session.hooks["response"].append(hook)
    return adapter


def xrpc_get(pds_server, nsid: str, **params: Any) -> requests.Response:
    return requests.get(f"{pds_server.url}/xrpc/{nsid}", params=params, timeout=30)


def get_record(pds_server, did: str, rkey: str) -> requests.Response:
    return xrpc_get(pds_server, "com.atproto.repo.getRecord", repo=did, collection=POST, rkey=rkey)


def list_records(pds_server, did: str) -> list[dict[str, Any]]:
    answer = xrpc_get(pds_server, "com.atproto.repo.listRecords", repo=did, collection=POST)
    assert answer.status_code == 200, answer.text
    return answer.json()["records"]


def get_blob(pds_server, did: str, blob: dict[str, Any]) -> bytes:
    answer = xrpc_get(pds_server, "com.atproto.sync.getBlob", did=did, cid=blob["ref"]["$link"])
    assert answer.status_code == 200, answer.text
    return answer.content


def rkey_of(receipt: Receipt) -> str:
    return receipt.remote_id.rsplit("/", 1)[1]


def fake_jwt(exp: float) -> str:
    payload = base64.urlsafe_b64encode(json.dumps({"exp": exp}).encode()).rstrip(b"=")
    return f"eyJhbGciOiJub25lIn0.{payload.decode()}.c2lnbmF0dXJl"


def byte_span(text: str, part: str) -> dict[str, int]:
    start = text.encode().index(part.encode())
    return {"byteStart": start, "byteEnd": start + len(part.encode())}


@pytest.fixture
def app_password(bluesky_pds, bluesky_account) -> str:
    return bluesky_pds.create_app_password(bluesky_account["accessJwt"])["password"]


@pytest.fixture
def calls() -> list[str]:
    return []


@pytest.fixture
def adapter(bluesky_pds, bluesky_account, app_password, calls) -> BlueskyAdapter:
    return watch(make_adapter(bluesky_pds.url, bluesky_account["handle"], app_password), calls)


# -- declaration ---------------------------------------------------------------------------------


def test_adapter_declares_its_capabilities_and_limits():
    assert BlueskyAdapter.key == "bluesky"
    assert BlueskyAdapter.supports == {"delete", "alt_text", "thread"}
    assert BlueskyAdapter.idempotent is True
    assert BlueskyAdapter.credential_fields == ("app_password",)
    rules = BlueskyAdapter.rules
    assert (rules.text_limit, rules.byte_limit, rules.counting) == (300, 3000, "graphemes")
    assert rules.link_card is True
    assert rules.image.max_images == 4
    assert rules.image.max_bytes == 1_000_000
    assert rules.image.alt_text_limit == 2000


def test_image_limit_is_a_channel_option():
    adapter = make_adapter("https://pds.example.com", "a.example.com", "x", image_max_bytes=2e6)
    assert adapter.rules_for_channel().image.max_bytes == 2_000_000
    assert adapter.rules_for_channel().text_limit == 300


def test_channel_form_fields_and_their_values():
    fields = BlueskyAdapter.get_form_fields()
    assert set(fields) == {*BlueskyAdapter.option_fields, *BlueskyAdapter.credential_fields}
    assert fields["service"].initial == "https://bsky.social"
    # Values as the form stores them (bool, int or None), or as someone typed them in JSON.
    for value, expected in ((True, True), (False, False), ("false", False), ("yes", True)):
        cleaned = BlueskyAdapter.clean_options({"handle": "a.b", "prefer_link_card": value})
        assert cleaned["prefer_link_card"] is expected
    cleaned = BlueskyAdapter.clean_options({"handle": "a.b", "image_max_bytes": None})
    assert cleaned["image_max_bytes"] == 1_000_000
    with pytest.raises(ConfigurationError, match="positive"):
        BlueskyAdapter.clean_options({"handle": "a.b", "image_max_bytes": "lots"})


def test_service_must_be_public_https(settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ConfigurationError, match="https://"):
        BlueskyAdapter.clean_options({"service": "http://pds.example.com", "handle": "a.b"})
    with pytest.raises(ConfigurationError, match="private network"):
        BlueskyAdapter.clean_options({"service": "https://127.0.0.1:2583", "handle": "a.b"})
    cleaned = BlueskyAdapter.clean_options({"handle": "@Company.bsky.social"})
    assert cleaned["service"] == "https://bsky.social"
    assert cleaned["handle"] == "Company.bsky.social"
    with pytest.raises(ConfigurationError, match="handle"):
        BlueskyAdapter.clean_options({"service": "https://bsky.social"})


# -- record keys (no PDS) ------------------------------------------------------------------------


def test_derived_tid_is_a_valid_deterministic_tid():
    keys = [f"{n:032x}" for n in range(2000)]
    tids = [derive_tid(key) for key in keys]
    assert len(set(tids)) == len(keys)
    assert derive_tid(keys[0]) == tids[0]  # the same key, the same record key
    for tid in tids:
        assert TID_RE.match(tid)
        assert len(tid) == 13
        assert tid[0] in "234567"  # the top bit is 0, in every validator's reading
        timestamp, clock_id = decode_tid(tid)
        assert DERIVED_TID_EPOCH_US <= timestamp < DERIVED_TID_EPOCH_US + DERIVED_TID_SPAN_US
        assert 0 <= clock_id < 1024
        assert encode_tid(timestamp, clock_id) == tid


def test_derived_tids_never_meet_clock_made_ones():
    # Clock-made TIDs (the official app's, ours without a key) are all later than derived ones.
    assert max(derive_tid(f"key-{n}") for n in range(500)) < new_tid()
    assert decode_tid(new_tid())[0] > DERIVED_TID_EPOCH_US + DERIVED_TID_SPAN_US


def test_tid_encoding_matches_the_spec_examples():
    assert encode_tid(0, 0) == "2222222222222"
    # @atcute/tid's documented example: TID.create(1724171495793000, 512) -> "3l25zusnsfck2"
    assert encode_tid(1_724_171_495_793_000, 512) == "3l25zusnsfck2"
    assert decode_tid("3l25zusnsfctk") == (1_724_171_495_793_000, 816)
    with pytest.raises(ValueError):
        encode_tid(1 << 53, 0)
    with pytest.raises(ValueError):
        decode_tid("crosspost-page-42")


# -- facets (no PDS) -----------------------------------------------------------------------------


def test_link_facet_byte_offsets_after_emoji_and_cjk():
    text = "Neu 🚀 日本語の記事 👨‍👩‍👧: https://example.com/news/lathe?x=1 ok"
    [facet] = build_facets(text)
    assert facet["index"] == byte_span(text, "https://example.com/news/lathe?x=1")
    assert facet["features"] == [
        {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/news/lathe?x=1"}
    ]
    start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
    assert text.encode()[start:end].decode() == "https://example.com/news/lathe?x=1"


def test_hashtag_facets():
    text = "Über #Maschinenbau, #2024 und #café. Siehe https://example.com/a#anker #日本 x#no"
    facets = build_facets(text)
    tags = [(f["features"][0].get("tag"), f["index"]) for f in facets if "tag" in f["features"][0]]
    assert tags == [
        ("Maschinenbau", byte_span(text, "#Maschinenbau")),
        ("café", byte_span(text, "#café")),
        ("日本", byte_span(text, "#日本")),
    ]
    links = [f["features"][0]["uri"] for f in facets if "uri" in f["features"][0]]
    assert links == ["https://example.com/a#anker"]
    starts = [f["index"]["byteStart"] for f in facets]
    assert starts == sorted(starts)


def test_no_facets_for_plain_text():
    assert build_facets("Just words, no links.") == []


# -- error mapping (no PDS, scripted answers) ----------------------------------------------------

SERVICE = "https://pds.example.com"
SESSION = {
    "did": "did:plc:abc123",
    "handle": "company.example.com",
    "accessJwt": "access-token-aaaa",
    "refreshJwt": "refresh-token-bbbb",
}


def xrpc(nsid: str) -> str:
    return f"{SERVICE}/xrpc/{nsid}"


@pytest.fixture
def scripted():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def offline_adapter() -> BlueskyAdapter:
    return make_adapter(SERVICE, "company.example.com", "abcd-efgh-ijkl-mnop")


def test_rate_limit_is_transient_with_the_reset_time(scripted, offline_adapter):
    reset = int(time.time()) + 120
    scripted.post(xrpc("com.atproto.server.createSession"), json=SESSION)
    scripted.post(
        xrpc("com.atproto.repo.putRecord"),
        status=429,
        json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        headers={"RateLimit-Reset": str(reset), "RateLimit-Remaining": "0"},
    )
    with pytest.raises(TransientError) as caught:
        offline_adapter.publish(post("Hello"))
    assert 100 < caught.value.retry_after <= 120


def test_server_error_is_transient(scripted, offline_adapter):
    scripted.post(xrpc("com.atproto.server.createSession"), json=SESSION)
    scripted.post(xrpc("com.atproto.repo.putRecord"), status=502, body="Bad Gateway")
    with pytest.raises(TransientError, match="HTTP 502"):
        offline_adapter.publish(post("Hello"))


def test_token_refused_after_renewing_is_an_auth_error(scripted, offline_adapter):
    scripted.post(xrpc("com.atproto.server.createSession"), json=SESSION)
    scripted.post(xrpc("com.atproto.server.refreshSession"), json=SESSION)
    scripted.post(
        xrpc("com.atproto.repo.putRecord"),
        status=400,
        json={"error": "InvalidToken", "message": "Token could not be verified"},
    )
    with pytest.raises(AuthError, match="Reconnect") as caught:
        offline_adapter.publish(post("Hello"))
    assert "access-token-aaaa" not in str(caught.value.raw)
    assert cache.get(offline_adapter._cache_key()) is None  # a broken session is forgotten
    assert [c.request.url.rsplit("/", 1)[1] for c in scripted.calls] == [
        "com.atproto.server.createSession",
        "com.atproto.repo.putRecord",
        "com.atproto.server.refreshSession",
        "com.atproto.repo.putRecord",
    ]


def test_expired_token_from_an_appview_401_is_renewed(scripted, offline_adapter):
    scripted.post(xrpc("com.atproto.server.createSession"), json=SESSION)
    scripted.post(xrpc("com.atproto.server.refreshSession"), json=SESSION)
    scripted.get(
        xrpc("com.atproto.server.getSession"),
        status=401,
        json={"error": "ExpiredToken", "message": "Token has expired"},
    )
    scripted.get(xrpc("com.atproto.server.getSession"), json={"handle": "company.example.com"})
    assert offline_adapter.check().detail == "@company.example.com"


def test_invalid_request_is_permanent_with_the_servers_message(scripted, offline_adapter):
    scripted.post(xrpc("com.atproto.server.createSession"), json=SESSION)
    scripted.post(
        xrpc("com.atproto.repo.putRecord"),
        status=400,
        json={"error": "InvalidRequest", "message": "Invalid app.bsky.feed.post record: nope"},
    )
    with pytest.raises(PermanentError, match="Invalid app.bsky.feed.post record: nope"):
        offline_adapter.publish(post("Hello"))


# -- publishing against the real PDS -------------------------------------------------------------


@pds
def test_post_with_image_alt_text_and_facets(bluesky_pds, bluesky_account, adapter):
    text = "Neu 🚀 日本語の記事 👨‍👩‍👧: https://example.com/news/lathe #Werkstatt"
    picture = image_bytes("PNG", (40, 30))
    receipt = adapter.publish(
        post(text, media=(media(picture, width=1200, height=900),), language="de_CH")
    )

    did, handle = bluesky_account["did"], bluesky_account["handle"]
    rkey = derive_tid(post().idempotency_key)
    assert receipt.remote_id == f"at://{did}/{POST}/{rkey}"
    assert receipt.url == f"https://bsky.app/profile/{handle}/post/{rkey}"
    assert receipt.raw["cid"]

    answer = get_record(bluesky_pds, did, rkey)
    assert answer.status_code == 200, answer.text
    record = answer.json()["value"]
    assert record["text"] == text
    assert record["langs"] == ["de-CH"]
    [image] = record["embed"]["images"]
    assert record["embed"]["$type"] == "app.bsky.embed.images"
    assert image["alt"] == "A lathe in the workshop"
    assert image["aspectRatio"] == {"width": 1200, "height": 900}
    assert image["image"]["mimeType"] == "image/png"
    assert get_blob(bluesky_pds, did, image["image"]) == picture
    link, tag = record["facets"]
    assert link["index"] == byte_span(text, "https://example.com/news/lathe")
    assert link["features"][0]["uri"] == "https://example.com/news/lathe"
    assert tag["index"] == byte_span(text, "#Werkstatt")
    assert tag["features"] == [{"$type": "app.bsky.richtext.facet#tag", "tag": "Werkstatt"}]
    # The created-at is the real moment of sending (feeds sort by it), not the derived key's.
    assert record["createdAt"].startswith(time.strftime("%Y-", time.gmtime()))


@pds
def test_up_to_four_images(bluesky_pds, bluesky_account, adapter):
    pictures = tuple(
        media(image_bytes("JPEG", (20 + i, 10)), alt=f"Image {i}", mime_type="image/jpeg")
        for i in range(4)
    )
    receipt = adapter.publish(post(media=pictures))
    record = get_record(bluesky_pds, bluesky_account["did"], rkey_of(receipt)).json()["value"]
    assert [i["alt"] for i in record["embed"]["images"]] == [f"Image {i}" for i in range(4)]
    with pytest.raises(PermanentError, match="at most 4 images"):
        adapter.publish(post(idempotency_key="five", media=(media(),) * 5))


@pds
def test_link_card_with_thumb(bluesky_pds, bluesky_account, adapter):
    thumb = image_bytes("JPEG", (120, 63))
    card_image = media(thumb, mime_type="image/jpeg", filename="card.jpg", width=120, height=63)
    receipt = adapter.publish(
        post(
            "Read the news: https://example.com/news/a-page/",
            link="https://example.com/news/a-page/",
            title="A page",
            description="Its search description",
            extra={"card_image": card_image},
        )
    )
    did = bluesky_account["did"]
    record = get_record(bluesky_pds, did, rkey_of(receipt)).json()["value"]
    assert record["embed"]["$type"] == "app.bsky.embed.external"
    external = record["embed"]["external"]
    assert external["uri"] == "https://example.com/news/a-page/"
    assert external["title"] == "A page"
    assert external["description"] == "Its search description"
    assert get_blob(bluesky_pds, did, external["thumb"]) == thumb
    assert record["facets"][0]["features"][0]["uri"] == "https://example.com/news/a-page/"


@pds
def test_prefer_link_card_uses_the_page_image_as_thumb_and_skips_one_too_big(
    bluesky_pds, bluesky_account, app_password, calls
):
    adapter = watch(
        make_adapter(
            bluesky_pds.url, bluesky_account["handle"], app_password, prefer_link_card=True
        ),
        calls,
    )
    did = bluesky_account["did"]
    page = {"link": "https://example.com/p/", "title": "P", "description": "D"}
    receipt = adapter.publish(post("See https://example.com/p/", media=(media(),), **page))
    external = get_record(bluesky_pds, did, rkey_of(receipt)).json()["value"]["embed"]["external"]
    assert get_blob(bluesky_pds, did, external["thumb"]) == image_bytes()

    calls.clear()
    big = media(padded_png(1_000_001))
    receipt = adapter.publish(post("Big", idempotency_key="big-thumb", media=(big,), **page))
    external = get_record(bluesky_pds, did, rkey_of(receipt)).json()["value"]["embed"]["external"]
    assert "thumb" not in external  # the card goes out without its picture
    assert "com.atproto.repo.uploadBlob" not in calls


@pds
def test_the_same_post_twice_makes_one_record(bluesky_pds, bluesky_account, adapter, calls):
    first = adapter.publish(post(media=(media(),)))
    # A retry after a lost answer: same key, a new createdAt -> InvalidSwap -> the existing one.
    again = adapter.publish(post(media=(media(),)))
    assert again.remote_id == first.remote_id and again.url == first.url
    assert again.raw["cid"] == first.raw["cid"]
    assert again.raw["already_posted"] is True
    assert calls.count("com.atproto.repo.getRecord") == 1
    assert [r["uri"] for r in list_records(bluesky_pds, bluesky_account["did"])] == [
        first.remote_id
    ]


@pds
def test_an_identical_retry_is_answered_with_the_same_record(bluesky_pds, bluesky_account, adapter):
    from datetime import UTC, datetime

    adapter.now = lambda: datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    first = adapter.publish(post())
    again = adapter.publish(post())  # identical record: the PDS answers 200 without a commit
    assert again == first
    assert len(list_records(bluesky_pds, bluesky_account["did"])) == 1


@pds
def test_derived_keys_need_no_order(bluesky_pds, bluesky_account, adapter):
    keys = sorted((f"key-{n}" for n in range(4)), key=derive_tid, reverse=True)
    receipts = [adapter.publish(post(f"Post {key}", idempotency_key=key)) for key in keys]
    adapter.publish(post("Without a key", idempotency_key=""))  # clock-made TID
    listed = list_records(bluesky_pds, bluesky_account["did"])
    assert len(listed) == 5
    assert {r.remote_id for r in receipts} <= {r["uri"] for r in listed}


@pds
def test_delete(bluesky_pds, bluesky_account, adapter):
    receipt = adapter.publish(post())
    adapter.delete(receipt)
    answer = get_record(bluesky_pds, bluesky_account["did"], rkey_of(receipt))
    assert answer.status_code == 400 and answer.json()["error"] == "RecordNotFound"
    adapter.delete(receipt)  # already gone: not an error
    adapter.delete(Receipt(remote_id=rkey_of(receipt)))  # a bare record key works too
    with pytest.raises(PermanentError, match="not the address"):
        adapter.delete(Receipt(remote_id="12345"))


# -- sessions ------------------------------------------------------------------------------------


@pds
def test_sessions_are_reused_across_posts_and_adapters(
    bluesky_pds, bluesky_account, app_password, adapter, calls
):
    changes: list[dict[str, str]] = []
    adapter.session_changed = changes.append
    adapter.publish(post(idempotency_key="one"))
    # The next delivery builds a new adapter for the same channel: it finds the cached session.
    second = watch(make_adapter(bluesky_pds.url, bluesky_account["handle"], app_password), calls)
    second.publish(post(idempotency_key="two"))
    assert calls.count("com.atproto.server.createSession") == 1
    assert calls.count("com.atproto.repo.putRecord") == 2
    [session] = changes
    assert session["did"] == bluesky_account["did"]
    assert set(session) == {"did", "handle", "accessJwt", "refreshJwt"}


@pds
def test_a_refused_access_token_is_refreshed_transparently(
    bluesky_pds, bluesky_account, adapter, calls
):
    adapter.publish(post(idempotency_key="one"))
    key = adapter._cache_key()
    cache.set(key, {**cache.get(key), "accessJwt": "corrupted.access.token"})
    fresh = make_adapter(bluesky_pds.url, bluesky_account["handle"], adapter.app_password)
    changes: list[dict[str, str]] = []
    fresh.session_changed = changes.append
    watch(fresh, calls).publish(post(idempotency_key="two"))

    assert calls == [
        "com.atproto.server.createSession",
        "com.atproto.repo.putRecord",
        "com.atproto.repo.putRecord",  # 400 InvalidToken
        "com.atproto.server.refreshSession",
        "com.atproto.repo.putRecord",
    ]
    assert len(list_records(bluesky_pds, bluesky_account["did"])) == 2
    assert cache.get(key)["accessJwt"] == changes[0]["accessJwt"] != "corrupted.access.token"


@pds
def test_a_dead_refresh_token_signs_in_again(bluesky_pds, bluesky_account, adapter, calls):
    adapter.publish(post(idempotency_key="one"))
    key = adapter._cache_key()
    cache.set(key, {**cache.get(key), "accessJwt": "bad.access", "refreshJwt": "bad.refresh"})
    fresh = watch(
        make_adapter(bluesky_pds.url, bluesky_account["handle"], adapter.app_password), []
    )
    fresh.publish(post(idempotency_key="two"))
    assert len(list_records(bluesky_pds, bluesky_account["did"])) == 2


@pds
def test_an_expiring_access_token_is_refreshed_before_use(bluesky_pds, bluesky_account, adapter):
    adapter.publish(post(idempotency_key="one"))
    key = adapter._cache_key()
    cache.set(key, {**cache.get(key), "accessJwt": fake_jwt(time.time() + 5)})
    seen: list[str] = []
    fresh = watch(
        make_adapter(bluesky_pds.url, bluesky_account["handle"], adapter.app_password), seen
    )
    fresh.publish(post(idempotency_key="two"))
    assert seen == ["com.atproto.server.refreshSession", "com.atproto.repo.putRecord"]


@pds
def test_wrong_app_password_is_an_auth_error_without_the_password(
    bluesky_pds, bluesky_account, calls, caplog
):
    caplog.set_level(logging.DEBUG)
    secret = "wrng-pass-word-9876"
    adapter = watch(make_adapter(bluesky_pds.url, bluesky_account["handle"], secret), calls)
    with pytest.raises(AuthError) as caught:
        adapter.publish(post(media=(media(),)))
    error = caught.value
    assert "Create a new app password" in error.message
    assert "Invalid identifier or password" in error.message
    assert calls == ["com.atproto.server.createSession"]
    for text in (str(error), error.message, repr(error.raw), caplog.text, repr(adapter)):
        assert secret not in text
    health = adapter.check()
    assert health.ok is False and health.needs_reconnect is True
    assert secret not in health.detail


@pds
def test_check_names_the_account(bluesky_account, adapter):
    health = adapter.check()
    assert health.ok is True
    assert health.detail == f"@{bluesky_account['handle']}"


# -- limits --------------------------------------------------------------------------------------


@pds
def test_too_long_text_is_refused_before_anything_is_sent(bluesky_account, adapter, calls):
    with pytest.raises(PermanentError, match="301 characters"):
        adapter.publish(post("a" * 301, media=(media(),)))
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 1 grapheme, 25 bytes
    with pytest.raises(PermanentError, match="3025 bytes"):
        adapter.publish(post(family * 121))
    assert calls == []  # not even a sign-in
    adapter.publish(post("a" * 300))  # exactly at the limit is fine


@pds
def test_image_over_the_limit_is_refused_before_upload(bluesky_account, adapter, calls):
    with pytest.raises(PermanentError, match=r"1,000,001 bytes; Bluesky accepts at most 1,000,000"):
        adapter.publish(post(media=(media(padded_png(1_000_001)),)))
    assert calls == []


@pds
def test_a_pds_with_a_lower_image_limit_explains_itself(
    bluesky_pds, bluesky_account, app_password, calls
):
    # The channel says 2,000,000 (today's network limit), this PDS still enforces 1,000,000.
    adapter = watch(
        make_adapter(
            bluesky_pds.url, bluesky_account["handle"], app_password, image_max_bytes=2_000_000
        ),
        calls,
    )
    with pytest.raises(PermanentError) as caught:
        adapter.publish(post(media=(media(padded_png(1_500_000)),)))
    assert caught.value.message == (
        "The image is 1,500,000 bytes, but this Bluesky server accepts at most 1,000,000 bytes "
        "per image. Lower the channel's image size limit (image_max_bytes) to 1,000,000."
    )
    assert "blob too big" in json.dumps(caught.value.raw)
    assert list_records(bluesky_pds, bluesky_account["did"]) == []


# -- threads (reply chains) ----------------------------------------------------------------------

THREAD_KEY = "7d1c0e9a5b3f4a2e8c6d0b1a2f3e4d5c"
THREAD_TEXTS = (
    "Neu 🚀 unsere Drehbank: https://example.com/news/lathe 1/3",
    "Zweiter Teil 日本語 👨‍👩‍👧 mit #Werkstatt 2/3",
    "Dritter Teil: https://example.org/specs 3/3",
)


def thread_post(**kwargs: Any) -> Post:
    kwargs.setdefault("idempotency_key", THREAD_KEY)
    kwargs.setdefault("thread", THREAD_TEXTS[1:])
    return Post(
        text=THREAD_TEXTS[0],
        link="https://example.com/news/lathe",
        title="Our new lathe",
        **kwargs,
    )


def test_thread_options_in_the_channel_form():
    fields = BlueskyAdapter.get_form_fields()
    assert fields["long_text"].initial == "shorten"
    cleaned = BlueskyAdapter.clean_options({"handle": "a.b", "long_text": "thread"})
    assert (cleaned["long_text"], cleaned["thread_max_parts"]) == ("thread", 4)


def test_a_too_long_reply_is_refused_before_anything_is_sent(scripted, offline_adapter):
    with pytest.raises(PermanentError, match="too long"):
        offline_adapter.publish(thread_post(thread=("x" * 301,)))
    assert len(scripted.calls) == 0


@pds
def test_a_thread_is_a_chain_of_replies_on_the_pds(bluesky_pds, bluesky_account, adapter):
    # The offline PDS has no AppView, so getPostThread is not there: the reply refs are read
    # from the records themselves and checked against the cids the PDS gives for them.
    did = bluesky_account["did"]
    receipt = adapter.publish(thread_post())

    rkeys = [derive_tid(THREAD_KEY), derive_tid(f"{THREAD_KEY}#part-2")]
    rkeys.append(derive_tid(f"{THREAD_KEY}#part-3"))
    answers = [get_record(bluesky_pds, did, rkey) for rkey in rkeys]
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    root, second, third = (a.json() for a in answers)
    assert len(list_records(bluesky_pds, did)) == 3
    assert [r["value"]["text"] for r in (root, second, third)] == list(THREAD_TEXTS)

    ref = lambda record: {"uri": record["uri"], "cid": record["cid"]}  # noqa: E731
    assert "reply" not in root["value"]
    assert root["value"]["embed"]["external"]["uri"] == "https://example.com/news/lathe"
    assert second["value"]["reply"] == {"root": ref(root), "parent": ref(root)}
    assert third["value"]["reply"] == {"root": ref(root), "parent": ref(second)}
    assert "embed" not in second["value"] and "embed" not in third["value"]

    # Each part has its own facets, at byte offsets into its own text.
    [tag] = second["value"]["facets"]
    assert tag["index"] == byte_span(THREAD_TEXTS[1], "#Werkstatt")
    assert tag["features"][0]["tag"] == "Werkstatt"
    [link] = third["value"]["facets"]
    assert link["index"] == byte_span(THREAD_TEXTS[2], "https://example.org/specs")

    assert receipt.remote_id == root["uri"]
    assert [e["id"] for e in receipt.raw["thread"]] == [second["uri"], third["uri"]]
    assert receipt.raw["thread"][1]["url"].endswith(f"/post/{rkeys[2]}")


@pds
def test_a_lost_reply_answer_is_retried_and_nothing_is_written_twice(
    bluesky_pds, bluesky_account, adapter, calls
):
    """The first reply is written but its answer is lost: the retry re-sends the same record
    keys, the PDS answers InvalidSwap for what exists, and the thread goes on from there."""
    from wagtail_crosspost.adapters.base import AmbiguousError

    did = bluesky_account["did"]
    request = adapter.http.request
    writes = []

    def lose_the_second_answer(method: str, url: str, **kwargs: Any):
        if url.endswith("putRecord"):
            writes.append(kwargs["json"]["rkey"])
        response = request(method, url, **kwargs)
        if url.endswith("putRecord") and len(writes) == 2:
            raise AmbiguousError("the connection broke after sending")
        return response

    adapter.http.request = lose_the_second_answer  # type: ignore[method-assign]
    with pytest.raises(AmbiguousError, match="part 2 of 3"):
        adapter.publish(thread_post())
    assert len(list_records(bluesky_pds, did)) == 2

    receipt = adapter.publish(thread_post())  # the outbox's retry (Bluesky is idempotent)

    records = list_records(bluesky_pds, did)
    assert sorted(r["value"]["text"] for r in records) == sorted(THREAD_TEXTS)
    by_text = {r["value"]["text"]: r for r in records}
    root, second, third = (by_text[t] for t in THREAD_TEXTS)
    assert third["value"]["reply"]["parent"] == {"uri": second["uri"], "cid": second["cid"]}
    assert third["value"]["reply"]["root"] == {"uri": root["uri"], "cid": root["cid"]}
    assert receipt.remote_id == root["uri"]
    assert [e["id"] for e in receipt.raw["thread"]] == [second["uri"], third["uri"]]
    assert writes[2:] == [derive_tid(THREAD_KEY), derive_tid(f"{THREAD_KEY}#part-2"),
                          derive_tid(f"{THREAD_KEY}#part-3")]  # fmt: skip
    assert calls.count("com.atproto.repo.getRecord") == 2  # the two that were already there


@pds
def test_deleting_a_thread_deletes_every_post(bluesky_pds, bluesky_account, adapter, calls):
    receipt = adapter.publish(thread_post())
    calls.clear()
    adapter.delete(receipt)
    assert list_records(bluesky_pds, bluesky_account["did"]) == []
    assert calls == ["com.atproto.repo.deleteRecord"] * 3
    adapter.delete(receipt)  # already gone: not an error
