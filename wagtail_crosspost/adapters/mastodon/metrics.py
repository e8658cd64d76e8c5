"""Figures of Mastodon statuses: ``GET /api/v1/statuses/:id`` (metrics.md).

Favourites, boosts and replies on every server that speaks the API; quotes where the status
carries ``quotes_count`` (Mastodon 4.4 and later). No views, no clicks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from ..base import PermanentError
from ..figures import PLATFORM, Metrics, count
from ..http import json_object

COUNTS = ("favourites_count", "reblogs_count", "replies_count", "quotes_count")


def metrics_of_status(status: dict[str, Any]) -> Metrics:
    metrics = Metrics(
        reactions=count(status.get("favourites_count")),
        reposts=count(status.get("reblogs_count")),
        replies=count(status.get("replies_count")),
        quotes=count(status.get("quotes_count")),
        raw={name: status[name] for name in COUNTS if name in status},
    )
    return metrics.mark(PLATFORM, "reactions", "reposts", "replies", "quotes", "views", "clicks")


class MastodonMetrics:
    """``fetch_metrics`` for ``MastodonAdapter``: one request per status (a batch of 20)."""

    metrics_batch_size = 20
    _request: Any

    def fetch_metrics(self, publications: Sequence[Any]) -> dict[Any, Metrics]:
        answers: dict[Any, Metrics] = {}
        for publication in publications:
            path = "/api/v1/statuses/" + quote(str(publication.remote_id), safe="")
            try:
                status = json_object(self._request("GET", path))
            except PermanentError as error:
                if error.status_code not in (404, 410):
                    raise
                answers[publication] = Metrics.gone({"status": error.status_code})
                continue
            answers[publication] = metrics_of_status(status)
        return answers
