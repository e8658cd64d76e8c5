"""Strict fakes of the platforms' figures endpoints (shared/reference/metrics.md).

Each extends the platform's posting fake, so a post made through the adapter can be read back:
``figures[remote_id] = {"reactions": 3, ...}`` sets what the platform counts (neutral names).

Enforced, per metrics.md: Mastodon ``GET /api/v1/statuses/:id`` with the counts of the Status
entity (``quotes_count`` only from 4.4: ``quotes=False`` leaves it out); Bluesky
``app.bsky.feed.getPosts`` with at most 25 at-URIs, a valid session, posts it does not know left
out of the answer; X ``GET /2/tweets`` with at most 100 ids, ``tweet.read`` scope,
``non_public_metrics`` only in user context and for posts under 30 days, deleted posts named in
``errors``, the per-endpoint rate limit (429 with ``x-rate-limit-reset``); LinkedIn
``organizationalEntityShareStatistics`` only with ``rw_organization_admin`` and for a Page the
member administers, share URNs in ``shares=List(…)``, others in ``ugcPosts=List(…)``; Meta
insights only with the insights permission, a removed metric answered with Meta's
"(#100) … must be a valid insights metric" error, Facebook's ``shares`` left out while a post
has none.
"""

from __future__ import annotations

import re
import time
from typing import Any

from tests.fakes.bluesky import XRPC, FakeBlueskyPDS, xrpc_error
from tests.fakes.linkedin import FakeLinkedIn, li_error
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.meta import NODE, VERSION, FakeGraph, FakeThreads, meta_error, no_such_object
from tests.fakes.x import FakeX, invalid_request
from wagtail_crosspost.testing.fakeserver import RecordedRequest, Response

Figures = dict[str, int]


class MastodonFigures(FakeMastodon):
    def __init__(self, *, quotes: bool = True, **kwargs: Any):
        super().__init__(**kwargs)
        self.quotes = quotes
        self.figures: dict[str, Figures] = {}

    def _status_json(self, status: dict[str, Any]) -> dict[str, Any]:
        answer = super()._status_json(status)
        counts = self.figures.get(status["id"], {})
        answer["favourites_count"] = counts.get("reactions", 0)
        answer["reblogs_count"] = counts.get("reposts", 0)
        answer["replies_count"] = counts.get("replies", 0)
        if self.quotes:
            answer["quotes_count"] = counts.get("quotes", 0)
        return answer


class BlueskyFigures(FakeBlueskyPDS):
    MAX_URIS = 25  # lexicon app.bsky.feed.getPosts: uris maxLength 25

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.figures: dict[str, Figures] = {}
        self.add_route("GET", XRPC + r"app\.bsky\.feed\.getPosts", self.get_posts)

    def get_posts(self, request: RecordedRequest) -> Any:
        refused = self._bearer(request, self.access_tokens)
        if refused is not None:
            return refused
        uris = request.values("uris")
        if not uris or len(uris) > self.MAX_URIS:
            return xrpc_error(400, "InvalidRequest", "uris must have 1 to 25 items")
        posts = []
        for uri in uris:
            prefix = f"at://{self.did}/app.bsky.feed.post/"
            rkey = uri[len(prefix) :] if uri.startswith(prefix) else ""
            if rkey not in self.records:
                continue  # the AppView leaves out what it does not know
            counts = self.figures.get(rkey, {})
            posts.append(
                {
                    "uri": uri,
                    "cid": self.records[rkey]["cid"],
                    "author": {"did": self.did, "handle": self.handle},
                    "record": self.records[rkey]["value"],
                    "likeCount": counts.get("reactions", 0),
                    "repostCount": counts.get("reposts", 0),
                    "replyCount": counts.get("replies", 0),
                    "quoteCount": counts.get("quotes", 0),
                    "indexedAt": "2026-03-02T09:00:00.000Z",
                }
            )
        return {"posts": posts}


class XFigures(FakeX):
    MAX_IDS = 100  # metrics.md: up to 100 ids

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.figures: dict[str, Figures] = {}
        self.add_route("GET", r"/2/tweets", self.get_tweets)

    def get_tweets(self, request: RecordedRequest) -> Any:
        grant = self._guard(request, "GET /2/tweets")
        if isinstance(grant, Response):
            return grant
        if "tweet.read" not in grant.scopes or "users.read" not in grant.scopes:
            return Response.json(
                {
                    "title": "Forbidden",
                    "type": "about:blank",
                    "status": 403,
                    "detail": "Missing scope tweet.read",
                },
                403,
            )
        ids = [i for i in (request.value("ids") or "").split(",") if i]
        if not ids or len(ids) > self.MAX_IDS:
            return invalid_request("The `ids` query parameter value must have 1 to 100 items")
        fields = set((request.value("tweet.fields") or "").split(","))
        data, errors = [], []
        for tweet_id in ids:
            tweet = self.tweets.get(tweet_id)
            if tweet is None:
                errors.append(
                    {
                        "value": tweet_id,
                        "detail": f"Could not find tweet with ids: [{tweet_id}].",
                        "title": "Not Found Error",
                        "resource_type": "tweet",
                        "parameter": "ids",
                        "resource_id": tweet_id,
                        "type": "https://api.twitter.com/2/problems/resource-not-found",
                    }
                )
                continue
            counts = self.figures.get(tweet_id, {})
            item: dict[str, Any] = {"id": tweet_id, "text": tweet.get("text", "")}
            if "public_metrics" in fields:
                item["public_metrics"] = {
                    "retweet_count": counts.get("reposts", 0),
                    "reply_count": counts.get("replies", 0),
                    "like_count": counts.get("reactions", 0),
                    "quote_count": counts.get("quotes", 0),
                    "bookmark_count": 0,
                    "impression_count": counts.get("views", 0),
                }
            if "non_public_metrics" in fields:
                age = time.time() - tweet.get("_created", time.time())
                if age > 30 * 86400:
                    return invalid_request(
                        "non_public_metrics are only available for Tweets created in the last "
                        "30 days"
                    )
                item["non_public_metrics"] = {
                    "impression_count": counts.get("views", 0),
                    "url_link_clicks": counts.get("clicks", 0),
                    "user_profile_clicks": 0,
                }
            data.append(item)
        answer: dict[str, Any] = {"data": data} if data else {}
        if errors:
            answer["errors"] = errors
        return answer


class LinkedInFigures(FakeLinkedIn):
    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.figures: dict[str, Figures] = {}
        self.scopes = {"w_organization_social", "rw_organization_admin"}
        self.add_route("GET", r"/rest/organizationalEntityShareStatistics", self.statistics)
        self.add_route("GET", r"/rest/memberCreatorPostAnalytics", self.member_analytics)

    #: memberCreatorPostAnalytics' queryType -> neutral figure (members reached: ours has none)
    MEMBER_QUERIES = {
        "IMPRESSION": "views",
        "MEMBERS_REACHED": "reach",
        "RESHARE": "reposts",
        "REACTION": "reactions",
        "COMMENT": "replies",
    }

    def member_analytics(self, request: RecordedRequest) -> Any:
        """``GET /rest/memberCreatorPostAnalytics?q=entity&entity=(share:…)&queryType=…``: one
        metric of one of the member's own posts; only with ``r_member_postAnalytics``."""
        member = self._member(request)
        if isinstance(member, Response):
            return member
        if "r_member_postAnalytics" not in self.scopes:
            return li_error(
                403,
                "Not enough permissions to access: "
                "memberCreatorPostAnalytics.FINDER-entity.20250701",
                "ACCESS_DENIED",
            )
        if request.value("q") != "entity":
            return li_error(400, "Missing or invalid finder q", "ILLEGAL_ARGUMENT")
        query_type = request.value("queryType") or ""
        aggregation = request.value("aggregation") or "DAILY"
        if query_type not in self.MEMBER_QUERIES or aggregation not in ("TOTAL", "DAILY"):
            return li_error(400, f"Invalid queryType {query_type}", "ILLEGAL_ARGUMENT")
        if query_type == "MEMBERS_REACHED" and aggregation == "DAILY":
            return li_error(400, "MEMBERS_REACHED has no DAILY aggregation", "ILLEGAL_ARGUMENT")
        entity = request.value("entity") or ""
        found = re.fullmatch(r"\((share|ugc):(urn:li:(share|ugcPost):\d+)\)", entity)
        if not found or (found.group(1) == "ugc") != (found.group(3) == "ugcPost"):
            return li_error(400, f"Invalid entity {entity}", "ILLEGAL_ARGUMENT")
        urn = found.group(2)
        if urn not in self.posts or urn in self.deleted:
            return li_error(404, f"Post {urn} not found", "NOT_FOUND")
        if self.posts[urn].get("author") != f"urn:li:person:{member.id}":
            return li_error(403, "Not enough permissions to access this post", "ACCESS_DENIED")
        value = self.figures.get(urn, {}).get(self.MEMBER_QUERIES[query_type], 0)
        key = "share" if found.group(1) == "share" else "ugc"
        element = {"count": value, "metricType": query_type, "targetEntity": {key: urn}}
        return {"paging": {"count": 10, "start": 0, "links": []}, "elements": [element]}

    def statistics(self, request: RecordedRequest) -> Any:
        member = self._member(request)
        if isinstance(member, Response):
            return member
        if "rw_organization_admin" not in self.scopes:
            return li_error(
                403,
                "Not enough permissions to access: "
                "organizationalEntityShareStatistics.FINDER-organizationalEntity.20251101",
                "ACCESS_DENIED",
            )
        if request.value("q") != "organizationalEntity":
            return li_error(400, "Missing or invalid finder q", "ILLEGAL_ARGUMENT")
        entity = request.value("organizationalEntity") or ""
        if not self._may_act_as(member, entity) or not entity.startswith("urn:li:organization:"):
            return li_error(403, "Not enough permissions to access organization", "ACCESS_DENIED")
        elements = []
        for kind in ("shares", "ugcPosts"):
            listed = request.value(kind)
            if listed is None:
                continue
            if not (listed.startswith("List(") and listed.endswith(")")):
                return li_error(400, f"Invalid value for {kind}", "ILLEGAL_ARGUMENT")
            for urn in listed[5:-1].split(","):
                if not urn.startswith(f"urn:li:{'share' if kind == 'shares' else 'ugcPost'}:"):
                    return li_error(400, f"Invalid URN in {kind}: {urn}", "ILLEGAL_ARGUMENT")
                if urn not in self.posts or urn in self.deleted:
                    continue
                counts = self.figures.get(urn, {})
                elements.append(
                    {
                        "organizationalEntity": entity,
                        kind[:-1]: urn,
                        "totalShareStatistics": {
                            "uniqueImpressionsCount": counts.get("views", 0),
                            "shareCount": counts.get("reposts", 0),
                            "engagement": 0.0,
                            "clickCount": counts.get("clicks", 0),
                            "likeCount": counts.get("reactions", 0),
                            "impressionCount": counts.get("views", 0),
                            "commentCount": counts.get("replies", 0),
                        },
                    }
                )
        return {"paging": {"count": 10, "start": 0, "links": []}, "elements": elements}


def invalid_metric(name: str) -> Response:
    return meta_error(
        f"(#100) The value must be a valid insights metric: {name} is not supported", 100
    )


class _Insights:
    """Insights on Meta's nodes: ``/{id}/insights?metric=a,b``, as ``{"data": [...]}``."""

    figures: dict[str, Figures]
    #: insights metric -> neutral figure name, per platform
    metric_names: dict[str, str] = {}
    removed: set[str]
    insights_tokens: set[str] | None = None  # None: every token may read insights
    auth: Any
    token_of: Any

    def known(self, node: str, account: str) -> bool:
        raise NotImplementedError

    def insights(self, request: RecordedRequest, version: str, node: str) -> Any:
        account = self.auth(request, version)
        if isinstance(account, Response):
            return account
        if self.insights_tokens is not None and self.token_of(request) not in self.insights_tokens:
            return meta_error("(#10) Application does not have permission for this action", 10)
        if not self.known(node, account):
            return no_such_object(node)
        names = [n for n in (request.value("metric") or "").split(",") if n]
        if not names:
            return meta_error("(#100) The parameter metric is required", 100)
        for name in names:
            if name in self.removed or name not in self.metric_names:
                return invalid_metric(name)
        counts = self.figures.get(node, {})
        return {
            "data": [
                {
                    "name": name,
                    "period": "lifetime",
                    "values": [{"value": counts.get(self.metric_names[name], 0)}],
                    "id": f"{node}/insights/{name}/lifetime",
                }
                for name in names
            ]
        }


class GraphFigures(_Insights, FakeGraph):
    metric_names = {
        # Facebook Page posts
        "post_media_view": "views",
        "post_clicks": "clicks",
        # Instagram media (impressions and plays are gone since April 2025)
        "views": "views",
        "likes": "reactions",
        "comments": "replies",
        "shares": "reposts",
        "reach": "reach",
        "saved": "saves",
        "total_interactions": "total",
    }

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.figures = {}
        self.removed = {"impressions", "plays", "post_impressions"}
        self.add_route("GET", VERSION + "/" + NODE + "/insights", self.insights)

    def known(self, node: str, account: str) -> bool:
        return (node in self.posts and account == self.page_id) or (
            node in self.media and account == self.ig_user_id
        )

    def get_node(self, request: RecordedRequest, version: str, node: str) -> Any:
        fields = request.value("fields") or ""
        if node not in self.posts or "reactions" not in fields:
            return super().get_node(request, version, node)
        account = self.auth(request, version)
        if isinstance(account, Response):
            return account
        if account != self.page_id:
            return no_such_object(node)
        counts = self.figures.get(node, {})
        answer: dict[str, Any] = {
            "id": node,
            "reactions": {"data": [], "summary": {"total_count": counts.get("reactions", 0)}},
            "comments": {
                "data": [],
                "summary": {"order": "ranked", "total_count": counts.get("replies", 0)},
            },
        }
        if counts.get("reposts"):
            answer["shares"] = {"count": counts["reposts"]}  # left out while there are none
        return answer


class ThreadsFigures(_Insights, FakeThreads):
    metric_names = {
        "views": "views",
        "likes": "reactions",
        "replies": "replies",
        "reposts": "reposts",
        "quotes": "quotes",
    }

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.figures = {}
        self.removed = set()
        self.add_route("GET", VERSION + "/" + NODE + "/insights", self.insights)

    def known(self, node: str, account: str) -> bool:
        return node in self.threads and account == self.user_id
