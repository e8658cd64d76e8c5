"""The panel's preview of a thread (reply chain), in a real browser: the replies appear under the
first post's text, numbered, as plain text (an editor's markup is shown, never run)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from wagtail.models import Site

from tests.factories import ChannelFactory
from tests.testapp.models import ArticlePage

from .helpers import PASSWORD, channel_row, custom_text, log_in, open_editor

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _public_hostname(home):
    Site.objects.filter(is_default_site=True).update(hostname="www.example.com", port=443)


@pytest.fixture(autouse=True)
def _no_dialogs(dialogs):
    yield
    assert dialogs == [], "a page opened a JavaScript dialog"


def test_a_long_text_on_a_thread_channel_previews_as_numbered_replies(page, superuser, home):
    article = ArticlePage(title="Open house", intro="Visit our factory.", live=False)
    home.add_child(instance=article)
    channel = ChannelFactory(
        name="Toot",
        platform="mastodon",
        options={"server_url": "https://m.example", "long_text": "thread"},
    )
    log_in(page, "admin", PASSWORD)
    open_editor(page, article)
    row = channel_row(page, channel)
    row.locator('input[name$="-enabled"]').check()
    box = custom_text(row)

    markup = "<img src=x onerror=alert(1)>"  # must show as text, never become an element
    box.fill(("Our lathe is quick and quiet. " * 18) + markup + (" It is new." * 20))
    thread = row.locator("[data-crosspost-thread]")
    expect(thread).to_be_visible()
    expect(thread.locator(".crosspost-thread-label")).to_have_text(
        "Continues in 1 reply (a thread, or reply chain):"
    )
    expect(thread.locator("li")).to_have_count(1)
    expect(thread.locator("li").first).to_contain_text("2/2")
    expect(row.locator("[data-crosspost-preview-text]")).to_contain_text("1/2")
    expect(row.locator("[data-crosspost-warning]")).to_be_hidden()  # nothing is shortened
    assert row.locator("[data-crosspost-preview] img[src='x']").count() == 0
    assert markup in (row.locator("[data-crosspost-preview]").text_content() or "")

    box.fill("Short again")
    expect(thread).to_be_hidden()
