"""After *Approve the posts* the approver is told what they approved and what happens next:
from the dashboard's modal (Wagtail's workflow action, which has no message of its own) and in
the page editor."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.factories import ChannelFactory
from tests.review.conftest import CROSSPOSTING, grant, make_group
from tests.review.test_approval_workflow import current, draft, posts, workflow_of
from wagtail_crosspost.choices import choose

pytestmark = pytest.mark.django_db

XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def submitted(setup, *tasks):
    """The writer's draft, submitted to a workflow of ``tasks`` (the social approval alone)."""
    workflow_of(setup["home"], *(tasks or [setup["social"]]))
    page = draft(setup["home"], setup["channel"], setup["writer"])
    page.get_workflow().start(page, setup["writer"])
    return page


def decide_in_the_modal(client, page, action, comment=""):
    """What Wagtail's modal does: post the action; returns where the answer says to go."""
    state = current(page)
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, action, state.pk))
    answer = client.post(url, {"comment": comment}, **XHR).json()
    assert answer["step"] == "success"
    return answer["redirect"]


def approve_in_the_modal(client, page):
    return client.get(decide_in_the_modal(client, page, "approve"))


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_approving_in_the_modal_says_what_was_approved_and_that_the_page_is_out(setup, client):
    page = submitted(setup)
    client.force_login(setup["approver"])
    response = approve_in_the_modal(client, page)
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[page.pk])
    assert said(response) == [
        "You approved the posts of “Open day” for Company Mastodon. "
        "The page is published: the posts go out as planned."
    ]
    assert posts(page) == ["Our open day!"]


def test_a_post_another_approver_must_approve_is_named_as_waiting(setup, client, home):
    other = ChannelFactory(name="Company LinkedIn")
    board = make_group("Board", CROSSPOSTING, page=home)
    grant(board, other, "approve")  # only the board approves what goes to LinkedIn
    setup["social"].groups.add(board)
    workflow_of(home, setup["social"])
    page = draft(home, setup["channel"], setup["writer"])
    working = page.get_latest_revision_as_object()
    choose(working, other, enabled=True, message="On LinkedIn too")
    working.save_revision(user=setup["writer"])
    page.get_workflow().start(page, setup["writer"])
    client.force_login(setup["approver"])
    response = approve_in_the_modal(client, page)
    assert said(response) == [
        "You approved the posts of “Open day” for Company Mastodon. "
        "1 post still waits for another approver."
    ]
    assert posts(page) == []


def test_in_german(setup, client):
    from tests.factories import set_admin_preferences

    page = submitted(setup)
    set_admin_preferences(setup["approver"], preferred_language="de")
    client.force_login(setup["approver"])
    response = approve_in_the_modal(client, page)
    assert said(response) == [
        "Sie haben die Beiträge von „Open day“ für Company Mastodon freigegeben. "
        "Die Seite ist veröffentlicht: Die Beiträge gehen wie geplant hinaus."
    ]


def test_someone_who_approved_nothing_there_is_told_nothing(setup, client):
    page = submitted(setup)
    state = current(page)
    client.force_login(setup["approver2"])
    response = client.get(reverse("wagtail_crosspost:approved", args=[state.pk]))
    assert response.status_code == 302 and said(response) == []


def test_a_workflow_with_a_step_after_the_posts_says_the_page_moves_on(setup, client, home):
    from wagtail.models import GroupApprovalTask

    final = GroupApprovalTask.objects.create(name="The boss approves the page")
    final.groups.add(setup["company"])
    page = submitted(setup, setup["social"], final)
    client.force_login(setup["approver"])
    response = approve_in_the_modal(client, page)
    assert said(response) == [
        "You approved the posts of “Open day” for Company Mastodon. "
        "The page moves on to the next step of its workflow."
    ]
    assert current(page).task.specific == final


def test_asking_for_changes_in_the_modal_says_the_page_goes_back(setup, client):
    from tests.factories import set_admin_preferences

    page = submitted(setup)
    client.force_login(setup["approver"])
    redirect = decide_in_the_modal(client, page, "reject", comment="Name the hall.")
    response = client.get(redirect)
    assert said(response) == [
        "You asked for changes to the posts of “Open day”: the page goes back to whoever "
        "submitted it, with your comment."
    ]
    assert posts(page) == []
    set_admin_preferences(setup["approver"], preferred_language="de")
    again = client.get(redirect)
    assert said(again)[-1].startswith("Sie haben Änderungen an den Beiträgen von „Open day“")
    client.logout()
    client.force_login(setup["approver2"])  # who decided nothing is told nothing
    assert said(client.get(redirect)) == []
