"""The log's detail view reads as words: the site's time zone and date format, the reader's
language, no Python values or raw JSON keys, and no error shown as current on a post that went
out."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from tests.factories import publish, set_admin_preferences
from wagtail_crosspost.models import Publication

pytestmark = pytest.mark.django_db

SENT_AT = dt.datetime(2026, 7, 1, 17, 9, tzinfo=dt.UTC)  # 19:09 in Berlin (summer)


@pytest.fixture
def row(make_article, channel):
    page = make_article(title="Logged article", channels=[channel])
    publish(page)
    row = Publication.objects.get()
    Publication.objects.filter(pk=row.pk).update(
        status="posted",
        dry_run=False,
        sent_at=SENT_AT,
        error="The server did not answer in time. It will be tried again.",
        raw_response={"id": "109", "visibility": "public", "nested": {"ok": True}},
        sent_text="Hello",
    )
    row.refresh_from_db()
    return row


def detail(client, row):
    html = client.get(reverse("wagtail_crosspost_log:inspect", args=[row.pk])).content.decode()
    main = html[html.index("<dl") : html.rindex("</dl>")]
    return dict(
        (re.sub(r"<[^>]+>|\s+", " ", dt_).strip(), re.sub(r"\s+", " ", dd).strip())
        for dt_, dd in re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", main, re.S)
    )


def test_times_are_in_the_site_time_zone_and_values_are_words(
    client, django_user_model, row, settings
):
    settings.TIME_ZONE = "Europe/Berlin"
    editor = django_user_model.objects.create_superuser("ed", "ed@example.com", "pw")
    client.force_login(editor)
    fields = detail(client, row)
    assert fields["Sent"] == "July 1, 2026, 7:09 p.m."  # Berlin, not UTC (5:09 p.m.)
    assert fields["Dry run"] == "No"
    # Posted: the error is from an earlier attempt and says so.
    assert fields["Error"].startswith("Earlier attempt: The server did not answer")
    assert fields["Next attempt"] == "None: nothing more will be tried"
    assert fields["Requested by"] == "Nobody (sent automatically)"
    for value in fields.values():
        assert value not in ("True", "False", "None")
        assert "{&#x27;" not in value and "{'" not in value  # no Python dict


def test_editors_see_no_raw_json_keys(client, django_user_model, row):
    from django.contrib.auth.models import Group, Permission

    editor = django_user_model.objects.create_user("editor", "e@example.com", "pw")
    editor.groups.add(Group.objects.get(name="Editors"))
    editor.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtail_crosspost", codename="crosspost_page"
        )
    )
    client.force_login(editor)
    response = client.get(reverse("wagtail_crosspost_log:inspect", args=[row.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "visibility" not in html and "nested" not in html
    assert "Earlier attempt:" in html


def test_administrators_find_the_platform_answer_folded_away(admin_client, row):
    fields = detail(admin_client, row)
    answer = fields["Platform answer (technical details)"]
    assert answer.startswith("<details") and "&quot;visibility&quot;: &quot;public&quot;" in answer


def test_a_failed_post_shows_its_error_as_current_and_the_list_agrees(admin_client, row):
    Publication.objects.filter(pk=row.pk).update(status="failed")
    row.refresh_from_db()
    assert detail(admin_client, row)["Error"].startswith("The server did not answer")
    Publication.objects.filter(pk=row.pk).update(status="posted")
    listing = admin_client.get(reverse("wagtail_crosspost_log:index")).content.decode()
    assert "Earlier attempt: The server did not answer" in listing


def test_the_detail_view_speaks_german(client, django_user_model, row, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    admin = django_user_model.objects.create_superuser("de", "de@example.com", "pw")
    set_admin_preferences(admin, preferred_language="de")
    client.force_login(admin)
    fields = detail(client, row)
    assert fields["Probelauf"] == "Nein"
    assert fields["Fehler"].startswith("Früherer Versuch: ")
    assert fields["Nächster Versuch"] == "Keiner: Es wird nichts mehr versucht"
    assert "1. Juli 2026" in fields["Gesendet"] and "19:09" in fields["Gesendet"]
