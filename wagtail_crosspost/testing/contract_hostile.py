"""The contract kit's hostile-server tests: answers cut off, unreadable, dripping, redirected
to private addresses, absurd rate-limit hints. ``AdapterContractTests`` inherits them, so every
adapter, third-party ones too, runs them (issue: hostile servers and hostile input)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import override_settings

from wagtail_crosspost.adapters.base import (
    Adapter,
    AdapterError,
    AmbiguousError,
    Post,
    Receipt,
    TransientError,
)

from .contract_hooks import ContractHooks
from .fakeserver import FakeServer

#: Rate-limit headers a hostile server may send, all set to the same absurd value.
ABSURD_HINTS = ("1e12", "inf", "nan", "Sun, 01 Jan 2999 00:00:00 GMT", "garbage")
RATE_LIMIT_HEADER_NAMES = (
    "Retry-After",
    "x-rate-limit-reset",
    "RateLimit-Reset",
    "X-RateLimit-Reset",
)


class HostileServerTests(ContractHooks):
    """The hostile-server half of the contract (see ``AdapterContractTests``)."""

    def test_answer_cut_off_after_posting_is_handled_as_idempotent_says(
        self, contract_server: FakeServer, contract_adapter: Adapter
    ) -> None:
        """The post is made, then the answer breaks off half-way: "maybe sent", never failed."""
        self.require_faults()
        post = self.make_post(self.contract_text)
        method, path = self.publish_request or (None, None)
        contract_server.cut(method=method, path=path)
        with pytest.raises((AmbiguousError, TransientError)) as info:
            contract_adapter.publish(post)
        self.assert_no_secrets(info.value)
        self._assert_unclear_outcome(info.value, contract_server, contract_adapter, post)

    def test_unreadable_success_answer_is_maybe_sent(
        self, contract_server: FakeServer, contract_adapter: Adapter
    ) -> None:
        """A 2xx whose body is not JSON (a proxy's page): the platform said yes, so the post may
        exist; an AmbiguousError (the outbox retries with the key, or asks the editor)."""
        self.require_faults()
        post = self.make_post(self.contract_text)
        method, path = self.publish_request or (None, None)
        contract_server.garble(method=method, path=path)
        if not self.answers_are_json:
            try:
                _assert_receipt(contract_adapter.publish(post))
            except (AmbiguousError, TransientError) as error:
                self._assert_unclear_outcome(error, contract_server, contract_adapter, post)
            return
        with pytest.raises(AmbiguousError) as info:
            contract_adapter.publish(post)
        self.assert_no_secrets(info.value)
        self._assert_unclear_outcome(info.value, contract_server, contract_adapter, post)

    def test_dripping_answer_is_cut_off_at_the_deadline(
        self, contract_server: FakeServer, contract_adapter: Adapter
    ) -> None:
        """One byte a second keeps every read within its timeout; the total deadline ends it."""
        self.require_faults()
        post = self.make_post(self.contract_text)
        method, path = self.publish_request or (None, None)
        contract_server.drip(1.0, method=method, path=path)
        started = time.monotonic()
        with override_settings(
            WAGTAILCROSSPOST_HTTP_DEADLINE=1, WAGTAILCROSSPOST_HTTP_TIMEOUT=(5, 5)
        ):
            with pytest.raises((AmbiguousError, TransientError)) as info:
                contract_adapter.publish(post)
        assert time.monotonic() - started < 8, "the answer was read past the total deadline"
        self.assert_no_secrets(info.value)
        self._assert_unclear_outcome(info.value, contract_server, contract_adapter, post)

    @pytest.mark.parametrize("status", [301, 302, 307, 308])
    def test_redirect_to_a_private_address_is_not_followed(
        self, status: int, contract_server: FakeServer, contract_adapter: Adapter
    ) -> None:
        self.require_faults()
        with FakeServer(strict=False) as internal:
            location = internal.url_for("/internal/admin")
            self.inject(contract_server, status, b"", headers={"Location": location})
            with pytest.raises(AdapterError) as info:
                contract_adapter.publish(self.make_post(self.contract_text))
            assert internal.requests == [], "a redirect was followed"
        assert not isinstance(info.value, AmbiguousError | TransientError), (
            "a redirect answer is a refusal, not a reason to try again"
        )
        self.assert_no_secrets(info.value)

    @pytest.mark.parametrize("hint", ABSURD_HINTS)
    def test_absurd_rate_limit_hint_is_bounded(
        self, hint: str, contract_server: FakeServer, contract_adapter: Adapter
    ) -> None:
        self.require_faults()
        headers = dict.fromkeys(RATE_LIMIT_HEADER_NAMES, hint)
        self.inject(contract_server, 429, {"error": "Too many requests"}, headers=headers)
        with pytest.raises(AdapterError) as info:
            contract_adapter.publish(self.make_post(self.contract_text))
        if isinstance(info.value, TransientError) and info.value.retry_after is not None:
            assert 0 <= info.value.retry_after <= 24 * 3600, (
                f"retry_after {info.value.retry_after!r} from an absurd hint {hint!r}"
            )

    def _assert_reconciled(self, server: FakeServer, adapter: Adapter, post: Post) -> None:
        """An adapter that can look for a post whose answer was lost finds the one made, and
        nothing is posted a second time."""
        receipt = adapter.reconcile(post, datetime.now(UTC) - timedelta(minutes=1))
        assert receipt is not None, "the post whose answer was lost was not found"
        _assert_receipt(receipt)
        try:
            count = self.post_count(server)
        except NotImplementedError:
            return
        assert count == 1, f"a lost answer made a second post ({count} on the fake)"

    def _assert_unclear_outcome(
        self, error: AdapterError, server: FakeServer, adapter: Adapter, post: Post
    ) -> None:
        # Per channel: an adapter whose servers differ (Mastodon's) says whether this one
        # honours the key.
        if not adapter.repeat_is_safe():
            assert isinstance(error, AmbiguousError), (
                "a lost answer must be an AmbiguousError for an adapter that is not idempotent: "
                "a blind retry could post twice"
            )
            if adapter.can_reconcile:
                self._assert_reconciled(server, adapter, post)
            return
        # Idempotent: the retry (same idempotency key) must not make a second post. The outbox
        # retries a transient failure (the broken connection of the last fault can still be
        # closing); so does this check, a few times, and then counts the posts.
        for attempt in range(3):
            try:
                receipt = adapter.publish(post)
                break
            except TransientError:
                if attempt == 2:
                    raise
                time.sleep(0.2)
        _assert_receipt(receipt)
        try:
            count = self.post_count(server)
        except NotImplementedError:
            return
        assert count == 1, f"the retry made a second post ({count} on the fake)"


def _assert_receipt(receipt: Any) -> None:
    assert isinstance(receipt, Receipt), f"expected a Receipt, got {receipt!r}"
    assert isinstance(receipt.remote_id, str) and receipt.remote_id, "a Receipt needs remote_id"
    assert isinstance(receipt.url, str)
    assert receipt.url == "" or receipt.url.startswith(("https://", "http://"))
    assert isinstance(receipt.raw, dict), "Receipt.raw must be a dict (it is stored as JSON)"
    json.dumps(receipt.raw, default=str)
