"""A user's view: publish an article with an image; the post appears on a real Bluesky PDS with
the image and its alt text, and the publication log links to it."""

import pytest
import requests
from django.core.cache import cache

from tests.factories import ChannelFactory, make_image, publish
from wagtail_crosspost.adapters.bluesky.atproto import derive_tid
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox import delivery

pytestmark = [pytest.mark.django_db, pytest.mark.pds]
POST = "app.bsky.feed.post"


@pytest.fixture
def bluesky_channel(settings, bluesky_pds, bluesky_account):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
    cache.clear()
    app_password = bluesky_pds.create_app_password(bluesky_account["accessJwt"])["password"]
    channel = ChannelFactory(
        platform="bluesky",
        name="Company Bluesky",
        options={"service": bluesky_pds.url, "handle": bluesky_account["handle"]},
    )
    channel.set_credentials({"app_password": app_password})
    channel.save()
    channel.app_password = app_password
    yield channel
    cache.clear()


def records(pds, did):
    answer = requests.get(
        f"{pds.url}/xrpc/com.atproto.repo.listRecords",
        params={"repo": did, "collection": POST},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["records"]


def test_article_with_image_appears_on_bluesky(
    bluesky_pds,  # first: the PDS is awaited before the (slow) test database is set up
    make_article,
    bluesky_account,
    bluesky_channel,
    django_capture_on_commit_callbacks,
    caplog,
):
    image = make_image(1600, 900, title="Our new lathe")
    page = make_article(
        title="A new lathe for the workshop",
        intro="It turns parts twice as fast.",
        image=image,
        channels=[bluesky_channel],
    )
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)

    row = Publication.objects.get(page=page)
    assert row.status == "posted", row.error
    [record] = records(bluesky_pds, bluesky_account["did"])
    rkey = derive_tid(row.idempotency_key)
    assert record["uri"] == row.remote_id == f"at://{bluesky_account['did']}/{POST}/{rkey}"
    assert row.remote_url == f"https://bsky.app/profile/{bluesky_account['handle']}/post/{rkey}"

    value = record["value"]
    assert value["text"] == row.sent_text
    assert "A new lathe for the workshop" in value["text"]
    assert page.full_url in value["text"]
    [picture] = value["embed"]["images"]
    assert picture["alt"] == "Alt text for Our new lathe"
    assert picture["aspectRatio"] == {"width": 1600, "height": 900}
    assert row.sent_media[0]["alt_text"] == "Alt text for Our new lathe"
    blob = requests.get(
        f"{bluesky_pds.url}/xrpc/com.atproto.sync.getBlob",
        params={"did": bluesky_account["did"], "cid": picture["image"]["ref"]["$link"]},
        timeout=30,
    )
    assert blob.status_code == 200
    assert len(blob.content) == row.sent_media[0]["bytes"] <= 1_000_000
    assert bluesky_channel.app_password not in caplog.text


def test_a_second_page_reuses_the_session_and_a_redelivery_posts_nothing_new(
    bluesky_pds,
    make_article,
    bluesky_account,
    bluesky_channel,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    from django.utils import timezone

    from wagtail_crosspost.adapters import http

    calls = []

    def watched_session():
        session = new_session()
        session.hooks["response"].append(lambda r, *a, **k: calls.append(r.url.rsplit("/", 1)[1]))
        return session

    new_session = http.new_session
    monkeypatch.setattr(http, "new_session", watched_session)

    first = make_article(title="First", channels=[bluesky_channel])
    second = make_article(title="Second", channels=[bluesky_channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(first)
        publish(second)
    assert set(Publication.objects.values_list("status", flat=True)) == {"posted"}
    assert len(records(bluesky_pds, bluesky_account["did"])) == 2
    assert calls.count("com.atproto.server.createSession") == 1  # one sign-in, two posts
    assert calls.count("com.atproto.repo.putRecord") == 2

    # A worker that died after sending leaves the row "sending"; the redelivery is harmless.
    row = Publication.objects.get(page=first)
    Publication.objects.filter(pk=row.pk).update(
        status="sending", lease_until=timezone.now() - timezone.timedelta(seconds=1)
    )
    assert delivery.deliver(row.pk) == "posted"
    assert Publication.objects.get(pk=row.pk).remote_id == row.remote_id
    assert len(records(bluesky_pds, bluesky_account["did"])) == 2


def test_a_long_intro_appears_as_a_thread_on_bluesky(
    bluesky_pds,
    make_article,
    bluesky_account,
    bluesky_channel,
    django_capture_on_commit_callbacks,
):
    bluesky_channel.options = {**bluesky_channel.options, "long_text": "thread"}
    bluesky_channel.save()
    intro = (
        "Our new lathe turns parts twice as fast as the old one, and it is quieter too. "
        "We tested it for three months with steel, brass and aluminium. "
        "Visitors are welcome on our open day in May: see the machines at work and ask our "
        "apprentices how they learn to program them. Coffee and cake are on us."
    )
    page = make_article(title="A new lathe for the workshop", intro=intro,
                        channels=[bluesky_channel])  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)

    row = Publication.objects.get(page=page)
    assert row.status == "posted", row.error
    by_uri = {r["uri"]: r for r in records(bluesky_pds, bluesky_account["did"])}
    root = by_uri[row.remote_id]
    chain = [root]
    for entry in row.raw_response["thread"]:
        reply = by_uri[entry["id"]]
        assert reply["value"]["reply"]["parent"] == {
            "uri": chain[-1]["uri"],
            "cid": chain[-1]["cid"],
        }
        assert reply["value"]["reply"]["root"] == {"uri": root["uri"], "cid": root["cid"]}
        chain.append(reply)
    assert len(chain) == len(by_uri) >= 2
    texts = [r["value"]["text"] for r in chain]
    assert page.full_url in texts[0] and texts[0].endswith(f" 1/{len(chain)}")
    assert root["value"]["embed"]["external"]["uri"] == page.full_url  # the link card
    assert texts[-1].endswith(f"Coffee and cake are on us. {len(chain)}/{len(chain)}")
    assert row.sent_text == "\n\n".join(texts)
