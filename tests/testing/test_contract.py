"""The contract suite catches broken adapters (a suite that always passes would prove nothing).

A small, correct adapter passes every test of AdapterContractTests; variants that break one rule
each make the matching test fail.
"""

from __future__ import annotations

import logging

import pytest
from django.test import override_settings

from wagtail_crosspost.adapters.base import (
    Adapter,
    PlatformRules,
    Post,
    Receipt,
    TransientError,
)
from wagtail_crosspost.adapters.http import HTTPClient
from wagtail_crosspost.models import Channel
from wagtail_crosspost.testing import AdapterContractTests, FakeServer

KEY = "contract-api-key-0123456789"


class FakeTiny(FakeServer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.posts: dict[str, str] = {}
        self.add_route("POST", r"/posts", self.create)
        self.add_route("DELETE", r"/posts/(?P<post_id>\d+)", self.delete)

    def create(self, request):
        if request.bearer_token != KEY:
            return 401, {"error": "bad key"}
        text = (request.json or {}).get("text", "")
        if len(text) > 100:
            return 422, {"error": "too long"}
        post_id = str(len(self.posts) + 1)
        self.posts[post_id] = text
        return 201, {"id": post_id}

    def delete(self, request, post_id):
        self.posts.pop(post_id, None)
        return 204, {}


class TinyAdapter(Adapter):
    key = "tiny"
    label = "Tiny"
    rules = PlatformRules(text_limit=100, counting="graphemes")
    supports = frozenset({"delete"})
    credential_fields = ("api_key",)
    option_fields = ("url",)

    def __init__(self, channel):
        super().__init__(channel)
        self.http = HTTPClient("Tiny", secrets=[self.credentials["api_key"]])
        self.http.session.headers["Authorization"] = f"Bearer {self.credentials['api_key']}"

    def publish(self, post: Post) -> Receipt:
        answer = self.http.request("POST", self.options["url"] + "/posts", json={"text": post.text})
        return Receipt(remote_id=answer.json()["id"])

    def delete(self, receipt: Receipt) -> None:
        self.http.request("DELETE", f"{self.options['url']}/posts/{receipt.remote_id}")


class NoRetryHint(TinyAdapter):
    def publish(self, post):
        try:
            return super().publish(post)
        except TransientError as error:
            error.retry_after = None
            raise


class LeaksKey(TinyAdapter):
    def publish(self, post):
        logging.getLogger("tiny").debug("posting with %s", self.credentials["api_key"])
        return super().publish(post)


class ClaimsIdempotence(TinyAdapter):
    idempotent = True  # but sends no key: a retry posts twice


class BypassesTheGate(TinyAdapter):
    """Makes its own requests session: redirects followed, answers read without a deadline."""

    def __init__(self, channel):
        import requests

        super().__init__(channel)
        self.session = requests.Session()

    def publish(self, post):
        response = self.session.post(
            self.options["url"] + "/posts",
            json={"text": post.text},
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=(5, 5),
        )
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        return Receipt(remote_id=str(answer.get("id") or "unknown"))


class BadRules(TinyAdapter):
    rules = PlatformRules(text_limit=100, counting="letters")


class _Suite(AdapterContractTests):
    adapter_class: type[Adapter] = TinyAdapter
    __test__ = False  # run by hand below, not collected

    def make_server(self):
        return FakeTiny()

    def make_channel(self, server):
        channel = Channel(platform="tiny", name="Tiny", options={"url": server.url})
        channel.set_credentials({"api_key": KEY})
        return channel

    def posted_text(self, server, receipt):
        return server.posts.get(receipt.remote_id)

    def post_count(self, server):
        return len(server.posts)


ALL_TESTS = sorted(name for name in dir(AdapterContractTests) if name.startswith("test_"))


def run(adapter_class: type[Adapter], test_name: str) -> None:
    """Run one test of the suite for ``adapter_class`` the way pytest would."""
    suite = type("Suite", (_Suite,), {"adapter_class": adapter_class})()
    records: list[logging.LogRecord] = []
    suite._records = records
    method = getattr(suite, test_name)
    with override_settings(
        WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS=True, WAGTAILCROSSPOST_HTTP_TIMEOUT=(2, 2)
    ):
        from wagtail_crosspost.testing.contract_hooks import _capture_logs

        with suite.make_server() as server, _capture_logs(records):
            suite._server = server
            arguments = method.__code__.co_varnames[1 : method.__code__.co_argcount]
            values = {
                "contract_server": server,
                "contract_adapter": suite.make_adapter(server),
                "status": 307,  # the parametrised hostile-server tests: one case each
                "hint": "1e12",
            }
            method(**{name: values[name] for name in arguments})


@pytest.mark.parametrize("test_name", ALL_TESTS)
def test_a_correct_adapter_passes(test_name):
    run(TinyAdapter, test_name)


@pytest.mark.parametrize(
    ("adapter_class", "test_name"),
    [
        (NoRetryHint, "test_rate_limit_is_transient_with_the_platforms_wait"),
        (LeaksKey, "test_publish_returns_a_receipt"),
        (LeaksKey, "test_repr_and_log_hide_the_credentials"),
        (ClaimsIdempotence, "test_lost_answer_is_handled_as_idempotent_says"),
        (BadRules, "test_rules_are_sane"),
        (BypassesTheGate, "test_redirect_to_a_private_address_is_not_followed"),
        (BypassesTheGate, "test_unreadable_success_answer_is_maybe_sent"),
    ],
)
def test_a_broken_adapter_fails(adapter_class, test_name):
    with pytest.raises((AssertionError, pytest.fail.Exception)):
        run(adapter_class, test_name)


def test_the_suite_knows_its_tests():
    assert len(ALL_TESTS) == 20
