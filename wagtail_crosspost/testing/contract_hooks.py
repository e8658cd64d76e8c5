"""The hooks and fixtures of :class:`~wagtail_crosspost.testing.AdapterContractTests`: how the
suite reaches a platform's fake server, makes it misbehave, and watches for leaked secrets. A
subclass overrides ``make_server`` and ``make_channel`` (and, where it helps, the others)."""

from __future__ import annotations

import io
import json
import logging
import traceback
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, ClassVar

import pytest
from django.test import override_settings

from wagtail_crosspost.adapters.base import (
    Adapter,
    Media,
    Post,
    Receipt,
    as_config,
)
from wagtail_crosspost.compose.length import measure

from .fakeserver import FakeServer, MediaHost

_FILLER = "Our new lathe is in the workshop and ready for visitors "


class ContractHooks:
    """What the contract asks of a subclass, with defaults, and the fixtures it runs on."""

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
        """The channel whose options point at ``server.url``: a ``ChannelConfig`` (no database
        needed) or an (unsaved is fine) ``Channel``."""
        raise NotImplementedError(f"{type(self).__name__} must implement make_channel(server).")

    def make_adapter(self, server: FakeServer) -> Adapter:
        """The adapter for ``make_channel(server)``; override to stub sleeps and the like."""
        return self.adapter_class(as_config(self.make_channel(server)))

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
            if type(self).make_media is not ContractHooks.make_media:
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
            credentials = dict(as_config(self.make_channel(server)).credentials)
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
