"""Figures of Facebook Page posts, Instagram media and Threads posts (metrics.md).

- Facebook: ``GET /{post-id}?fields=shares,reactions.summary(true),comments.summary(true)``;
  views and clicks from ``/{post-id}/insights`` (``post_media_view``, ``post_clicks``).
- Instagram: ``/{media-id}/insights?metric=views,likes,comments,shares`` (up to 48 h late).
- Threads: ``/{media-id}/insights?metric=views,likes,replies,reposts,quotes``.

Meta removes metrics now and then (March 2024, June 2025, ``impressions`` → ``views`` in
November 2025). A removed metric is answered with an "invalid metric" error (code 100): that
figure becomes None (reason ``removed``) and the others are still read, one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..base import PermanentError
from ..figures import FIGURES, PLATFORM, REMOVED, Metrics, count


def _meta_error(error: PermanentError) -> dict[str, Any]:
    body = error.raw.get("body") if isinstance(error.raw, dict) else None
    meta = body.get("error") if isinstance(body, dict) else None
    return meta if isinstance(meta, dict) else {}


def invalid_metric(error: PermanentError) -> bool:
    meta = _meta_error(error)
    return meta.get("code") == 100 and "metric" in str(meta.get("message", "")).lower()


def missing_post(error: PermanentError) -> bool:
    meta = _meta_error(error)
    message = str(meta.get("message", "")).lower()
    return meta.get("code") == 100 and ("does not exist" in message or "nonexist" in message)


def insight_values(answer: dict[str, Any]) -> dict[str, int | None]:
    values: dict[str, int | None] = {}
    for item in answer.get("data") or []:
        if not isinstance(item, dict):
            continue
        total = item.get("total_value")
        if isinstance(total, dict):
            values[str(item.get("name"))] = count(total.get("value"))
            continue
        points = item.get("values") or [{}]
        values[str(item.get("name"))] = count((points[-1] or {}).get("value"))
    return values


class MetaMetrics:
    """``fetch_metrics`` for the Meta adapters: the Graph API has no batch read we use here, so
    one post is read at a time (a batch of 10 per call of ``fetch_metrics``)."""

    metrics_batch_size = 10
    #: figure -> insights metric name (per platform).
    insight_names: dict[str, str] = {}
    request: Any
    node: Any

    def fetch_metrics(self, publications: Sequence[Any]) -> dict[Any, Metrics]:
        answers: dict[Any, Metrics] = {}
        for publication in publications:
            try:
                answers[publication] = self.metrics_of(str(publication.remote_id))
            except PermanentError as error:
                if not missing_post(error):
                    raise
                answers[publication] = Metrics.gone({"error": _meta_error(error)})
        return answers

    def metrics_of(self, remote_id: str) -> Metrics:
        metrics = Metrics()
        self.read_insights(remote_id, metrics)
        return metrics.mark(PLATFORM, *FIGURES)

    def read_insights(self, remote_id: str, metrics: Metrics) -> None:
        names = list(self.insight_names.values())
        path = self.node(remote_id) + "/insights"
        try:
            answer = self.request("GET", path, params={"metric": ",".join(names)})
            values = insight_values(answer)
        except PermanentError as error:
            if not invalid_metric(error):
                raise
            values = {}
            for name in names:  # find the removed one(s); the others still count
                try:
                    one = self.request("GET", path, params={"metric": name})
                except PermanentError as one_error:
                    if not invalid_metric(one_error):
                        raise
                    values[name] = None
                    metrics.unavailable.setdefault(self._figure(name), REMOVED)
                    continue
                values.update(insight_values(one))
        metrics.raw["insights"] = values
        for figure, name in self.insight_names.items():
            if getattr(metrics, figure) is None:
                setattr(metrics, figure, values.get(name))

    def _figure(self, name: str) -> str:
        return next(f for f, n in self.insight_names.items() if n == name)


class FacebookMetrics(MetaMetrics):
    insight_names = {"views": "post_media_view", "clicks": "post_clicks"}
    FIELDS = "shares,reactions.summary(true).limit(0),comments.summary(true).limit(0)"

    def metrics_of(self, remote_id: str) -> Metrics:
        post = self.request("GET", self.node(remote_id), params={"fields": self.FIELDS})
        reactions = (post.get("reactions") or {}).get("summary") or {}
        comments = (post.get("comments") or {}).get("summary") or {}
        metrics = Metrics(
            reactions=count(reactions.get("total_count")),
            replies=count(comments.get("total_count")),
            # Facebook leaves ``shares`` out of the answer while a post has none.
            reposts=count((post.get("shares") or {"count": 0}).get("count")),
            raw={"reactions": reactions, "comments": comments, "shares": post.get("shares")},
        )
        self.read_insights(remote_id, metrics)
        return metrics.mark(PLATFORM, *FIGURES)


class InstagramMetrics(MetaMetrics):
    insight_names = {
        "views": "views",
        "reactions": "likes",
        "replies": "comments",
        "reposts": "shares",
    }


class ThreadsMetrics(MetaMetrics):
    insight_names = {
        "views": "views",
        "reactions": "likes",
        "replies": "replies",
        "reposts": "reposts",
        "quotes": "quotes",
    }


__all__ = ["FacebookMetrics", "InstagramMetrics", "ThreadsMetrics"]
