"""The signed preview link: off by default, expires, can be revoked, refuses a tampered
signature, is rate limited, leaks no admin data, and its answer lands in the workflow and the
page history with the typed name."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageLogEntry, TaskState

from tests.review.test_approval_workflow import current, draft, posts, workflow_of
from wagtail_crosspost.review import links

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on(settings):
    settings.WAGTAILCROSSPOST_PREVIEW_LINKS = True
    settings.WAGTAILCROSSPOST_PREVIEW_LINK_RATE = 30
    cache.clear()


@pytest.fixture
def waiting(setup, home):
    workflow_of(home, setup["social"])
    page = draft(home, setup["channel"], setup["writer"], message="Secret launch on Friday")
    page.get_workflow().start(page, setup["writer"])
    return page


def url(token):
    return reverse("wagtail_crosspost_public:preview_link", args=[token])


def test_off_by_default(settings, waiting, client):
    _link, token = links.create(waiting)
    settings.WAGTAILCROSSPOST_PREVIEW_LINKS = False
    assert client.get(url(token)).status_code == 404


def test_shows_the_planned_posts_read_only_as_a_secret(waiting, client):
    _link, token = links.create(waiting)
    response = client.get(url(token))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Secret launch on Friday" in html and "Company Mastodon" in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "no-store" in response["Cache-Control"]


def test_no_admin_data_leaks(waiting, client, setup):
    _link, token = links.create(waiting, setup["writer"])
    html = client.get(url(token)).content.decode()
    for leak in ("/admin/", "writer", "@example.com", 'csrfmiddlewaretoken" value=""'):
        assert leak not in html
    assert "wagtail" not in html.lower().replace("wagtail_crosspost", "")


def test_expires_after_fourteen_days(waiting, client):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _link, token = links.create(waiting)
        traveller.shift(timedelta(days=13, hours=23))
        assert client.get(url(token)).status_code == 200
        traveller.shift(timedelta(hours=2))
        assert client.get(url(token)).status_code == 404


def test_revoked_link_is_dead(waiting, client):
    link, token = links.create(waiting)
    links.revoke(link)
    assert client.get(url(token)).status_code == 404


def test_tampered_signature_is_refused(waiting, client):
    _link, token = links.create(waiting)
    key, _sep, signature = token.rpartition(":")
    forged = key + ":" + ("A" if signature[0] != "A" else "B") + signature[1:]
    assert client.get(url(forged)).status_code == 404
    assert client.get(url("not-a-token")).status_code == 404


def test_rate_limited(settings, waiting, client):
    settings.WAGTAILCROSSPOST_PREVIEW_LINK_RATE = 3
    _link, token = links.create(waiting)
    codes = [client.get(url(token)).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    # Guessing tokens is limited too.
    codes = [client.get(url("guess")).status_code for _ in range(5)]
    assert codes[-1] == 429


def test_approve_lands_in_the_workflow_and_history(waiting, client, setup):
    _link, token = links.create(waiting)
    page_url = url(token)
    html = client.get(page_url).content.decode()
    assert 'name="decision"' in html
    response = client.post(page_url, {"name": "Clara Company", "decision": "approve"})
    assert response.status_code == 200
    waiting.refresh_from_db()
    assert waiting.live and posts(waiting) == ["Secret launch on Friday"]
    entry = PageLogEntry.objects.get(page=waiting, action="wagtail_crosspost.approved")
    assert entry.data["reviewer"] == "Clara Company"
    assert "Clara Company" in str(entry.message)


def test_request_changes_lands_in_the_workflow(waiting, client):
    _link, token = links.create(waiting)
    state = current(waiting)
    client.post(url(token), {"name": "Clara", "decision": "reject", "comment": "Not Friday"})
    state.refresh_from_db()
    assert state.status == TaskState.STATUS_REJECTED
    assert "Not Friday" in state.comment and "Clara" in state.comment
    assert posts(waiting) == []


def test_admin_creates_and_revokes_links(waiting, client, setup):
    client.force_login(setup["writer"])
    manage = reverse("wagtail_crosspost:preview_links", args=[waiting.pk])
    response = client.post(manage)
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    link = waiting.crosspost_preview_links.get()
    assert links.token_for(link) in response.content.decode()
    client.post(manage, {"revoke": link.pk})
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_the_links_page_needs_edit_rights(waiting, client, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", "n@example.org", "pw")
    from django.contrib.auth.models import Permission

    nobody.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(nobody)
    manage = reverse("wagtail_crosspost:preview_links", args=[waiting.pk])
    assert client.post(manage).status_code in (302, 403)
    assert not waiting.crosspost_preview_links.exists()
