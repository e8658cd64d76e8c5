"""The dashboard warns when scheduled pages are long past their go-live time (the W003 test),
saying what to add to cron or which setting to turn on; only pages the user may edit are named."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Revision

from tests.factories import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_page(make_article, django_capture_on_commit_callbacks):
    page = make_article(title="Autumn fair", live=False)
    page.go_live_at = timezone.now() + timedelta(minutes=2)
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    return page


def make_overdue(minutes):
    Revision.objects.filter(approved_go_live_at__isnull=False).update(
        approved_go_live_at=timezone.now() - timedelta(minutes=minutes)
    )


def dashboard(client) -> str:
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    return response.content.decode()


def test_no_warning_while_the_page_is_within_the_grace_time(admin_client, overdue_page):
    make_overdue(10)
    assert "data-crosspost-overdue" not in dashboard(admin_client)


def test_an_overdue_page_is_named_with_the_cron_line(admin_client, overdue_page):
    make_overdue(20)
    html = dashboard(admin_client)
    panel = html.split("data-crosspost-overdue")[1].split("</section>")[0]
    assert "Scheduled pages do not go live" in panel
    assert "Autumn fair" in panel
    assert reverse("wagtailadmin_pages:edit", args=[overdue_page.pk]) in panel
    assert "python manage.py publish_scheduled" in panel
    assert "WAGTAILCROSSPOST_PUBLISH_SCHEDULED = True" in panel


def test_with_the_setting_on_it_asks_whether_the_loop_runs(admin_client, overdue_page, settings):
    settings.WAGTAILCROSSPOST_PUBLISH_SCHEDULED = True
    make_overdue(20)
    panel = dashboard(admin_client).split("data-crosspost-overdue")[1].split("</section>")[0]
    assert "check that it is running" in panel
    assert "publish_scheduled</code></pre>" not in panel


def test_the_german_dashboard(admin_client, admin_user, overdue_page):
    from tests.factories import set_admin_preferences

    set_admin_preferences(admin_user, preferred_language="de")
    make_overdue(20)
    panel = dashboard(admin_client).split("data-crosspost-overdue")[1].split("</section>")[0]
    assert "Geplante Seiten gehen nicht live" in panel
    assert "1 geplante Seite ist seit mehr als 15 Minuten" in panel
    assert "Entwicklerin oder Ihren Entwickler" in panel


def test_a_user_who_may_not_edit_the_page_is_not_told_its_title(
    client, django_user_model, overdue_page
):
    user = django_user_model.objects.create_user("chan", password="pw")
    group = Group.objects.create(name="Channel admins")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="change_channel"),
    )
    user.groups.add(group)
    client.force_login(user)
    make_overdue(20)
    html = dashboard(client)
    assert "data-crosspost-overdue" not in html and "Autumn fair" not in html
