"""The reference Bluesky PDS fixture, and the server contract the Bluesky adapter relies on.

These tests talk to the real ``@atproto/pds`` 0.4.217 over plain ``requests``. Each one pins
down a behaviour the adapter depends on, with the exact status code and XRPC error name this
PDS version returns. Facts worth knowing when writing the adapter:

* ``app.bsky.feed.post`` record keys must be TIDs (13 chars, ``[2-7a-j][2-7a-z]{12}``);
  any other rkey is ``400 InvalidRequest``. A deterministic rkey must therefore be a TID.
* ``createRecord`` with an rkey that already exists is ``500 InternalServerError`` (the
  repository's "There is already a value at key" error is not mapped). A 5xx after a
  createRecord with a deterministic rkey is therefore ambiguous: check with ``getRecord``.
  ``putRecord`` with ``"swapRecord": null`` is the clean "create only if absent" call:
  identical record → 200 without a new commit, different record → ``400 InvalidSwap``.
* Embedded image blobs (``app.bsky.embed.images``) and link-card thumbs
  (``app.bsky.embed.external``) over 1,000,000 bytes are refused at ``createRecord``
  (``400 InvalidRequest``, "blob too big (maximum 1000000, ...)"); ``uploadBlob`` itself
  accepts up to 5 MiB (the PDS's ``blobUploadLimit``), above that ``413 PayloadTooLarge``.
  This PDS version still enforces the old 1,000,000-byte image limit even though the network
  now allows 2,000,000 per image, so it is the stricter check.
* ``getRecord`` of a missing record is ``400 RecordNotFound``; ``deleteRecord`` of a missing
  record is ``200``.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image

from tests.servers import bluesky_pds as pds_module
from tests.servers.bluesky_pds import BlueskyPDS, BlueskyPDSUnavailable

POST = "app.bsky.feed.post"
IMAGE_LIMIT = 1_000_000  # bytes; this PDS version's maxSize for embed images and thumbs

pds = pytest.mark.pds


# ---------------------------------------------------------------------- helpers
def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_image(fmt: str = "PNG", size: tuple[int, int] = (8, 6)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buf, fmt)
    return buf.getvalue()


def padded_png(total_bytes: int) -> bytes:
    """A valid PNG padded with trailing bytes to exactly ``total_bytes`` (decoders ignore them)."""
    data = make_image("PNG")
    return data + b"\0" * (total_bytes - len(data))


def auth(account: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {account['accessJwt']}"}


def upload(pds: BlueskyPDS, account: dict[str, Any], data: bytes, mime: str) -> requests.Response:
    return requests.post(
        f"{pds.url}/xrpc/com.atproto.repo.uploadBlob",
        data=data,
        headers={**auth(account), "Content-Type": mime},
        timeout=30,
    )


def upload_ok(pds: BlueskyPDS, account: dict[str, Any], data: bytes, mime: str) -> dict:
    resp = upload(pds, account, data, mime)
    assert resp.status_code == 200, resp.text
    blob = resp.json()["blob"]
    assert blob["$type"] == "blob"
    assert blob["mimeType"] == mime
    assert blob["size"] == len(data)
    return blob


def create_record(
    pds: BlueskyPDS, account: dict[str, Any], record: dict[str, Any], rkey: str | None = None
) -> requests.Response:
    body: dict[str, Any] = {"repo": account["did"], "collection": POST, "record": record}
    if rkey is not None:
        body["rkey"] = rkey
    return requests.post(
        f"{pds.url}/xrpc/com.atproto.repo.createRecord",
        json=body,
        headers=auth(account),
        timeout=30,
    )


def get_record(pds: BlueskyPDS, account: dict[str, Any], rkey: str) -> requests.Response:
    return requests.get(
        f"{pds.url}/xrpc/com.atproto.repo.getRecord",
        params={"repo": account["did"], "collection": POST, "rkey": rkey},
        timeout=30,
    )


def post_record(text: str, embed: dict[str, Any] | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": now(), "langs": ["en"]}
    if embed is not None:
        record["embed"] = embed
    return record


def images_embed(blob: dict, alt: str | None = "A red rectangle") -> dict[str, Any]:
    image: dict[str, Any] = {"image": blob, "aspectRatio": {"width": 8, "height": 6}}
    if alt is not None:
        image["alt"] = alt
    return {"$type": "app.bsky.embed.images", "images": [image]}


def rkey_of(resp: requests.Response) -> str:
    return resp.json()["uri"].rsplit("/", 1)[1]


def assert_xrpc_error(resp: requests.Response, status: int, error: str, *message_parts: str):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["error"] == error, body
    for part in message_parts:
        assert part in body.get("message", ""), body


# ---------------------------------------------------------------------- the helper itself
def test_missing_node_modules_names_the_fix(monkeypatch, tmp_path):
    monkeypatch.setattr(pds_module, "NODE_MODULES", tmp_path / "node_modules")
    with pytest.raises(BlueskyPDSUnavailable, match="npm ci --prefix tests/servers/bluesky"):
        BlueskyPDS().start()


def test_missing_node_names_the_fix():
    with pytest.raises(BlueskyPDSUnavailable, match="npm ci --prefix tests/servers/bluesky"):
        BlueskyPDS(node="no-such-node-binary-here").start()


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of LISTEN sockets on ``port`` (from /proc/net/tcp, tcp6)."""
    found = set()
    for name in ("tcp", "tcp6"):
        path = Path("/proc/net") / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            addr_hex, port_hex = local.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:
                found.add(addr_hex)
    return found


@pds
def test_health_and_loopback_only(bluesky_pds):
    resp = requests.get(f"{bluesky_pds.url}/xrpc/_health", timeout=10)
    assert resp.status_code == 200
    assert resp.json() == {"version": pds_module.PDS_VERSION}
    assert bluesky_pds.running
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp to inspect listening sockets")
    for url in (bluesky_pds.url, bluesky_pds.plc_url):
        port = int(url.rsplit(":", 1)[1])
        # 0100007F is 127.0.0.1 in /proc/net/tcp's little-endian hex; nothing on 0.0.0.0 or ::.
        assert _listening_addresses(port) == {"0100007F"}, url


@pds
def test_server_description_has_no_invites_and_test_handles(bluesky_pds):
    resp = requests.get(f"{bluesky_pds.url}/xrpc/com.atproto.server.describeServer", timeout=10)
    assert resp.status_code == 200
    body = resp.json()
    assert body["inviteCodeRequired"] is False
    assert body["availableUserDomains"] == [".test"]


# ---------------------------------------------------------------------- accounts and sessions
@pds
def test_create_account(bluesky_pds, bluesky_account):
    assert bluesky_account["did"].startswith("did:plc:")
    assert bluesky_account["handle"].endswith(".test")
    assert bluesky_account["accessJwt"] and bluesky_account["refreshJwt"]
    # The in-memory PLC directory knows the DID and points it at this PDS.
    doc = requests.get(f"{bluesky_pds.plc_url}/{bluesky_account['did']}", timeout=10).json()
    assert doc["service"][0]["serviceEndpoint"] == bluesky_pds.url
    assert f"at://{bluesky_account['handle']}" in doc["alsoKnownAs"]
    resolved = requests.get(
        f"{bluesky_pds.url}/xrpc/com.atproto.identity.resolveHandle",
        params={"handle": bluesky_account["handle"]},
        timeout=10,
    )
    assert resolved.json() == {"did": bluesky_account["did"]}


@pds
def test_accounts_are_unique_per_test(bluesky_pds, bluesky_account):
    other = bluesky_pds.create_account()
    assert other["did"] != bluesky_account["did"]
    assert other["handle"] != bluesky_account["handle"]


@pds
def test_create_session_with_password_and_app_password(bluesky_pds, bluesky_account):
    session = bluesky_pds.create_session(bluesky_account["handle"], bluesky_account["password"])
    assert session["did"] == bluesky_account["did"]

    app_pw = bluesky_pds.create_app_password(session["accessJwt"], name="wagtail-crosspost")
    assert app_pw["name"] == "wagtail-crosspost"
    assert len(app_pw["password"]) == 19  # xxxx-xxxx-xxxx-xxxx
    app_session = bluesky_pds.create_session(bluesky_account["did"], app_pw["password"])
    assert app_session["handle"] == bluesky_account["handle"]

    # An app-password session may post but not mint more app passwords.
    resp = bluesky_pds.xrpc(
        "POST",
        "com.atproto.server.createAppPassword",
        token=app_session["accessJwt"],
        json_body={"name": "another"},
    )
    assert_xrpc_error(resp, 400, "InvalidToken", "Bad token scope")
    resp = create_record(bluesky_pds, app_session, post_record("posted with an app password"))
    assert resp.status_code == 200, resp.text


@pds
def test_create_session_wrong_password_is_401(bluesky_pds, bluesky_account):
    resp = requests.post(
        f"{bluesky_pds.url}/xrpc/com.atproto.server.createSession",
        json={"identifier": bluesky_account["handle"], "password": "wrong-password"},
        timeout=10,
    )
    assert_xrpc_error(resp, 401, "AuthenticationRequired", "Invalid identifier or password")


@pds
def test_refresh_session(bluesky_pds, bluesky_account):
    resp = requests.post(
        f"{bluesky_pds.url}/xrpc/com.atproto.server.refreshSession",
        headers={"Authorization": f"Bearer {bluesky_account['refreshJwt']}"},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    fresh = resp.json()
    assert fresh["did"] == bluesky_account["did"]
    assert fresh["refreshJwt"] != bluesky_account["refreshJwt"]
    who = requests.get(
        f"{bluesky_pds.url}/xrpc/com.atproto.server.getSession", headers=auth(fresh), timeout=10
    )
    assert who.status_code == 200
    assert who.json()["handle"] == bluesky_account["handle"]
    # An access token is not a refresh token.
    resp = requests.post(
        f"{bluesky_pds.url}/xrpc/com.atproto.server.refreshSession",
        headers=auth(bluesky_account),
        timeout=10,
    )
    assert_xrpc_error(resp, 400, "InvalidToken", "Invalid token type")


@pds
def test_bad_or_missing_access_token(bluesky_pds, bluesky_account):
    record = post_record("no auth")
    resp = create_record(bluesky_pds, {**bluesky_account, "accessJwt": "not-a-jwt"}, record)
    assert_xrpc_error(resp, 400, "InvalidToken")
    resp = requests.post(
        f"{bluesky_pds.url}/xrpc/com.atproto.repo.createRecord",
        json={"repo": bluesky_account["did"], "collection": POST, "record": record},
        timeout=10,
    )
    assert_xrpc_error(resp, 401, "AuthMissing", "Authentication Required")


# ---------------------------------------------------------------------- posts
@pds
@pytest.mark.parametrize(("fmt", "mime"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_post_with_images_embed_round_trips(bluesky_pds, bluesky_account, fmt, mime):
    data = make_image(fmt)
    blob = upload_ok(bluesky_pds, bluesky_account, data, mime)
    record = post_record("A page with a picture", images_embed(blob, alt="A red rectangle"))
    resp = create_record(bluesky_pds, bluesky_account, record)
    assert resp.status_code == 200, resp.text
    created = resp.json()
    assert created["uri"].startswith(f"at://{bluesky_account['did']}/{POST}/")
    assert created["validationStatus"] == "valid"

    got = get_record(bluesky_pds, bluesky_account, rkey_of(resp))
    assert got.status_code == 200
    assert got.json()["cid"] == created["cid"]
    value = got.json()["value"]
    assert value["text"] == "A page with a picture"
    image = value["embed"]["images"][0]
    assert image["alt"] == "A red rectangle"
    assert image["image"]["ref"] == blob["ref"]
    assert image["aspectRatio"] == {"width": 8, "height": 6}

    fetched = requests.get(
        f"{bluesky_pds.url}/xrpc/com.atproto.sync.getBlob",
        params={"did": bluesky_account["did"], "cid": blob["ref"]["$link"]},
        timeout=10,
    )
    assert fetched.status_code == 200
    assert fetched.content == data


@pds
def test_image_without_alt_is_refused(bluesky_pds, bluesky_account):
    blob = upload_ok(bluesky_pds, bluesky_account, make_image(), "image/png")
    resp = create_record(bluesky_pds, bluesky_account, post_record("x", images_embed(blob, None)))
    assert_xrpc_error(resp, 400, "InvalidRequest", 'Missing required key "alt"')
    # An empty alt is allowed by the lexicon (the adapter must decide itself whether to allow it).
    resp = create_record(bluesky_pds, bluesky_account, post_record("x", images_embed(blob, "")))
    assert resp.status_code == 200, resp.text


@pds
def test_image_blob_size_limit_is_1_000_000_bytes_at_create_record(bluesky_pds, bluesky_account):
    at_limit = upload_ok(bluesky_pds, bluesky_account, padded_png(IMAGE_LIMIT), "image/png")
    resp = create_record(bluesky_pds, bluesky_account, post_record("ok", images_embed(at_limit)))
    assert resp.status_code == 200, resp.text

    # The upload of a bigger blob is accepted; the record that embeds it is not.
    for size in (IMAGE_LIMIT + 1, 2_000_000):
        big = upload_ok(bluesky_pds, bluesky_account, padded_png(size), "image/png")
        resp = create_record(bluesky_pds, bluesky_account, post_record("big", images_embed(big)))
        assert_xrpc_error(
            resp,
            400,
            "InvalidRequest",
            f"blob too big (maximum {IMAGE_LIMIT}, got {size})",
            "$.record.embed.images[0].image",
        )


@pds
def test_upload_blob_over_5_mib_is_413(bluesky_pds, bluesky_account):
    resp = upload(bluesky_pds, bluesky_account, padded_png(5 * 1024 * 1024 + 1), "image/png")
    assert_xrpc_error(resp, 413, "PayloadTooLarge")


@pds
def test_text_over_300_graphemes_is_refused(bluesky_pds, bluesky_account):
    resp = create_record(bluesky_pds, bluesky_account, post_record("a" * 300))
    assert resp.status_code == 200, resp.text
    resp = create_record(bluesky_pds, bluesky_account, post_record("a" * 301))
    assert_xrpc_error(
        resp, 400, "InvalidRequest", "grapheme too big (maximum 300, got 301)", "$.record.text"
    )


@pds
def test_text_over_3000_bytes_is_refused_even_under_300_graphemes(bluesky_pds, bluesky_account):
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 1 grapheme, 25 bytes
    assert len(family.encode()) == 25
    ok = family * 120  # 120 graphemes, 3000 bytes
    resp = create_record(bluesky_pds, bluesky_account, post_record(ok))
    assert resp.status_code == 200, resp.text
    resp = create_record(bluesky_pds, bluesky_account, post_record(ok + "a"))
    assert_xrpc_error(
        resp, 400, "InvalidRequest", "string too big (maximum 3000, got 3001)", "$.record.text"
    )


@pds
def test_external_embed_with_thumb(bluesky_pds, bluesky_account):
    thumb = upload_ok(bluesky_pds, bluesky_account, make_image("JPEG", (120, 63)), "image/jpeg")
    embed: dict[str, Any] = {
        "$type": "app.bsky.embed.external",
        "external": {
            "uri": "https://example.com/blog/a-page/",
            "title": "A page",
            "description": "Its search description",
            "thumb": thumb,
        },
    }
    resp = create_record(bluesky_pds, bluesky_account, post_record("Read this", embed))
    assert resp.status_code == 200, resp.text
    value = get_record(bluesky_pds, bluesky_account, rkey_of(resp)).json()["value"]
    assert value["embed"]["external"]["uri"] == "https://example.com/blog/a-page/"
    assert value["embed"]["external"]["thumb"]["ref"] == thumb["ref"]

    # The thumb has the same 1,000,000-byte limit.
    big = upload_ok(bluesky_pds, bluesky_account, padded_png(IMAGE_LIMIT + 1), "image/png")
    embed["external"]["thumb"] = big
    resp = create_record(bluesky_pds, bluesky_account, post_record("Read this", embed))
    assert_xrpc_error(
        resp,
        400,
        "InvalidRequest",
        "blob too big (maximum 1000000",
        "$.record.embed.external.thumb",
    )


# ---------------------------------------------------------------------- record keys
TID_RKEY = "3kabcdefghij2"  # a valid TID: 13 chars of base32-sortable, first char in 2-7a-j


@pds
def test_explicit_rkey_created_twice_second_is_500(bluesky_pds, bluesky_account):
    first = create_record(bluesky_pds, bluesky_account, post_record("once"), rkey=TID_RKEY)
    assert first.status_code == 200, first.text
    assert rkey_of(first) == TID_RKEY

    # Same rkey again, same or different content: the PDS does not map the repository's
    # "There is already a value at key" error, so it is a bare 500.
    for text in ("once", "twice"):
        again = create_record(bluesky_pds, bluesky_account, post_record(text), rkey=TID_RKEY)
        assert_xrpc_error(again, 500, "InternalServerError", "Internal Server Error")

    # Nothing was duplicated or overwritten: getRecord still returns the first post.
    got = get_record(bluesky_pds, bluesky_account, TID_RKEY)
    assert got.status_code == 200
    assert got.json()["cid"] == first.json()["cid"]
    assert got.json()["value"]["text"] == "once"
    listed = requests.get(
        f"{bluesky_pds.url}/xrpc/com.atproto.repo.listRecords",
        params={"repo": bluesky_account["did"], "collection": POST},
        timeout=10,
    ).json()["records"]
    assert [r["uri"] for r in listed] == [first.json()["uri"]]


@pds
def test_put_record_with_null_swap_creates_only_if_absent(bluesky_pds, bluesky_account):
    def put(text: str) -> requests.Response:
        return requests.post(
            f"{bluesky_pds.url}/xrpc/com.atproto.repo.putRecord",
            json={
                "repo": bluesky_account["did"],
                "collection": POST,
                "rkey": TID_RKEY,
                "swapRecord": None,
                "record": {"$type": POST, "text": text, "createdAt": "2026-01-01T00:00:00.000Z"},
            },
            headers=auth(bluesky_account),
            timeout=10,
        )

    first = put("once")
    assert first.status_code == 200, first.text
    assert "commit" in first.json()
    same = put("once")  # identical record: accepted, nothing committed
    assert same.status_code == 200, same.text
    assert same.json()["cid"] == first.json()["cid"]
    assert "commit" not in same.json()
    different = put("changed")
    assert_xrpc_error(different, 400, "InvalidSwap", f"Record was at {first.json()['cid']}")


@pds
@pytest.mark.parametrize("rkey", ["crosspost-page-42", "3kabcdefghij", "3KABCDEFGHIJ2"])
def test_post_rkey_must_be_a_tid(bluesky_pds, bluesky_account, rkey):
    resp = create_record(bluesky_pds, bluesky_account, post_record("x"), rkey=rkey)
    assert_xrpc_error(resp, 400, "InvalidRequest", "Invalid TID string")


# ---------------------------------------------------------------------- delete
@pds
def test_delete_record_then_get_is_record_not_found(bluesky_pds, bluesky_account):
    resp = create_record(bluesky_pds, bluesky_account, post_record("short-lived"))
    assert resp.status_code == 200, resp.text
    rkey = rkey_of(resp)
    body = {"repo": bluesky_account["did"], "collection": POST, "rkey": rkey}
    deleted = requests.post(
        f"{bluesky_pds.url}/xrpc/com.atproto.repo.deleteRecord",
        json=body,
        headers=auth(bluesky_account),
        timeout=10,
    )
    assert deleted.status_code == 200, deleted.text
    assert_xrpc_error(
        get_record(bluesky_pds, bluesky_account, rkey), 400, "RecordNotFound", "Could not locate"
    )
    # Deleting again is not an error (so a retried delete is safe).
    again = requests.post(
        f"{bluesky_pds.url}/xrpc/com.atproto.repo.deleteRecord",
        json=body,
        headers=auth(bluesky_account),
        timeout=10,
    )
    assert again.status_code == 200, again.text


def test_fixture_module_is_importable_without_django():
    # The plugin must not need Django settings or the database.
    import tests.servers.fixtures as fixtures

    assert fixtures.bluesky_pds and fixtures.bluesky_account
