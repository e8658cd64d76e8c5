"""The figures contract: :class:`MetricsContractTests`, for every adapter with ``fetch_metrics``.

A pytest mixin like ``AdapterContractTests``; the subclass says how to reach its fake and how to
put a post with given figures there::

    class TestExampleMetrics(MetricsContractTests):
        adapter_class = ExampleAdapter
        given = ("reactions", "reposts", "replies")   # what the platform gives

        def make_server(self): return FakeExampleSocial()
        def make_channel(self, server): return ChannelConfig(...)
        def seed(self, server, figures): ...  # -> remote id of a post with these figures
        def remove(self, server, remote_id): ...  # delete the post on the fake

It checks: the batch size is declared and one batch costs at most ``calls_per_post`` calls per
post (``calls_per_batch`` for platforms that read a whole batch at once); 0 stays 0 and a
figure the platform does not give is None with a reason; a deleted post comes back "gone"
without failing the rest; a rate-limit answer is a ``TransientError`` with the platform's wait,
and the same batch asked again afterwards answers every post (nothing lost). Override
``limit(server)`` to make the fake answer the next read "slow down" its own way.

Where the platform retires metrics now and then (Meta's insights answer a retired one with an
"invalid metric" error), name the figures read from such metrics in ``removable`` and implement
``remove_metric(server, figure)``: for each of them the kit checks that the figure comes back
None with a reason and that the others still count. For a platform without ``removable``
figures that test is not generated at all (not skipped): there is nothing to check. A subclass
with its own ``pytest_generate_tests`` calls ``super().pytest_generate_tests(metafunc)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import override_settings

from wagtail_crosspost.adapters.base import Adapter, TransientError, as_config
from wagtail_crosspost.adapters.figures import FIGURES, GONE, REASONS, Metrics

from .fakeserver import FakeServer

__all__ = ["MetricsContractTests", "Post"]


@dataclass(frozen=True)
class Post:
    """What ``fetch_metrics`` is given in the kit: a stand-in for a publication."""

    remote_id: str
    remote_url: str = ""
    sent_at: Any = None


class MetricsContractTests:
    adapter_class: type[Adapter]
    #: The figures this adapter gives for a post on this channel.
    given: tuple[str, ...] = ()
    #: Requests per ``fetch_metrics`` call: per post (one read each) or per batch (None).
    calls_per_post: int | None = None
    calls_per_batch: int = 1
    #: Figures read from metrics the platform may retire (see the module's docstring).
    removable: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "remove_metric" in cls.__dict__ and not cls.removable:
            raise TypeError(f"{cls.__name__} implements remove_metric but names no removable")
        unknown = set(cls.removable) - set(cls.given)
        if unknown:
            raise TypeError(f"{cls.__name__}: removable {sorted(unknown)} are not in given")
        # The removed-metric test exists only where the platform removes metrics we read.
        cls.test_a_removed_metric_is_none_not_a_failure = (  # type: ignore[method-assign]
            MetricsContractTests._removed_metric_test if cls.removable else None  # type: ignore[assignment]
        )

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "removed_figure" in metafunc.fixturenames:
            metafunc.parametrize("removed_figure", self.removable)

    # -- hooks -------------------------------------------------------------------------------

    def make_server(self) -> FakeServer:
        raise NotImplementedError

    def make_channel(self, server: FakeServer) -> Any:
        raise NotImplementedError

    def make_adapter(self, server: FakeServer) -> Adapter:
        return self.adapter_class(as_config(self.make_channel(server)))

    def seed(self, server: FakeServer, figures: dict[str, int]) -> str:
        raise NotImplementedError

    def remove(self, server: FakeServer, remote_id: str) -> None:
        raise NotImplementedError

    def limit(self, server: FakeServer) -> float:
        """Make the next read answer "slow down"; return the wait the platform asks for."""
        server.fail(429, {"error": "rate limited"}, headers={"Retry-After": "120"})
        return 120.0

    def remove_metric(self, server: FakeServer, figure: str) -> None:
        """Make the platform answer the metric ``figure`` is read from as removed (only called
        for the figures in ``removable``)."""
        raise NotImplementedError

    # -- fixtures ----------------------------------------------------------------------------

    @pytest.fixture
    def metrics_server(self) -> Iterator[FakeServer]:
        with override_settings(
            WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS=True, WAGTAILCROSSPOST_DRY_RUN=False
        ):
            with self.make_server() as server:
                yield server

    @pytest.fixture
    def metrics_adapter(self, metrics_server: FakeServer) -> Adapter:
        return self.make_adapter(metrics_server)

    def _figures(self, n: int) -> dict[str, int]:
        return {name: (n + i) % 5 for i, name in enumerate(self.given)}

    # -- the contract ------------------------------------------------------------------------

    def test_declares_a_batch_size(self) -> None:
        assert self.adapter_class.metrics_batch_size > 0
        assert isinstance(self.adapter_class.metrics_by_default, bool)

    def test_figures_as_given_zero_is_not_none(
        self, metrics_server: FakeServer, metrics_adapter: Adapter
    ) -> None:
        zero = self.seed(metrics_server, dict.fromkeys(self.given, 0))
        some = self.seed(metrics_server, self._figures(1))
        posts = [Post(zero), Post(some)]
        answers = metrics_adapter.fetch_metrics(posts)
        assert set(answers) == set(posts)
        for post, expected in ((posts[0], dict.fromkeys(self.given, 0)), (posts[1], None)):
            metrics = answers[post]
            assert isinstance(metrics, Metrics)
            for name in FIGURES:
                value = getattr(metrics, name)
                if name in self.given:
                    assert value == (expected or self._figures(1))[name], name
                else:
                    assert value is None, f"{name} is not given, so it must be None, not {value}"
                    assert metrics.unavailable.get(name) in REASONS, f"{name}: no reason"

    def test_a_batch_is_batched(self, metrics_server: FakeServer, metrics_adapter: Adapter) -> None:
        size = min(self.adapter_class.metrics_batch_size, 30)
        posts = [Post(self.seed(metrics_server, self._figures(i))) for i in range(size)]
        before = len(metrics_server.requests)
        answers = metrics_adapter.fetch_metrics(posts)
        calls = len(metrics_server.requests) - before
        allowed = size * self.calls_per_post if self.calls_per_post else self.calls_per_batch
        assert calls <= allowed, f"{calls} calls for {size} posts"
        assert len(answers) == size
        for i, post in enumerate(posts):
            for name, value in self._figures(i).items():
                assert getattr(answers[post], name) == value

    def test_a_deleted_post_is_gone_and_the_rest_still_counts(
        self, metrics_server: FakeServer, metrics_adapter: Adapter
    ) -> None:
        kept = Post(self.seed(metrics_server, self._figures(2)))
        gone = Post(self.seed(metrics_server, self._figures(3)))
        self.remove(metrics_server, gone.remote_id)
        answers = metrics_adapter.fetch_metrics([kept, gone])
        assert answers[gone].figures() == dict.fromkeys(FIGURES)
        assert set(answers[gone].unavailable.values()) == {GONE}
        for name, value in self._figures(2).items():
            assert getattr(answers[kept], name) == value

    def _removed_metric_test(
        self, metrics_server: FakeServer, metrics_adapter: Adapter, removed_figure: str
    ) -> None:
        post = Post(self.seed(metrics_server, self._figures(4)))
        self.remove_metric(metrics_server, removed_figure)
        metrics = metrics_adapter.fetch_metrics([post])[post]
        assert getattr(metrics, removed_figure) is None, f"{removed_figure} was removed"
        assert metrics.unavailable[removed_figure] in REASONS
        for name, value in self._figures(4).items():
            if name != removed_figure:
                assert getattr(metrics, name) == value, name

    test_a_removed_metric_is_none_not_a_failure = _removed_metric_test

    def test_a_rate_limit_is_paced_and_nothing_is_lost(
        self, metrics_server: FakeServer, metrics_adapter: Adapter
    ) -> None:
        posts = [Post(self.seed(metrics_server, self._figures(i))) for i in range(3)]
        wait = self.limit(metrics_server)
        with pytest.raises(TransientError) as info:
            metrics_adapter.fetch_metrics(posts)
        assert info.value.retry_after is not None and info.value.retry_after >= wait * 0.9
        self.after_limit(metrics_server)
        answers = metrics_adapter.fetch_metrics(posts)
        assert set(answers) == set(posts)
        for i, post in enumerate(posts):
            for name, value in self._figures(i).items():
                assert getattr(answers[post], name) == value

    def after_limit(self, server: FakeServer) -> None:
        """Let the fake's rate-limit window pass (the kit's own fault needs nothing)."""
