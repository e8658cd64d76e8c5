"""Figures of LinkedIn posts (metrics.md).

- Page posts: ``organizationalEntityShareStatistics``, organic figures (likes, comments,
  reshares, impressions, clicks) for a member who administers the Page (scope
  ``rw_organization_admin``); one call per 20 posts.
- Member posts: ``memberCreatorPostAnalytics?q=entity``, one metric per call (``queryType``
  IMPRESSION, REACTION, COMMENT, RESHARE; ``aggregation=TOTAL``), so four calls per post. It
  needs ``r_member_postAnalytics``, which LinkedIn grants approved Community Management API
  partners only (since mid-2025). Without it LinkedIn answers 403: every figure is None with the
  reason "scope", the channel stays healthy, and no further call is made for that batch. The
  request's shape (``entity=(share:…)`` / ``(ugc:…)``, ``elements[].count``) is as integrators
  send it; metrics.md names only the endpoint, the finder and the scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from ..base import AuthError, PermanentError
from ..figures import FIGURES, PLATFORM, SCOPE, Metrics, count
from ..http import json_object

STATISTICS = "/rest/organizationalEntityShareStatistics"
MEMBER_ANALYTICS = "/rest/memberCreatorPostAnalytics"
#: figure -> the member analytics' queryType (members reached has no figure of ours).
MEMBER_QUERIES = {
    "views": "IMPRESSION",
    "reactions": "REACTION",
    "replies": "COMMENT",
    "reposts": "RESHARE",
}
MEMBER_SCOPE = "r_member_postAnalytics"


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
            return self.member_metrics(publications)
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

    def member_metrics(self, publications: Sequence[Any]) -> dict[Any, Metrics]:
        """Figures of a member's own posts: four calls per post, while the scope is granted."""
        answers: dict[Any, Metrics] = {}
        for index, publication in enumerate(publications):
            try:
                answers[publication] = self._member_post(str(publication.remote_id))
            except AuthError as error:
                if error.status_code != 403:
                    raise  # an expired or revoked token: the channel needs reconnecting
                note = {"note": f"member posts need {MEMBER_SCOPE}", "error": error.raw}
                for rest in publications[index:]:
                    answers[rest] = Metrics(raw=note).mark(SCOPE, *FIGURES)
                break
        return answers

    def _member_post(self, urn: str) -> Metrics:
        kind = "ugc" if ":ugcPost:" in urn else "share"
        entity = f"({kind}:{quote(urn, safe='')})"
        metrics = Metrics()
        for figure, query_type in MEMBER_QUERIES.items():
            query = f"q=entity&entity={entity}&queryType={query_type}&aggregation=TOTAL"
            try:
                answer = json_object(self._request("GET", f"{MEMBER_ANALYTICS}?{query}"))
            except PermanentError as error:
                if error.status_code == 404:
                    return Metrics.gone(error.raw if isinstance(error.raw, dict) else {})
                raise
            elements = [e for e in answer.get("elements") or [] if isinstance(e, dict)]
            setattr(metrics, figure, count(elements[0].get("count")) if elements else None)
            metrics.raw[query_type] = elements
        return metrics.mark(PLATFORM, *FIGURES)
