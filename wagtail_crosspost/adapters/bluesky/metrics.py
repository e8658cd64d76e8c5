"""Figures of Bluesky posts: ``app.bsky.feed.getPosts`` with up to 25 at-URIs (metrics.md).

Likes, reposts, replies and quotes, read through the channel's PDS (which hands the call to its
AppView) or, with the option ``appview_url``, straight from a public AppView without a session
(``https://public.api.bsky.app``). No views, no clicks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..figures import PLATFORM, Metrics, count
from ..http import json_object
from .connect import check_service, normalise_service
from .session import XRPCSession

GET_POSTS = "app.bsky.feed.getPosts"
COUNTS = ("likeCount", "repostCount", "replyCount", "quoteCount")


def metrics_of_post(post: dict[str, Any]) -> Metrics:
    metrics = Metrics(
        reactions=count(post.get("likeCount")),
        reposts=count(post.get("repostCount")),
        replies=count(post.get("replyCount")),
        quotes=count(post.get("quoteCount")),
        raw={name: post[name] for name in COUNTS if name in post},
    )
    return metrics.mark(PLATFORM, "reactions", "reposts", "replies", "quotes", "views", "clicks")


class BlueskyMetrics(XRPCSession):
    """``fetch_metrics`` for ``BlueskyAdapter``: one ``getPosts`` call per 25 posts."""

    metrics_batch_size = 25
    options: dict[str, Any]
    _parse_remote_id: Any

    def fetch_metrics(self, publications: Sequence[Any]) -> dict[Any, Metrics]:
        uris = {publication: self._at_uri(publication.remote_id) for publication in publications}
        params = {"uris": list(dict.fromkeys(uris.values()))}
        appview = str(self.options.get("appview_url") or "").strip()
        if appview:
            appview = normalise_service(appview)
            check_service(appview)
            response = self.http.request("GET", f"{appview}/xrpc/{GET_POSTS}", params=params)
        else:
            response = self._xrpc("GET", GET_POSTS, params=params)
        posts = {
            post.get("uri"): post
            for post in json_object(response).get("posts") or []
            if isinstance(post, dict)
        }
        # A post the AppView does not know (deleted, or taken down) is left out of its answer.
        return {
            publication: metrics_of_post(posts[uri]) if uri in posts else Metrics.gone()
            for publication, uri in uris.items()
        }

    def _at_uri(self, remote_id: str) -> str:
        did, collection, rkey = self._parse_remote_id(str(remote_id))
        return f"at://{did}/{collection}/{rkey}"
