"""Figures of LinkedIn Page posts: ``organizationalEntityShareStatistics`` (metrics.md).

Organic figures of a Page's posts (likes, comments, reshares, impressions, clicks) for a member
who administers the Page (scope ``rw_organization_admin``). Member posts need
``r_member_postAnalytics``, granted to approved partners only: without it, no figures, and the
reason says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from ..figures import FIGURES, PLATFORM, SCOPE, Metrics, count
from ..http import json_object

STATISTICS = "/rest/organizationalEntityShareStatistics"


def metrics_of_statistics(element: dict[str, Any]) -> Metrics:
    totals = element.get("totalShareStatistics") or {}
    metrics = Metrics(
        reactions=count(totals.get("likeCount")),
        reposts=count(totals.get("shareCount")),
        replies=count(totals.get("commentCount")),
        views=count(totals.get("impressionCount")),
        clicks=count(totals.get("clickCount")),
        raw={"totalShareStatistics": totals},
    )
    return metrics.mark(PLATFORM, *FIGURES)


def _list(urns: list[str]) -> str:
    return "List(" + ",".join(quote(urn, safe="") for urn in urns) + ")"


class LinkedInMetrics:
    """``fetch_metrics`` for ``LinkedInAdapter``: one call per 20 Page posts."""

    metrics_batch_size = 20
    _request: Any
    options: dict[str, Any]

    def fetch_metrics(self, publications: Sequence[Any]) -> dict[Any, Metrics]:
        author = str(getattr(self, "author", ""))
        if not author.startswith("urn:li:organization:"):
            note = {"note": "member posts need r_member_postAnalytics"}
            return {p: Metrics(raw=note).mark(SCOPE, *FIGURES) for p in publications}
        shares = [str(p.remote_id) for p in publications if ":share:" in str(p.remote_id)]
        posts = [str(p.remote_id) for p in publications if ":share:" not in str(p.remote_id)]
        query = "q=organizationalEntity&organizationalEntity=" + quote(author, safe="")
        if shares:
            query += "&shares=" + _list(shares)
        if posts:
            query += "&ugcPosts=" + _list(posts)
        answer = json_object(self._request("GET", f"{STATISTICS}?{query}"))
        found = {}
        for element in answer.get("elements") or []:
            if isinstance(element, dict):
                found[str(element.get("share") or element.get("ugcPost") or "")] = element
        return {
            p: metrics_of_statistics(found[str(p.remote_id)])
            if str(p.remote_id) in found
            else Metrics.gone()
            for p in publications
        }
