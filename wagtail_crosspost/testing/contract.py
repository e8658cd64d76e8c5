"""The contract every adapter passes: :class:`AdapterContractTests`, a pytest mixin.

Like django-allauth's shared provider tests, the suite is written once and every adapter (the
built-ins and yours) subclasses it, saying only how to reach its fake server::

    from wagtail_crosspost.testing import AdapterContractTests

    class TestExampleContract(AdapterContractTests):
        adapter_class = ExampleAdapter

        def make_server(self):
            return FakeExampleSocial()  # a FakeServer subclass, not started

        def make_channel(self, server):
            return ChannelConfig(
                name="Acme",
                platform="example",
                options={"api_url": server.url},
                credentials={"api_key": API_KEY},
            )

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

import time
from typing import Any

import pytest
from django.test import override_settings

from wagtail_crosspost.adapters.base import (
    Adapter,
    AdapterError,
    AmbiguousError,
    AuthError,
    ConfigurationError,
    Health,
    PermanentError,
    PlatformRules,
    Receipt,
    TransientError,
)
from wagtail_crosspost.compose.length import KINDS, fits
from wagtail_crosspost.compose.text import Parts, fit_text

from .contract_hostile import HostileServerTests, _assert_receipt
from .fakeserver import FakeServer

__all__ = ["AdapterContractTests", "KNOWN_ABILITIES"]

#: What ``Adapter.supports`` may name.
KNOWN_ABILITIES = frozenset({"update", "delete", "alt_text", "thread"})


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


class AdapterContractTests(HostileServerTests):
    """Subclass in a pytest ``Test…`` class; implement ``make_server`` and ``make_channel``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("injects_faults", True):
            # A real server cannot be told to fail: these tests are not collected for it (not
            # skipped), and belong to a class that runs the same adapter against a strict fake.
            for name in FAULT_TESTS:
                setattr(cls, name, None)

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
        if not adapter.repeat_is_safe():
            assert isinstance(info.value, AmbiguousError), (
                "a timeout after sending must be an AmbiguousError for an adapter that is not "
                "idempotent: a blind retry could post twice"
            )
            if adapter.can_reconcile:  # once the slow request has taken effect, it is found
                self._wait_until_posted(contract_server, self.short_read_timeout * 5 + 5)
                self._assert_reconciled(contract_server, adapter, post)
            return
        # Idempotent: once the slow request has taken effect, the retry must not post again.
        self._wait_until_posted(contract_server, self.short_read_timeout * 5 + 5)
        self._assert_unclear_outcome(info.value, contract_server, adapter, post)

    # -- the contract: hostile servers (the outbound gate, docs/concepts/outbound-requests.md) --

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
