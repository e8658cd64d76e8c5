"""The Python API and the `crosspost` command: post a live page from code or the shell."""

import pytest
from django.core.management import CommandError, call_command

import wagtail_crosspost
from tests.factories import ChannelFactory, publish
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.api import CrosspostError
from wagtail_crosspost.models import Publication

pytestmark = pytest.mark.django_db


def test_crosspost_posts_a_live_page_to_named_channels(
    make_article, channels, django_capture_on_commit_callbacks
):
    page = make_article(title="From code")
    publish(page)
    with django_capture_on_commit_callbacks(execute=True):
        rows = wagtail_crosspost.crosspost(
            page, channels=["Alpha", channels[1].pk], message="Hi {url}"
        )
    assert len(rows) == 2
    assert sorted(p.channel for p in locmem.outbox) == ["Alpha", "Beta"]
    assert locmem.outbox[0].post.text == f"Hi {page.full_url}"


def test_crosspost_never_posts_twice_unless_asked(
    make_article, channel, django_capture_on_commit_callbacks
):
    page = make_article()
    publish(page)
    with django_capture_on_commit_callbacks(execute=True):
        wagtail_crosspost.crosspost(page, channels=[channel])
        assert wagtail_crosspost.crosspost(page, channels=[channel]) == []
        assert len(wagtail_crosspost.crosspost(page, channels=[channel], repost=True)) == 1
    assert len(locmem.outbox) == 2


def test_crosspost_refuses_a_draft(make_article, channel):
    page = make_article(live=False)
    with pytest.raises(CrosspostError, match="not live"):
        wagtail_crosspost.crosspost(page, channels=[channel])


def test_crosspost_unknown_channel(make_article):
    page = make_article()
    publish(page)
    with pytest.raises(CrosspostError, match="No channel 'Nope'"):
        wagtail_crosspost.crosspost(page, channels=["Nope"])


def test_command_dry_run_records_without_sending(
    make_article, channel, capsys, django_capture_on_commit_callbacks
):
    page = make_article(title="Shell post")
    publish(page)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("crosspost", str(page.pk), "--channel", "Alpha", "--dry-run")
    out = capsys.readouterr().out
    assert "Queued 1 post" in out
    row = Publication.objects.get(page=page)
    assert row.dry_run and row.status == "posted" and "Shell post" in row.sent_text
    assert locmem.outbox == []


def test_command_unknown_page():
    with pytest.raises(CommandError, match="No page"):
        call_command("crosspost", "999999", "--channel", "x")


def test_signal_is_sent_when_a_post_is_done(
    make_article, channel, django_capture_on_commit_callbacks
):
    from wagtail_crosspost.signals import publication_finished

    seen = []

    def receiver(sender, publication, **kwargs):
        seen.append((publication.channel.name, publication.status))

    publication_finished.connect(receiver)
    try:
        page = make_article(channels=[channel])
        with django_capture_on_commit_callbacks(execute=True):
            publish(page)
    finally:
        publication_finished.disconnect(receiver)
    assert seen == [("Alpha", "posted")]


def test_channels_default_to_the_ticked_ones(make_article, django_capture_on_commit_callbacks):
    ticked, other = ChannelFactory(name="Ticked"), ChannelFactory(name="Other")
    page = make_article(channels=[ticked])
    publish(page)
    Publication.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        wagtail_crosspost.crosspost(page)
    assert [p.channel for p in locmem.outbox] == ["Ticked"]
    assert other.name not in [p.channel for p in locmem.outbox]
