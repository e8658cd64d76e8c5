"""Rights per channel, for every kind of user, over the Publish-to panel, the JSON API, the
actions and planning. "Locked" may be posted to only by the agency and managed only by the
channel managers; "Open" is restricted by nobody and keeps today's behaviour."""

from __future__ import annotations

import json

import pytest
from django.urls import include, path, reverse
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.models import Page

from tests.factories import publish
from tests.test_panels import edit_form, request_row
from wagtail_crosspost.choices import Choice, choices_for, choose
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox import planning
from wagtail_crosspost.review import rights

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("crosspost/api/", include("wagtail_crosspost.api_urls")),
    path("", include(wagtail_urls)),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

KINDS = ["anonymous", "editor_without", "editor_with", "manager", "superuser", "other_site"]
DENIED_TEXT = "Your groups may not post to this channel"


def login(client, company, kind):
    if kind != "anonymous":
        client.force_login(company["users"][kind])
    return client


def denied(response) -> bool:
    """403, or Wagtail's answer to PermissionDenied inside the admin: back to the dashboard."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == "/admin/"
    )


def check(response, expected) -> None:
    if expected == "login":
        assert response.status_code == 302 and "login" in response["Location"]
    elif expected == 403:
        assert denied(response), (response.status_code, response.get("Location"))
    else:
        assert response.status_code == expected


def failed_row(company, channel):
    return Publication.objects.create(
        page=company["page"], channel=company[channel], status="failed", error="Boom"
    )


# -- the rule ------------------------------------------------------------------------------------


def test_the_rule_one_right_at_a_time(company):
    users, open_channel, locked = company["users"], company["open"], company["locked"]
    # Nobody restricted "Open": every crossposter may post to it, as before.
    assert rights.can_post(users["editor_without"], open_channel)
    assert rights.can_post(users["editor_with"], open_channel)
    # "Locked": only the agency (and superusers).
    assert not rights.can_post(users["editor_without"], locked)
    assert rights.can_post(users["editor_with"], locked)
    assert rights.can_post(users["superuser"], locked)
    # Rights narrow the package's permission, never widen it: managers may not crosspost.
    assert not rights.can_post(users["manager"], open_channel)
    # Approving is restricted by nobody here: every crossposter may.
    assert rights.can_approve(users["editor_without"], locked)
    # Managing "Locked" is restricted to the managers; "Open" to nobody.
    assert rights.can_manage(users["manager"], locked)
    assert not rights.can_manage(users["other_changer"], locked)
    assert rights.can_manage(users["other_changer"], open_channel)
    assert not rights.can_manage(users["editor_with"], open_channel)  # no change_channel
    # Another site's user has no rights on this site's channels.
    assert not rights.can_post(users["other_site"], open_channel)
    assert not rights.can_manage(users["other_site"], open_channel)


def test_an_inactive_member_of_a_granted_group_has_no_right(company):
    user = company["users"]["editor_with"]
    user.is_active = False
    user.save()
    assert rights.channel_ids_with(user, "post", [company["locked"].pk]) == set()


# -- the Publish-to panel ------------------------------------------------------------------------

PANEL_ROWS = {
    # kind: (Locked offered as a choice, the reason shown)
    "editor_without": (False, True),
    "editor_with": (True, False),
    "superuser": (True, False),
}


@pytest.mark.parametrize("kind", sorted(PANEL_ROWS))
def test_the_panel_disables_a_channel_the_user_may_not_post_to(client, company, kind):
    login(client, company, kind)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[company["page"].pk]))
    html = response.content.decode()
    offered, reason = PANEL_ROWS[kind]
    assert response.status_code == 200
    assert f'name="crosspost_choices-TOTAL_FORMS" value="{2 if offered else 1}"' in html
    assert (DENIED_TEXT in html) is reason
    assert "Locked" in html and "Open" in html


@pytest.mark.parametrize("kind", ["anonymous", "other_site"])
def test_the_page_editor_is_closed_to_those_who_may_not_edit_the_page(client, company, kind):
    login(client, company, kind)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[company["page"].pk]))
    assert response.status_code in (302, 403)


def test_a_forged_panel_post_plans_nothing_for_the_locked_channel(
    client, company, django_capture_on_commit_callbacks
):
    page = company["page"]
    login(client, company, "editor_without")
    data = edit_form(page, [request_row(company["open"]), request_row(company["locked"])])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert response.status_code == 302
    planned = set(Publication.objects.filter(page=page).values_list("channel__name", flat=True))
    assert planned == {"Open"}
    # The forged row is not even ticked in the page's choices.
    locked = choices_for(Page.objects.get(pk=page.pk))[company["locked"].pk]
    assert not locked.enabled


def test_the_agency_ticks_the_locked_channel_in_the_panel(
    client, company, django_capture_on_commit_callbacks
):
    page = company["page"]
    login(client, company, "editor_with")
    data = edit_form(page, [request_row(company["open"]), request_row(company["locked"])])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    planned = set(Publication.objects.filter(page=page).values_list("channel__name", flat=True))
    assert planned == {"Open", "Locked"}


def test_a_choice_made_by_the_agency_stays_when_the_company_edits(client, company):
    page = company["page"]
    choose(page, company["locked"], enabled=True)
    page.save()
    page.save_revision()
    login(client, company, "editor_without")
    html = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert DENIED_TEXT in html
    data = edit_form(page, [request_row(company["locked"], enabled=False)], action="action-x")
    data["crosspost_choices-INITIAL_FORMS"] = "1"
    client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert choices_for(Page.objects.get(pk=page.pk))[company["locked"].pk].enabled


# -- planning: the outbox asks -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "planned"),
    [
        ("editor_without", set()),
        ("editor_with", {"Locked"}),
        ("manager", set()),  # the post right is restricted to the agency: not theirs
        ("superuser", {"Locked"}),
        (None, {"Locked"}),  # the site's own code (no user) is trusted, as before
    ],
)
def test_planning_plans_only_channels_the_user_may_post_to(company, kind, planned):
    page, locked = company["page"], company["locked"]
    user = company["users"][kind] if kind else None
    choice = Choice(locked.pk, enabled=True)
    rows = planning.plan_publications(page, page.live_revision, user, choices=[choice])
    assert {row.channel.name for row in rows} == planned


def test_a_publish_of_a_revision_saved_by_the_company_plans_nothing_for_locked(
    company, django_capture_on_commit_callbacks
):
    page = company["page"]
    for channel in (company["open"], company["locked"]):
        choose(page, channel, enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        publish(page, user=company["users"]["editor_without"])
    planned = set(Publication.objects.filter(page=page).values_list("channel__name", flat=True))
    assert planned == {"Open"}


# -- the JSON API --------------------------------------------------------------------------------

API_CROSSPOST = {
    "anonymous": 401,
    "editor_without": 403,
    "editor_with": 202,
    "manager": 403,  # may edit the page, but not choose channels
    "superuser": 202,
    "other_site": 403,
}


@pytest.mark.parametrize("kind", KINDS)
def test_api_crosspost_to_the_locked_channel(client, company, kind):
    login(client, company, kind)
    url = f"/crosspost/api/pages/{company['page'].pk}/crosspost/"
    body = json.dumps({"channels": ["Locked", "Open"]})
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == API_CROSSPOST[kind], response.content
    planned = set(Publication.objects.values_list("channel__name", flat=True))
    assert planned == ({"Locked", "Open"} if API_CROSSPOST[kind] == 202 else set())


def test_api_refusal_names_only_what_was_sent(client, company):
    login(client, company, "editor_without")
    url = f"/crosspost/api/pages/{company['page'].pk}/crosspost/"
    body = json.dumps({"channels": [company["locked"].pk]})
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"] == f"You may not post to the channels {company['locked'].pk}."


def test_api_default_channels_keep_only_those_the_user_may_post_to(client, company):
    page = company["page"]
    for channel in (company["open"], company["locked"]):
        choose(page, channel, enabled=True)
    publish(page)  # by code: both planned
    Publication.objects.all().delete()
    login(client, company, "editor_without")
    response = client.post(
        f"/crosspost/api/pages/{page.pk}/crosspost/", "{}", content_type="application/json"
    )
    assert response.status_code == 202
    assert set(Publication.objects.values_list("channel__name", flat=True)) == {"Open"}


API_READ = {
    "anonymous": 401,
    "editor_without": 200,
    "editor_with": 200,
    "manager": 200,
    "superuser": 200,
    "other_site": 403,
}


@pytest.mark.parametrize("kind", KINDS)
def test_api_read(client, company, kind):
    login(client, company, kind)
    response = client.get(f"/crosspost/api/pages/{company['page'].pk}/publications/")
    assert response.status_code == API_READ[kind]


# -- the actions ---------------------------------------------------------------------------------

RETRY_LOCKED = {
    "anonymous": "login",
    "editor_without": 403,
    "editor_with": 302,
    "manager": 403,
    "superuser": 302,
    "other_site": 403,
}


@pytest.mark.parametrize("kind", KINDS)
def test_retry_of_a_post_to_the_locked_channel(client, company, kind):
    row = failed_row(company, "locked")
    login(client, company, kind)
    response = client.post(reverse("wagtail_crosspost:retry", args=[row.pk]))
    expected = RETRY_LOCKED[kind]
    check(response, expected)
    row.refresh_from_db()
    assert row.status == ("pending" if expected == 302 else "failed")


@pytest.mark.parametrize("kind", ["editor_without", "editor_with"])
def test_retry_on_the_open_channel_keeps_todays_behaviour(client, company, kind):
    row = failed_row(company, "open")
    login(client, company, kind)
    assert client.post(reverse("wagtail_crosspost:retry", args=[row.pk])).status_code == 302
    row.refresh_from_db()
    assert row.status == "pending"


def test_planning_refuses_a_retry_for_a_user_without_the_right(company):
    row = failed_row(company, "locked")
    assert not planning.retry(row, user=company["users"]["editor_without"])
    assert planning.retry(row, user=company["users"]["editor_with"])


@pytest.mark.parametrize("kind", KINDS)
def test_delete_remote_of_a_post_on_the_locked_channel(client, company, kind):
    row = Publication.objects.create(
        page=company["page"], channel=company["locked"], status="posted", remote_id="1"
    )
    login(client, company, kind)
    response = client.post(reverse("wagtail_crosspost:delete_remote", args=[row.pk]))
    allowed = RETRY_LOCKED[kind] == 302
    assert Publication.objects.filter(target=row, action="delete").exists() is allowed
    check(response, RETRY_LOCKED[kind])


MANAGE_LOCKED = {
    "anonymous": "login",
    "editor_without": 403,
    "editor_with": 403,
    "manager": 302,
    "superuser": 302,
    "other_site": 403,
}


@pytest.mark.parametrize("kind", [*KINDS, "other_changer"])
def test_test_connection_needs_the_manage_right(client, company, kind):
    login(client, company, kind)
    url = reverse("wagtail_crosspost:test_connection", args=[company["locked"].pk])
    response = client.post(url)
    check(response, MANAGE_LOCKED.get(kind, 403))


@pytest.mark.parametrize(
    ("kind", "locked", "open_"),
    [
        ("manager", 200, 200),
        ("other_changer", 404, 200),
        ("superuser", 200, 200),
        ("other_site", 404, 404),
    ],
)
def test_channel_settings_need_the_manage_right(client, company, kind, locked, open_):
    login(client, company, kind)
    for channel, expected in ((company["locked"], locked), (company["open"], open_)):
        for view in ("edit", "delete"):
            url = reverse(f"wagtail_crosspost_channels:{view}", args=[channel.pk])
            check(client.get(url), expected)


@pytest.mark.parametrize(("kind", "allowed"), [("manager", True), ("other_changer", False)])
def test_disconnect_needs_the_manage_right(client, company, kind, allowed):
    login(client, company, kind)
    url = reverse("wagtail_crosspost:auth:disconnect", args=[company["locked"].pk])
    check(client.get(url), 200 if allowed else 403)
