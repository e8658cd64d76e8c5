"""Steps an editor takes in the Wagtail admin, as a real browser takes them."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

PASSWORD = "correct horse battery staple"
AUTOSAVE_SETTLE_MS = 600  # w-unsaved checks for edits every 500 ms
CONTROLLER = '[data-controller~="w-crosspost"]'


def log_in(page: Page, username: str, password: str) -> None:
    """Through Wagtail's own login form."""
    page.goto("/admin/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('form button[type="submit"]')
    page.wait_for_url("**/admin/")


def open_editor(page: Page, article, tab: bool = True) -> None:
    """The page's edit view, on the "Publish to" tab, with the panel's controller connected."""
    page.goto(f"/admin/pages/{article.pk}/edit/")
    if tab:
        publish_to_tab(page).click()
        expect(page.locator(".crosspost-panel")).to_be_visible()
    page.wait_for_function(
        """(selector) => {
            const el = document.querySelector(selector);
            return !!(el && window.wagtail && window.wagtail.app &&
                window.wagtail.app.getControllerForElementAndIdentifier(el, 'w-crosspost'));
        }""",
        arg=CONTROLLER,
    )


def publish_to_tab(page: Page) -> Locator:
    """The tab of the panel: its id is the same in every language ("tab-label-crosspost")."""
    return page.locator('#tab-label-crosspost[role="tab"][aria-controls="tab-crosspost"]')


def choose_image(page: Page, row: Locator, title: str) -> None:
    """Choose ``title`` in the row's image chooser, through Wagtail's chooser modal."""
    custom_text(row)  # opens the row's disclosure
    row.get_by_role("button", name="Choose an image").click()
    modal = page.locator(".modal-dialog")
    choice = modal.locator("a[data-chooser-modal-choice]", has_text=title)
    expect(choice).to_be_visible()
    choice.click()
    expect(modal).to_be_hidden()
    expect(row.locator("[data-chooser-title]")).to_have_text(title)


def channel_row(page: Page, channel) -> Locator:
    return page.locator(f'[data-crosspost-row][data-channel="{channel.pk}"]')


def custom_text(row: Locator) -> Locator:
    """The row's custom text box, with its "Custom text and preview" disclosure opened."""
    details = row.locator("details.crosspost-message")
    if details.get_attribute("open") is None:
        row.locator("details.crosspost-message > summary").click()
    textarea = row.locator('textarea[name$="-message"]')
    expect(textarea).to_be_visible()
    return textarea


def wait_for_autosave(page: Page) -> None:
    """Let Wagtail 8's autosave save the edits made so far, as an editor's pause would.

    Wagtail notices edits (``w-unsaved``, checked every 500 ms, and only 2 s after the page
    loaded) and autosaves them (``w-autosave``, 500 ms later). Publishing while an autosave is
    in flight sends the form without the ids that the autosave just gave the panel's rows (see
    the report on duplicated channel rows): wait until nothing is unsaved or saving.
    """
    page.wait_for_timeout(AUTOSAVE_SETTLE_MS)
    page.wait_for_function(
        """() => {
            const form = document.querySelector('form[data-edit-form]');
            const app = window.wagtail && window.wagtail.app;
            if (!form || !app) return true;
            const unsaved = app.getControllerForElementAndIdentifier(form, 'w-unsaved');
            const autosave = app.getControllerForElementAndIdentifier(form, 'w-autosave');
            if (!unsaved || !autosave) return true;  // autosave is off
            const indicator = document.querySelector('#w-autosave-indicator');
            const state = indicator && indicator.getAttribute('data-w-autosave-state-value');
            if (state === 'saving') return false;
            if (state === 'paused') return true;  // it gave up (e.g. validation errors)
            return !unsaved.hasEditsValue;
        }"""
    )


def publish(page: Page) -> None:
    """Wagtail 8's footer: "Save draft" with the other actions ("Publish") in its dropdown."""
    wait_for_autosave(page)
    footer = page.locator("footer .w-dropdown-button")
    footer.locator(".w-dropdown__toggle").click()
    button = footer.locator('button[name="action-publish"]')
    expect(button).to_be_visible()
    with page.expect_navigation():
        button.click()


def history_item(row: Locator) -> Locator:
    return row.locator(".crosspost-history [data-publication]").first
