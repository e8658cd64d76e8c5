"""Figures of X posts: ``GET /2/tweets?ids=…`` with up to 100 ids (metrics.md).

``public_metrics`` (likes, reposts, replies, quotes, impressions) for every post;
``non_public_metrics`` (link clicks) only for the account's own posts under 30 days old, in user
context. Reads cost money on X's paid tiers, so figures are off for a new X channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from ..figures import FIGURES, PLATFORM, Metrics, count
from ..http import json_object

NON_PUBLIC_DAYS = 30


def metrics_of_tweet(tweet: dict[str, Any]) -> Metrics:
    public = tweet.get("public_metrics") or {}
    private = tweet.get("non_public_metrics") or {}
    metrics = Metrics(
        reactions=count(public.get("like_count")),
        reposts=count(public.get("retweet_count")),
        replies=count(public.get("reply_count")),
        quotes=count(public.get("quote_count")),
        views=count(public.get("impression_count", private.get("impression_count"))),
        clicks=count(private.get("url_link_clicks")),
        raw={k: tweet[k] for k in ("public_metrics", "non_public_metrics") if k in tweet},
    )
    return metrics.mark(PLATFORM, *FIGURES)


class XMetrics:
    """``fetch_metrics`` for ``XAdapter``: one call per 100 posts (two when some are old)."""

    metrics_batch_size = 100
    metrics_by_default = False  # every read is billed on X's pay-per-use API
    _request: Any

    def fetch_metrics(self, publications: Sequence[Any]) -> dict[Any, Metrics]:
        border = datetime.now(UTC) - timedelta(days=NON_PUBLIC_DAYS - 1)
        recent = [p for p in publications if (getattr(p, "sent_at", None) or border) >= border]
        older = [p for p in publications if p not in recent]
        answers: dict[Any, Metrics] = {}
        for group, fields in (
            (recent, "public_metrics,non_public_metrics"),
            (older, "public_metrics"),
        ):
            if group:
                answers.update(self._tweets(group, fields))
        return answers

    def _tweets(self, publications: list[Any], fields: str) -> dict[Any, Metrics]:
        ids = ",".join(dict.fromkeys(str(p.remote_id) for p in publications))
        answer = json_object(
            self._request("GET", "/2/tweets", params={"ids": ids, "tweet.fields": fields})
        )
        tweets = {str(t.get("id")): t for t in answer.get("data") or [] if isinstance(t, dict)}
        # A deleted post is named in ``errors`` (resource-not-found), not in ``data``.
        return {
            p: metrics_of_tweet(tweets[str(p.remote_id)])
            if str(p.remote_id) in tweets
            else Metrics.gone()
            for p in publications
        }
