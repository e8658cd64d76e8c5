"""Knowing the server (issue 11, points 1 and 5): nodeinfo read through the gate, size-capped,
without redirects; a missing, broken or hostile nodeinfo, or a lying limit, gives a clear note
and the strictest rule; http:// server addresses are refused."""

from __future__ import annotations

import pytest

from tests.fakes.gotosocial import FakeGoToSocial
from tests.fakes.mastodon import FakeMastodon, Limits
from wagtail_crosspost.adapters.base import ConfigurationError, Post
from wagtail_crosspost.adapters.mastodon.adapter import MastodonAdapter
from wagtail_crosspost.adapters.mastodon.software import NODEINFO_MAX_BYTES, identify
from wagtail_crosspost.models import Channel
from wagtail_crosspost.testing.fakeserver import Response

TOKEN = "s3cret-access-token-1234"


def make_adapter(server_url: str) -> MastodonAdapter:
    channel = Channel(platform="mastodon", name="Fedi", options={"server_url": server_url})
    channel.set_credentials({"access_token": TOKEN})
    adapter = channel.get_adapter()
    assert isinstance(adapter, MastodonAdapter)
    return adapter


def known(adapter: MastodonAdapter):
    rules = adapter.rules_for_channel()
    return rules, adapter.options["server_software"], adapter.describe_server(adapter.options)


def test_gotosocial_is_recognised_and_counted_its_way():
    with FakeGoToSocial(token=TOKEN) as fake:
        rules, stored, line = known(make_adapter(fake.url))
    assert stored == {"name": "gotosocial", "version": "0.20.1", "problem": "", "limit": 5000}
    assert line == "GoToSocial 0.20.1 · limit 5000"
    # It advertises 25 per URL but counts code points, URLs in full.
    assert rules.counting == "codepoints" and rules.url_weight is None


def test_mastodon_and_its_forks():
    with FakeMastodon(token=TOKEN) as fake:
        rules, stored, line = known(make_adapter(fake.url))
    assert (rules.counting, rules.url_weight, line) == (
        "mastodon",
        23,
        "Mastodon 4.4.0 · limit 500",
    )
    assert identify("mastodon", "4.3.0+glitch") == "glitch"
    assert identify("Mastodon", "4.2.1+hometown-1.1.1") == "hometown"
    assert identify("akkoma", "3.13") == "akkoma"


class Hostile(FakeMastodon):
    """A server whose nodeinfo misbehaves as ``mode`` says."""

    def __init__(self, mode: str, **kwargs):
        super().__init__(token=TOKEN, **kwargs)
        self.mode = mode

    def nodeinfo_index(self, request):
        if self.mode == "redirect":
            return Response(302, b"", {"Location": "http://127.0.0.1:1/elsewhere"})
        if self.mode == "elsewhere":
            rel = "http://nodeinfo.diaspora.software/ns/schema/2.0"
            return {"links": [{"rel": rel, "href": "https://attacker.example/nodeinfo"}]}
        if self.mode == "broken":
            return Response.text("<html>not json</html>")
        return super().nodeinfo_index(request)

    def nodeinfo(self, request):
        if self.mode == "huge":
            padding = "x" * (NODEINFO_MAX_BYTES * 2)
            return {"software": {"name": "mastodon", "version": "4.4.0"}, "pad": padding}
        if self.mode == "no-name":
            return {"software": {"name": "<script>alert(1)</script>"}}
        return super().nodeinfo(request)


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("missing", "could not be read"),
        ("broken", "not a JSON object"),
        ("redirect", "redirect"),
        ("huge", "too large"),
        ("elsewhere", "another address"),
        ("no-name", "names no software"),
    ],
)
def test_missing_broken_or_hostile_nodeinfo_gives_a_note_and_the_strictest_rule(mode, words):
    kwargs = {"software": None} if mode == "missing" else {}
    with Hostile(mode, **kwargs) as fake:
        adapter = make_adapter(fake.url)
        rules, stored, line = known(adapter)
        paths = [r.path for r in fake.requests]
    assert rules.counting == "strictest" and rules.url_weight is None
    assert rules.text_limit == 500  # the instance's own limit still counts
    assert stored["name"] == "" and words in stored["problem"]
    assert line.startswith("Unknown server software: counted by the strictest rule · limit 500")
    assert not adapter.repeat_is_safe()  # unknown: never repeated blindly
    assert "/elsewhere" not in paths  # no redirect followed, no other host asked


def test_slow_nodeinfo_is_given_up_with_a_note(settings):
    settings.WAGTAILCROSSPOST_HTTP_TIMEOUT = (2, 0.3)
    with FakeMastodon(token=TOKEN) as fake:
        fake.delay(1.0, method="GET", path="/nodeinfo/2.0")
        adapter = make_adapter(fake.url)
        rules, stored, _line = known(adapter)
    assert rules.counting == "strictest" and "could not be read" in stored["problem"]


def test_a_server_that_lies_about_its_limit_is_not_believed():
    with FakeMastodon(token=TOKEN, limits=Limits(max_characters=10**9)) as fake:
        rules, stored, line = known(make_adapter(fake.url))
    assert rules.text_limit == 500 and stored["limit"] == 500
    assert "cannot be right" in stored["problem"] and "1000000000" in line


def test_a_mastodon_that_advertises_a_smaller_url_weight_still_counts_23():
    with FakeMastodon(token=TOKEN, limits=Limits(characters_reserved_per_url=5)) as fake:
        rules, _stored, _line = known(make_adapter(fake.url))
    assert rules.url_weight == 23


def test_the_channel_keeps_what_it_learnt(db):
    from tests.factories import ChannelFactory

    with FakeGoToSocial(token=TOKEN) as fake:
        channel = ChannelFactory(platform="mastodon", options={"server_url": fake.url})
        channel.set_credentials({"access_token": TOKEN})
        channel.save()
        channel.get_adapter().rules_for_channel()
    channel.refresh_from_db()
    assert channel.options["server_software"]["name"] == "gotosocial"
    # Later, with no request: the counter counts GoToSocial's way from what was stored.
    from django.core.cache import cache

    cache.clear()
    assert channel.get_adapter().cached_rules().counting == "codepoints"


# -- https only (point 5) --------------------------------------------------------------------------


def test_http_server_address_is_refused_in_the_form(settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ConfigurationError, match="must start with https://"):
        MastodonAdapter.clean_options({"server_url": "http://mastodon.example"})
    cleaned = MastodonAdapter.clean_options({"server_url": "https://mastodon.example"})
    assert cleaned["server_url"] == "https://mastodon.example"


def test_http_server_address_is_refused_at_send_time(settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    adapter = make_adapter("http://mastodon.example")
    with pytest.raises(ConfigurationError, match="must start with https://") as info:
        adapter.publish(Post(text="Hello", link="https://example.com/", idempotency_key="k"))
    assert "unencrypted" in info.value.message


def test_http_is_allowed_with_the_private_network_test_setting():
    # local_platform turns WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS on (tests' fakes speak http).
    cleaned = MastodonAdapter.clean_options({"server_url": "http://mastodon.example"})
    assert cleaned["server_url"] == "http://mastodon.example"
