"""AT Protocol building blocks, pure: record keys (TIDs), rich-text facets, XRPC errors, sessions.

No HTTP here: ``bluesky.py`` does the calls. Facts from ``shared/reference/platforms.md`` (section
"2. Bluesky") and ``tests/servers/test_bluesky_pds.py`` (what the reference PDS does).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from typing import Any

import regex

from ..base import AdapterError
from ..http import default_error_text
from ..links import as_uri
from ..text import count_graphemes, find_urls, utf8_span

TAG_MAX_GRAPHEMES = 64
TOKEN_ERRORS = frozenset({"ExpiredToken", "InvalidToken"})
SESSION_KEYS = ("did", "handle", "accessJwt", "refreshJwt")


# -- record keys ---------------------------------------------------------------------------------

TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
TID_RE = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
# Derived keys put their "timestamp" in 2000-01-01 .. 2017-10: before Bluesky existed, so no
# client that takes its TIDs from the clock can ever pick one of ours.
DERIVED_TID_EPOCH_US = 946_684_800_000_000
DERIVED_TID_SPAN_US = 1 << 49


def encode_tid(timestamp_us: int, clock_id: int) -> str:
    """A TID: 0 bit, 53-bit microsecond timestamp, 10-bit clock id, 13 base32-sortable chars."""
    if not 0 <= timestamp_us < 1 << 53 or not 0 <= clock_id < 1 << 10:
        raise ValueError("timestamp or clock id out of range for a TID")
    value = (timestamp_us << 10) | clock_id
    chars = []
    for _i in range(13):
        chars.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def decode_tid(tid: str) -> tuple[int, int]:
    """``(timestamp_us, clock_id)`` of a TID."""
    if not TID_RE.match(tid):
        raise ValueError(f"not a TID: {tid!r}")
    value = 0
    for char in tid:
        value = (value << 5) | TID_ALPHABET.index(char)
    return value >> 10, value & 0x3FF


def derive_tid(key: str) -> str:
    """The record key for ``key``: the same key always gives the same valid TID.

    Its timestamp part is a hash, not a time, so these records sort before the account's
    clock-made ones in ``listRecords``; feeds order posts by ``createdAt``, which stays real.
    """
    digest = hashlib.sha256(b"wagtail-crosspost:bluesky:rkey\0" + key.encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    timestamp = DERIVED_TID_EPOCH_US + (number >> 10) % DERIVED_TID_SPAN_US
    return encode_tid(timestamp, number & 0x3FF)


def new_tid() -> str:
    """A clock-made TID, for a post without an idempotency key."""
    return encode_tid(time.time_ns() // 1000, secrets.randbelow(1024))


# -- rich text -----------------------------------------------------------------------------------

# After the official app's hashtag detection (social-app richtext ``TAG_REGEX``).
_INVISIBLE = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_HASHTAG_RE = regex.compile(
    rf"(?<!\S)[#＃]((?!\ufe0f)[^\s{_INVISIBLE}]*[^\d\s\p{{P}}{_INVISIBLE}]+[^\s{_INVISIBLE}]*)"
)
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+$")


def build_facets(text: str) -> list[dict[str, Any]]:
    """Link and hashtag facets for ``text``, indexed by UTF-8 byte offsets as the lexicon says."""
    facets: list[tuple[int, dict[str, Any]]] = []
    links = find_urls(text, "bluesky")
    for start, end, url in links:
        byte_start, byte_end = utf8_span(text, start, end)
        uri = as_uri(url if "://" in url else "https://" + url)  # an IRI in the text
        facets.append((byte_start, _facet(byte_start, byte_end, "link", uri=uri)))
    for match in _HASHTAG_RE.finditer(text):
        tag = _TRAILING_PUNCTUATION.sub("", match[1])
        start = match.start()
        end = match.start(1) + len(tag)
        if not tag or count_graphemes(tag) > TAG_MAX_GRAPHEMES:
            continue
        if any(s < end and start < e for s, e, _url in links):  # a "#" inside a link
            continue
        byte_start, byte_end = utf8_span(text, start, end)
        facets.append((byte_start, _facet(byte_start, byte_end, "tag", tag=tag)))
    return [facet for _start, facet in sorted(facets, key=lambda item: item[0])]


def _facet(byte_start: int, byte_end: int, feature: str, **values: str) -> dict[str, Any]:
    return {
        "index": {"byteStart": byte_start, "byteEnd": byte_end},
        "features": [{"$type": f"app.bsky.richtext.facet#{feature}", **values}],
    }


# -- XRPC answers ----------------------------------------------------------------------------------


def xrpc_error_text(body: Any) -> str:
    """XRPC errors are ``{"error": "Name", "message": "..."}``: keep both."""
    if isinstance(body, dict):
        name, message = body.get("error"), body.get("message")
        if isinstance(name, str) and isinstance(message, str) and message:
            return f"{name}: {message}"
    return default_error_text(body)


def error_name(error: AdapterError) -> str:
    name = error_body(error).get("error") if isinstance(error_body(error), dict) else None
    return name if isinstance(name, str) else ""


def error_body(error: AdapterError) -> Any:
    raw = error.raw if isinstance(error.raw, dict) else {}
    return raw.get("body")


def token_refused(error: AdapterError) -> bool:
    # The PDS says 400 ExpiredToken/InvalidToken; an AppView or entryway may say 401.
    return error_name(error) in TOKEN_ERRORS or error.status_code == 401


# -- sessions --------------------------------------------------------------------------------------


def valid_session(value: Any) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    session = {k: str(value.get(k) or "") for k in SESSION_KEYS}
    if not (session["did"] and session["accessJwt"] and session["refreshJwt"]):
        return None
    return session


def expires_within(token: str, seconds: float) -> bool:
    """True when the JWT's ``exp`` (read, not verified) is this close; False if unreadable."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(claims["exp"]) - time.time() < seconds
    except (IndexError, ValueError, KeyError, TypeError):
        return False
