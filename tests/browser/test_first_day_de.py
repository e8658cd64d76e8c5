"""A company's first day in the German admin of a fresh demo, in a real Chromium (issue 18).

The demo runs as ``scripts/demo`` runs it: the example project's own settings, a new SQLite file,
``migrate``, ``setup_demo``, ``runserver`` and ``crosspost_deliver --loop`` in the background,
each a process of its own on a free port (``tests.browser.demo_settings`` is the example
project's settings plus one line: the webhook receiver of this test runs on this machine, which
a real site's webhooks never may).

Logged in as the demo's admin, with a German browser: create a webhook channel by hand, mistype
its address, publish a live page with it ticked (it fails: "check the address"), see the warning
in the Publish-to panel of the next page, fix the address, schedule that page two minutes ahead
with the channel ticked, and see it post with no manual command: the demo's own delivery loop
makes the page live and posts it. The two minutes are not waited for: once the schedule is
saved, its go-live time is moved back in the demo's database, as the clock would move it.

Every admin screen visited is checked against a known-English word list.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.fakes.webhook import SECRET, FakeReceiver

from .conftest import VIEWPORT
from .demo import Demo, free_port
from .helpers import log_in, publish, publish_to_tab

pytestmark = [pytest.mark.browser]

BERLIN = ZoneInfo("Europe/Berlin")  # the example project's TIME_ZONE
LIVE_PAGE = "mx-500-series-production"  # live, never posted (setup_demo)
DRAFT_PAGE = "new-assembly-hall-stuttgart"  # the draft left for the newcomer

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


@pytest.fixture
def receiver():
    with FakeReceiver() as server:
        yield server


@pytest.fixture
def german_tab(browser, demo):
    """A German browser (Accept-Language: de) on the demo, and nothing else."""
    context = browser.new_context(viewport=VIEWPORT, base_url=demo.url, locale="de-DE")
    context.set_default_timeout(30_000)
    context.route(lambda url: not url.startswith(demo.url), lambda route: route.abort())
    tab = context.new_page()
    yield tab
    context.close()


def open_editor(page: Page, page_id: int) -> None:
    page.goto(f"/admin/pages/{page_id}/edit/")
    publish_to_tab(page).click()
    expect(page.locator(".crosspost-panel")).to_be_visible()
    page.wait_for_function(
        """() => {
            const el = document.querySelector('[data-controller~="w-crosspost"]');
            return !!(el && window.wagtail && window.wagtail.app &&
                window.wagtail.app.getControllerForElementAndIdentifier(el, 'w-crosspost'));
        }"""
    )


STATE = """
import json
from wagtail.models import Page
from wagtail_crosspost.models import Channel, Publication
channel = Channel.objects.filter(name="Intranet").first()
print(json.dumps({
    "pages": {p.slug: [p.pk, p.live] for p in Page.objects.filter(slug__in=%r)},
    "channel": channel and [channel.pk, channel.status, channel.options.get("url")],
    "rows": [[r.page.slug, r.status] for r in Publication.objects.select_related("page")],
}))
"""


def state(demo: Demo) -> dict:
    return demo.query(STATE % [LIVE_PAGE, DRAFT_PAGE])


def test_first_day_in_german_on_a_fresh_demo(browser, demo, german_tab, receiver):
    page = german_tab
    log_in(page, "admin", "admin")  # the demo's login, through Wagtail's form
    pages = {slug: pk for slug, (pk, _live) in state(demo)["pages"].items()}

    # 1. A channel by hand, with a mistyped address (a port nothing listens on).
    page.goto("/admin/wagtail_crosspost_channels/new/?platform=webhook")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert english_words(page) == []
    page.fill("#id_name", "Intranet")
    page.fill("#id_option_url", f"http://127.0.0.1:{free_port()}/hooks/crosspost")
    page.fill("#id_credential_secret", SECRET)
    form = page.locator('main form[method="post"][action*="platform=webhook"]')
    form.locator('button[type="submit"]').first.click()
    page.wait_for_url(re.compile(r"/admin/wagtail_crosspost_channels/(edit/\d+/)?$"))
    channel_id = state(demo)["channel"][0]

    def row(tab: Page):
        return tab.locator(f'[data-crosspost-row][data-channel="{channel_id}"]')

    # 2. A live page, never posted, is published with the channel ticked: nothing can be sent.
    open_editor(page, pages[LIVE_PAGE])
    assert english_words(page) == []
    row(page).locator('input[name$="-enabled"]').check()
    publish(page)
    for _attempt in range(60):  # the demo sends in the background, after the response
        now = state(demo)
        if [LIVE_PAGE, "failed"] in now["rows"]:
            break
        page.wait_for_timeout(500)
    assert [LIVE_PAGE, "failed"] in now["rows"], (now, demo.logs())
    assert now["channel"][1] == "error"

    # 3. The draft's Publish-to panel warns before the channel is ticked, in German.
    open_editor(page, pages[DRAFT_PAGE])
    warning = row(page).locator("[data-crosspost-attention]")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Adresse")
    assert english_words(page) == []

    # 4. The address is fixed on the channel's page.
    page.goto(f"/admin/wagtail_crosspost_channels/edit/{channel_id}/")
    assert english_words(page) == []
    page.fill("#id_option_url", receiver.hook_url)
    page.locator('main form[method="post"] button[type="submit"]').last.click()
    page.wait_for_load_state()
    assert state(demo)["channel"][2] == receiver.hook_url

    # 5. The draft is scheduled two minutes ahead (Berlin time, as the demo runs), channel ticked.
    open_editor(page, pages[DRAFT_PAGE])
    row(page).locator('input[name$="-enabled"]').check()
    go_live = (datetime.now(UTC) + timedelta(minutes=2)).astimezone(BERLIN)
    page.evaluate(
        "(value) => { document.querySelector('#id_go_live_at').value = value; }",
        go_live.strftime("%Y-%m-%d %H:%M"),
    )
    publish(page)
    now = state(demo)
    assert now["pages"][DRAFT_PAGE][1] is False, now
    assert [DRAFT_PAGE, "pending"] not in now["rows"] and len(now["rows"]) == 1, now

    # 6. Its time comes (moved back instead of waited for): the demo's loop makes the page live
    #    and posts it; nobody runs a command. Both the revision's approval and the go-live time
    #    in its content move (Wagtail schedules a revision again whose content says "later").
    demo.manage("shell", "-c", MOVE_BACK % DRAFT_PAGE)
    for _attempt in range(90):  # the loop sweeps every 5 seconds
        if receiver.received:
            break
        page.wait_for_timeout(500)
    assert len(receiver.received) == 1, demo.logs()
    for _attempt in range(20):
        now = state(demo)
        if [DRAFT_PAGE, "posted"] in now["rows"]:
            break
        page.wait_for_timeout(500)
    assert [DRAFT_PAGE, "posted"] in now["rows"] and now["pages"][DRAFT_PAGE][1] is True, now

    # 7. The log says so, in German: the failed row in German words too.
    page.goto("/admin/wagtail_crosspost_log/")
    main = page.locator("main")
    expect(main).to_contain_text("Gepostet")
    expect(main).to_contain_text("Our new assembly hall in Stuttgart opens")
    expect(main).to_contain_text("hat die Verbindung abgelehnt")
    assert english_words(page) == []

    # 8. And the page history names the platform and the channel, in German.
    page.goto(f"/admin/pages/{pages[DRAFT_PAGE]}/history/")
    expect(page.locator("main")).to_contain_text("Im Kanal Webhook (Intranet) gepostet")
    assert english_words(page) == []


MOVE_BACK = """
from datetime import UTC, datetime, timedelta
from django.utils import timezone
from wagtail.models import Page, Revision
page = Page.objects.get(slug=%r)
scheduled = Revision.objects.get(object_id=str(page.pk), approved_go_live_at__isnull=False)
due = timezone.now() - timedelta(seconds=1)
content = {**scheduled.content, "go_live_at": due.isoformat()}
Revision.objects.filter(pk=scheduled.pk).update(approved_go_live_at=due, content=content)
"""
