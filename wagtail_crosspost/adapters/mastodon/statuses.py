"""Building a status request and reading its answer; the server address and its https rule."""

from __future__ import annotations

from typing import Any

from wagtail_crosspost.stored_messages import gettext as _

from ..base import (
    AmbiguousError,
    PermanentError,
    PlatformRules,
    Post,
    Receipt,
)
from ..http import json_object, trim
from ..text import Counter, count, count_graphemes, utf16_len

#: Mastodon's own rules, where a channel's rules leave a value open (adapter.rules).
MASTODON_RULES = PlatformRules(text_limit=500, counting="mastodon", url_weight=23, iri_links=True)

#: Words of the "too long" answers: Mastodon ("character limit of … exceeded"), GoToSocial
#: ("exceed max chars"), Pleroma/Akkoma ("over the character limit"), Iceshrimp.NET ("cannot be
#: longer than"), Sharkey ("maxLength").
_TOO_LONG = ("character limit", "max chars", "cannot be longer", "maxlength", "too long")


def language_code(language: str) -> str:
    """Mastodon takes ISO 639 codes; a page locale such as ``de-CH`` becomes ``de``."""
    language = language.strip().replace("_", "-")
    if not language:
        return ""
    return language.split("-")[0].lower()


def status_fields(post: Post, media_ids: list[str], default_language: str) -> dict[str, Any]:
    data: dict[str, Any] = {"status": post.text}
    if media_ids:
        data["media_ids[]"] = media_ids
    language = language_code(post.language or default_language or "")
    if language:
        data["language"] = language
    return data


def receipt_from(response: Any, software: str) -> Receipt:
    status = json_object(response)
    remote_id = str(status.get("id") or "")
    if not remote_id:  # it said yes: the post may exist
        raise AmbiguousError(
            _("%(software)s answered without the id of the post.") % {"software": software},
            raw=trim(status),
        )
    return receipt_of_status(status)


def receipt_of_status(status: dict[str, Any]) -> Receipt:
    keep = ("id", "url", "uri", "created_at", "edited_at", "visibility", "language")
    raw: dict[str, Any] = {k: status[k] for k in keep if k in status}
    raw["media_attachments"] = [
        {k: m.get(k) for k in ("id", "type", "url", "description")}
        for m in status.get("media_attachments") or []
        if isinstance(m, dict)
    ]
    return Receipt(
        remote_id=str(status.get("id") or ""),
        url=str(status.get("url") or status.get("uri") or ""),
        raw=raw,
    )


def too_long(error: PermanentError, text: str, rules: PlatformRules, software: str) -> bool:
    """True (and ``error`` rewritten as our own sentence, with both counts) when the server
    refused ``text`` as too long."""
    raw = error.raw if isinstance(error.raw, dict) else {}
    body = raw.get("body")
    said = str(body.get("error") if isinstance(body, dict) else body or "").lower()
    if error.status_code not in (400, 413, 422) or not any(w in said for w in _TOO_LONG):
        return False
    limit = rules.text_limit
    ours = count(text, Counter.from_rules(rules, MASTODON_RULES), "mastodon")
    error.message = _(
        "%(software)s refused the text as too long (“%(said)s”): its limit is %(limit)s "
        "characters. We counted %(ours)s the way %(software)s counts (%(graphemes)s "
        "characters, %(units)s UTF-16 units). Shorten the text, then use Retry."
    ) % {
        "said": str(body.get("error") if isinstance(body, dict) else body or "")[:200],
        "software": software,
        "limit": limit,
        "ours": ours,
        "graphemes": count_graphemes(text),
        "units": utf16_len(text),
    }
    return True
