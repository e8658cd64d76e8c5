"""Fetching a page or its card image for the check, through the one outbound gate.

The gate checks every address it connects to, follows no redirect, cuts a slow answer at the
deadline and stops reading at the size cap. Here a redirect is followed only within the same
site (scheme and host unchanged, at most ``MAX_REDIRECTS``), and each hop is a new request that
the gate checks again. Every failure becomes a :class:`FetchProblem` with a plain sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from django.utils.translation import gettext as _

from ..adapters import gate
from ..adapters.http import USER_AGENT

MAX_REDIRECTS = 3
DEADLINE_SECONDS = 10.0  # the editor waits for this: seconds, not the delivery's minutes
TIMEOUT = (5.0, 8.0)
PAGE_MAX_BYTES = 1_000_000  # card tags sit in <head>: a page larger than this is not read
IMAGE_MAX_BYTES = gate.MAX_ANSWER_BYTES


class FetchProblem(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Fetched:
    url: str  # after same-site redirects
    content: bytes
    content_type: str


def _same_site(a: str, b: str) -> bool:
    first, second = urlsplit(a), urlsplit(b)
    return (first.scheme, first.hostname, first.port) == (
        second.scheme,
        second.hostname,
        second.port,
    )


def fetch(url: str, *, max_bytes: int, accept: str) -> Fetched:
    """GET ``url`` through the gate; raise FetchProblem with a readable sentence."""
    session = gate.guarded_session(deadline=DEADLINE_SECONDS, max_bytes=max_bytes)
    session.headers.update({"User-Agent": USER_AGENT, "Accept": accept})
    current = url
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            response = _get(session, current, max_bytes)
            if 300 <= response.status_code < 400 and response.headers.get("Location"):
                target = urljoin(current, response.headers["Location"])
                if not _same_site(current, target):
                    raise FetchProblem(
                        _(
                            "%(url)s redirects to another site (%(target)s). Platforms may "
                            "not follow it: link to the final address."
                        )
                        % {"url": current, "target": target[:300]}
                    )
                current = target
                continue
            if response.status_code >= 400:
                raise FetchProblem(
                    _("%(url)s answered with an error (HTTP %(status)s).")
                    % {"url": current, "status": response.status_code}
                )
            return Fetched(
                current, response.content, response.headers.get("Content-Type", "").lower()
            )
    finally:
        session.close()
    raise FetchProblem(
        _("%(url)s redirects more than %(count)s times.") % {"url": url, "count": MAX_REDIRECTS}
    )


def _get(session: requests.Session, url: str, max_bytes: int) -> requests.Response:
    try:
        gate.parse(url)
        return session.get(url, timeout=TIMEOUT)
    except gate.Refused as refusal:
        raise FetchProblem(refusal.message) from None
    except gate.RequestRefused as exc:
        raise FetchProblem(exc.message) from None
    except gate.AnswerTooLarge:
        raise FetchProblem(
            _("%(url)s is larger than %(size)s; it was not read to the end.")
            % {"url": url, "size": _megabytes(max_bytes)}
        ) from None
    except (gate.DeadlineExceeded, gate.AnswerLost):
        raise FetchProblem(
            _("%(url)s did not answer in full within %(seconds)s seconds.")
            % {"url": url, "seconds": f"{DEADLINE_SECONDS:g}"}
        ) from None
    except requests.exceptions.RequestException as exc:
        raise FetchProblem(
            _("%(url)s could not be loaded: %(error)s") % {"url": url, "error": str(exc)[:300]}
        ) from None


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g} MB"
