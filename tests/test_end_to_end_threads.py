"""A user's view of threads (reply chains): publish a page whose intro is too long for one post
on a channel set to "continue in a thread"; the posts appear as a chain, the log shows every
part, unpublishing removes them all. Over real HTTP to the strict fake Mastodon and X servers
(the Bluesky twin runs against the real PDS in ``test_end_to_end_bluesky.py``)."""

import pytest
from django.utils import timezone

from tests.factories import ChannelFactory, publish
from tests.fakes.mastodon import FakeMastodon, status_length
from tests.fakes.x import FakeX
from wagtail_crosspost.compose.length import measure
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox import delivery

pytestmark = pytest.mark.django_db
TOKEN = "e2e-thread-token-4242"
INTRO = (
    "Our new lathe turns parts twice as fast as the old one, and it is quieter too. "
    "We tested it for three months with steel, brass and aluminium. "
    "The results were better than the maker promised, so we bought a second one. "
    "Visitors are welcome on our open day in May: see the machines at work, ask our "
    "apprentices how they learn to program them, and take home a turned souvenir. "
    "Coffee and cake are on us; the workshop is on the ground floor and easy to reach."
)


@pytest.fixture(autouse=True)
def _setup(local_platform):
    """Fakes on 127.0.0.1, short timeouts, a clean cache (tests/conftest.py)."""


@pytest.fixture
def mastodon():
    with FakeMastodon(token=TOKEN) as server:
        yield server


def mastodon_channel(server, **options):
    channel = ChannelFactory(
        platform="mastodon",
        name="Company Mastodon",
        on_unpublish="delete",
        options={"server_url": server.url, **options},
    )
    channel.set_credentials({"access_token": TOKEN})
    channel.save()
    return channel


def chain_of(server: FakeMastodon) -> list[dict]:
    """The statuses from the first one along the replies, checking each answers the one before."""
    statuses = list(server.statuses.values())
    [root] = [s for s in statuses if s["in_reply_to_id"] is None]
    chain = [root]
    while True:
        replies = [s for s in statuses if s["in_reply_to_id"] == chain[-1]["id"]]
        if not replies:
            return chain
        [reply] = replies
        chain.append(reply)


def test_a_long_intro_goes_out_as_a_chain_of_posts_and_comes_back_down_together(
    make_article, mastodon, django_capture_on_commit_callbacks
):
    channel = mastodon_channel(mastodon, long_text="thread", thread_max_parts=4)
    title = "A new lathe for the workshop, and an open day to see it"
    page = make_article(title=title, intro=INTRO, channels=[channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)

    row = Publication.objects.get(page=page)
    assert row.status == "posted", row.error
    chain = chain_of(mastodon)
    assert len(chain) == len(mastodon.statuses) == 2
    first, second = (s["text"] for s in chain)
    assert first.startswith(title) and page.full_url in first and first.endswith(" 1/2")
    assert second.endswith("easy to reach. 2/2")
    assert all(status_length(s["text"]) <= 500 for s in chain)
    # Every word of the intro went out, nothing was shortened.
    assert " ".join(s["text"] for s in chain).count("Coffee and cake are on us") == 1
    # The log shows every part, and links to the first post.
    assert row.sent_text == f"{first}\n\n{second}"
    assert row.remote_url.endswith("/" + chain[0]["id"])
    assert row.raw_response["thread"][0]["id"] == chain[1]["id"]

    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    assert mastodon.statuses == {}
    row.refresh_from_db()
    assert row.status == "deleted"


def test_a_channel_without_threads_still_shortens_to_one_post(
    make_article, mastodon, django_capture_on_commit_callbacks
):
    channel = mastodon_channel(mastodon)  # the default: shorten
    page = make_article(title="A new lathe for the workshop, and more", intro=INTRO,
                        channels=[channel])  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    [status] = mastodon.statuses.values()
    assert "…" in status["text"] and page.full_url in status["text"]


def test_a_reply_outage_leaves_the_first_post_once_and_says_the_thread_is_incomplete(
    make_article, mastodon, django_capture_on_commit_callbacks, monkeypatch
):
    from wagtail_crosspost.adapters.mastodon import MastodonAdapter

    monkeypatch.setattr(MastodonAdapter, "sleep", staticmethod(lambda seconds: None))
    channel = mastodon_channel(mastodon, long_text="thread")
    # The reply fails, and fails again when sent once more at once.
    mastodon.fail(503, {"error": "Maintenance"}, method="POST", path="/api/v1/statuses", after=1,
                  times=2)  # fmt: skip
    page = make_article(title="A new lathe for the workshop, and an open day", intro=INTRO,
                        channels=[channel])  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    row = Publication.objects.get(page=page)
    assert row.status == "posted" and "incomplete" in row.error and "part 2" in row.error
    assert len(mastodon.statuses) == 1
    # Nothing comes back for it: the first post is never sent a second time.
    Publication.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver_due() == {}
    assert len(mastodon.statuses) == 1


def test_on_x_a_failed_reply_leaves_the_first_post_and_a_note_in_the_log(
    make_article, django_capture_on_commit_callbacks
):
    with FakeX() as x:
        grant = x.bearer
        channel = ChannelFactory(
            platform="x",
            name="Company X",
            options={"api_base": x.url, "auth": "oauth2", "long_text": "thread"},
        )
        channel.set_credentials(
            {"access_token": grant.access_token, "refresh_token": grant.refresh_token,
             "expires_at": int(grant.expires_at)}
        )  # fmt: skip
        channel.save()
        x.fail(503, {"title": "Service Unavailable"}, method="POST", path="/2/tweets", after=1)
        page = make_article(title="A new lathe", intro=INTRO, channels=[channel])
        with django_capture_on_commit_callbacks(execute=True):
            publish(page)

        row = Publication.objects.get(page=page)
        assert row.status == "posted"  # the first post is out: never posted again
        [tweet] = x.tweets.values()
        assert row.remote_id == tweet["id"] and tweet["text"].endswith("1/2")
        assert measure(tweet["text"], "x") <= 280
        assert "thread (reply chain) is incomplete" in row.error
        assert "1 of 2" in row.error
        assert delivery.deliver_due() == {}  # nothing left to do, nothing repeated
        assert len(x.tweets) == 1
