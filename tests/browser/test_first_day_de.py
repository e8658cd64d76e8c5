"""A company's first day in the German admin, in a real Chromium (issue 18):

create a webhook channel by hand, mistype its address, publish a page and see the warning in the
Publish-to panel of the next page, fix the address, schedule that page two minutes ahead, and see
it post with no manual command: a thread runs ``crosspost_deliver`` every second, as the demo's
``crosspost_deliver --loop`` does, with ``WAGTAILCROSSPOST_PUBLISH_SCHEDULED`` on. The two minutes
are not waited for: the scheduled revision's go-live time is moved back once it is saved.

Every admin screen visited is checked against a known-English word list.
"""

from __future__ import annotations

import re
import socket
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect
from wagtail.models import Revision, Site

from tests.factories import set_admin_preferences
from tests.fakes.webhook import SECRET, FakeReceiver
from tests.testapp.models import ArticlePage
from wagtail_crosspost.models import Channel, Publication

from .helpers import channel_row, open_editor, publish

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

#: English words the German screens of this walk must not show (whole words, any case).
# ("Name" and "Status" are German too, so they are not in the list.)
ENGLISH = (
    "channel",
    "save",
    "secret",
    "webhook url",
    "signing secret",
    "queued",
    "posted",
    "failed",
    "needs attention",
    "check the channel",
    "check the address",
    "refused the connection",
    "nothing was sent",
    "it will be tried again",
    "publish to",
    "select",
    "custom text",
    "dry run",
    "error",
    "page title",
    "created",
)


def english_words(page: Page) -> list[str]:
    text = page.locator("main").inner_text()
    return [word for word in ENGLISH if re.search(rf"\b{re.escape(word)}\b", text, re.I)]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DeliverLoop:
    """``crosspost_deliver --loop`` in a thread: one run a second until stopped."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        try:
            while not self.stop.wait(1.0):
                try:
                    call_command("crosspost_deliver", verbosity=0)
                except Exception as error:  # shown by the test, not lost in the thread
                    self.errors.append(error)
        finally:
            connection.close()

    def __enter__(self) -> DeliverLoop:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(30)


@pytest.fixture
def receiver():
    with FakeReceiver() as server:
        yield server


@pytest.fixture
def pages(home):
    Site.objects.filter(is_default_site=True).update(hostname="www.beispiel.de", port=443)
    first = ArticlePage(title="Neue Halle eröffnet", intro="Die neue Halle ist offen.", live=False)
    second = ArticlePage(title="Tag der offenen Tür", intro="Besuchen Sie uns.", live=False)
    home.add_child(instance=first)
    home.add_child(instance=second)
    return first, second


def test_first_day_in_german(page, logged_in, superuser, pages, receiver, settings):
    settings.WAGTAILCROSSPOST_PUBLISH_SCHEDULED = True
    set_admin_preferences(superuser, preferred_language="de")
    logged_in(superuser)
    first, second = pages

    # 1. A channel by hand, with a mistyped address (a port nothing listens on).
    page.goto("/admin/wagtail_crosspost_channels/new/?platform=webhook")
    assert english_words(page) == []
    page.fill("#id_name", "Intranet")
    page.fill("#id_option_url", f"http://127.0.0.1:{closed_port()}/hooks/crosspost")
    page.fill("#id_credential_secret", SECRET)
    form = page.locator('main form[method="post"][action*="platform=webhook"]')
    form.locator('button[type="submit"]').first.click()
    page.wait_for_url(re.compile(r"/admin/wagtail_crosspost_channels/(edit/\d+/)?$"))
    channel = Channel.objects.get(name="Intranet")

    # 2. The first page is published with the channel ticked: nothing can be sent.
    open_editor(page, first)
    assert english_words(page) == []
    channel_row(page, channel).locator('input[name$="-enabled"]').check()
    publish(page)
    failed = Publication.objects.get(page=first)
    assert failed.status == Publication.Status.FAILED
    channel.refresh_from_db()
    assert channel.status == Channel.Status.ERROR

    # 3. The next page's Publish-to panel warns before the channel is ticked, in German.
    open_editor(page, second)
    warning = channel_row(page, channel).locator("[data-crosspost-attention]")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Adresse")
    assert english_words(page) == []

    # 4. The address is fixed on the channel's page.
    page.goto(f"/admin/wagtail_crosspost_channels/edit/{channel.pk}/")
    assert english_words(page) == []
    page.fill("#id_option_url", receiver.hook_url)
    page.locator('main form[method="post"] button[type="submit"]').last.click()
    page.wait_for_load_state()
    channel.refresh_from_db()
    assert channel.options["url"] == receiver.hook_url

    # 5. The second page is scheduled two minutes ahead, with the channel ticked.
    open_editor(page, second)
    channel_row(page, channel).locator('input[name$="-enabled"]').check()
    go_live = timezone.localtime(timezone.now() + timedelta(minutes=2))
    page.evaluate(
        "(value) => { document.querySelector('#id_go_live_at').value = value; }",
        go_live.strftime("%Y-%m-%d %H:%M"),
    )
    publish(page)
    second.refresh_from_db()
    assert not second.live
    scheduled = Revision.objects.get(object_id=str(second.pk), approved_go_live_at__isnull=False)
    assert not Publication.objects.filter(page=second).exists()

    # 6. Its time comes (moved back instead of waited for); the loop posts it, nobody runs a
    #    command.
    #    Both the revision's approval and the go-live time in its content (Wagtail publishes a
    #    revision whose content says "later" by scheduling it again).
    due = timezone.now() - timedelta(seconds=1)
    content = {**scheduled.content, "go_live_at": due.isoformat()}
    Revision.objects.filter(pk=scheduled.pk).update(approved_go_live_at=due, content=content)
    with DeliverLoop() as loop:
        posted = Publication.objects.filter(page=second, status=Publication.Status.POSTED)
        for _attempt in range(60):
            if posted.exists():
                break
            page.wait_for_timeout(500)
    second.refresh_from_db()
    assert posted.exists(), (loop.errors, second.live, Publication.objects.filter(page=second))
    assert len(receiver.received) == 1
    second.refresh_from_db()
    assert second.live

    # 7. The log says so, in German: the failed row in German words too.
    page.goto(reverse("wagtail_crosspost_log:index"))
    main = page.locator("main")
    expect(main).to_contain_text("Gepostet")
    expect(main).to_contain_text("Tag der offenen Tür")
    expect(main).to_contain_text("hat die Verbindung abgelehnt")
    assert english_words(page) == []
