"""The demo's agency → company round trip, step by step as README.md tells it, in a real Chromium
on the real demo (``scripts/demo``'s processes: ``tests/browser/demo.py``; issue 17).

The agency writer (``agency`` / ``agency``) adds a news article under "Press releases", finds
*Demo wall* ticked already, writes the post and chooses "Submit to Agency → company". The
company (``approver`` / ``approver``) finds the page on the dashboard, approves the page, then
approves the posts in the dialog that shows each one. The page goes live, the demo's delivery
posts it to the demo's own /social-wall/, and the agency sees the decision among its admin
notices.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import VIEWPORT
from .helpers import custom_text, log_in, publish_to_tab, wait_for_autosave

pytestmark = [pytest.mark.browser]

TITLE = "Muster Maschinenbau at the AMB trade fair"
INTRO = "Meet our new MX 500 milling centre at the AMB in Stuttgart."
POST = "Meet the MX 500 at the AMB trade fair, hall 3, stand 3C12!"


@pytest.fixture
def tab(browser, demo):
    context = browser.new_context(viewport=VIEWPORT, base_url=demo.url)
    context.set_default_timeout(30_000)
    context.route(lambda url: not url.startswith(demo.url), lambda route: route.abort())
    tab = context.new_page()
    yield tab
    context.close()


def footer_action(page: Page, name: str):
    """A button of the editor's footer dropdown (Wagtail 8: "Save draft" plus the others)."""
    wait_for_autosave(page)
    footer = page.locator("footer .w-dropdown-button")
    footer.locator(".w-dropdown__toggle").click()
    button = footer.get_by_role("button", name=name)
    expect(button).to_be_visible()
    return button


def log_out(page: Page, name: str) -> None:
    """Through the admin's own "Log out" (the sidebar's account menu, named after the user)."""
    page.locator("#wagtail-sidebar").get_by_role("button", name=re.compile(name)).click()
    with page.expect_navigation():
        page.locator("#wagtail-sidebar").get_by_role("button", name="Log out").click()
    page.wait_for_url("**/admin/login/**")


def dashboard_action(page: Page, row, name: str, navigates: bool = True) -> None:
    """One of the actions in the "Awaiting your review" row's dropdown."""
    row.get_by_role("button", name="Actions").click()
    button = row.get_by_role("button", name=name, exact=True)
    expect(button).to_be_visible()
    if navigates:
        with page.expect_navigation():
            button.click()
    else:
        button.click()


def test_agency_submits_company_approves_post_on_the_social_wall(tab, demo):
    page = tab

    # The agency: a news article under "Press releases", the post, "Submit to Agency → company".
    log_in(page, "agency", "agency")
    page.goto("/admin/pages/")
    page.get_by_role("link", name="Press releases").first.click()
    page.get_by_role("link", name=re.compile("Add child page")).first.click()
    page.wait_for_url(re.compile(r"/admin/pages/add/home/newsarticlepage/\d+/"))
    page.fill("#id_title", TITLE)
    page.fill("#id_intro", INTRO)
    publish_to_tab(page).click()
    row = page.locator("[data-crosspost-row]", has_text="Demo wall")
    # Selected by default (the page was never published), as README.md says.
    expect(row.locator('input[name$="-enabled"]')).to_be_checked()
    custom_text(row).fill(POST)
    with page.expect_navigation():
        footer_action(page, "Submit to Agency → company").click()
    expect(page.locator(".messages")).to_contain_text("submitted")
    log_out(page, "Anna")

    # The company: the dashboard lists the page; approve the page, then the posts.
    log_in(page, "approver", "approver")
    review = page.locator("main section", has_text="Awaiting your review")
    expect(review).to_contain_text(TITLE)
    row = review.locator("tr", has_text=TITLE)
    dashboard_action(page, row, "Approve")
    expect(row).to_contain_text("Approved")  # the page's task; the posts' task is next
    page.goto("/social-wall/")
    expect(page.locator("body")).not_to_contain_text(POST)  # nothing before the posts' approval

    page.goto("/admin/")
    review = page.locator("main section", has_text="Awaiting your review")
    row = review.locator("tr", has_text=TITLE)
    dashboard_action(page, row, "Approve the posts", navigates=False)
    dialog = page.locator(".modal-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(POST)  # each post as it will appear
    expect(dialog).to_contain_text("Demo wall")
    with page.expect_navigation():
        dialog.locator('button[type="submit"]').click()
    # Told what was approved and what happens next (Wagtail's modal says nothing of its own).
    messages = page.locator(".messages")
    expect(messages).to_contain_text(f"You approved the posts of “{TITLE}” for Demo wall")
    expect(messages).to_contain_text("The page is published: the posts go out as planned.")

    # The page is live, and the demo's delivery puts the post on the social wall.
    page.goto("/admin/pages/")
    page.get_by_role("link", name="Press releases").first.click()
    expect(page.locator("main tr", has_text=TITLE)).to_contain_text("status: live")
    for _attempt in range(60):  # delivery runs in the background (Tasks API and the loop)
        page.goto("/social-wall/")
        if POST in page.locator("body").inner_text():
            break
        page.wait_for_timeout(1000)
    expect(page.locator("body")).to_contain_text(POST)

    # The agency sees the decision among its notices.
    page.goto("/admin/")
    log_out(page, "Clara")
    log_in(page, "agency", "agency")
    page.locator("#wagtail-sidebar").get_by_role("link", name=re.compile("Social notices")).click()
    page.wait_for_url("**/admin/crosspost/notices/")
    expect(page.locator(".crosspost-notices")).to_contain_text(
        f"The social media posts of “{TITLE}” were approved"
    )
