"""The *Social media approval* workflow task: posts go out only when the page is published and
every required approval is given; an edit after approval sends the post back; nobody approves
their own posts; it works next to Wagtail's GroupApprovalTask in one workflow."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from wagtail.models import GroupApprovalTask, TaskState, Workflow, WorkflowPage, WorkflowTask

from tests.factories import ChannelFactory
from tests.testapp.models import ArticlePage
from wagtail_crosspost.choices import choices_for, choices_in, choose
from wagtail_crosspost.models import Publication
from wagtail_crosspost.review.models import PostApproval

pytestmark = pytest.mark.django_db


def workflow_of(home, *tasks):
    workflow = Workflow.objects.create(name="Agency and company")
    for order, task in enumerate(tasks):
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=order)
    WorkflowPage.objects.create(workflow=workflow, page=home)
    return workflow


def draft(home, channel, user, message="Our open day!"):
    page = ArticlePage(title="Open day", intro="Visit us.", live=False)
    home.add_child(instance=page)
    choose(page, channel, enabled=True, message=message)
    page.save_revision(user=user)
    return page


def edit_message(page, user, message):
    page = page.specific_class.objects.get(pk=page.pk)
    working = page.get_latest_revision_as_object()
    (channel_id,) = choices_for(working)
    choose(working, channel_id, message=message)
    working.save_revision(user=user)
    return page


def current(page):
    page.refresh_from_db()
    return page.current_workflow_task_state


def posts(page):
    return list(
        Publication.objects.filter(page=page, action="post").values_list("message", flat=True)
    )


def test_submit_social_approval_publish_posts_only_after_approval(setup):
    workflow_of(setup["home"], setup["social"])
    page = draft(setup["home"], setup["channel"], setup["writer"])
    page.get_workflow().start(page, setup["writer"])
    state = current(page)
    assert state.task.specific == setup["social"]
    assert not page.live and posts(page) == []

    # The writer is not an approver; the approver's actions are Wagtail's approve and reject.
    assert setup["social"].get_actions(page, setup["writer"]) == []
    names = [name for name, _label, _modal in setup["social"].get_actions(page, setup["approver"])]
    assert names == ["reject", "approve"]
    with pytest.raises(PermissionDenied):
        setup["social"].on_action(state, setup["writer"], "approve")
    assert posts(page) == []

    setup["social"].on_action(state, setup["approver"], "approve", comment="")
    page.refresh_from_db()
    assert page.live
    assert posts(page) == ["Our open day!"]
    assert PostApproval.objects.filter(page=page, approved_by=setup["approver"]).count() == 1
    from wagtail.models import PageLogEntry

    logged = PageLogEntry.objects.filter(page=page, action="wagtail_crosspost.approved")
    assert logged.get().user == setup["approver"]


def test_publishing_without_the_approval_plans_nothing(setup, admin_user):
    workflow_of(setup["home"], setup["social"])
    page = draft(setup["home"], setup["channel"], setup["writer"])
    page.get_latest_revision().publish(user=admin_user)
    page.refresh_from_db()
    assert page.live and posts(page) == []  # the page is out, the post waits for approval


def test_reject_requests_changes_with_a_comment(setup):
    workflow_of(setup["home"], setup["social"])
    page = draft(setup["home"], setup["channel"], setup["writer"])
    page.get_workflow().start(page, setup["writer"])
    state = current(page)
    setup["social"].on_action(state, setup["approver"], "reject", comment="Too long, please")
    state.refresh_from_db()
    assert state.status == TaskState.STATUS_REJECTED
    assert state.comment == "Too long, please"
    page.refresh_from_db()
    assert page.current_workflow_state.status == "needs_changes"
    assert posts(page) == [] and not page.live


def test_a_change_after_approval_returns_the_post_to_approval(setup, django_user_model, home):
    company_group = GroupApprovalTask.objects.create(name="Company approves the page")
    company_group.groups.add(setup["company"])
    workflow_of(home, setup["social"], company_group)
    page = draft(home, setup["channel"], setup["writer"])
    page.get_workflow().start(page, setup["writer"])
    setup["social"].on_action(current(page), setup["approver"], "approve")
    assert current(page).task.specific == company_group

    # The writer rewrites the post while the page waits for the company.
    page = edit_message(page, setup["writer"], "Rewritten after approval")
    from wagtail_crosspost.review.workflow import reopen_after_edit

    assert reopen_after_edit(page) == 1
    company_group.on_action(current(page), setup["approver"], "approve")
    state = current(page)
    assert state.task.specific == setup["social"]  # back to the social approval
    assert state.status == TaskState.STATUS_IN_PROGRESS
    assert not page.live and posts(page) == []

    setup["social"].on_action(state, setup["approver2"], "approve")
    page.refresh_from_db()
    assert page.live and posts(page) == ["Rewritten after approval"]


def test_the_gate_holds_a_post_changed_after_its_approval(setup, home):
    company_group = GroupApprovalTask.objects.create(name="Company approves the page")
    company_group.groups.add(setup["company"])
    workflow_of(home, setup["social"], company_group)
    page = draft(home, setup["channel"], setup["writer"])
    page.get_workflow().start(page, setup["writer"])
    setup["social"].on_action(current(page), setup["approver"], "approve")
    # The approved fingerprint no longer matches a changed text: the gate holds the post.
    page = edit_message(page, setup["writer"], "Changed")
    from wagtail_crosspost.review.workflow import gate

    page = ArticlePage.objects.get(pk=page.pk)
    revision = page.get_latest_revision()
    (choice,) = choices_in(revision).values()
    assert choice.message == "Changed"
    assert gate(page, revision, [choice]) == set()
    choice.message = "Our open day!"  # as approved
    assert gate(page, revision, [choice]) == {setup["channel"].pk}


def test_cannot_approve_own_posts(setup, django_user_model, home):
    # The approver writes and submits the page: with the option on, another approver decides.
    workflow_of(home, setup["social"])
    page = draft(home, setup["channel"], setup["approver"])
    page.get_workflow().start(page, setup["approver"])
    state = current(page)
    assert setup["social"].get_actions(page, setup["approver"]) == []
    with pytest.raises(PermissionDenied):
        setup["social"].on_action(state, setup["approver"], "approve")
    assert posts(page) == []
    setup["social"].on_action(state, setup["approver2"], "approve")
    assert posts(page) == ["Our open day!"]

    # With the option off, the submitter may approve.
    setup["social"].prevent_self_approval = False
    setup["social"].save()
    page2 = draft(home, setup["channel"], setup["approver"], message="Second")
    page2.get_workflow().start(page2, setup["approver"])
    assert setup["social"].get_actions(page2, setup["approver"])


def test_agency_submits_company_approves_page_and_posts_go_out(setup, client, home):
    """GroupApprovalTask and the social approval in one workflow, through Wagtail's own admin
    views (the workflow action modal)."""
    company_group = GroupApprovalTask.objects.create(name="Company approves the page")
    company_group.groups.add(setup["company"])
    workflow_of(home, company_group, setup["social"])
    page = draft(home, setup["channel"], setup["writer"])
    page.get_workflow().start(page, setup["writer"])

    client.force_login(setup["approver"])
    state = current(page)
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "approve", state.pk))
    response = client.post(url, {"comment": ""})
    assert response.status_code in (200, 302)
    state = current(page)
    assert state.task.specific == setup["social"]
    assert posts(page) == []

    # The modal shows the planned post as it will appear.
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "approve", state.pk))
    modal = client.get(url)
    assert modal.status_code == 200
    assert "Our open day!" in modal.json()["html"]
    assert "Company Mastodon" in modal.json()["html"]
    response = client.post(url, {"comment": "Fine by us"})
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.live
    assert posts(page) == ["Our open day!"]


def test_a_channel_outside_the_task_needs_no_approval(setup, home):
    other = ChannelFactory(name="Company LinkedIn")
    setup["social"].channels.add(setup["channel"])
    workflow_of(home, setup["social"])
    page = ArticlePage(title="Two channels", intro="x", live=False)
    home.add_child(instance=page)
    choose(page, setup["channel"], enabled=True)
    choose(page, other, enabled=True, message="LI")
    revision = page.save_revision(user=setup["writer"])
    revision.publish(user=setup["writer"])
    planned = set(Publication.objects.filter(page=page).values_list("channel_id", flat=True))
    assert planned == {other.pk}


def test_a_page_with_nothing_to_approve_passes_the_step(setup, home):
    workflow_of(home, setup["social"])
    page = ArticlePage(title="No posts", intro="x", live=False)
    home.add_child(instance=page)
    page.save_revision(user=setup["writer"])
    page.get_workflow().start(page, setup["writer"])
    page.refresh_from_db()
    assert page.live


def test_an_edit_in_the_editor_after_approval_sends_the_post_back(setup, client, home):
    """The company approver corrects the text in Wagtail's editor after approving the posts:
    the social approval runs again before the page and its posts go out."""
    from tests.test_panels import edit_form, request_row

    company_group = GroupApprovalTask.objects.create(name="Company approves the page")
    company_group.groups.add(setup["company"])
    workflow_of(home, setup["social"], company_group)
    page = draft(home, setup["channel"], setup["writer"])
    page.get_workflow().start(page, setup["writer"])
    setup["social"].on_action(current(page), setup["approver"], "approve")

    client.force_login(setup["approver"])
    data = edit_form(
        page, [request_row(setup["channel"], message="Corrected")], action="action-save"
    )
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert response.status_code == 302, response.content[:2000]
    company_group.on_action(current(page), setup["approver"], "approve")
    state = current(page)
    assert state.task.specific == setup["social"] and state.status == "in_progress"
    assert posts(page) == []
    setup["social"].on_action(state, setup["approver2"], "approve")
    page.refresh_from_db()
    assert page.live and posts(page) == ["Corrected"]
