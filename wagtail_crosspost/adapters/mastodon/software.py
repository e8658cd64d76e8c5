"""Which software a Mastodon-compatible server runs, and what that means for us.

The software is read from ``/.well-known/nodeinfo`` (then the nodeinfo document it points to),
through the gate, size-capped, without redirects, on connect and on each limits refresh. Each
known software has one entry in ``SOFTWARE``: how it counts a status, whether it honours
``Idempotency-Key``, and the source that says so (dev-notes/fediverse-research.md). A server whose
nodeinfo is missing, broken or hostile is "unknown": the strictest rule, and no idempotency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from wagtail_crosspost.stored_messages import gettext as _

from ..base import AdapterError
from ..http import HTTPClient, json_dict

#: A nodeinfo document is a few hundred bytes; a server sending more is not read further.
NODEINFO_MAX_BYTES = 64 * 1024
#: (connect, read) seconds: a slow nodeinfo must not hold up a connection test or a send.
NODEINFO_TIMEOUT = (5.0, 10.0)
NODEINFO_RELS = tuple(
    f"http://nodeinfo.diaspora.software/ns/schema/{v}" for v in ("2.1", "2.0", "1.1", "1.0")
)
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
_VERSION_RE = re.compile(r"^[\w.+~ ()-]{1,60}$")


@dataclass(frozen=True)
class Software:
    """What we know of one server software (the reference is in ``source``)."""

    label: str
    #: the ``PlatformRules.counting`` kind (``adapters/text.py`` KINDS)
    counting: str
    #: True: a repeat with the same Idempotency-Key returns the status already made
    honours_key: bool
    #: how long the server remembers a key (seconds)
    key_window: float | None
    source: str


MASTODON = Software(
    "Mastodon",
    "mastodon",
    True,
    3600,
    "mastodon/mastodon app/validators/status_length_validator.rb; "
    "app/services/post_status_service.rb (redis.setex … 3_600)",
)
STRICTEST = Software(
    "",
    "strictest",
    False,
    None,
    "the largest count of every rule below; no idempotency assumed",
)

#: nodeinfo ``software.name`` (lower case) -> what it means for counting and idempotency.
SOFTWARE: dict[str, Software] = {
    "mastodon": MASTODON,
    # Forks report "mastodon" with a version suffix (see ``identify``); their validator is
    # Mastodon's (glitch-soc/mastodon @098ca41f status_length_validator.rb).
    "glitch": Software("Glitch", "mastodon", True, 3600, MASTODON.source),
    "hometown": Software("Hometown", "mastodon", True, 3600, "assumed Mastodon's (unconfirmed)"),
    "gotosocial": Software(
        "GoToSocial",
        "codepoints",
        False,
        None,
        "superseriousbusiness/gotosocial internal/processing/status/common.go "
        "(len([]rune(status)) + len([]rune(spoiler))); Idempotency-Key only in "
        "internal/middleware/cors.go",
    ),
    "pleroma": Software(
        "Pleroma",
        "graphemes",
        True,
        6 * 3600,
        "pleroma lib/pleroma/web/common_api/utils.ex validate_character_limit (String.length); "
        "lib/pleroma/web/plugs/idempotency_plug.ex (6 h)",
    ),
    "akkoma": Software(
        "Akkoma",
        "graphemes",
        True,
        6 * 3600,
        "akkoma lib/pleroma/web/common_api/utils.ex; lib/pleroma/web/plugs/idempotency_plug.ex",
    ),
    "sharkey": Software(
        "Sharkey",
        "utf16",
        False,
        None,
        "transfem-org/Sharkey packages/backend/src/server/api/endpoints/notes/create.ts "
        "(ps.text.length > maxNoteLength); its Mastodon layer reads no Idempotency-Key",
    ),
    "iceshrimp.net": Software(
        "Iceshrimp.NET",
        "utf16",
        True,
        24 * 3600,
        "Iceshrimp.NET Controllers/Mastodon/StatusController.cs (string.Length; "
        "idempotency cache 24 h)",
    ),
    "snac": Software(
        "snac",
        "graphemes",
        False,
        None,
        "snac2 mastoapi.c: POST /v1/statuses has no length check; max_characters hard-coded",
    ),
}


@dataclass(frozen=True)
class ServerInfo:
    """What the server said about itself. ``name`` is "" when unknown; ``problem`` says why."""

    name: str = ""
    version: str = ""
    problem: str = ""

    @property
    def software(self) -> Software:
        return SOFTWARE.get(self.name, STRICTEST)

    @property
    def label(self) -> str:
        known = SOFTWARE.get(self.name)
        if known is not None:
            return known.label
        return self.name or ""

    def as_option(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "problem": self.problem}

    @classmethod
    def from_option(cls, value: Any) -> ServerInfo:
        value = value if isinstance(value, dict) else {}
        return cls(
            name=str(value.get("name") or ""),
            version=str(value.get("version") or ""),
            problem=str(value.get("problem") or ""),
        )


def identify(name: str, version: str) -> str:
    """The ``SOFTWARE`` key: Mastodon's forks are told apart only by the version suffix."""
    name = name.strip().lower()
    if name == "mastodon":
        lowered = version.lower()
        if "glitch" in lowered:
            return "glitch"
        if "hometown" in lowered:
            return "hometown"
    return name


def read_server_info(http: HTTPClient, server: str) -> ServerInfo:
    """Ask ``server`` which software it runs. Never raises: a problem is in ``problem``."""
    try:
        index = _get_json(http, server + "/.well-known/nodeinfo")
        href = _nodeinfo_href(index, server)
        document = _get_json(http, href)
    except _Unreadable as why:
        return ServerInfo(problem=str(why))
    software = document.get("software")
    software = software if isinstance(software, dict) else {}
    name = str(software.get("name") or "").strip().lower()
    version = str(software.get("version") or "").strip()
    if not _NAME_RE.match(name):
        return ServerInfo(problem=_("its nodeinfo names no software we can read"))
    if version and not _VERSION_RE.match(version):
        version = ""
    return ServerInfo(name=identify(name, version), version=version)


class _Unreadable(Exception):
    pass


def _get_json(http: HTTPClient, url: str) -> dict[str, Any]:
    try:
        response = http.request(
            "GET",
            url,
            max_bytes=NODEINFO_MAX_BYTES,
            # The shorter of ours and the channel's (tests keep theirs short).
            timeout=tuple(min(a, b) for a, b in zip(NODEINFO_TIMEOUT, http.timeout, strict=True)),
            headers={"Accept": "application/json"},
        )
    except AdapterError as error:
        raise _Unreadable(
            _("its nodeinfo could not be read (%(error)s)") % {"error": error.message}
        ) from None
    data = json_dict(response)
    if data is None:
        raise _Unreadable(_("its nodeinfo is not a JSON object"))
    return data


def _nodeinfo_href(index: dict[str, Any], server: str) -> str:
    """The nodeinfo document's address, which must be on the server itself (no other host)."""
    links = index.get("links")
    found = {}
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and isinstance(link.get("href"), str):
            found[str(link.get("rel") or "")] = link["href"]
    href = next((found[rel] for rel in NODEINFO_RELS if rel in found), "")
    if not href:
        raise _Unreadable(_("its /.well-known/nodeinfo links to no nodeinfo document"))
    ours, theirs = urlsplit(server), urlsplit(href)
    if (theirs.scheme, theirs.netloc) != (ours.scheme, ours.netloc):
        raise _Unreadable(
            _("its nodeinfo points to another address (%(href)s)") % {"href": href[:200]}
        )
    return href


def summary(options: Any) -> str:
    """The channel page's line: "GoToSocial 0.20 · limit 5000" (and why, when unknown)."""
    stored = options.get("server_software") if isinstance(options, dict) else None
    stored = stored if isinstance(stored, dict) else {}
    info = ServerInfo.from_option(stored)
    limit = stored.get("limit")
    parts = [" ".join(p for p in (info.label, info.version) if p)]
    if not info.name:
        parts = [str(_("Unknown server software: counted by the strictest rule"))]
    elif info.name not in SOFTWARE:
        parts.append(str(_("counted by the strictest rule")))
    if limit:
        parts.append(str(_("limit %(limit)s")) % {"limit": limit})
    if info.problem:
        parts.append(info.problem)
    return " · ".join(parts)
