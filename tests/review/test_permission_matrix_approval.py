"""The permission matrix, continued: the seven kinds of user (the six of
``test_permission_matrix`` and a company approver, who may approve posts to "Locked" but not
post to it) over the approval step, the workflow action view, the preview links, the publication
log's buttons, and the posting paths the approver must not reach."""

from __future__ import annotations

import json

import pytest
from django.urls import include, path, reverse
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.models import Workflow, WorkflowPage, WorkflowTask

from tests.review.conftest import CROSSPOSTING, grant, make_group, make_user
from tests.review.test_permission_matrix import check, failed_row
from tests.testapp.models import ArticlePage
from wagtail_crosspost.choices import choose
from wagtail_crosspost.models import Publication
from wagtail_crosspost.review import links
from wagtail_crosspost.review.models import SocialMediaApprovalTask

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("crosspost/api/", include("wagtail_crosspost.api_urls")),
    path("crosspost/", include("wagtail_crosspost.public_urls")),
    path("", include(wagtail_urls)),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

KINDS = [
    "anonymous",
    "editor_without",
    "editor_with",
    "approver",
    "manager",
    "superuser",
    "other_site",
]


@pytest.fixture
def seven(company, home, django_user_model):
    approvers = make_group("Company approvers", CROSSPOSTING, page=home)
    grant(approvers, company["locked"], "approve")
    company["users"]["approver"] = make_user(django_user_model, "approver", approvers)
    return company


def login(client, company, kind):
    if kind != "anonymous":
        client.force_login(company["users"][kind])


@pytest.fixture
def submitted(seven, home):
    """A page with "Locked" ticked, written and submitted by the agency, waiting at the social
    approval step."""
    task = SocialMediaApprovalTask.objects.create(name="Social")
    workflow = Workflow.objects.create(name="Agency")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=home)
    page = ArticlePage(title="Submitted", intro="x", live=False)
    home.add_child(instance=page)
    choose(page, seven["locked"], enabled=True)
    agency = seven["users"]["editor_with"]
    page.save_revision(user=agency)
    workflow.start(page, agency)
    page.refresh_from_db()
    return {"page": page, "task": task, "state": page.current_workflow_task_state}


# Who may approve the agency's post to "Locked": the approver (given *Approve* there) and the
# superuser. Not the agency (it submitted), not the company editors (no *Approve* on Locked),
# not the managers (no crosspost permission), not another site's user.
APPROVE = {
    "anonymous": "login",
    "editor_without": 403,
    "editor_with": 403,
    "approver": "ok",
    "manager": 403,
    "superuser": "ok",
    "other_site": 403,
}


@pytest.mark.parametrize("kind", KINDS)
def test_the_approval_actions(seven, submitted, kind):
    offered = bool(
        kind != "anonymous"
        and submitted["task"].get_actions(submitted["page"], seven["users"][kind])
    )
    assert offered is (APPROVE[kind] == "ok")


@pytest.mark.parametrize("kind", KINDS)
def test_the_workflow_action_view_approves_only_for_approvers(client, seven, submitted, kind):
    login(client, seven, kind)
    page, state = submitted["page"], submitted["state"]
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "approve", state.pk))
    response = client.post(url, {"comment": ""})
    planned = Publication.objects.filter(page=page).exists()
    page.refresh_from_db()
    if APPROVE[kind] == "ok":
        assert page.live and planned
    else:
        check(response, APPROVE[kind])
        assert not page.live and not planned


PREVIEW_LINKS = {
    "anonymous": "login",
    "editor_without": 200,
    "editor_with": 200,
    "approver": 200,
    "manager": 200,
    "superuser": 200,
    "other_site": 403,
}


@pytest.mark.parametrize("kind", KINDS)
def test_preview_links_admin(client, seven, submitted, kind, settings):
    settings.WAGTAILCROSSPOST_PREVIEW_LINKS = True
    login(client, seven, kind)
    url = reverse("wagtail_crosspost:preview_links", args=[submitted["page"].pk])
    response = client.post(url)
    check(response, PREVIEW_LINKS[kind])
    made = submitted["page"].crosspost_preview_links.exists()
    assert made is (PREVIEW_LINKS[kind] == 200)


@pytest.mark.parametrize("kind", KINDS)
def test_a_forged_preview_link_is_refused_for_everyone(client, seven, submitted, kind, settings):
    settings.WAGTAILCROSSPOST_PREVIEW_LINKS = True
    link, token = links.create(submitted["page"])
    login(client, seven, kind)
    forged = token[:-1] + ("a" if token[-1] != "a" else "b")
    url = reverse("wagtail_crosspost_public:preview_link", args=[forged])
    response = client.post(url, {"name": "X", "decision": "approve"})
    assert response.status_code == 404
    assert not Publication.objects.filter(page=submitted["page"]).exists()


def test_the_approver_may_not_post_retry_or_crosspost_by_api(client, seven):
    """The approver approves; it does not post: the API, Retry and the log's buttons refuse."""
    login(client, seven, "approver")
    url = f"/crosspost/api/pages/{seven['page'].pk}/crosspost/"
    response = client.post(
        url, json.dumps({"channels": ["Locked"]}), content_type="application/json"
    )
    assert response.status_code == 403
    assert not Publication.objects.exists()
    row = failed_row(seven, "locked")
    check(client.post(reverse("wagtail_crosspost:retry", args=[row.pk])), 403)
    row.refresh_from_db()
    assert row.status == "failed"
    html = client.get(reverse("wagtail_crosspost_log:inspect", args=[row.pk])).content.decode()
    assert reverse("wagtail_crosspost:retry", args=[row.pk]) not in html
