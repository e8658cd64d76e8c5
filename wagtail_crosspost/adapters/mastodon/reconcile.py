"""After a lost answer on a server that ignores ``Idempotency-Key``: did the status get made?

The account's own latest statuses (``GET /api/v1/accounts/:id/statuses``, newest first; the id
from ``verify_credentials``) are matched by exact text, created after the attempt. Three outcomes:
the status (``Found``), certainly nothing (``None``: the listing reaches back past the attempt and
holds no match), or unsure (``AmbiguousError`` with a sentence that says what to look at).
Sources: dev-notes/fediverse-research.md §3 (Mastodon, GoToSocial, Pleroma, snac listings).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from wagtail_crosspost.stored_messages import gettext as _
from wagtail_crosspost.stored_messages import moment

from ..base import AdapterError, AmbiguousError

#: How many statuses one look asks for (Mastodon caps the page at 40).
LOOK_BACK = 40
#: The server's clock and ours may differ this much: a status this much "before" the attempt
#: still counts as possibly ours (the exact text decides).
CLOCK_SLACK = timedelta(minutes=2)
_TAG_RE = re.compile(r"<[^>]+>")
_BREAK_RE = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>", re.IGNORECASE)
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class Candidate:
    id: str
    created_at: datetime | None
    in_reply_to_id: str
    content: str
    raw: dict[str, Any]


def plain(text: str) -> str:
    """Text compared with whitespace collapsed (servers turn newlines into <br> and <p>)."""
    return _SPACE_RE.sub(" ", text).strip()


def text_of_content(content: str) -> str:
    """A status's HTML ``content`` as text: tags dropped (link spans keep the whole URL)."""
    return html.unescape(_TAG_RE.sub("", _BREAK_RE.sub("\n", content or "")))


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


class Looker:
    """Looks through one account's latest statuses for a text (one listing, read once)."""

    def __init__(self, adapter: Any, since: datetime, software: str):
        self.adapter = adapter
        self.since = since
        self.software = software or str(adapter.label)
        self._candidates: list[Candidate] | None = None
        self._complete = False

    def unsure(self, detail: str) -> AmbiguousError:
        return AmbiguousError(
            _(
                "%(software)s may or may not have published this post: %(detail)s. Look at the "
                "account's posts since %(time)s; use Retry only if it is not there."
            )
            % {
                "software": self.software,
                "detail": detail,
                "time": moment(self.since),
            }
        )

    def candidates(self) -> list[Candidate]:
        if self._candidates is None:
            self._candidates = self._list()
        return self._candidates

    def _list(self) -> list[Candidate]:
        try:
            me = self.adapter._request("GET", "/api/v1/accounts/verify_credentials").json()
            account_id = str(me.get("id") or "") if isinstance(me, dict) else ""
            if not account_id:
                raise self.unsure(_("it did not say which account the channel posts as"))
            answer = self.adapter._request(
                "GET",
                f"/api/v1/accounts/{quote(account_id, safe='')}/statuses",
                params={"limit": LOOK_BACK},
            ).json()
        except AmbiguousError:
            raise
        except (AdapterError, ValueError) as error:
            detail = getattr(error, "message", "") or _("its answer was not readable")
            raise self.unsure(
                _("its list of the account's posts could not be read (%(error)s)")
                % {"error": detail}
            ) from None
        if not isinstance(answer, list):
            raise self.unsure(_("its list of the account's posts was not readable"))
        found = []
        oldest: datetime | None = None
        for item in answer:
            if not isinstance(item, dict) or not item.get("id"):
                continue
            created = parse_time(item.get("created_at"))
            if created is not None and (oldest is None or created < oldest):
                oldest = created
            found.append(
                Candidate(
                    id=str(item["id"]),
                    created_at=created,
                    in_reply_to_id=str(item.get("in_reply_to_id") or ""),
                    content=str(item.get("content") or ""),
                    raw=item,
                )
            )
        # Everything since the attempt was listed: fewer than a page, or the page reaches back.
        self._complete = len(answer) < LOOK_BACK or (
            oldest is not None and oldest < self.since - CLOCK_SLACK
        )
        return [
            c for c in found if c.created_at is None or c.created_at >= self.since - CLOCK_SLACK
        ]

    def find(self, text: str, in_reply_to: str = "") -> dict[str, Any] | None:
        """The status with ``text`` (replying to ``in_reply_to``); None if certainly none."""
        wanted = plain(text)
        unreadable = 0
        for candidate in self.candidates():
            if in_reply_to and candidate.in_reply_to_id != in_reply_to:
                continue
            if plain(text_of_content(candidate.content)) == wanted:
                return candidate.raw
            source = self._source(candidate.id)
            if source is None:
                unreadable += 1
            elif plain(source) == wanted:
                return candidate.raw
        if unreadable:
            raise self.unsure(
                _("the text of %(n)s recent post(s) could not be compared") % {"n": unreadable}
            )
        if not self._complete:
            raise self.unsure(_("more posts were made since then than one look can see"))
        if self.adapter.visibility != "public" and self.software == "snac":
            raise self.unsure(_("snac lists only public posts"))
        return None

    def _source(self, status_id: str) -> str | None:
        """The status's plain text (``/api/v1/statuses/:id/source``), None if not readable."""
        try:
            answer = self.adapter._request(
                "GET", f"/api/v1/statuses/{quote(status_id, safe='')}/source"
            ).json()
        except (AdapterError, ValueError):
            return None
        text = answer.get("text") if isinstance(answer, dict) else None
        return text if isinstance(text, str) else None
