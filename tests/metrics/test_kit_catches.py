"""The figures kit is honest: an adapter that breaks the contract fails it."""

from __future__ import annotations

import pytest

from tests.metrics import test_metrics_contract as kit
from wagtail_crosspost.adapters.figures import REMOVED, Metrics
from wagtail_crosspost.adapters.mastodon import MastodonAdapter
from wagtail_crosspost.adapters.meta.instagram import InstagramAdapter


class ZeroForNothing(MastodonAdapter):
    """Says 0 views where Mastodon gives none."""

    def fetch_metrics(self, publications):
        answers = super().fetch_metrics(publications)
        for metrics in answers.values():
            metrics.views = 0
            metrics.unavailable.pop("views", None)
        return answers


class LosesTheRest(MastodonAdapter):
    """Answers a deleted post by failing the whole batch."""

    def fetch_metrics(self, publications):
        answers = super().fetch_metrics(publications)
        if any(
            not m.figures()["reactions"] and m.unavailable.get("reactions")
            for m in answers.values()
        ):
            raise RuntimeError("a post is gone")
        return answers


class OneCallEach(MastodonAdapter):
    metrics_batch_size = 25

    def fetch_metrics(self, publications):
        answers: dict = {}
        for publication in publications:  # twice the calls the kit allows
            super().fetch_metrics([publication])
            answers.update(super().fetch_metrics([publication]))
        return answers


@pytest.mark.parametrize(
    ("adapter_class", "test_name"),
    [
        (ZeroForNothing, "test_figures_as_given_zero_is_not_none"),
        (LosesTheRest, "test_a_deleted_post_is_gone_and_the_rest_still_counts"),
        (OneCallEach, "test_a_batch_is_batched"),
    ],
)
def test_a_broken_adapter_fails_the_kit(adapter_class, test_name, settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
    suite = type("Broken", (kit.TestMastodonMetrics,), {"adapter_class": adapter_class})()
    with suite.make_server() as server:
        adapter = suite.make_adapter(server)
        with pytest.raises((AssertionError, RuntimeError)):
            getattr(suite, test_name)(server, adapter)


def test_metrics_none_is_not_zero():
    assert Metrics(reactions=0).reactions == 0 and Metrics().reactions is None


class ZeroForRemoved(InstagramAdapter):
    """Says 0 for a figure whose metric Instagram has removed."""

    def fetch_metrics(self, publications):
        answers = super().fetch_metrics(publications)
        for metrics in answers.values():
            for name in [n for n, why in metrics.unavailable.items() if why == REMOVED]:
                setattr(metrics, name, 0)
                del metrics.unavailable[name]
        return answers


def test_an_adapter_that_zeroes_a_removed_metric_fails_the_kit(settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
    suite = type("Broken", (kit.TestInstagramMetrics,), {"adapter_class": ZeroForRemoved})()
    with suite.make_server() as server:
        with pytest.raises(AssertionError, match="reposts was removed"):
            suite.test_a_removed_metric_is_none_not_a_failure(
                server, suite.make_adapter(server), "reposts"
            )


def test_the_removed_metric_test_exists_only_where_metrics_are_removed():
    assert kit.TestMastodonMetrics.test_a_removed_metric_is_none_not_a_failure is None
    assert kit.TestXMetrics.test_a_removed_metric_is_none_not_a_failure is None
    assert callable(kit.TestFacebookMetrics.test_a_removed_metric_is_none_not_a_failure)
    with pytest.raises(TypeError, match="names no removable"):
        type("Careless", (kit.TestMastodonMetrics,), {"remove_metric": lambda self, s, f: None})
    with pytest.raises(TypeError, match="not in given"):
        type("Unknown", (kit.TestMastodonMetrics,), {"removable": ("views",)})
