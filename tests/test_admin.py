"""Settings → Social channels and Reports → Publication log, as an administrator uses them."""

import re

import pytest
from django.urls import reverse

from tests.factories import ChannelFactory, publish
from wagtail_crosspost.models import Channel, Publication

pytestmark = pytest.mark.django_db

SECRET = "tok-SUPER-SECRET-123456"


def test_add_channel_asks_for_the_platform_first(admin_client):
    response = admin_client.get(reverse("wagtail_crosspost_channels:add"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Mastodon" in html and "?platform=mastodon" in html


@pytest.fixture(autouse=True)
def _no_dns(settings):
    # The channel form checks server addresses; skip the DNS lookup for the made-up hosts here.
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True


def test_connect_mastodon_channel_stores_token_encrypted_and_never_shows_it(admin_client):
    url = reverse("wagtail_crosspost_channels:add") + "?platform=mastodon"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url,
        {
            "name": "Our Mastodon",
            "enabled": "on",
            "on_unpublish": "keep",
            "option_server_url": "https://social.example",
            "option_visibility": "public",
            "credential_access_token": SECRET,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    channel = Channel.objects.get(name="Our Mastodon")
    assert channel.platform == "mastodon"
    assert channel.get_credentials() == {"access_token": SECRET}
    assert channel.options["server_url"] == "https://social.example"
    # Encrypted at rest: the raw column does not contain the token.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials FROM wagtail_crosspost_channel WHERE id = %s", [channel.pk]
        )
        raw = cursor.fetchone()[0]
    assert SECRET not in raw
    # Never rendered back into the form, the list or the debug repr.
    edit = admin_client.get(reverse("wagtail_crosspost_channels:edit", args=[channel.pk]))
    assert SECRET not in edit.content.decode()
    assert "Leave empty to keep it" in edit.content.decode()
    assert (
        SECRET not in admin_client.get(reverse("wagtail_crosspost_channels:index")).content.decode()
    )
    assert SECRET not in repr(channel.credentials)


def test_editing_without_retyping_the_token_keeps_it(admin_client):
    channel = ChannelFactory(
        platform="mastodon", name="M", options={"server_url": "https://a.example"}
    )
    channel.set_credentials({"access_token": SECRET})
    channel.save()
    response = admin_client.post(
        reverse("wagtail_crosspost_channels:edit", args=[channel.pk]),
        {
            "name": "M renamed",
            "enabled": "on",
            "on_unpublish": "keep",
            "option_server_url": "https://a.example",
            "option_visibility": "public",
            "credential_access_token": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    channel.refresh_from_db()
    assert channel.name == "M renamed"
    assert channel.get_credentials() == {"access_token": SECRET}


def test_test_connection_records_health(admin_client, channel):
    response = admin_client.post(reverse("wagtail_crosspost:test_connection", args=[channel.pk]))
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.status == Channel.Status.OK and channel.checked_at is not None


def test_test_connection_needs_post_and_permission(client, channel, django_user_model):
    url = reverse("wagtail_crosspost:test_connection", args=[channel.pk])
    assert client.post(url).status_code in (302, 403)  # anonymous: to the login page
    channel.refresh_from_db()
    assert channel.checked_at is None


def test_publication_log_lists_posts_and_exports(
    admin_client, make_article, channel, django_capture_on_commit_callbacks
):
    page = make_article(title="Logged article", channels=[channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    index = admin_client.get(reverse("wagtail_crosspost_log:index"))
    html = index.content.decode()
    assert index.status_code == 200
    assert (
        "Logged article" in html and "Posted" in html and "https://locmem.invalid/locmem-1" in html
    )
    # Headed as the Reports menu names it, so the editor knows they are in the right place.
    assert re.search(r"<h1[^>]*>.*?Publication log.*?</h1>", html, re.S)
    row = Publication.objects.get()
    inspect = admin_client.get(reverse("wagtail_crosspost_log:inspect", args=[row.pk]))
    assert inspect.status_code == 200 and "Logged article" in inspect.content.decode()
    csv = admin_client.get(reverse("wagtail_crosspost_log:index") + "?export=csv")
    assert csv.status_code == 200 and b"Logged article" in b"".join(csv.streaming_content)
    # Read-only: no add/edit/delete screens.
    assert admin_client.get(reverse("wagtail_crosspost_log:edit", args=[row.pk])).status_code in (
        302,
        403,
    )


def test_retry_requeues_a_failed_post(
    admin_client, make_article, channel, django_capture_on_commit_callbacks
):
    page = make_article(channels=[channel])
    publish(page)
    row = Publication.objects.get()
    Publication.objects.filter(pk=row.pk).update(status="failed", error="Boom")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("wagtail_crosspost:retry", args=[row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "posted"


def test_page_status_endpoint(
    admin_client, make_article, channel, django_capture_on_commit_callbacks
):
    page = make_article(channels=[channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    data = admin_client.get(reverse("wagtail_crosspost:page_status", args=[page.pk])).json()
    assert data["pending"] is False
    assert data["publications"][0]["status"] == "posted"


def test_page_history_shows_the_post(
    admin_client, make_article, channel, django_capture_on_commit_callbacks
):
    page = make_article(channels=[channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    html = admin_client.get(reverse("wagtailadmin_pages:history", args=[page.pk])).content.decode()
    assert "Crossposted" in html and "Posted to In-memory (tests) (Alpha)" in html


def test_dashboard_shows_failures_and_reconnects(admin_client, make_article, channel):
    page = make_article(title="Broken post", channels=[channel])
    publish(page)
    Publication.objects.update(status="failed", error="The platform said no")
    channel.mark(Channel.Status.NEEDS_RECONNECT, "expired")
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Social posts that need attention" in html
    assert "Broken post" in html and "The platform said no" in html
    assert "Channels that need reconnecting" in html and channel.name in html


def test_dashboard_is_quiet_when_all_is_well(admin_client, channel):
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Social posts that need attention" not in html


def test_new_credentials_release_posts_held_for_reconnect(
    admin_client, make_article, django_capture_on_commit_callbacks
):
    channel = ChannelFactory(platform="locmem", name="Held")
    page = make_article(channels=[channel])
    publish(page)
    channel.mark(Channel.Status.NEEDS_RECONNECT, "expired")
    from wagtail_crosspost.outbox.delivery import deliver

    row = Publication.objects.get()
    assert deliver(row.pk) == "pending"  # held while the channel needs reconnecting
    from wagtail_crosspost.adapters.locmem import LocmemAdapter

    # Give the in-memory platform a credential so the form has one to replace.
    LocmemAdapter.credential_fields = ("token",)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                reverse("wagtail_crosspost_channels:edit", args=[channel.pk]),
                {
                    "name": "Held",
                    "enabled": "on",
                    "on_unpublish": "keep",
                    "credential_token": "new",
                },
            )
    finally:
        LocmemAdapter.credential_fields = ()
    assert response.status_code == 302, response.content.decode()[:1500]
    channel.refresh_from_db()
    assert channel.status == Channel.Status.UNTESTED
    row.refresh_from_db()
    assert row.status == "posted"


def test_log_filters_and_xlsx_export(
    admin_client, make_article, channels, django_capture_on_commit_callbacks
):
    page = make_article(title="Filter me", channels=channels)
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    Publication.objects.filter(channel=channels[1]).update(status="failed", error="Nope")
    url = reverse("wagtail_crosspost_log:index")
    failed = admin_client.get(url + "?status=failed").content.decode()
    assert "Nope" in failed and "locmem-1" not in failed
    by_channel = admin_client.get(url + f"?channel={channels[0].pk}").content.decode()
    assert "locmem-1" in by_channel and "Nope" not in by_channel
    by_platform = admin_client.get(url + "?platform=mastodon").content.decode()
    assert "Filter me" not in by_platform
    today = Publication.objects.first().created_at.date().isoformat()
    dated = admin_client.get(url + f"?created_at_from={today}&created_at_to={today}")
    assert "Filter me" in dated.content.decode()
    xlsx = admin_client.get(url + "?export=xlsx")
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_delete_remote_post_after_confirmation(
    admin_client, make_article, channel, django_capture_on_commit_callbacks
):
    from wagtail_crosspost.adapters import locmem

    page = make_article(channels=[channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    post = Publication.objects.get()
    inspect = admin_client.get(reverse("wagtail_crosspost_log:inspect", args=[post.pk]))
    assert reverse("wagtail_crosspost:delete_remote", args=[post.pk]) in inspect.content.decode()
    url = reverse("wagtail_crosspost:delete_remote", args=[post.pk])
    confirm = admin_client.get(url)
    assert "cannot be undone" in confirm.content.decode()
    assert [p.action for p in locmem.outbox] == ["post"]  # nothing deleted on GET
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url)
    assert [p.action for p in locmem.outbox] == ["post", "delete"]
    post.refresh_from_db()
    assert post.status == "deleted"


def test_state_changing_views_refuse_anonymous_and_unprivileged(
    client, django_user_model, make_article, channel
):
    page = make_article(channels=[channel])
    publish(page)
    row = Publication.objects.get()
    Publication.objects.filter(pk=row.pk).update(status="failed")
    urls = [
        reverse("wagtail_crosspost:retry", args=[row.pk]),
        reverse("wagtail_crosspost:delete_remote", args=[row.pk]),
        reverse("wagtail_crosspost:test_connection", args=[channel.pk]),
    ]
    for url in urls:
        response = client.post(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    from django.contrib.auth.models import Permission

    editor = django_user_model.objects.create_user("ed", "ed@example.com", "pw")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    for url in urls:
        response = client.post(url)
        # Wagtail's admin turns PermissionDenied into a redirect to the dashboard with a message.
        assert response.status_code == 302 and response["Location"] == "/admin/", url
    row.refresh_from_db()
    channel.refresh_from_db()
    assert channel.checked_at is None
    assert row.status == "failed"


def test_state_changing_views_need_csrf(make_article, channel, admin_user):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(admin_user)
    page = make_article(channels=[channel])
    publish(page)
    row = Publication.objects.get()
    Publication.objects.filter(pk=row.pk).update(status="failed")
    assert csrf_client.post(reverse("wagtail_crosspost:retry", args=[row.pk])).status_code == 403
    row.refresh_from_db()
    assert row.status == "failed"


def test_channel_form_reports_bad_options_in_plain_words(admin_client, settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    url = reverse("wagtail_crosspost_channels:add") + "?platform=mastodon"
    response = admin_client.post(
        url,
        {
            "name": "Local",
            "enabled": "on",
            "on_unpublish": "keep",
            "option_server_url": "http://127.0.0.1:3000",
            "option_visibility": "public",
            "credential_access_token": SECRET,
        },
    )
    assert response.status_code == 200
    assert "public" in response.content.decode()
    assert not Channel.objects.filter(name="Local").exists()


def test_editor_of_another_site_cannot_retry_or_delete(
    client, django_user_model, make_article, channel
):
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupPagePermission, Page, Site

    from tests.testapp.models import SimplePage

    page = make_article(channels=[channel])
    publish(page)
    row = Publication.objects.get()
    Publication.objects.filter(pk=row.pk).update(status="failed")
    other_root = Page.get_first_root_node().add_child(instance=SimplePage(title="Other site"))
    Site.objects.create(hostname="other.example", root_page=other_root)
    group = Group.objects.create(name="Other site editors")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="crosspost_page"),
    )
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=group, page=other_root, permission=Permission.objects.get(codename=codename)
        )
    user = django_user_model.objects.create_user("other", "other@example.com", "pw")
    user.groups.add(group)
    client.force_login(user)
    for url in (
        reverse("wagtail_crosspost:retry", args=[row.pk]),
        reverse("wagtail_crosspost:delete_remote", args=[row.pk]),
    ):
        response = client.post(url)
        assert response.status_code == 302 and response["Location"] == "/admin/", url
    row.refresh_from_db()
    assert row.status == "failed"
    status = client.get(reverse("wagtail_crosspost:page_status", args=[page.pk]))
    assert status.status_code == 403


def _cells(html, row_text):
    """The <td>s of the listing row that contains ``row_text``."""
    import re

    listing = html[html.index('class="listing') :]
    for row in re.findall(r"<tr\b.*?</tr>", listing, flags=re.S):
        if row_text in row and "<td" in row:
            return re.findall(r"<td\b.*?</td>", row, flags=re.S)
    raise AssertionError(f"no row with {row_text!r}")


def test_log_rows_link_to_their_details_and_to_the_post(admin_client, make_article, channel):
    page = make_article(title="Linked article")
    posted = Publication.objects.create(
        page=page,
        page_title=page.title,
        channel=channel,
        status=Publication.Status.POSTED,
        remote_url="https://social.example/@acme/1",
    )
    Publication.objects.create(
        page=page,
        page_title="Hostile answer",
        channel=ChannelFactory(name="Other"),
        status=Publication.Status.POSTED,
        remote_url="javascript:alert(1)",
    )
    html = admin_client.get(reverse("wagtail_crosspost_log:index")).content.decode()
    inspect_url = reverse("wagtail_crosspost_log:inspect", args=[posted.pk])
    cells = _cells(html, "Linked article")
    assert f'href="{inspect_url}"' in cells[0] + cells[1]  # the page title, after the checkbox
    link = next(c for c in cells if "social.example" in c)
    assert (
        '<a href="https://social.example/@acme/1" target="_blank" rel="noopener noreferrer">'
        in link
    )
    # Only web addresses become links.
    assert 'href="javascript:' not in html
    assert "javascript:alert(1)" in "".join(_cells(html, "Hostile answer"))


def test_inspect_view_shows_the_link_and_the_image_sent(admin_client, make_article, channel):
    from tests.factories import make_image

    image = make_image(title="Chosen picture")
    page = make_article(title="Pictured")
    row = Publication.objects.create(
        page=page,
        page_title=page.title,
        channel=channel,
        status=Publication.Status.POSTED,
        remote_url="https://social.example/@acme/2",
        image_id_override=image.pk,
        sent_media=[
            {
                "filename": "image-1.jpg",
                "mime_type": "image/jpeg",
                "width": 800,
                "height": 600,
                "bytes": 2048,
                "alt_text": 'Alt <script>alert("x")</script>',
                "url": "http://testserver/media/images/chosen.jpg",
            }
        ],
    )
    html = admin_client.get(reverse("wagtail_crosspost_log:inspect", args=[row.pk])).content
    html = html.decode()
    assert (
        '<a href="https://social.example/@acme/2" target="_blank" rel="noopener noreferrer">'
        in html
    )
    assert "Image chosen for this channel" in html and "Chosen picture" in html
    assert '<img src="http://testserver/media/images/chosen.jpg"' in html
    assert "image-1.jpg (800 × 600, image/jpeg, 2.0\xa0KB)" in html
    assert "&lt;script&gt;" in html and '<script>alert("x")' not in html


def test_channel_list_shows_switches_as_icons(admin_client):
    ChannelFactory(name="Chosen one", enabled=True, selected_by_default=True, dry_run=False)
    html = admin_client.get(reverse("wagtail_crosspost_channels:index")).content.decode()
    assert "Ticked by default" in html
    cells = _cells(html, "Chosen one")
    icons = [c for c in cells if "<svg" in c and ("#icon-check" in c or "#icon-cross" in c)]
    assert ["#icon-check" in c for c in icons] == [True, True, False]
    assert not any(c.strip().endswith(("True</td>", "False</td>")) for c in cells)


def test_the_channel_page_shows_the_servers_software_and_limit(admin_client):
    software = {"name": "gotosocial", "version": "0.20.1", "problem": "", "limit": 5000}
    channel = ChannelFactory(
        platform="mastodon",
        name="G",
        options={"server_url": "https://g.example", "server_software": software},
    )
    page = admin_client.get(reverse("wagtail_crosspost_channels:edit", args=[channel.pk]))
    assert "Server: GoToSocial 0.20.1 · limit 5000" in page.content.decode()
    unknown = {"name": "", "version": "", "problem": "its nodeinfo is not a JSON object"}
    channel.options = {"server_url": "https://g.example", "server_software": unknown}
    channel.save()
    html = admin_client.get(
        reverse("wagtail_crosspost_channels:edit", args=[channel.pk])
    ).content.decode()
    assert "Unknown server software: counted by the strictest rule" in html
    assert "its nodeinfo is not a JSON object" in html


def test_dashboard_never_shows_a_channel_secret_an_error_repeats(
    admin_client, make_article, channel
):
    """An adapter that echoes the channel's token into its error text: the dashboard panel
    shows the failure, with the token replaced."""
    token = "tok-SECRET-1234567890"
    channel.set_credentials({"access_token": token})
    channel.save()
    page = make_article(title="Echoed token", channels=[channel])
    publish(page)
    Publication.objects.update(status="failed", error=f"401 for Bearer {token}")
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Echoed token" in html and "401 for Bearer" in html
    assert token not in html
