"""Every built-in adapter passes ``wagtail_crosspost.testing.AdapterContractTests``.

Each class says only how to reach its strict fake and how that platform signals a rate limit;
the suite itself is shared with third-party adapters (see examples/wagtail-crosspost-discord).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from django.core.cache import cache

from tests.fakes.bluesky import FakeBlueskyPDS
from tests.fakes.gotosocial import FakeGoToSocial
from tests.fakes.linkedin import TOKEN as LINKEDIN_TOKEN
from tests.fakes.linkedin import FakeLinkedIn
from tests.fakes.mastodon import FakeMastodon, Limits
from tests.fakes.meta import FakeGraph, FakeThreads
from tests.fakes.telegram import TOKEN as TELEGRAM_TOKEN
from tests.fakes.telegram import FakeTelegram
from tests.fakes.webhook import SECRET as WEBHOOK_SECRET
from tests.fakes.webhook import FakeReceiver
from tests.fakes.x import FakeX
from wagtail_crosspost.adapters.base import ChannelConfig, Receipt
from wagtail_crosspost.adapters.bluesky import BlueskyAdapter
from wagtail_crosspost.adapters.linkedin import LinkedInAdapter
from wagtail_crosspost.adapters.linkedin.errors import seconds_until_midnight_utc
from wagtail_crosspost.adapters.mastodon import MastodonAdapter
from wagtail_crosspost.adapters.meta.facebook import FacebookAdapter
from wagtail_crosspost.adapters.meta.instagram import InstagramAdapter
from wagtail_crosspost.adapters.meta.threads import ThreadsAdapter
from wagtail_crosspost.adapters.telegram import TelegramAdapter
from wagtail_crosspost.adapters.webhook import WebhookAdapter
from wagtail_crosspost.adapters.x import XAdapter
from wagtail_crosspost.testing import AdapterContractTests

MASTODON_TOKEN = "s3cret-access-token-1234"
FACEBOOK_TOKEN = "EAAPageToken-s3cret-0001"
FACEBOOK_PAGE = "104857600123456"
INSTAGRAM_TOKEN = "EAAInstaToken-s3cret-0002"
INSTAGRAM_USER = "17841400000000001"
THREADS_TOKEN = "THAAThreadsToken-s3cret-0003"
THREADS_USER = "26000000000000001"
BLUESKY_APP_PASSWORD = "s3cr-etap-ppas-sw0d"


def channel(platform: str, options: dict[str, Any], credentials: dict[str, Any]) -> ChannelConfig:
    # Adapters take data, not rows: the whole contract runs without a database.
    return ChannelConfig(
        name=f"Contract {platform}", platform=platform, options=options, credentials=credentials
    )


class TestMastodonContract(AdapterContractTests):
    adapter_class = MastodonAdapter
    publish_request = ("POST", r"/api/v1/statuses")

    def make_server(self) -> FakeMastodon:
        return FakeMastodon(token=MASTODON_TOKEN)

    def make_channel(self, server):
        return channel("mastodon", {"server_url": server.url}, {"access_token": MASTODON_TOKEN})

    def make_adapter(self, server):
        adapter = super().make_adapter(server)
        adapter.sleep = lambda seconds: None
        adapter.rules_for_channel()  # as the outbox does before sending: which software
        return adapter

    def posted_text(self, server, receipt: Receipt):
        status = server.statuses.get(receipt.remote_id)
        return status["text"] if status else None

    def post_count(self, server) -> int:
        return len(server.statuses)

    def fail_rate_limited(self, server) -> float:
        # Mastodon: X-RateLimit-Reset is an ISO 8601 timestamp (platforms.md 1).
        reset = datetime.now(UTC) + timedelta(seconds=300)
        server.fail(
            429,
            {"error": "Too many requests"},
            headers={"X-RateLimit-Reset": reset.isoformat().replace("+00:00", "Z")},
        )
        return 300.0


class TestGoToSocialContract(TestMastodonContract):
    """The Mastodon adapter on a GoToSocial-like server: code points, no idempotency, deletes
    in the background. Its lost-answer tests prove a lost answer never makes a second post."""

    def make_server(self) -> FakeGoToSocial:
        return FakeGoToSocial(token=MASTODON_TOKEN, limits=Limits(max_characters=500))

    def posted_text(self, server, receipt: Receipt):
        # A delete was accepted: GoToSocial removes the status in the background, shortly.
        if receipt.remote_id in server.deleting:
            return None
        return super().posted_text(server, receipt)


class TestLinkedInContract(AdapterContractTests):
    adapter_class = LinkedInAdapter
    publish_request = ("POST", r"/rest/posts")

    def make_server(self) -> FakeLinkedIn:
        return FakeLinkedIn()

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

    def posted_text(self, server, receipt: Receipt):
        post = server.posts.get(receipt.remote_id)
        return post["visible"] if post else None

    def post_count(self, server) -> int:
        return len(server.posts)

    def fail_rate_limited(self, server) -> float:
        # LinkedIn sends no Retry-After: daily limits reset at midnight UTC (platforms.md 4).
        server.throttle()
        return seconds_until_midnight_utc()


class _XContract(AdapterContractTests):
    adapter_class = XAdapter
    publish_request = ("POST", r"/2/tweets")
    auth = "oauth2"

    def make_server(self) -> FakeX:
        return FakeX()

    def make_channel(self, server):
        if self.auth == "oauth1":
            credentials: dict[str, Any] = {
                "consumer_key": server.app.consumer_key,
                "consumer_secret": server.app.consumer_secret,
                "access_token": server.oauth1_grant.access_token,
                "access_token_secret": server.oauth1_grant.oauth1_secret,
            }
        else:
            credentials = {
                "access_token": server.bearer.access_token,
                "refresh_token": server.bearer.refresh_token,
                "expires_at": int(server.bearer.expires_at),
            }
        return channel("x", {"api_base": server.url, "auth": self.auth}, credentials)

    def posted_text(self, server, receipt: Receipt):
        tweet = server.tweets.get(receipt.remote_id)
        return tweet["text"] if tweet else None

    def post_count(self, server) -> int:
        return len(server.tweets)

    def fail_rate_limited(self, server) -> float:
        # X: x-rate-limit-reset is the epoch second the window reopens (platforms.md 3).
        server.limit("POST /2/tweets", remaining=0, reset_in=600)
        return 600.0


class TestXOAuth2Contract(_XContract):
    auth = "oauth2"


class TestXOAuth1Contract(_XContract):
    auth = "oauth1"
    # OAuth 1.0a: the consumer key and the token are sent in clear in every Authorization
    # header (and oauthlib logs them at DEBUG); the two secrets that sign must never show.
    public_credentials = ("consumer_key", "access_token")


class TestTelegramContract(AdapterContractTests):
    adapter_class = TelegramAdapter

    def make_server(self) -> FakeTelegram:
        return FakeTelegram()

    def make_channel(self, server):
        return channel(
            "telegram",
            {"api_base": server.url, "chat_id": "@companynews"},
            {"bot_token": TELEGRAM_TOKEN},
        )

    def posted_text(self, server, receipt: Receipt):
        chat_id, _sep, message_id = receipt.remote_id.rpartition(":")
        message = server.chats[int(chat_id)].messages.get(int(message_id))
        return message["text"] if message else None

    def post_count(self, server) -> int:
        return len(server.all_messages())

    def fail_rate_limited(self, server) -> float:
        # Telegram: 429 with parameters.retry_after in the body (platforms.md 8).
        server.flood(37)
        return 37.0


class TestWebhookContract(AdapterContractTests):
    adapter_class = WebhookAdapter
    # Our own format: no platform counts the text, compose alone keeps it within the limit.
    platform_enforces_text_limit = False
    answers_are_json = False  # a receiver may answer "ok"

    def make_server(self) -> FakeReceiver:
        return FakeReceiver()

    def make_channel(self, server):
        return channel("webhook", {"url": server.hook_url}, {"secret": WEBHOOK_SECRET})

    def posted_text(self, server, receipt: Receipt):
        for key, item in server.created.items():
            if item == receipt.remote_id:
                return server.received[key]["text"]
        return None

    def post_count(self, server) -> int:
        return len(server.received)


class _MetaContract(AdapterContractTests):
    """Meta answers a bad token with HTTP 400 and code 190, and a rate limit with code 32 plus
    the minutes in ``X-Business-Use-Case-Usage`` (platforms.md 5)."""

    def make_adapter(self, server):
        adapter = super().make_adapter(server)
        adapter.sleep = lambda seconds: None
        return adapter

    def fail_unauthorized(self, server) -> None:
        self.inject(
            server,
            400,
            {
                "error": {
                    "message": "Invalid OAuth access token - Cannot parse access token",
                    "type": "OAuthException",
                    "code": 190,
                }
            },
        )

    def fail_rate_limited(self, server) -> float:
        usage = {"1": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 7}]}
        self.inject(
            server,
            400,
            {"error": {"message": "(#32) Page request limit reached", "code": 32}},
            headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
        )
        return 7 * 60.0

    def fail_validation(self, server) -> None:
        echo = " ".join(self.secrets_of(server))
        body = {"error": {"message": f"(#100) Invalid parameter {echo}", "code": 100}}
        self.inject(server, 400, body)


class TestFacebookContract(_MetaContract):
    adapter_class = FacebookAdapter
    publish_request = ("POST", r"/v[\d.]+/\d+/feed")

    def make_server(self) -> FakeGraph:
        return FakeGraph(page_id=FACEBOOK_PAGE, page_token=FACEBOOK_TOKEN)

    def make_channel(self, server):
        return channel(
            "facebook",
            {"page_id": FACEBOOK_PAGE, "graph_url": server.url},
            {"page_access_token": FACEBOOK_TOKEN},
        )

    def posted_text(self, server, receipt: Receipt):
        post = server.posts.get(receipt.remote_id)
        return post["message"] if post else None

    def post_count(self, server) -> int:
        return len(server.posts)


class TestThreadsContract(_MetaContract):
    adapter_class = ThreadsAdapter
    publish_request = ("POST", r"/v[\d.]+/\w+/threads_publish")

    def make_server(self) -> FakeThreads:
        return FakeThreads(user_id=THREADS_USER, token=THREADS_TOKEN)

    def make_channel(self, server):
        return channel("threads", {"graph_url": server.url}, {"access_token": THREADS_TOKEN})

    def posted_text(self, server, receipt: Receipt):
        thread = server.threads.get(receipt.remote_id)
        return thread["text"] if thread else None

    def post_count(self, server) -> int:
        return len(server.threads)


class TestInstagramContract(_MetaContract):
    """Instagram fetches the image from a public URL (platforms.md §6): every post carries a
    JPEG served by the kit's media host, and the fake really downloads and checks it."""

    adapter_class = InstagramAdapter
    publish_request = ("POST", r"/v[\d.]+/\d+/media_publish")

    def make_server(self) -> FakeGraph:
        return FakeGraph(ig_user_id=INSTAGRAM_USER, ig_token=INSTAGRAM_TOKEN)

    def make_channel(self, server):
        return channel(
            "instagram",
            {"ig_user_id": INSTAGRAM_USER, "graph_url": server.url},
            {"access_token": INSTAGRAM_TOKEN},
        )

    def make_media(self, host):
        return (self.hosted_image(host, width=1080, height=1350),)  # 4:5, the tallest allowed

    def posted_text(self, server, receipt: Receipt):
        media = server.media.get(receipt.remote_id)
        if media is None:
            return None
        # The image Instagram published is the one the site served, fetched from its URL.
        assert media["image"]["url"] == self._media[0].url
        assert media["image"]["content"] == self._media[0].content
        return media["caption"]

    def post_count(self, server) -> int:
        return len(server.media)


class _BlueskyContract(AdapterContractTests):
    adapter_class = BlueskyAdapter
    publish_request = ("POST", r"/xrpc/com\.atproto\.repo\.putRecord")

    @pytest.fixture(autouse=True)
    def _sessions(self):
        # Sessions live in Django's cache (keyed by server and handle): none from another test.
        cache.clear()
        yield
        cache.clear()

    def make_server(self) -> FakeBlueskyPDS:
        return FakeBlueskyPDS(app_password=BLUESKY_APP_PASSWORD)

    def make_channel(self, server):
        return channel(
            "bluesky",
            {"service": server.url, "handle": server.handle},
            {"app_password": BLUESKY_APP_PASSWORD},
        )

    @staticmethod
    def rkey(receipt: Receipt) -> str:
        return receipt.remote_id.rsplit("/", 1)[-1]


class TestBlueskyContract(_BlueskyContract):
    """Against a strict fake of the PDS's XRPC API; errors are XRPC bodies (platforms.md §2)."""

    def posted_text(self, server, receipt: Receipt):
        return server.post_text(self.rkey(receipt))

    def post_count(self, server) -> int:
        return len(server.records)

    def fail_unauthorized(self, server) -> None:
        # The app password was deleted: the session is refused, the refresh too, and signing
        # in again answers 401 AuthenticationRequired. One refused call alone is not enough:
        # the adapter rightly renews its session and tries once more.
        server.revoke_all()

    def fail_rate_limited(self, server) -> float:
        # Bluesky: 429 with RateLimit-Reset, the epoch second the window reopens (platforms.md §2).
        return server.limit(300)

    def fail_validation(self, server) -> None:
        echo = " ".join(self.secrets_of(server))
        message = f"Invalid app.bsky.feed.post record: Record/text is not valid ({echo})"
        self.inject(server, 400, {"error": "InvalidRequest", "message": message})

    def fail_unavailable(self, server) -> None:
        self.inject(server, 503, {"error": "InternalServerError", "message": "Internal Error"})

    def test_sessions_are_reused_not_one_login_per_post(self, contract_server, contract_adapter):
        # platforms.md §2: createSession is limited to 30 per 5 minutes.
        for number in range(3):
            contract_adapter.publish(
                self.make_post(f"{self.contract_text} {number}", idempotency_key=f"k{number}")
            )
        self.make_adapter(contract_server).publish(self.make_post("Another adapter, same channel."))
        assert contract_server.logins == 1
        assert len(contract_server.records) == 4


@pytest.mark.pds
class TestBlueskyPDSContract(_BlueskyContract):
    """The happy-path subset of the kit against the real reference PDS (``@atproto/pds``):
    the same records, sessions and lexicon validation as the network. Faults cannot be injected
    into a real server, so those tests are left out here (the fake above runs them)."""

    injects_faults = False

    @pytest.fixture
    def contract_server(self, contract_settings, bluesky_pds, bluesky_account):
        account = dict(bluesky_account)
        account["app_password"] = bluesky_pds.create_app_password(account["accessJwt"])["password"]
        self._account = account
        self._server = bluesky_pds
        self._media = ()
        yield bluesky_pds

    def make_channel(self, server):
        return channel(
            "bluesky",
            {"service": server.url, "handle": self._account["handle"]},
            {"app_password": self._account["app_password"]},
        )

    def _pds_records(self, server) -> list[dict]:
        answer = requests.get(
            f"{server.url}/xrpc/com.atproto.repo.listRecords",
            params={"repo": self._account["did"], "collection": "app.bsky.feed.post"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["records"]

    def posted_text(self, server, receipt: Receipt):
        for record in self._pds_records(server):
            if record["uri"] == receipt.remote_id:
                return record["value"]["text"]
        return None

    def post_count(self, server) -> int:
        return len(self._pds_records(server))
