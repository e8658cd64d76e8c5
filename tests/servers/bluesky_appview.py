"""A counting stand-in for Bluesky's AppView, over the real PDS, for the figures test.

Bluesky's AppView (``@atproto/bsky``) indexes every repository of the network and answers
``app.bsky.feed.getPosts`` with each post's like, repost, reply and quote counts. It needs its own
PostgreSQL database, Redis and a firehose, and cannot run here. This stand-in does what the
AppView does for the few accounts a test names: it reads their repositories on the real PDS
(``com.atproto.repo.listRecords``, public) and counts the ``app.bsky.feed.like``,
``app.bsky.feed.repost`` and ``app.bsky.feed.post`` records whose subject, reply parent or quoted
record is the post. The likes and reposts themselves are real records, written to the real PDS
by a second account. A post the PDS does not have is left out of the answer, as the AppView does.
"""

from __future__ import annotations

from typing import Any

import requests

from wagtail_crosspost.testing.fakeserver import FakeServer, RecordedRequest, Response


class CountingAppView(FakeServer):
    MAX_URIS = 25

    def __init__(self, pds_url: str, *, accounts: list[str], **kwargs: Any):
        super().__init__(**kwargs)
        self.pds_url = pds_url
        self.accounts = list(accounts)  # the DIDs whose repositories are indexed
        self.add_route("GET", r"/xrpc/app\.bsky\.feed\.getPosts", self.get_posts)

    def _records(self, did: str, collection: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            params = {"repo": did, "collection": collection, "limit": 100}
            if cursor:
                params["cursor"] = cursor
            answer = requests.get(
                f"{self.pds_url}/xrpc/com.atproto.repo.listRecords", params=params, timeout=30
            )
            answer.raise_for_status()
            body = answer.json()
            found.extend(body.get("records") or [])
            cursor = body.get("cursor")
            if not cursor or not body.get("records"):
                return found

    def get_posts(self, request: RecordedRequest) -> Any:
        uris = request.values("uris")
        if not uris or len(uris) > self.MAX_URIS:
            return Response.json(
                {"error": "InvalidRequest", "message": "uris must have 1 to 25 items"}, 400
            )
        likes, reposts, posts = [], [], []
        for did in self.accounts:
            likes += self._records(did, "app.bsky.feed.like")
            reposts += self._records(did, "app.bsky.feed.repost")
            posts += self._records(did, "app.bsky.feed.post")
        views = []
        for uri in uris:
            did, _collection, rkey = uri.removeprefix("at://").split("/")
            record = requests.get(
                f"{self.pds_url}/xrpc/com.atproto.repo.getRecord",
                params={"repo": did, "collection": "app.bsky.feed.post", "rkey": rkey},
                timeout=30,
            )
            if record.status_code != 200:
                continue
            body = record.json()

            def subject(item: dict[str, Any]) -> str:
                return str(((item.get("value") or {}).get("subject") or {}).get("uri") or "")

            def parent(item: dict[str, Any]) -> str:
                reply = (item.get("value") or {}).get("reply") or {}
                return str((reply.get("parent") or {}).get("uri") or "")

            def quoted(item: dict[str, Any]) -> str:
                embed = (item.get("value") or {}).get("embed") or {}
                return str((embed.get("record") or {}).get("uri") or "")

            views.append(
                {
                    "uri": uri,
                    "cid": body.get("cid"),
                    "author": {"did": did, "handle": ""},
                    "record": body.get("value"),
                    "likeCount": sum(subject(item) == uri for item in likes),
                    "repostCount": sum(subject(item) == uri for item in reposts),
                    "replyCount": sum(parent(item) == uri for item in posts),
                    "quoteCount": sum(quoted(item) == uri for item in posts),
                }
            )
        return {"posts": views}
