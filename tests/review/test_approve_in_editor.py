"""An approver who may approve a channel but not post to it approves in the page editor, as a
browser submits it: the channel's row is disabled (so the browser sends none of its fields), the
agency's choice stays as saved, the approver saves no revision of their own, and the post goes
out with the agency's revision."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.review.test_approval_workflow import draft, posts, workflow_of
from wagtail_crosspost.review.models import GroupChannelPermission

pytestmark = pytest.mark.django_db


class _SentByABrowser(HTMLParser):
    """The edit form's fields as a browser submits them: no disabled field, no button."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._text: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name") or ""
        if tag == "option" and self._select:
            if "selected" in a or self._select not in self.data:
                self.data[self._select] = a.get("value") or ""
            return
        if not name or "disabled" in a:
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.data[name] = a.get("value") or ("on" if a.get("type") == "checkbox" else "")
        elif tag == "textarea":
            self._text = name
            self.data[name] = ""
        elif tag == "select":
            self._select = name

    def handle_data(self, data):
        if self._text:
            self.data[self._text] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._text = None
        elif tag == "select":
            self._select = None


@pytest.fixture
def approve_only(setup):
    GroupChannelPermission.objects.filter(group=setup["company"], permission="post").delete()
    return setup


def test_an_approver_without_the_post_right_approves_in_the_editor(approve_only, home, client):
    setup = approve_only
    workflow_of(home, setup["social"])
    page = draft(home, setup["channel"], setup["writer"])
    page.get_workflow().start(page, setup["writer"])
    revisions = page.revisions.count()

    client.force_login(setup["approver"])
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    shown = client.get(url).content.decode()
    parser = _SentByABrowser()
    parser.feed(shown)
    assert "crosspost_choices-0-channel" not in parser.data  # disabled: not sent
    state = page.current_workflow_task_state
    # The empty body's rich-text editor state is not what a browser's editor would send back
    # unchanged: leave it out (unchanged), as the browser test's real editor does.
    data = {k: v for k, v in parser.data.items() if k != "body" and not k.startswith("csrf")}
    data.update(
        {
            "action-workflow-action": "1",
            "workflow-action-name": "approve",
            "workflow-action-extra-data": json.dumps({"comment": ""}),
        }
    )
    assert state is not None
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]

    page.refresh_from_db()
    assert page.live
    assert page.revisions.count() == revisions  # the approver saved no revision of their own
    assert posts(page) == ["Our open day!"]
    # Told what they approved and what happens next (after Wagtail's own "updated" message).
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert (
        "You approved the posts of “Open day” for Company Mastodon. "
        "The page is published: the posts go out as planned."
    ) in said

    # A later save of the page says nothing more about that approval.
    parser = _SentByABrowser()
    parser.feed(client.get(url).content.decode())
    data = {k: v for k, v in parser.data.items() if k != "body" and not k.startswith("csrf")}
    response = client.post(url, data)
    assert not any("You approved" in str(m) for m in get_messages(response.wsgi_request))


def test_a_dialog_approval_is_not_told_again_by_a_later_save_in_the_editor(setup, home, client):
    """Approving from the dashboard's dialog leaves the approval in the thread for no editor
    request to take; the approver's next save of the page must not repeat it."""
    workflow_of(home, setup["social"])
    page = draft(home, setup["channel"], setup["writer"])
    page.get_workflow().start(page, setup["writer"])
    client.force_login(setup["approver"])
    state = page.current_workflow_task_state
    action = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "approve", state.pk))
    client.post(action, {"comment": ""}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    parser = _SentByABrowser()
    parser.feed(client.get(url).content.decode())
    data = {k: v for k, v in parser.data.items() if k != "body" and not k.startswith("csrf")}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not any("You approved" in str(m) for m in get_messages(response.wsgi_request))
