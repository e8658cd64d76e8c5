"""Safe links everywhere: a remote URL is stored only if it is http(s), and every template of the
package renders links through the one ``safe_url`` filter. Each template is rendered with hostile
URLs (``javascript:``, ``data:``, ``vbscript:``, mixed case, whitespace and control characters,
other hosts) in every URL-ish variable; no such value may reach an href, src or action."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace as NS

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import include, path, reverse
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

import wagtail_crosspost
from tests.factories import ChannelFactory, publish
from wagtail_crosspost.adapters.base import Receipt
from wagtail_crosspost.adapters.locmem import LocmemAdapter
from wagtail_crosspost.models import Publication
from wagtail_crosspost.url_safety import safe_href, storable_url, web_url

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("crosspost/api/", include("wagtail_crosspost.api_urls")),
    path("", include(wagtail_urls)),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

# Each carries a marker that must never appear in a link attribute.
HOSTILE = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "  javascript:alert(1)",
    "\tjavascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\x00javascript:alert(1)",
    "\x1fjavascript:alert(1)",
    "\u00a0javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    " data:image/svg+xml,<svg onload=alert(1)>",
    "vbscript:msgbox(1)",
    "VBScript:msgbox(1)",
    "\x0bvbscript:msgbox(1)",
    "//evil.example/alert(1)",
    "/\\evil.example/alert(1)",
    "https://ok.example/\nalert(1)",
]
# PostgreSQL's text columns cannot hold NUL: a stored value never has one (templates get it above).
STORED_HOSTILE = [url for url in HOSTILE if "\x00" not in url]
MARKERS = ("alert(1)", "msgbox(1)", "PHNjcmlwdD5", "evil.example")
LINK_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "poster", "xlink:href"}

TEMPLATE_DIR = Path(wagtail_crosspost.__file__).parent / "templates"


class LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is not None and (name in LINK_ATTRIBUTES or name.endswith("-url-value")):
                self.links.append(value)


def assert_no_hostile_link(html: str, where: str) -> None:
    collector = LinkCollector()
    collector.feed(html)
    for link in collector.links:
        # As a browser reads it: tabs and newlines removed, controls and spaces around dropped.
        seen = "".join(c for c in link if c not in "\t\n\r")
        seen = seen.strip("".join(map(chr, range(0x21))) + "\u00a0").lower()
        assert not any(marker.lower() in seen for marker in MARKERS), (where, link)


def _connect(url):
    return {
        "buttons": [{"label": "Log in", "protocol": "oauth2", "needs_server": True}],
        "start_url": url,
        "disconnect_url": url,
        "connected": True,
        "expiry": "",
        "expired": False,
        "channel": None,
        "platform": "mastodon",
    }


# Every template of the package, with every URL-ish variable it reads set to ``url``.
DIRECT_CONTEXTS = {
    "wagtail_crosspost/auth/app_wizard.html": lambda url: {
        "page_title": "Set up",
        "platform": "linkedin",
        "platforms": [("linkedin", "LinkedIn"), ("x", "X")],
        "callback_url": url,
        "scopes": [url],
        "steps": [url],
        "form": None,
        "stored": None,
        "settings_win": True,
    },
    "wagtail_crosspost/auth/error.html": lambda url: {
        "message": "No",
        "back_url": url,
        "page_title": "Error",
    },
    "wagtail_crosspost/auth/disconnect.html": lambda url: {
        "channel": NS(name="Chan"),
        "action": url,
        "cancel_url": url,
        "platform": "P",
        "revokes": True,
        "page_title": "Disconnect",
    },
    "wagtail_crosspost/auth/choose_account.html": lambda url: {
        "action": url,
        "cancel_url": url,
        "platform": "P",
        "selected": "1",
        "channel": None,
        "accounts": [{"id": "1", "name": "Acc", "kind": "Page", "detail": url}],
        "page_title": "Choose",
    },
    "wagtail_crosspost/auth/connect_panel.html": lambda url: {"connect": _connect(url)},
    "wagtail_crosspost/auth/connect_buttons.html": lambda url: {"connect": _connect(url)},
    "wagtail_crosspost/channels/choose_platform.html": lambda url: {
        "platforms": [{"key": "k", "label": "L", "url": url, "connect": _connect(url)}],
        "page_title": "Add",
    },
    "wagtail_crosspost/channels/edit.html": lambda url: {
        "test_url": url,
        "connect": _connect(url),
        "page_title": "Edit",
        "object": NS(status="error", status_detail=url, get_status_display="Error"),
        "form": NS(platform_notice=url),
    },
    "wagtail_crosspost/channels/state.html": lambda url: {
        "state": {"level": "critical", "lines": [url]},
    },
    "wagtail_crosspost/channels/create.html": lambda url: {
        "form": NS(platform_notice=url),
        "page_title": "Add",
    },
    "wagtail_crosspost/log/link_cell.html": lambda url: {
        "column": NS(classname=""),
        "url": url,
        "value": url,
    },
    "wagtail_crosspost/log/remote_link.html": lambda url: {"url": url},
    "wagtail_crosspost/review/group_channel_permissions.html": lambda url: {
        "form": NS(
            channels=[1],
            rights=[("post", url, url)],
            rows=[NS(channel=NS(name=url, platform_label=url), field=[])],
        )
    },
    "wagtail_crosspost/log/raw_response.html": lambda url: {"raw": {"body": url, "link": url}},
    "wagtail_crosspost/log/sent_media.html": lambda url: {
        "media": [
            {
                "url": url,
                "alt_text": "a",
                "width": 8,
                "height": 8,
                "filename": "f.png",
                "mime_type": "image/png",
                "bytes": 10,
            }
        ]
    },
    "wagtail_crosspost/log/confirm_delete_remote.html": lambda url: {
        "publication": NS(channel="Chan", page_title="Page", remote_url=url),
        "page_title": "Delete",
    },
    "wagtail_crosspost/log/confirm_retry.html": lambda url: {
        "publication": NS(pk=1, channel="Chan", page_title=url, remote_url=url, error=url),
        "page_title": "Retry",
        "next": url,
    },
    "wagtail_crosspost/dashboard/overdue_pages.html": lambda url: {
        "pages": [NS(pk=1, get_admin_display_title=url)],
        "minutes": 15,
        "setting_on": False,
    },
    "wagtail_crosspost/dashboard/summary.html": lambda url: {
        "failed": [
            (NS(pk=1, page_title=url, channel=NS(name="C"), get_status_display="Failed"), url)
        ],
        "failed_count": 1,
        "reconnect": [NS(pk=1, name=url)],
        "can_manage": True,
    },
    "wagtail_crosspost/schedule/this_week.html": lambda url: {
        "upcoming": [{"title": url, "extendedProps": {"url": url}, "when": None}],
        "count": 1,
    },
    "wagtail_crosspost/evergreen/report.html": lambda url: {
        "weeks": 4,
        "report": [
            {
                "channel": NS(pk=1, name=url),
                "pool_size": 1,
                "next": [NS(next_attempt_at=None, page_title=url, message=url)],
                "preview": [{"when": None, "title": url, "text": url}],
                "never_shared": [url],
                "never_shared_count": 1,
                "left_out": [{"title": url, "reason": url}],
                "skipped": [NS(page_title=url, next_attempt_at=None, error=url)],
            }
        ],
        "page_title": "Re-sharing",
    },
    "wagtail_crosspost/schedule/calendar.html": lambda url: {
        "filters": [],
        "calendar_config": {"dataUrl": url},
        "page_title": "Calendar",
    },
    "wagtail_crosspost/review/planned_posts.html": lambda url: {
        "posts": [
            NS(
                channel=NS(pk=1, name=url, platform_label="Mastodon"),
                text=url,
                thread=[url],
                image_url=url,
                image_alt=url,
                image_size=(8, 8),
                due=None,
                approved=False,
                error="",
            )
        ]
    },
    "wagtail_crosspost/metrics/figure_cell.html": lambda url: {"figure": url, "change": None},
    "wagtail_crosspost/log/figure_cell.html": lambda url: {
        "column": NS(classname=url, name=url),
        "value": url,
    },
    "wagtail_crosspost/notices/_row.html": lambda url: {
        "row": NS(
            notice=NS(pk=1, seen_at=None, kind=url, created_at=None),
            text=NS(subject=url, details=[url]),
        )
    },
    "wagtail_crosspost/notices/dashboard_panel.html": lambda url: {
        "count": 1,
        "rows": [
            NS(
                notice=NS(pk=1, seen_at=None, kind=url, created_at=None),
                text=NS(subject=url, details=[url]),
            )
        ],
        "next": url,
    },
    "wagtail_crosspost/schedule/feed_panel.html": lambda url: {"feed_url": url, "form": []},
    "wagtail_crosspost/metrics/chart_style.html": lambda url: {},
    "wagtail_crosspost/metrics/dashboard_panel.html": lambda url: {
        "totals": [{"label": url, "value": url, "change": None}],
        "goals": [NS(goal=url, reached=1, percent=50, done=False)],
    },
}
# Rendered by their real views, with the hostile values stored in the database.
VIEW_RENDERED = {
    "wagtail_crosspost/review/approval_modal.html",  # tests/review/test_approval_workflow.py
    "wagtail_crosspost/review/preview_link.html",  # tests/review/test_preview_link.py
    "wagtail_crosspost/review/preview_links_admin.html",  # tests/review/test_preview_link.py
    "wagtail_crosspost/log/inspect.html",
    "wagtail_crosspost/log/index.html",  # the log list, in the stored-URL test below
    # The notices list and the account panel (tests/review/test_notices_admin.py,
    # tests/review/test_notice_digest.py): their rows are notices/_row.html, rendered above.
    "wagtail_crosspost/notices/index.html",
    "wagtail_crosspost/notices/account_panel.html",
    "wagtail_crosspost/evergreen/page.html",  # tests/evergreen/test_page_choice.py
    "wagtail_crosspost/panels/publish_to.html",
    "wagtail_crosspost/schedule/timing_fields.html",  # included in publish_to.html
    # The Social performance report (tests/metrics/test_report.py): page titles as text only.
    "wagtail_crosspost/metrics/report.html",
    "wagtail_crosspost/metrics/report_results.html",
}


def all_templates() -> set[str]:
    return {str(p.relative_to(TEMPLATE_DIR)) for p in TEMPLATE_DIR.rglob("*.html")}


def test_every_template_is_covered():
    assert all_templates() == set(DIRECT_CONTEXTS) | VIEW_RENDERED


@pytest.mark.parametrize("url", HOSTILE)
@pytest.mark.parametrize("name", sorted(DIRECT_CONTEXTS))
def test_templates_render_no_hostile_link(name, url, admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    html = render_to_string(name, DIRECT_CONTEXTS[name](url), request=request)
    assert_no_hostile_link(html, name)


def test_templates_still_render_good_links(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    good = "https://social.example/@us/1"
    html = render_to_string(
        "wagtail_crosspost/log/confirm_delete_remote.html",
        DIRECT_CONTEXTS["wagtail_crosspost/log/confirm_delete_remote.html"](good),
        request=request,
    )
    assert f'href="{good}"' in html
    html = render_to_string(
        "wagtail_crosspost/auth/error.html",
        {"message": "m", "back_url": "/admin/x/?a=1"},
        request=request,
    )
    assert 'href="/admin/x/?a=1"' in html


@pytest.fixture
def hostile_row(make_article, channel, django_capture_on_commit_callbacks):
    page = make_article(title="Hostile", channels=[channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    row = Publication.objects.get()
    return page, row


@pytest.mark.parametrize("url", STORED_HOSTILE)
def test_views_render_no_hostile_link_from_a_stored_url(admin_client, hostile_row, url):
    """A hostile URL already in the database (stored before this fix, or by a raw update)."""
    page, row = hostile_row
    Publication.objects.filter(pk=row.pk).update(
        remote_url=url, sent_media=[{"url": url, "width": 8, "height": 8}]
    )
    for where in (
        reverse("wagtail_crosspost_log:index"),
        reverse("wagtail_crosspost_log:inspect", args=[row.pk]),
        reverse("wagtail_crosspost:delete_remote", args=[row.pk]),
        reverse("wagtailadmin_pages:edit", args=[page.pk]),
    ):
        response = admin_client.get(where)
        assert response.status_code == 200, where
        assert_no_hostile_link(response.content.decode(), where)
    status = admin_client.get(reverse("wagtail_crosspost:page_status", args=[page.pk])).json()
    assert [p["url"] for p in status["publications"]] == [""]
    api = admin_client.get(f"/crosspost/api/pages/{page.pk}/publications/").json()
    assert [p["url"] for p in api["publications"]] == [""]


def test_the_delete_confirmation_links_a_good_post(admin_client, hostile_row):
    _page, row = hostile_row
    html = admin_client.get(reverse("wagtail_crosspost:delete_remote", args=[row.pk])).content
    assert b'href="https://locmem.invalid/locmem-1"' in html


class HostileAdapter(LocmemAdapter):
    """A platform whose answer names a hostile link (as a compromised server could)."""

    key = "hostile"
    label = "Hostile"
    answer = "javascript:alert(1)"

    def publish(self, post):
        receipt = super().publish(post)
        # raw stays plain: a NUL in the raw answer is a separate problem (trim, not links).
        return Receipt(remote_id=receipt.remote_id, url=self.answer, raw={"id": receipt.remote_id})


@pytest.mark.parametrize("answer", [*HOSTILE, "https://ok.example/" + "x" * 2000])
def test_a_hostile_remote_url_is_never_stored(
    settings, make_article, django_capture_on_commit_callbacks, answer
):
    settings.WAGTAILCROSSPOST_ADAPTERS = ["tests.security.test_safe_links.HostileAdapter"]
    HostileAdapter.answer = answer
    channel = ChannelFactory(platform="hostile", name="Hostile platform")
    page = make_article(title="Post me", channels=[channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    row = Publication.objects.get()
    assert row.status == "posted" and row.remote_id  # the post exists: it is not failed
    assert row.remote_url == ""


def test_a_good_remote_url_is_stored(settings, make_article, django_capture_on_commit_callbacks):
    settings.WAGTAILCROSSPOST_ADAPTERS = ["tests.security.test_safe_links.HostileAdapter"]
    HostileAdapter.answer = "HTTPS://social.example/@us/1"
    channel = ChannelFactory(platform="hostile", name="Hostile platform")
    page = make_article(title="Post me", channels=[channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    assert Publication.objects.get().remote_url == "HTTPS://social.example/@us/1"


@pytest.mark.parametrize("url", HOSTILE)
def test_the_helpers_refuse_hostile_urls(url):
    assert web_url(url) == "" and storable_url(url) == "" and safe_href(url) == ""


@pytest.mark.parametrize(
    "url", ["https://a.example/x?y=1#z", "http://a.example", "HTTPS://A.EXAMPLE/"]
)
def test_the_helpers_keep_web_urls(url):
    assert web_url(url) == storable_url(url) == safe_href(url) == url


def test_safe_href_keeps_paths_on_this_site():
    assert safe_href("/admin/crosspost/") == "/admin/crosspost/"
    assert safe_href("?page=2") == "?page=2" and safe_href("#top") == "#top"
    assert storable_url("https://a.example/" + "x" * 2000) == ""


def test_the_channel_form_stores_only_web_addresses(admin_client):
    from wagtail_crosspost.models import Channel

    url = reverse("wagtail_crosspost_channels:add") + "?platform=instagram"
    data = {
        "name": "IG",
        "enabled": "on",
        "on_unpublish": "keep",
        "option_ig_user_id": "123",
        "option_graph_url": "javascript:alert(1)//",
        "credential_access_token": "secret-token",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, with the error beside the field
    assert "Enter an address that starts with https://" in response.content.decode()
    assert not Channel.objects.filter(name="IG").exists()
    response = admin_client.post(url, {**data, "option_graph_url": "https://graph.example"})
    assert response.status_code == 302
    assert Channel.objects.get(name="IG").options["graph_url"] == "https://graph.example"


def test_any_url_option_of_a_third_party_adapter_must_be_a_web_address(admin_client, settings):
    settings.WAGTAILCROSSPOST_ADAPTERS = ["tests.security.test_safe_links.ApiUrlAdapter"]
    settings.WAGTAILCROSSPOST_SHOW_DEV_ADAPTERS = True  # a locmem subclass: offline
    url = reverse("wagtail_crosspost_channels:add") + "?platform=apiurl"
    data = {"name": "Own", "enabled": "on", "on_unpublish": "keep"}
    response = admin_client.post(url, {**data, "option_api_url": "vbscript:msgbox(1)"})
    assert response.status_code == 200
    assert "Enter an address that starts with https://" in response.content.decode()
    response = admin_client.post(url, {**data, "option_api_url": "https://api.example"})
    assert response.status_code == 302


class ApiUrlAdapter(LocmemAdapter):
    key = "apiurl"
    label = "Own platform"
    option_fields = ("api_url",)
