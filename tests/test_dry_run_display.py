"""Issue #18 point 8: dry runs are visibly dry in the log's status column, its filters and
exports, the inspect page, the Publish-to panel and the status it polls, and the page history."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import ChannelFactory, publish, set_admin_preferences
from wagtail_crosspost.models import Publication

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(make_article, django_capture_on_commit_callbacks):
    """One page posted for real on "Real wall", and as a dry run on "Trial wall"."""
    real = ChannelFactory(name="Real wall")
    trial = ChannelFactory(name="Trial wall", dry_run=True)
    page = make_article(title="Open day", channels=[real, trial])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    return page, Publication.objects.get(channel=real), Publication.objects.get(channel=trial)


def test_the_rows_are_recorded_as_dry_and_real(rows):
    _page, real, dry = rows
    assert dry.dry_run and dry.status == "posted" and dry.status_label == "Dry run (not sent)"
    assert not real.dry_run and real.status_label == "Posted"
    with translation.override("de"):
        assert dry.status_label == "Probelauf (nicht gesendet)"


def _status_cells(html: str) -> dict[str, str]:
    import re

    cells = {}
    for row in re.findall(r"<tr.*?</tr>", html, re.S):
        for name in ("Real wall", "Trial wall"):
            if name in row:
                cells[name] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
    return cells


def test_the_log_list_shows_the_dry_run_status(admin_client, rows):
    html = admin_client.get(reverse("wagtail_crosspost_log:index")).content.decode()
    cells = _status_cells(html)
    assert "Dry run (not sent)" in cells["Trial wall"] and "Posted" not in cells["Trial wall"]
    assert "Posted" in cells["Real wall"] and "Dry run" not in cells["Real wall"]


def test_the_log_filters_by_dry_run(admin_client, rows):
    url = reverse("wagtail_crosspost_log:index")
    dry_only = _status_cells(admin_client.get(url + "?dry_run=true").content.decode())
    assert set(dry_only) == {"Trial wall"}
    real_only = _status_cells(admin_client.get(url + "?dry_run=false").content.decode())
    assert set(real_only) == {"Real wall"}
    assert 'name="dry_run"' in admin_client.get(url).content.decode()


def test_the_exports_have_a_dry_run_column(admin_client, rows):
    url = reverse("wagtail_crosspost_log:index")
    response = admin_client.get(url + "?export=csv")
    table = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    heading = next(h for h in table[0] if h.lower() == "dry run")
    by_channel = {row["Channel"].split(" · ")[0]: row for row in table}
    assert by_channel["Trial wall"][heading] == "Dry run (not sent)"
    assert by_channel["Real wall"][heading] == ""
    from openpyxl import load_workbook

    xlsx = admin_client.get(url + "?export=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    column = [h.lower() if isinstance(h, str) else h for h in values[0]].index("dry run")
    assert sorted(str(row[column] or "") for row in values[1:]) == ["", "Dry run (not sent)"]


def test_the_inspect_page_says_dry_run(admin_client, rows):
    _page, real, dry = rows
    html = admin_client.get(reverse("wagtail_crosspost_log:inspect", args=[dry.pk])).content
    assert b"Dry run (not sent)" in html
    html = admin_client.get(reverse("wagtail_crosspost_log:inspect", args=[real.pk])).content
    assert b"Dry run (not sent)" not in html


def test_the_panel_and_its_polled_status_say_dry_run(admin_client, rows):
    page, real, dry = rows
    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert f'data-publication="{dry.pk}"' in html
    dry_item = html.split(f'data-publication="{dry.pk}"')[1].split("</li>")[0]
    assert "Dry run (not sent)" in dry_item
    real_item = html.split(f'data-publication="{real.pk}"')[1].split("</li>")[0]
    assert "Dry run" not in real_item
    status = admin_client.get(reverse("wagtail_crosspost:page_status", args=[page.pk])).json()
    labels = {p["channel_name"]: p["status_label"] for p in status["publications"]}
    assert labels == {"Real wall": "Posted", "Trial wall": "Dry run (not sent)"}


def test_the_page_history_says_dry_run(admin_client, rows):
    page, _real, _dry = rows
    html = admin_client.get(reverse("wagtailadmin_pages:history", args=[page.pk])).content
    assert b"Posted to In-memory (tests) (Trial wall) (dry run)" in html
    assert b"Posted to In-memory (tests) (Real wall)" in html


def test_the_dry_run_label_is_german_for_german_editors(admin_client, admin_user, rows):
    set_admin_preferences(admin_user, preferred_language="de")
    html = admin_client.get(reverse("wagtail_crosspost_log:index")).content.decode()
    assert "Probelauf (nicht gesendet)" in html
