"""The page history's crosspost entries read in the reader's language: the channel with its
platform ("Posted to Mastodon (Demo)"), and a failure with its reason, from the stored code
(Wagtail's ``LogFormatter.format_message``, registered through ``register_log_actions``)."""

from __future__ import annotations

import socket

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.models import PageLogEntry

from tests.factories import ChannelFactory, publish, set_admin_preferences
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox import delivery, page_history

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def history(client, page) -> str:
    return client.get(reverse("wagtailadmin_pages:history", args=[page.pk])).content.decode()


@pytest.fixture
def german_admin(client, django_user_model):
    user = django_user_model.objects.create_superuser("anna", "anna@example.com", "pw")
    set_admin_preferences(user, preferred_language="de")
    client.force_login(user)
    return client


def test_a_post_names_the_platform_in_the_readers_language(make_article, admin_client):
    channel = ChannelFactory(platform="mastodon", name="Demo")
    page = make_article(channels=[channel])
    publish(page)
    row = Publication.objects.get(page=page)
    Publication.objects.filter(pk=row.pk).update(status=Publication.Status.POSTED)
    row.refresh_from_db()
    page_history.log_on_page(row)  # as the outbox writes it once the post went out
    (entry,) = PageLogEntry.objects.filter(page=page, action="wagtail_crosspost.posted")
    assert entry.data["platform"] == "mastodon"
    assert entry.message == "Posted to Mastodon (Demo)"
    with translation.override("de"):  # a fresh read: ``message`` is cached on the entry
        german = PageLogEntry.objects.get(pk=entry.pk).message
    assert german == "Im Kanal Mastodon (Demo) gepostet"
    assert "Posted to Mastodon (Demo)" in history(admin_client, page)


def test_a_failure_says_why_in_german(make_article, local_platform, german_admin):
    channel = ChannelFactory(
        platform="webhook", name="Intranet", options={"url": f"http://127.0.0.1:{closed_port()}/"}
    )
    channel.set_credentials({"secret": "s" * 32})
    channel.save()
    page = make_article(title="Sommerfest", channels=[channel])
    publish(page)
    row = Publication.objects.get(page=page)
    with translation.override("en"):  # the worker writes in English
        assert delivery.deliver(row.pk) == "failed"
    (entry,) = PageLogEntry.objects.filter(page=page, action="wagtail_crosspost.failed")
    assert "refused the connection" in entry.data["error"]  # the text as written
    assert entry.data["message"]["code"]  # and its code
    html = history(german_admin, page)
    assert "Posten im Kanal Webhook (Intranet) fehlgeschlagen: Nichts wurde gesendet" in html
    assert "hat die Verbindung abgelehnt" in html
    assert "refused the connection" not in html and "Posting to" not in html


def test_entries_written_before_keep_reading(make_article, admin_client):
    """Entries without the platform or a code: the channel's name and the text as written."""
    channel = ChannelFactory(name="Alpha")
    page = make_article(channels=[channel])
    for action, data in [
        ("posted", {"channel": "Alpha", "url": "", "error": "", "dry_run": False}),
        ("failed", {"channel": "Alpha", "error": "Old free text."}),
        ("failed", {"channel": "Alpha", "platform": "gone", "error": ""}),
    ]:
        PageLogEntry.objects.log_action(
            page, f"wagtail_crosspost.{action}", data=data, content_changed=False
        )
    messages = [e.message for e in PageLogEntry.objects.filter(page=page).order_by("pk")]
    assert messages[-3:] == [
        "Posted to Alpha",
        "Posting to Alpha failed: Old free text.",
        "Posting to Alpha failed",  # an adapter the site no longer has, and no reason
    ]


def test_a_channel_named_after_its_platform_is_not_named_twice():
    from wagtail_crosspost.review.audit import target

    assert target({"channel": "Mastodon", "platform": "mastodon"}) == "Mastodon"
    assert target({"channel": "Our Mastodon", "platform": "mastodon"}) == "Our Mastodon"
    assert target({"channel": "Demo", "platform": "gone"}) == "Demo"
    with translation.override("de"):
        assert target({"channel": "Demo", "platform": "webhook"}) == "Webhook (Demo)"
