"""Every adapter with ``fetch_metrics`` passes ``MetricsContractTests`` against a strict fake.

Posts are made through the adapter where the fake allows it (the figures of a post the package
made); Instagram and Threads media are put on the fake directly (their publishing needs hosted
images and container polling, tested elsewhere).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.cache import cache

from tests.fakes.linkedin import TOKEN as LINKEDIN_TOKEN
from tests.fakes.metrics import (
    BlueskyFigures,
    GraphFigures,
    LinkedInFigures,
    MastodonFigures,
    ThreadsFigures,
    XFigures,
)
from wagtail_crosspost.adapters.base import ChannelConfig, Post
from wagtail_crosspost.adapters.bluesky import BlueskyAdapter
from wagtail_crosspost.adapters.linkedin import LinkedInAdapter
from wagtail_crosspost.adapters.locmem import LocmemAdapter
from wagtail_crosspost.adapters.mastodon import MastodonAdapter
from wagtail_crosspost.adapters.meta.facebook import FacebookAdapter
from wagtail_crosspost.adapters.meta.instagram import InstagramAdapter
from wagtail_crosspost.adapters.meta.threads import ThreadsAdapter
from wagtail_crosspost.adapters.x import XAdapter
from wagtail_crosspost.testing.contract_metrics import MetricsContractTests

MASTODON_TOKEN = "s3cret-access-token-1234"
FACEBOOK_TOKEN = "EAAPageToken-s3cret-0001"
FACEBOOK_PAGE = "104857600123456"
INSTAGRAM_TOKEN = "EAAInstaToken-s3cret-0002"
INSTAGRAM_USER = "17841400000000001"
THREADS_TOKEN = "THAAThreadsToken-s3cret-0003"
THREADS_USER = "26000000000000001"
BLUESKY_APP_PASSWORD = "s3cr-etap-ppas-sw0d"

_numbers = itertools.count(1)


def channel(platform: str, options: dict[str, Any], credentials: dict[str, Any]) -> ChannelConfig:
    return ChannelConfig(
        name=f"Metrics {platform}", platform=platform, options=options, credentials=credentials
    )


class _Publishing(MetricsContractTests):
    """Seeds by posting through the adapter, then sets the fake's counts."""

    def post(self, server) -> str:
        n = next(_numbers)
        adapter = self.make_adapter(server)
        return adapter.publish(
            Post(text=f"Open house number {n}", idempotency_key=f"m-{n}")
        ).remote_id

    def key_of(self, remote_id: str) -> str:
        return remote_id

    def seed(self, server, figures):
        remote_id = self.post(server)
        server.figures[self.key_of(remote_id)] = dict(figures)
        return remote_id


class TestMastodonMetrics(_Publishing):
    adapter_class = MastodonAdapter
    given = ("reactions", "reposts", "replies", "quotes")
    calls_per_post = 1

    def make_server(self):
        return MastodonFigures(token=MASTODON_TOKEN)

    def make_channel(self, server):
        return channel("mastodon", {"server_url": server.url}, {"access_token": MASTODON_TOKEN})

    def make_adapter(self, server):
        adapter = super().make_adapter(server)
        adapter.sleep = lambda seconds: None
        return adapter

    def remove(self, server, remote_id):
        del server.statuses[remote_id]

    def limit(self, server):
        reset = datetime.now(UTC) + timedelta(seconds=300)
        server.fail(
            429,
            {"error": "Too many requests"},
            headers={"X-RateLimit-Reset": reset.isoformat().replace("+00:00", "Z")},
            method="GET",
        )
        return 290.0


class TestMastodonBeforeQuotes(TestMastodonMetrics):
    """A server before Mastodon 4.4 has no quotes: None with a reason, never 0."""

    given = ("reactions", "reposts", "replies")

    def make_server(self):
        return MastodonFigures(token=MASTODON_TOKEN, quotes=False)


class TestBlueskyMetrics(_Publishing):
    adapter_class = BlueskyAdapter
    given = ("reactions", "reposts", "replies", "quotes")

    def make_server(self):
        cache.clear()  # sessions are cached per channel
        return BlueskyFigures(app_password=BLUESKY_APP_PASSWORD)

    def make_channel(self, server):
        return channel(
            "bluesky",
            {"service": server.url, "handle": server.handle},
            {"app_password": BLUESKY_APP_PASSWORD},
        )

    def key_of(self, remote_id):
        return remote_id.rsplit("/", 1)[-1]

    def remove(self, server, remote_id):
        del server.records[self.key_of(remote_id)]

    def limit(self, server):
        import time

        server.fail(
            429,
            {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
            headers={
                "RateLimit-Limit": "3000",
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(int(time.time() + 120)),
                "RateLimit-Policy": "3000;w=300",
            },
            method="GET",
            path=r"/xrpc/app\.bsky\.feed\.getPosts",
        )
        return 110.0

    def test_a_full_batch_is_one_call(self, metrics_server, metrics_adapter):
        posts = [self.seed(metrics_server, {"reactions": i}) for i in range(25)]
        before = len(metrics_server.requests_to("GET", r"/xrpc/app\.bsky\.feed\.getPosts"))
        answers = metrics_adapter.fetch_metrics([_Ref(p) for p in posts])
        calls = len(metrics_server.requests_to("GET", r"/xrpc/app\.bsky\.feed\.getPosts"))
        assert calls - before == 1
        assert [answers[_Ref(p)].reactions for p in posts] == list(range(25))


class _Ref:
    def __init__(self, remote_id):
        self.remote_id = remote_id

    def __eq__(self, other):
        return isinstance(other, _Ref) and other.remote_id == self.remote_id

    def __hash__(self):
        return hash(self.remote_id)


class TestXMetrics(_Publishing):
    adapter_class = XAdapter
    given = ("reactions", "reposts", "replies", "quotes", "views", "clicks")

    def make_server(self):
        return XFigures()

    def make_channel(self, server):
        return channel(
            "x",
            {"api_base": server.url, "auth_mode": "oauth2"},
            {
                "access_token": server.bearer.access_token,
                "refresh_token": server.bearer.refresh_token,
                "expires_at": int(server.bearer.expires_at),
            },
        )

    def remove(self, server, remote_id):
        del server.tweets[remote_id]

    def limit(self, server):
        server.limit("GET /2/tweets", remaining=0, reset_in=600)
        return 590.0

    def after_limit(self, server):
        server.rate_limits.pop("GET /2/tweets")

    def test_a_hundred_posts_are_one_call(self, metrics_server, metrics_adapter):
        posts = [_Ref(self.seed(metrics_server, {"reactions": 1})) for _ in range(100)]
        answers = metrics_adapter.fetch_metrics(posts)
        assert len(metrics_server.requests_to("GET", r"/2/tweets")) == 1
        assert {answers[p].reactions for p in posts} == {1}

    def test_old_posts_are_read_without_non_public_figures(self, metrics_server, metrics_adapter):
        remote_id = self.seed(metrics_server, {"reactions": 2, "clicks": 9})
        metrics_server.tweets[remote_id]["_created"] = datetime.now(UTC).timestamp() - 40 * 86400

        class Old:
            def __init__(self):
                self.remote_id = remote_id
                self.sent_at = datetime.now(UTC) - timedelta(days=40)

        old = Old()
        metrics = metrics_adapter.fetch_metrics([old])[old]
        assert metrics.reactions == 2 and metrics.clicks is None
        assert metrics.unavailable["clicks"]


class TestLinkedInPageMetrics(_Publishing):
    adapter_class = LinkedInAdapter
    given = ("reactions", "reposts", "replies", "views", "clicks")

    def make_server(self):
        return LinkedInFigures()

    def make_channel(self, server):
        return channel(
            "linkedin",
            {"api_base": server.url, "author_urn": "urn:li:organization:5515715"},
            {"access_token": LINKEDIN_TOKEN},
        )

    def make_adapter(self, server):
        adapter = super().make_adapter(server)
        adapter.sleep = lambda seconds: None
        return adapter

    def remove(self, server, remote_id):
        server.deleted.add(remote_id)

    def limit(self, server):
        from wagtail_crosspost.adapters.linkedin.errors import seconds_until_midnight_utc

        server.throttle()
        return seconds_until_midnight_utc() - 5

    def test_without_the_admin_scope_the_call_fails_plainly(self, metrics_server, metrics_adapter):
        import pytest

        from wagtail_crosspost.adapters.base import AdapterError

        remote_id = self.seed(metrics_server, {"reactions": 1})
        metrics_server.scopes.discard("rw_organization_admin")
        with pytest.raises(AdapterError):
            metrics_adapter.fetch_metrics([_Ref(remote_id)])


class TestLinkedInMemberMetrics(TestLinkedInPageMetrics):
    """Posts as a LinkedIn member: ``memberCreatorPostAnalytics``, with the partner scope."""

    given = ("reactions", "reposts", "replies", "views")
    calls_per_post = 4  # one metric per call

    def make_server(self):
        server = LinkedInFigures()
        server.scopes = {"w_member_social", "r_member_postAnalytics"}
        return server

    def make_channel(self, server):
        return channel(
            "linkedin",
            {"api_base": server.url, "author_urn": f"urn:li:person:{server.member.id}"},
            {"access_token": LINKEDIN_TOKEN},
        )

    # Member posts do not read the Page statistics: the Page's admin scope does not matter.
    test_without_the_admin_scope_the_call_fails_plainly = None

    def test_without_the_partner_scope_every_figure_says_so(self, metrics_server, metrics_adapter):
        posts = [_Ref(self.seed(metrics_server, {"reactions": 3})) for _ in range(3)]
        metrics_server.scopes.discard("r_member_postAnalytics")
        before = len(metrics_server.requests)
        answers = metrics_adapter.fetch_metrics(posts)  # no AuthError: the channel stays healthy
        assert len(metrics_server.requests) - before == 1  # asked once for the batch, not again
        for post in posts:
            assert answers[post].figures() == dict.fromkeys(answers[post].figures())
            assert set(answers[post].unavailable.values()) == {"scope"}
            assert "r_member_postAnalytics" in answers[post].raw["note"]
        assert not metrics_server.requests_to("GET", r"/rest/organizationalEntityShareStatistics")

    def test_an_expired_token_still_asks_for_reconnecting(self, metrics_server, metrics_adapter):
        import pytest

        from wagtail_crosspost.adapters.base import AuthError

        post = _Ref(self.seed(metrics_server, {"reactions": 1}))
        metrics_server.member.expired = True
        with pytest.raises(AuthError):
            metrics_adapter.fetch_metrics([post])


class _MetaMetrics(MetricsContractTests):
    calls_per_post = 2

    def limit(self, server):
        import json

        usage = {"1": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 7}]}
        server.fail(
            400,
            {"error": {"message": "(#32) Page request limit reached", "code": 32}},
            headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
        )
        return 7 * 60.0


class TestFacebookMetrics(_MetaMetrics, _Publishing):
    adapter_class = FacebookAdapter
    given = ("reactions", "reposts", "replies", "views", "clicks")

    def make_server(self):
        return GraphFigures(page_id=FACEBOOK_PAGE, page_token=FACEBOOK_TOKEN)

    def make_channel(self, server):
        return channel(
            "facebook",
            {"page_id": FACEBOOK_PAGE, "graph_url": server.url},
            {"page_access_token": FACEBOOK_TOKEN},
        )

    def remove(self, server, remote_id):
        del server.posts[remote_id]

    removable = ("views", "clicks")  # read from insights metrics, which Meta retires

    def remove_metric(self, server, figure):
        server.removed.add({"views": "post_media_view", "clicks": "post_clicks"}[figure])

    def test_no_shares_yet_is_zero(self, metrics_server, metrics_adapter):
        remote_id = self.seed(metrics_server, {"reactions": 3})
        post = _Ref(remote_id)
        assert metrics_adapter.fetch_metrics([post])[post].reposts == 0


class TestInstagramMetrics(_MetaMetrics):
    adapter_class = InstagramAdapter
    given = ("reactions", "reposts", "replies", "views")
    calls_per_post = 1

    def make_server(self):
        return GraphFigures(ig_user_id=INSTAGRAM_USER, ig_token=INSTAGRAM_TOKEN)

    def make_channel(self, server):
        return channel(
            "instagram",
            {"ig_user_id": INSTAGRAM_USER, "graph_url": server.url},
            {"access_token": INSTAGRAM_TOKEN},
        )

    def seed(self, server, figures):
        media_id = server.next_id()
        server.media[media_id] = {"id": media_id, "caption": "Open house", "permalink": ""}
        server.figures[media_id] = dict(figures)
        return media_id

    def remove(self, server, remote_id):
        del server.media[remote_id]

    removable = ("reactions", "reposts", "replies", "views")  # every figure is an insight

    def remove_metric(self, server, figure):
        names = {"reactions": "likes", "reposts": "shares", "replies": "comments"}
        server.removed.add(names.get(figure, figure))

    def test_without_the_insights_permission_the_call_fails(self, metrics_server, metrics_adapter):
        import pytest

        from wagtail_crosspost.adapters.base import AdapterError

        media_id = self.seed(metrics_server, {"reactions": 1})
        metrics_server.insights_tokens = set()
        with pytest.raises(AdapterError):
            metrics_adapter.fetch_metrics([_Ref(media_id)])


class TestThreadsMetrics(_MetaMetrics):
    adapter_class = ThreadsAdapter
    given = ("reactions", "reposts", "replies", "quotes", "views")
    calls_per_post = 1

    def make_server(self):
        return ThreadsFigures(user_id=THREADS_USER, token=THREADS_TOKEN)

    def make_channel(self, server):
        return channel("threads", {"graph_url": server.url}, {"access_token": THREADS_TOKEN})

    def seed(self, server, figures):
        media_id = server.next_id()
        server.threads[media_id] = {"id": media_id, "text": "Open house", "permalink": ""}
        server.figures[media_id] = dict(figures)
        return media_id

    def remove(self, server, remote_id):
        del server.threads[remote_id]

    # Threads' insights are Meta's: a retired metric answers "invalid metric" as on Instagram.
    removable = ("reactions", "reposts", "replies", "quotes", "views")

    def remove_metric(self, server, figure):
        server.removed.add({"reactions": "likes"}.get(figure, figure))


class TestLocmemMetrics:
    def test_locmem_counts_calls(self):
        from wagtail_crosspost.adapters import locmem

        locmem.metrics_calls.clear()
        adapter = LocmemAdapter(channel("locmem", {}, {}))
        post = _Ref("locmem-1")
        assert adapter.fetch_metrics([post])[post].reactions == 0
        assert locmem.metrics_calls == [["locmem-1"]]
        locmem.metrics_calls.clear()


def test_every_built_in_adapter_with_figures_passes_the_kit():
    from wagtail_crosspost.adapters import get_adapters

    tested = {
        cls.adapter_class
        for cls in globals().values()
        if isinstance(cls, type)
        and issubclass(cls, MetricsContractTests)
        and cls.__name__[0] == "T"
    }
    with_figures = {
        adapter
        for adapter in get_adapters().values()
        if adapter.metrics_batch_size and not adapter.offline
    }
    assert with_figures and with_figures <= tested, with_figures - tested
