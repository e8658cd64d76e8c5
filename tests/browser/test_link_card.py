"""The panel's link cards in a real browser: the card of each ticked channel and the check's
warnings with their fixes; the page's own text shown as text, never as markup."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from wagtail.models import Site

from tests.factories import ChannelFactory
from tests.testapp.models import ArticlePage

from .helpers import PASSWORD, channel_row, log_in, open_editor

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


def test_a_ticked_channel_shows_its_link_card_and_the_missing_tags(page, superuser, home):
    title = "Open house <img src=x onerror=alert(1)>"
    article = ArticlePage(title=title, intro="", live=False)
    home.add_child(instance=article)
    article.save_revision()
    toot = ChannelFactory(
        name="Toot", platform="mastodon", options={"server_url": "https://m.example"}
    )
    log_in(page, "admin", PASSWORD)
    open_editor(page, article)
    row = channel_row(page, toot)
    card = row.locator("[data-crosspost-linkcard]")
    expect(card).to_be_hidden()  # not ticked: no card

    row.locator('input[name$="-enabled"]').check()
    expect(card).to_be_visible()
    expect(card.locator(".crosspost-linkcard-title")).to_have_text(title)
    expect(card.locator(".crosspost-linkcard-domain")).to_have_text("www.example.com")
    warnings = card.locator("[data-card-warnings] li")
    expect(warnings.filter(has_text="og:description is missing")).to_have_count(1)
    expect(warnings.filter(has_text="og:image is missing")).to_have_count(1)
    assert card.locator("img[src='x']").count() == 0
    expect(
        page.get_by_text("The page is not live yet: checked as the latest draft renders.")
    ).to_be_visible()

    row.locator('input[name$="-enabled"]').uncheck()
    expect(card).to_be_hidden()
