"""The Mastodon adapter on the GoToSocial-like strict fake: messages name the software, a "too
long" answer becomes our own sentence with both counts, a lost answer is never "could not
reach", a reconcile finds what a lost answer made (issue 11, points 3 and 4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.fakes.gotosocial import FakeGoToSocial
from wagtail_crosspost.adapters.base import AmbiguousError, PermanentError, Post
from wagtail_crosspost.adapters.mastodon.adapter import MastodonAdapter
from wagtail_crosspost.models import Channel

TOKEN = "s3cret-access-token-1234"


@pytest.fixture
def gts():
    with FakeGoToSocial(token=TOKEN) as fake:
        yield fake


def make_adapter(server_url: str, **options) -> MastodonAdapter:
    channel = Channel(
        platform="mastodon", name="GTS", options={"server_url": server_url, **options}
    )
    channel.set_credentials({"access_token": TOKEN})
    adapter = channel.get_adapter()
    assert isinstance(adapter, MastodonAdapter)
    adapter.sleep = lambda seconds: None
    return adapter


def post(text: str, key: str = "pub-7-key") -> Post:
    return Post(text=text, link="https://example.com/", idempotency_key=key)


def test_too_long_becomes_our_sentence_with_both_counts_and_the_software(gts):
    # The channel still believes the server is Mastodon (stored before it changed software).
    stale = {"name": "mastodon", "version": "4.4.0", "limit": 5000}
    adapter = make_adapter(gts.url, server_software=stale)
    url = "https://www.example-maschinenbau.de/aktuelles/2026/neue-drehmaschine-fuer-die-werkstatt/"
    text = "x" * 4970 + " " + url
    with pytest.raises(PermanentError) as info:
        adapter.publish(post(text))
    message = info.value.message
    assert message.startswith("Mastodon refused the text as too long")  # not yet re-read
    assert "exceed max chars (5000)" in message and "its limit is 5000" in message
    assert f"We counted {4970 + 1 + 23}" in message and f"{len(text)} characters" in message
    adapter.rules_for_channel()  # the next limits refresh learns the truth
    with pytest.raises(PermanentError) as info:
        adapter._create_status({"status": text}, "")
    assert info.value.message.startswith("GoToSocial refused the text as too long")
    assert f"We counted {len(text)} the way GoToSocial counts" in info.value.message


def test_a_lost_answer_is_maybe_sent_never_could_not_reach(gts):
    adapter = make_adapter(gts.url)
    adapter.rules_for_channel()
    gts.drop(process=True, method="POST", path="/api/v1/statuses")
    with pytest.raises(AmbiguousError) as info:
        adapter.publish(post("Hello fediverse"))
    assert "could not reach" not in info.value.message.lower()
    assert "GoToSocial" in info.value.message
    since = datetime.now(UTC) - timedelta(minutes=1)
    receipt = adapter.reconcile(post("Hello fediverse"), since)
    assert receipt is not None and list(gts.statuses) == [receipt.remote_id]


def test_reconcile_is_certain_when_nothing_was_made(gts):
    adapter = make_adapter(gts.url)
    adapter.publish(post("An older status", key="other"))
    since = datetime.now(UTC)
    assert adapter.reconcile(post("Hello fediverse"), since) is None


def test_reconcile_is_unsure_when_the_list_cannot_be_read(gts):
    adapter = make_adapter(gts.url)
    gts.fail(403, {"error": "missing scope read:accounts"}, times=3, method="GET")
    with pytest.raises(AmbiguousError, match="Look at the account's posts since"):
        adapter.reconcile(post("Hello"), datetime.now(UTC))


def test_delete_is_carried_out_in_the_background(gts):
    adapter = make_adapter(gts.url)
    receipt = adapter.publish(post("Short-lived"))
    adapter.delete(receipt)
    assert receipt.remote_id in gts.statuses  # accepted, not yet carried out
    adapter.check()  # any later request
    adapter.check()
    assert receipt.remote_id not in gts.statuses
