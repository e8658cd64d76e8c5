"""The agency → company round trip in a real browser: the agency ticks a channel, writes the
post and submits the page to the workflow; the company approver sees the request among the
admin's notices, opens it and approves (or requests changes with a comment) through Wagtail's
workflow action dialog; the post goes out (locmem) only after the approval; the agency sees the
decision among its own notices."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import ChannelFactory
from tests.review.conftest import CROSSPOSTING, grant, make_group
from tests.testapp.models import ArticlePage
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.review.models import Notice, SocialMediaApprovalTask

from .helpers import PASSWORD, channel_row, custom_text, log_in, open_editor, wait_for_autosave

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def agency_and_company(home, django_user_model):
    from wagtail.models import Workflow, WorkflowPage, WorkflowTask

    channel = ChannelFactory(name="Company LinkedIn")
    agency = make_group("Agency", CROSSPOSTING, page=home)
    company = make_group("Company approvers", CROSSPOSTING, page=home)
    grant(agency, channel, "post")
    grant(company, channel, "approve")
    social = SocialMediaApprovalTask.objects.create(name="Company approves the posts")
    social.groups.add(company)
    workflow = Workflow.objects.create(name="Agency and company")
    WorkflowTask.objects.create(workflow=workflow, task=social, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=home)

    writer = django_user_model.objects.create_user("agency", "agency@example.com", PASSWORD)
    writer.groups.add(agency)
    approver = django_user_model.objects.create_user("company", "company@example.com", PASSWORD)
    approver.groups.add(company)
    article = ArticlePage(title="Spring fair", intro="Meet us in hall 3.", live=False)
    home.add_child(instance=article)
    article.save_revision(user=writer)
    return {"channel": channel, "article": article, "writer": writer, "approver": approver}


def footer_action(page: Page, selector: str):
    """A button of the editor's footer dropdown (Wagtail 8: "Save draft" plus the others)."""
    wait_for_autosave(page)
    footer = page.locator("footer .w-dropdown-button")
    footer.locator(".w-dropdown__toggle").click()
    button = footer.locator(selector)
    expect(button).to_be_visible()
    return button


def switch_user(page: Page, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, username, PASSWORD)


def agency_submits(page: Page, setup) -> None:
    log_in(page, "agency", PASSWORD)
    open_editor(page, setup["article"])
    row = channel_row(page, setup["channel"])
    row.locator('input[name$="-enabled"]').check()
    custom_text(row).fill("Meet us at the spring fair, hall 3!")
    with page.expect_navigation():
        footer_action(page, 'button[name="action-submit"]').click()
    expect(page.locator(".messages")).to_contain_text("submitted")
    assert locmem.outbox == []  # nothing goes out before the company approves


def company_opens_the_request(page: Page, setup) -> None:
    switch_user(page, "company")
    panel = page.locator("[data-crosspost-notices-panel]")
    expect(panel).to_contain_text("1 new social media notice")
    expect(panel).to_contain_text("Social media posts of “Spring fair” wait for your approval")
    expect(page.locator("#wagtail-sidebar")).to_contain_text("Social notices (1)")
    with page.expect_navigation():
        panel.get_by_role("link", name="Social media posts of “Spring fair”", exact=False).click()
    page.wait_for_url(f"**/admin/pages/{setup['article'].pk}/edit/")


def workflow_dialog(page: Page, action: str):
    footer_action(page, f'button[data-workflow-action-name="{action}"]').click()
    dialog = page.locator(".modal-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Meet us at the spring fair, hall 3!")  # the planned post
    return dialog


def test_agency_submits_company_approves_post_goes_out_agency_sees_it(page, agency_and_company):
    setup = agency_and_company
    agency_submits(page, setup)
    company_opens_the_request(page, setup)

    dialog = workflow_dialog(page, "approve")
    with page.expect_navigation():
        dialog.locator('button[type="submit"]').click()
    expect(page.locator(".messages")).to_contain_text(
        "You approved the posts of “Spring fair” for Company LinkedIn. "
        "The page is published: the posts go out as planned."
    )
    assert [p.post.text.split("\n")[0] for p in locmem.outbox] == [
        "Meet us at the spring fair, hall 3!"
    ]
    assert locmem.outbox[0].channel == "Company LinkedIn"
    assert not Notice.objects.filter(recipient=setup["approver"], seen_at__isnull=True).exists()

    switch_user(page, "agency")
    panel = page.locator("[data-crosspost-notices-panel]")
    expect(panel).to_contain_text("The social media posts of “Spring fair” were approved")
    page.goto("/admin/crosspost/notices/")
    expect(page.locator(".crosspost-notices")).to_contain_text("were approved")
    with page.expect_navigation():
        page.get_by_role("button", name="Mark all as seen").click()
    expect(page.locator(".crosspost-notice--unseen")).to_have_count(0)


def test_company_requests_changes_with_a_comment(page, agency_and_company):
    setup = agency_and_company
    agency_submits(page, setup)
    company_opens_the_request(page, setup)

    dialog = workflow_dialog(page, "reject")
    dialog.locator("textarea").fill("Please name the hall number in words.")
    with page.expect_navigation():
        dialog.locator('button[type="submit"]').click()
    expect(page.locator(".messages")).to_contain_text(
        "You asked for changes to the posts of “Spring fair”: the page goes back to whoever "
        "submitted it, with your comment."
    )
    assert locmem.outbox == []

    switch_user(page, "agency")
    panel = page.locator("[data-crosspost-notices-panel]")
    expect(panel).to_contain_text("Changes requested to the social media posts of “Spring fair”")
    expect(panel).to_contain_text("Comment: Please name the hall number in words.")
