"""On the real Bluesky PDS: a second account likes and reposts a post made through the package;
the next figures snapshot shows like 1 and repost 1.

The likes and reposts are real records on the real PDS. Counting them is an AppView's job, and
no AppView runs here: ``tests/servers/bluesky_appview.py`` counts them from the PDS's
repositories for the accounts of the test (see there). The channel reads figures from it through
its ``appview_url`` option, the way a channel could read from ``https://public.api.bsky.app``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from django.core.cache import cache

from tests.factories import ChannelFactory, publish
from tests.servers.bluesky_appview import CountingAppView
from wagtail_crosspost.metrics.fetching import fetch_due
from wagtail_crosspost.models import Publication

pytestmark = [pytest.mark.django_db, pytest.mark.pds]


def create_record(pds, account, collection, subject):
    answer = requests.post(
        f"{pds.url}/xrpc/com.atproto.repo.createRecord",
        json={
            "repo": account["did"],
            "collection": collection,
            "record": {
                "$type": collection,
                "subject": subject,
                "createdAt": "2026-03-02T10:00:00.000Z",
            },
        },
        headers={"Authorization": f"Bearer {account['accessJwt']}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_like_and_a_repost_show_in_the_next_snapshot(
    bluesky_pds, bluesky_account, make_article, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
    cache.clear()
    fan = bluesky_pds.create_account(handle=bluesky_pds.unique_handle("fan"))
    with CountingAppView(bluesky_pds.url, accounts=[bluesky_account["did"], fan["did"]]) as view:
        app_password = bluesky_pds.create_app_password(bluesky_account["accessJwt"])["password"]
        channel = ChannelFactory(
            platform="bluesky",
            name="Company Bluesky",
            options={
                "service": bluesky_pds.url,
                "handle": bluesky_account["handle"],
                "appview_url": view.url,
            },
        )
        channel.set_credentials({"app_password": app_password})
        channel.save()
        page = make_article(title="Figures, please", channels=[channel])
        with django_capture_on_commit_callbacks(execute=True):
            publish(page)
        row = Publication.objects.get(page=page)
        assert row.status == "posted", row.error

        first = fetch_due(now=row.sent_at + timedelta(hours=1, minutes=5))
        assert first.snapshots == 1, first
        snapshot = row.metrics_snapshots.get(stage="1h")
        assert (snapshot.reactions, snapshot.reposts) == (0, 0)

        post = requests.get(
            f"{bluesky_pds.url}/xrpc/com.atproto.repo.getRecord",
            params={
                "repo": bluesky_account["did"],
                "collection": "app.bsky.feed.post",
                "rkey": row.remote_id.rsplit("/", 1)[-1],
            },
            timeout=30,
        ).json()
        subject = {"uri": post["uri"], "cid": post["cid"]}
        create_record(bluesky_pds, fan, "app.bsky.feed.like", subject)
        create_record(bluesky_pds, fan, "app.bsky.feed.repost", subject)

        second = fetch_due(now=row.sent_at + timedelta(hours=25))
        assert second.snapshots == 1, second
        snapshot = row.metrics_snapshots.get(stage="24h")
        assert (snapshot.reactions, snapshot.reposts, snapshot.replies) == (1, 1, 0)
        assert snapshot.views is None and snapshot.unavailable["views"] == "platform"
        # the +1 h snapshot is frozen: it still shows the moment before
        assert row.metrics_snapshots.get(stage="1h").reactions == 0
    cache.clear()
