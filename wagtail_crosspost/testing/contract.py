"""The contract every adapter passes: :class:`AdapterContractTests`, a pytest mixin.

Like django-allauth's shared provider tests, the suite is written once and every adapter (the
built-ins and yours) subclasses it, saying only how to reach its fake server::

    from wagtail_crosspost.testing import AdapterContractTests

    class TestExampleContract(AdapterContractTests):
        adapter_class = ExampleAdapter

        def make_server(self):
            return FakeExampleSocial()  # a FakeServer subclass, not started

        def make_channel(self, server):
            channel = Channel(platform="example", name="Acme", options={"api_url": server.url})
            channel.set_credentials({"api_key": API_KEY})
            return channel

The mixin's tests then check: publish returns a ``Receipt`` with a ``remote_id``; update and
delete work where ``supports`` says so and raise ``PermanentError`` where not; 401 is an
``AuthError``; 429 a ``TransientError`` whose ``retry_after`` is the platform's own hint;
validation errors are ``PermanentError``; a lost answer or a timeout after sending is handled as
``idempotent`` promises; the declared ``rules`` are sane; a text at exactly the limit is accepted
and one over is refused or prevented; and no credential value ever shows in an error, a raw
answer, ``repr(adapter)`` or a log record (captured at DEBUG).

Override the ``fail_*`` hooks when the platform signals a condition differently (Meta answers a
bad token with HTTP 400 and code 190; X sends ``x-rate-limit-reset``), and ``posted_text`` /
``post_count`` so the suite can look into the fake. Override ``make_media`` when every post needs
an image (Instagram) or the platform fetches images from a public URL: the suite then runs a
:class:`~wagtail_crosspost.testing.MediaHost` beside the fake and ``hosted_image`` puts a real
JPEG there. Set ``injects_faults = False`` to run the happy-path subset against a real server
(one that cannot be told to fail: a reference server such as Bluesky's PDS). Needs pytest and
configured Django settings (pytest-django); no ``unittest.TestCase``.
"""

from __future__ import annotations

import io
import json
import logging
import time
import traceback
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, ClassVar

import pytest
from django.test import override_settings

from wagtail_crosspost.adapters.base import (
    Adapter,
    AdapterError,
    AmbiguousError,
    AuthError,
    ConfigurationError,
    Health,
    Media,
    PermanentError,
    PlatformRules,
    Post,
    Receipt,
    TransientError,
)
from wagtail_crosspost.compose.length import KINDS, fits, measure
from wagtail_crosspost.compose.text import Parts, fit_text

from .fakeserver import FakeServer, MediaHost

__all__ = ["AdapterContractTests", "KNOWN_ABILITIES"]

#: What ``Adapter.supports`` may name.
KNOWN_ABILITIES = frozenset({"update", "delete", "alt_text", "thread"})
_FILLER = "Our new lathe is in the workshop and ready for visitors "


#: The tests that make the server misbehave: left out of a class with ``injects_faults = False``.
FAULT_TESTS = (
    "test_refused_credentials_are_an_auth_error",
    "test_rate_limit_is_transient_with_the_platforms_wait",
    "test_validation_error_is_permanent",
    "test_outage_is_transient",
    "test_lost_answer_is_handled_as_idempotent_says",
    "test_timeout_after_sending_is_handled_as_idempotent_says",
    "test_answer_cut_off_after_posting_is_handled_as_idempotent_says",
    "test_unreadable_success_answer_is_maybe_sent",
    "test_dripping_answer_is_cut_off_at_the_deadline",
    "test_redirect_to_a_private_address_is_not_followed",
    "test_absurd_rate_limit_hint_is_bounded",
)

#: Rate-limit headers a hostile server may send, all set to the same absurd value.
ABSURD_HINTS = ("1e12", "inf", "nan", "Sun, 01 Jan 2999 00:00:00 GMT", "garbage")
RATE_LIMIT_HEADER_NAMES = (
    "Retry-After",
    "x-rate-limit-reset",
    "RateLimit-Reset",
    "X-RateLimit-Reset",
)


class AdapterContractTests:
    """Subclass in a pytest ``Test…`` class; implement ``make_server`` and ``make_channel``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("injects_faults", True):
            # A real server cannot be told to fail: these tests are not collected for it (not
            # skipped), and belong to a class that runs the same adapter against a strict fake.
            for name in FAULT_TESTS:
                setattr(cls, name, None)

    #: The adapter under test.
    adapter_class: ClassVar[type[Adapter]]
    #: (method, path regex) of the request that creates the post: the ``fail_*`` answers, lost
    #: answers and timeouts are injected there. None: the first request ``publish`` makes.
    publish_request: ClassVar[tuple[str, str] | None] = None
    #: How far ``retry_after`` may be from the expected wait (epoch headers have 1 s steps).
    retry_after_tolerance: ClassVar[float] = 5.0
    #: False where only compose keeps the text short (a webhook: nobody on the other side counts).
    platform_enforces_text_limit: ClassVar[bool] = True
    #: Further strings that must never leak (credential values are found automatically).
    extra_secrets: ClassVar[tuple[str, ...]] = ()
    #: Credential fields that are identifiers rather than secrets, sent in clear with every
    #: request (OAuth 1.0a's consumer key and token: only their two secrets sign requests).
    public_credentials: ClassVar[tuple[str, ...]] = ()
    #: (connect, read) seconds for the adapter under test; the read timeout of the timeout test.
    http_timeout: ClassVar[tuple[float, float]] = (5.0, 10.0)
    short_read_timeout: ClassVar[float] = 0.4
    #: The text posted by the tests that do not care about length.
    contract_text: ClassVar[str] = "Open house on Saturday: come and see the new lathe."
    link: ClassVar[str] = "https://www.example.com/news/open-house/"
    #: False where a 2xx answer need not be JSON (a webhook receiver may answer "ok"): an
    #: unreadable success answer may then be a success.
    answers_are_json: ClassVar[bool] = True
    #: False when ``make_server`` gives a real server that cannot be told to misbehave: the
    #: tests that inject faults (FAULT_TESTS) are left out and the happy-path subset runs.
    injects_faults: ClassVar[bool] = True

    # -- what a subclass implements --------------------------------------------------------------

    def make_server(self) -> FakeServer:
        """A fake of the platform (not started); the suite starts and stops it."""
        raise NotImplementedError(f"{type(self).__name__} must implement make_server().")

    def make_channel(self, server: FakeServer) -> Any:
        """An (unsaved is fine) ``Channel`` whose options point at ``server.url``."""
        raise NotImplementedError(f"{type(self).__name__} must implement make_channel(server).")

    def make_adapter(self, server: FakeServer) -> Adapter:
        """The adapter for ``make_channel(server)``; override to stub sleeps and the like."""
        return self.adapter_class(self.make_channel(server))

    def make_post(self, text: str, **kwargs: Any) -> Post:
        kwargs.setdefault("link", self.link)
        kwargs.setdefault("title", "Open house")
        kwargs.setdefault("idempotency_key", "contract-publication-1")
        kwargs.setdefault("media", getattr(self, "_media", ()))
        return Post(text=text, **kwargs)

    def make_media(self, host: MediaHost) -> tuple[Media, ...]:
        """The images every post of the suite carries (default: none).

        Override for a platform that needs an image (Instagram) or fetches images from a public
        URL: ``host`` is a running :class:`MediaHost` standing in for the site's public media
        host, and :meth:`hosted_image` serves a real JPEG there. Called once per test.
        """
        return ()

    def hosted_image(
        self,
        host: MediaHost,
        *,
        width: int = 1080,
        height: int = 1080,
        name: str = "contract.jpg",
        alt_text: str = "The new lathe in the workshop",
    ) -> Media:
        """A real JPEG served by ``host``: ``Media`` with the bytes *and* the public ``url``."""
        from PIL import Image  # Wagtail's own dependency

        buffer = io.BytesIO()
        Image.new("RGB", (width, height), (200, 90, 40)).save(buffer, "JPEG")
        content = buffer.getvalue()
        return Media(
            content=content,
            mime_type="image/jpeg",
            filename=name,
            width=width,
            height=height,
            alt_text=alt_text,
            url=host.add(name, content, "image/jpeg"),
        )

    def posted_text(self, server: FakeServer, receipt: Receipt) -> str | None:
        """The text of the post ``receipt`` names as the fake holds it, None if it is gone.

        Optional (raise NotImplementedError, the default, to skip these checks).
        """
        raise NotImplementedError

    def post_count(self, server: FakeServer) -> int:
        """How many posts exist on the fake. Optional, like ``posted_text``."""
        raise NotImplementedError

    # -- how the fake misbehaves (override where the platform says it differently) --------------

    def fail_unauthorized(self, server: FakeServer) -> None:
        """The next request is refused for bad credentials."""
        self.inject(
            server, 401, {"error": "The access token is not valid", "message": "Unauthorized"}
        )

    def fail_rate_limited(self, server: FakeServer) -> float:
        """The next request hits the rate limit with the platform's own hint; return the wait."""
        self.inject(server, 429, {"error": "Too many requests"}, headers={"Retry-After": "120"})
        return 120.0

    def fail_validation(self, server: FakeServer) -> None:
        """The next request is refused as invalid. The body echoes the credentials: a careless
        adapter would pass them on to the log."""
        echo = " ".join(self.secrets_of(server))
        body = {"error": f"Validation failed: text is too long ({echo})"}
        self.inject(server, 422, {**body, "message": body["error"], "description": body["error"]})

    def fail_unavailable(self, server: FakeServer) -> None:
        self.inject(server, 503, {"error": "Service unavailable"})

    def inject(self, server: FakeServer, status: int, body: Any, **kwargs: Any) -> None:
        """Answer the next create request (``publish_request``) with ``status`` and ``body``."""
        method, path = self.publish_request or (None, None)
        server.fail(status, body, method=method, path=path, **kwargs)

    def lose_answer(self, server: FakeServer) -> None:
        """The create request takes effect, then the connection drops before the answer."""
        method, path = self.publish_request or (None, None)
        server.drop(process=True, method=method, path=path)

    def delay_answer(self, server: FakeServer, seconds: float) -> None:
        method, path = self.publish_request or (None, None)
        server.delay(seconds, method=method, path=path)

    # -- fixtures ----------------------------------------------------------------------------

    @pytest.fixture
    def contract_settings(self) -> Iterator[None]:
        with override_settings(
            WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS=True,  # the fake listens on 127.0.0.1
            WAGTAILCROSSPOST_HTTP_TIMEOUT=self.http_timeout,
            WAGTAILCROSSPOST_DRY_RUN=False,
        ):
            yield

    @pytest.fixture
    def contract_server(self, contract_settings: None) -> Iterator[FakeServer]:
        with ExitStack() as stack:
            server = stack.enter_context(self.make_server())
            self._server = server
            self._media: tuple[Media, ...] = ()
            if type(self).make_media is not AdapterContractTests.make_media:
                host = MediaHost()
                stack.enter_context(host)
                self._media = tuple(self.make_media(host))
            yield server

    @pytest.fixture
    def contract_adapter(self, contract_server: FakeServer) -> Adapter:
        return self.make_adapter(contract_server)

    @pytest.fixture(autouse=True)
    def contract_log(self) -> Iterator[list[logging.LogRecord]]:
        """Every log record of the test, at DEBUG, for the secrets check."""
        records: list[logging.LogRecord] = []
        self._records = records
        with _capture_logs(records):
            yield records

    # -- checks a subclass may reuse ---------------------------------------------------------

    def secrets_of(self, server: FakeServer | None = None) -> list[str]:
        """Every credential value of the channel (and ``extra_secrets``)."""
        server = server if server is not None else getattr(self, "_server", None)
        values: list[str] = list(self.extra_secrets)
        if server is not None:
            credentials = self.make_channel(server).get_credentials()
            for name in self.public_credentials:
                credentials.pop(name, None)
            values += _strings(credentials)
        return sorted({v for v in values if len(v) >= 4}, key=len, reverse=True)

    def assert_no_secrets(self, *things: Any) -> None:
        """No credential value in ``things`` (errors, receipts, adapters) or the captured log."""
        secrets = self.secrets_of()
        texts = [_describe(thing) for thing in things]
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        texts += [formatter.format(record) for record in getattr(self, "_records", [])]
        for secret in secrets:
            for text in texts:
                assert secret not in text, (
                    f"A credential value ({secret[:3]}…) leaked into: {text[:300]!r}"
                )

    def require_faults(self) -> None:
        """Skip a test that needs the server to misbehave when it is a real one."""
        if not self.injects_faults:
            pytest.skip("a real server: faults cannot be injected (injects_faults = False)")

    def assert_no_post_made(self, server: FakeServer) -> None:
        try:
            count = self.post_count(server)
        except NotImplementedError:
            return
        assert count == 0, f"The fake holds {count} post(s); expected none."

    def text_of_length(self, adapter: Adapter, length: int) -> str:
        """A plain text that ``compose.length.measure`` counts as exactly ``length``."""
        rules = adapter.rules_for_channel()
        text = (_FILLER * (length // len(_FILLER) + 1))[:length]
        text = text[:-1] + "." if text.endswith(" ") else text
        counted = measure(text, adapter.key, rules=rules)
        assert counted == length, (
            f"could not build a text of length {length} for {adapter.key!r} ({counted})"
        )
        return text

    # -- the contract: declarations ----------------------------------------------------------

    def test_declares_key_label_and_abilities(self) -> None:
        cls = self.adapter_class
        assert isinstance(cls.key, str) and cls.key, "`key` must be a non-empty string"
        assert str(cls.label), "`label` must name the platform"
        assert set(cls.supports) <= KNOWN_ABILITIES, (
            f"`supports` names unknown abilities: {set(cls.supports) - KNOWN_ABILITIES}"
        )
        assert isinstance(cls.idempotent, bool)
        for name in ("credential_fields", "option_fields"):
            fields = getattr(cls, name)
            assert isinstance(fields, tuple) and all(isinstance(f, str) for f in fields), name
        assert not set(cls.credential_fields) & set(cls.option_fields), (
            "a field cannot be both a credential and an option"
        )
        unknown = set(cls.form_fields) - set(cls.credential_fields) - set(cls.option_fields)
        assert not unknown, f"`form_fields` for fields that are not declared: {unknown}"

    def test_rules_are_sane(self, contract_adapter: Adapter) -> None:
        for rules in (self.adapter_class.rules, contract_adapter.rules_for_channel()):
            assert isinstance(rules, PlatformRules)
            _assert_sane_rules(rules)

    # -- the contract: publish, update, delete -----------------------------------------------

    def test_publish_returns_a_receipt(
        self, contract_server: FakeServer, contract_adapter: Adapter
    ) -> None:
        receipt = contract_adapter.publish(self.make_post(self.contract_text))
        _assert_receipt(receipt)
        posted = self._posted_text(contract_server, receipt)
        if posted is not _UNKNOWN:
            assert posted == self.contract_text
        self.assert_no_secrets(receipt, contract_adapter)

    def test_update_where_supported(
        self, contract_server: FakeServer, contract_adapter: Adapter
    ) -> None:
        changed = self.contract_text + " Updated: now with coffee."
        if "update" not in self.adapter_class.supports:
            with pytest.raises(PermanentError):
                contract_adapter.update(Receipt(remote_id="1"), self.make_post(changed))
            return
        receipt = contract_adapter.publish(self.make_post(self.contract_text))
        updated = contract_adapter.update(receipt, self.make_post(changed))
        _assert_receipt(updated)
        posted = self._posted_text(contract_server, updated)
        if posted is not _UNKNOWN:
            assert posted == changed
        self.assert_no_secrets(updated)

    def test_delete_where_supported(
        self, contract_server: FakeServer, contract_adapter: Adapter
    ) -> None:
        if "delete" not in self.adapter_class.supports:
            with pytest.raises(PermanentError):
                contract_adapter.delete(Receipt(remote_id="1"))
            return
        receipt = contract_adapter.publish(self.make_post(self.contract_text))
        contract_adapter.delete(receipt)
        posted = self._posted_text(contract_server, receipt)
        if posted is not _UNKNOWN:
            assert posted is None, "the post still exists after delete()"
        # "Already gone" is what delete() wanted: a second delete succeeds.
        contract_adapter.delete(receipt)

    def test_check_reports_a_healthy_connection(self, contract_adapter: Adapter) -> None:
        health = contract_adapter.check()
        assert isinstance(health, Health)
        assert health.ok, health.detail
        self.assert_no_secrets(health.detail)

    # -- the contract: errors ----------------------------------------------------------------

    def test_refused_credentials_are_an_auth_error(
        self, contract_server: FakeServer, contract_adapter: Adapter
    ) -> None:
        self.require_faults()
        self.fail_unauthorized(contract_server)
        with pytest.raises(AuthError) as info:
            contract_adapter.publish(self.make_post(self.contract_text))
        assert info.value.message
        self.assert_no_secrets(info.value, contract_adapter)

    def test_rate_limit_is_transient_with_the_platforms_wait(
        self, contract_server: FakeServer, contract_adapter: Adapter
    ) -> None:
        self.require_faults()
        wait = self.fail_rate_limited(contract_server)
        with pytest.raises(TransientError) as info:
            contract_adapter.publish(self.make_post(self.contract_text))
        retry_after = info.value.retry_after
        assert retry_after is not None, "the platform's rate-limit hint was not read"
        assert abs(retry_after - wait) <= self.retry_after_tolerance, (
            f"retry_after is {retry_after}, the platform asked for {wait}"
        )
        self.assert_no_secrets(info.value)

    def test_validation_error_is_permanent(
        self, contract_server: FakeServer, contract_adapter: Adapter
    ) -> None:
        self.require_faults()
        self.fail_validation(contract_server)
        with pytest.raises(PermanentError) as info:
            contract_adapter.publish(self.make_post(self.contract_text))
        assert info.value.message
        self.assert_no_secrets(info.value)

    def test_outage_is_transient(
        self, contract_server: FakeServer, contract_adapter: Adapter
    ) -> None:
        self.require_faults()
        self.fail_unavailable(contract_server)
        with pytest.raises(TransientError) as info:
            contract_adapter.publish(self.make_post(self.contract_text))
        self.assert_no_secrets(info.value)

    def test_lost_answer_is_handled_as_idempotent_says(
        self, contract_server: FakeServer, contract_adapter: Adapter
    ) -> None:
        self.require_faults()
        post = self.make_post(self.contract_text)
        self.lose_answer(contract_server)
        with pytest.raises((AmbiguousError, TransientError)) as info:
            contract_adapter.publish(post)
        self.assert_no_secrets(info.value)
        self._assert_unclear_outcome(info.value, contract_server, contract_adapter, post)

    def test_timeout_after_sending_is_handled_as_idempotent_says(
        self, contract_server: FakeServer
    ) -> None:
        self.require_faults()
        with override_settings(
            WAGTAILCROSSPOST_HTTP_TIMEOUT=(self.http_timeout[0], self.short_read_timeout)
        ):
            adapter = self.make_adapter(contract_server)
        post = self.make_post(self.contract_text)
        self.delay_answer(contract_server, self.short_read_timeout * 5)
        with pytest.raises((AmbiguousError, TransientError)) as info:
            adapter.publish(post)
        self.assert_no_secrets(info.value)
        if not self.adapter_class.idempotent:
            assert isinstance(info.value, AmbiguousError), (
                "a timeout after sending must be an AmbiguousError for an adapter that is not "
                "idempotent: a blind retry could post twice"
            )
            return
        # Idempotent: once the slow request has taken effect, the retry must not post again.
        self._wait_until_posted(contract_server, self.short_read_timeout * 5 + 5)
        self._assert_unclear_outcome(info.value, contract_server, adapter, post)

    # -- the contract: hostile servers (the outbound gate, docs/concepts/outbound-requests.md) --

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

    def _wait_until_posted(self, server: FakeServer, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if self.post_count(server) >= 1:
                    return
            except NotImplementedError:
                time.sleep(seconds - 5)  # the delay, then the slow request has been handled
                return
            time.sleep(0.05)

    def _assert_unclear_outcome(
        self, error: AdapterError, server: FakeServer, adapter: Adapter, post: Post
    ) -> None:
        if not self.adapter_class.idempotent:
            assert isinstance(error, AmbiguousError), (
                "a lost answer must be an AmbiguousError for an adapter that is not idempotent: "
                "a blind retry could post twice"
            )
            return
        # Idempotent: the retry (same idempotency key) must not make a second post.
        receipt = adapter.publish(post)
        _assert_receipt(receipt)
        try:
            count = self.post_count(server)
        except NotImplementedError:
            return
        assert count == 1, f"the retry made a second post ({count} on the fake)"

    # -- the contract: limits ----------------------------------------------------------------

    def test_text_at_the_limit_is_accepted(
        self, contract_server: FakeServer, contract_adapter: Adapter
    ) -> None:
        limit = contract_adapter.rules_for_channel().text_limit
        text = self.text_of_length(contract_adapter, limit)
        receipt = contract_adapter.publish(self.make_post(text))
        _assert_receipt(receipt)
        posted = self._posted_text(contract_server, receipt)
        if posted is not _UNKNOWN:
            assert posted == text

    def test_text_over_the_limit_is_refused_or_prevented(
        self, contract_server: FakeServer, contract_adapter: Adapter
    ) -> None:
        rules = contract_adapter.rules_for_channel()
        key = contract_adapter.key
        text = self.text_of_length(contract_adapter, rules.text_limit + 1)
        # Prevented: compose knows it is too long and shortens it to fit.
        assert not fits(text, key, rules=rules)
        fitted = fit_text(
            "{title}\n\n{url}", Parts(title=text, url=self.link), key, rules.text_limit, rules
        )
        assert fits(fitted, key, rules=rules) and self.link in fitted
        if not self.platform_enforces_text_limit:
            return
        # Refused: sent as is anyway, the platform (or the adapter itself) says no.
        with pytest.raises((PermanentError, ConfigurationError)):
            contract_adapter.publish(self.make_post(text))
        self.assert_no_post_made(contract_server)

    # -- the contract: secrets ---------------------------------------------------------------

    def test_repr_and_log_hide_the_credentials(
        self, contract_server: FakeServer, contract_adapter: Adapter
    ) -> None:
        assert self.secrets_of(), "the channel has no credentials to keep secret"
        errors: list[Any] = [contract_adapter, repr(contract_adapter)]
        errors.append(contract_adapter.publish(self.make_post(self.contract_text)))
        faults = (self.fail_unauthorized, self.fail_validation, self.lose_answer)
        for fail in faults if self.injects_faults else ():
            fail(contract_server)
            try:
                contract_adapter.publish(self.make_post(self.contract_text + " Again."))
            except AdapterError as error:
                errors.append(error)
        if self.injects_faults:
            contract_server.clear_faults()
        self.assert_no_secrets(*errors)

    # -- helpers -----------------------------------------------------------------------------

    def _posted_text(self, server: FakeServer, receipt: Receipt) -> Any:
        try:
            return self.posted_text(server, receipt)
        except NotImplementedError:
            return _UNKNOWN


_UNKNOWN = object()


def _assert_receipt(receipt: Any) -> None:
    assert isinstance(receipt, Receipt), f"expected a Receipt, got {receipt!r}"
    assert isinstance(receipt.remote_id, str) and receipt.remote_id, "a Receipt needs remote_id"
    assert isinstance(receipt.url, str)
    assert receipt.url == "" or receipt.url.startswith(("https://", "http://"))
    assert isinstance(receipt.raw, dict), "Receipt.raw must be a dict (it is stored as JSON)"
    json.dumps(receipt.raw, default=str)


def _assert_sane_rules(rules: PlatformRules) -> None:
    assert isinstance(rules.text_limit, int) and rules.text_limit > 0, "text_limit must be > 0"
    assert rules.counting in KINDS or rules.counting == "characters", (
        f"counting {rules.counting!r} is not known to compose.length ({', '.join(KINDS)})"
    )
    for name in ("url_weight", "byte_limit", "max_hashtags", "max_links", "caption_limit"):
        value = getattr(rules, name)
        assert value is None or value > 0, f"{name} must be None or > 0"
    if rules.quota is not None:
        posts, seconds = rules.quota
        assert posts > 0 and seconds > 0, "quota must be (posts > 0, seconds > 0)"
    image = rules.image
    assert image.formats, "image.formats must name at least one format"
    assert image.max_bytes > 0 and image.max_images >= 0 and image.min_width >= 1
    for name in ("max_pixels", "max_width", "max_height", "alt_text_limit", "max_dimension_sum"):
        value = getattr(image, name)
        assert value is None or value > 0, f"image.{name} must be None or > 0"
    if image.min_aspect and image.max_aspect:
        assert image.min_aspect <= image.max_aspect


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


def _describe(thing: Any) -> str:
    if isinstance(thing, BaseException):
        parts = [str(thing), repr(getattr(thing, "raw", None))]
        parts += traceback.format_exception(thing)
        return "\n".join(parts)
    if isinstance(thing, Receipt):
        return f"{thing.remote_id} {thing.url} {json.dumps(thing.raw, default=str)}"
    return repr(thing) if not isinstance(thing, str) else thing


class _ListHandler(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]):
        super().__init__(logging.DEBUG)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _capture_logs(records: list[logging.LogRecord]) -> Iterator[None]:
    root = logging.getLogger()
    handler = _ListHandler(records)
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
