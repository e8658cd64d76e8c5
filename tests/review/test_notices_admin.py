"""Notices in the admin, not only by mail: the approver sees the request on the dashboard, in
the menu's count and in the list; opening it marks it seen; the writer sees the decision with
the comment. Each user sees only their own notices, in their language, and never a token."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import set_admin_preferences
from tests.review.test_approval_workflow import current, draft, workflow_of
from wagtail_crosspost.review.models import Notice

pytestmark = pytest.mark.django_db

ACCESS = "admin-notice-token-0123456789"


@pytest.fixture
def submitted(setup, home):
    workflow_of(home, setup["social"])
    setup["channel"].set_credentials({"access_token": ACCESS})
    setup["channel"].save()
    page = draft(home, setup["channel"], setup["writer"])
    page.get_workflow().start(page, setup["writer"])
    return page


def html(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_approver_sees_the_request_on_the_dashboard_menu_and_list(setup, submitted, client):
    client.force_login(setup["approver"])
    dashboard = html(client, reverse("wagtailadmin_home"))
    assert "data-crosspost-notices-panel" in dashboard
    assert "1 new social media notice" in dashboard
    assert "Social media posts of “Open day” wait for your approval" in dashboard
    assert "Social notices (1)" in dashboard  # the menu's count

    listing = html(client, reverse("wagtail_crosspost:notices"))
    notice = Notice.objects.get(recipient=setup["approver"])
    assert f'data-crosspost-notice="{notice.pk}"' in listing
    assert "crosspost-notice--unseen" in listing

    # Opening it leads to the page's editor and marks it seen.
    response = client.get(reverse("wagtail_crosspost:notice_open", args=[notice.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[submitted.pk])
    notice.refresh_from_db()
    assert notice.seen_at is not None
    dashboard = html(client, reverse("wagtailadmin_home"))
    assert "data-crosspost-notices-panel" not in dashboard
    assert "Social notices (1)" not in dashboard and "Social notices" in dashboard


def test_the_writer_sees_the_decision_with_the_comment(setup, submitted, client):
    setup["social"].on_action(current(submitted), setup["approver"], "reject", comment="Shorter!")
    client.force_login(setup["writer"])
    listing = html(client, reverse("wagtail_crosspost:notices"))
    assert "Changes requested to the social media posts of “Open day”" in listing
    assert "Comment: Shorter!" in listing
    # The request was settled: the other approver's notice is no longer new.
    assert not Notice.objects.filter(
        recipient=setup["approver2"], kind="approval_requested", seen_at__isnull=True
    ).exists()


def test_notices_are_shown_in_the_readers_language(setup, submitted, client):
    set_admin_preferences(setup["approver2"], preferred_language="de")
    client.force_login(setup["approver2"])
    listing = html(client, reverse("wagtail_crosspost:notices"))
    assert "warten auf Ihre Freigabe" in listing
    assert "Social-Media-Hinweise" in listing


def test_mark_all_as_seen_and_only_ones_own(setup, submitted, client):
    theirs = Notice.objects.get(recipient=setup["approver2"])
    client.force_login(setup["approver"])
    response = client.get(reverse("wagtail_crosspost:notice_open", args=[theirs.pk]))
    assert response.status_code == 404
    response = client.post(
        reverse("wagtail_crosspost:notices_seen"),
        {"notice": [theirs.pk], "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("wagtail_crosspost:notices")  # no open redirect
    theirs.refresh_from_db()
    assert theirs.seen_at is None  # another user's notice is untouched

    response = client.post(reverse("wagtail_crosspost:notices_seen"), {"next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert not Notice.objects.filter(recipient=setup["approver"], seen_at__isnull=True).exists()
    assert Notice.objects.filter(recipient=setup["approver2"], seen_at__isnull=True).exists()


def test_the_list_filters_by_event_and_new_ones(setup, submitted, client):
    client.force_login(setup["approver"])
    url = reverse("wagtail_crosspost:notices")
    assert "wait for your approval" in html(client, url + "?event=approval_requested")
    assert "wait for your approval" not in html(client, url + "?event=post_problem")
    Notice.objects.filter(recipient=setup["approver"]).update(seen_at="2026-01-01T00:00Z")
    assert "No notices." in html(client, url + "?unseen=1")


def test_no_token_in_a_failed_posts_notice(company, client, settings):
    from tests import scripted
    from tests.factories import ChannelFactory, publish
    from wagtail_crosspost.adapters.base import PermanentError
    from wagtail_crosspost.choices import choose
    from wagtail_crosspost.models import Publication
    from wagtail_crosspost.outbox import delivery

    settings.WAGTAILCROSSPOST_ADAPTERS = ["tests.scripted.ScriptedAdapter"]
    scripted.SCRIPT.clear()
    channel = ChannelFactory(platform="scripted", name="Scripted", site=company["site"])
    channel.set_credentials({"access_token": ACCESS})
    channel.save()
    page = company["page"]
    choose(page, channel, enabled=True)
    page.save()
    editor = company["users"]["editor_with"]
    publish(page, user=editor)
    row = Publication.objects.get(page=page, channel=channel)
    scripted.SCRIPT.append(PermanentError(f"Rejected token {ACCESS}"))
    assert delivery.deliver(row.pk) == "failed"

    client.force_login(editor)
    listing = html(client, reverse("wagtail_crosspost:notices"))
    assert "Posting “Open day” to Scripted failed" in listing
    assert "Rejected token [redacted]" in listing
    assert ACCESS not in listing
    dashboard = html(client, reverse("wagtailadmin_home"))
    panel = dashboard.split("data-crosspost-notices-panel", 1)[1].split("</section>", 1)[0]
    assert "Rejected token [redacted]" in panel and ACCESS not in panel
