"""The editor's path: the "Publish to" panel on an ordinary page type, Publish in the admin."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from wagtail.models import GroupPagePermission, Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from tests.factories import ChannelFactory
from tests.testapp.models import ArticlePage, SimplePage
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.choices import choices_for
from wagtail_crosspost.models import CrosspostChoices, Publication

pytestmark = pytest.mark.django_db


def edit_form(page, requests, title=None, action="action-publish"):
    data = nested_form_data(
        {
            "title": title or page.title,
            "slug": page.slug,
            "intro": getattr(page, "intro", ""),
            "body": rich_text("<p>Body</p>"),
            "tags": "",
            "comments": inline_formset([]),
            "crosspost_choices": inline_formset(requests, initial=0),
        }
    )
    data[action] = "1"
    return data


def request_row(channel, enabled=True, message="", **kw):
    return {"channel": channel.pk, "enabled": enabled, "message": message, **kw}


def stored(page):
    """The page's choices as saved in the database, by channel id."""
    return choices_for(Page.objects.get(pk=page.pk))


def test_every_page_type_gets_the_panel(admin_client, home, channels):
    page = SimplePage(title="Plain")
    home.add_child(instance=page)
    response = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Publish to" in html
    for channel in channels:
        assert channel.name in html
    assert 'name="crosspost_choices-TOTAL_FORMS" value="2"' in html


def test_editor_publishes_with_two_channels_ticked(
    admin_client, home, channels, django_capture_on_commit_callbacks
):
    page = ArticlePage(title="Open house", intro="Visit our factory.", live=False)
    home.add_child(instance=page)
    data = edit_form(
        page, [request_row(channels[0]), request_row(channels[1], message="Our own words")]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    posted = {p.channel: p.post.text for p in locmem.outbox}
    assert set(posted) == {"Alpha", "Beta"}
    assert posted["Beta"].startswith("Our own words")
    assert "Open house" in posted["Alpha"]
    # The choices are stored with the page (and its revision).
    assert [c.enabled for c in stored(page).values()] == [True, True]
    assert CrosspostChoices.objects.filter(page=page).count() == 1  # one record, two channels


def test_saving_a_draft_posts_nothing(
    admin_client, home, channel, django_capture_on_commit_callbacks
):
    page = ArticlePage(title="Draft", live=False)
    home.add_child(instance=page)
    data = edit_form(page, [request_row(channel)], action="action-save")
    data.pop("action-save")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert response.status_code == 302
    assert locmem.outbox == []
    assert not Publication.objects.exists()


@pytest.fixture
def editor_without_crosspost(db, django_user_model, home):
    group = Group.objects.create(name="Plain editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for perm in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=group, page=home, permission=Permission.objects.get(codename=perm)
        )
    user = django_user_model.objects.create_user("plain", "plain@example.com", "pw")
    user.groups.add(group)
    return user


def test_editor_without_permission_sees_panel_read_only(
    client, editor_without_crosspost, home, channel
):
    page = ArticlePage(title="Read only", live=False)
    home.add_child(instance=page)
    client.force_login(editor_without_crosspost)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert "do not have permission to choose channels" in html
    assert "disabled" in html


def test_forged_form_cannot_crosspost_without_permission(
    client, editor_without_crosspost, home, channel, django_capture_on_commit_callbacks
):
    page = ArticlePage(title="Forged", live=False)
    home.add_child(instance=page)
    client.force_login(editor_without_crosspost)
    data = edit_form(page, [request_row(channel)])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert response.status_code == 302
    assert Page.objects.get(pk=page.pk).live  # the page itself published
    assert locmem.outbox == []
    assert not Publication.objects.exists()


def test_channel_of_another_site_is_not_offered(admin_client, home):
    from wagtail.models import Site

    other_root = Page.get_first_root_node().add_child(instance=SimplePage(title="Other"))
    other = Site.objects.create(hostname="other.example", root_page=other_root)
    ChannelFactory(name="Ours")
    ChannelFactory(name="Theirs", site=other)
    page = SimplePage(title="Mine")
    home.add_child(instance=page)
    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert "Ours" in html and "Theirs" not in html


def test_title_with_script_is_escaped_in_panel(
    admin_client, home, channel, django_capture_on_commit_callbacks
):
    page = ArticlePage(title="<script>alert(1)</script>", live=False)
    home.add_child(instance=page)
    data = edit_form(page, [request_row(channel, message="<script>alert(2)</script>")])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert "<script>alert(2)</script>" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_channel_ticked_by_default_is_posted(
    admin_client, home, django_capture_on_commit_callbacks
):
    default = ChannelFactory(name="Default on", selected_by_default=True)
    page = ArticlePage(title="Defaults", live=False)
    home.add_child(instance=page)
    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert 'name="crosspost_choices-0-enabled" id="id_crosspost_choices-0-enabled" checked' in html
    # The browser submits the box as it was shown: ticked, untouched.
    data = edit_form(page, [request_row(default, enabled=True)])
    data["crosspost_choices-INITIAL_FORMS"] = "0"
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert [p.channel for p in locmem.outbox] == ["Default on"]


def test_post_again_applies_to_one_publish_only(
    admin_client, home, channel, django_capture_on_commit_callbacks
):
    page = ArticlePage(title="Again", live=False)
    home.add_child(instance=page)
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, edit_form(page, [request_row(channel)]))
    assert stored(page)[channel.pk].enabled

    def existing(**kw):
        row = {"channel": channel.pk, "enabled": True, "message": "", **kw}
        return edit_form(page, [row]) | {"crosspost_choices-INITIAL_FORMS": "1"}

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, existing(repost=True))
    assert len(locmem.outbox) == 2
    # The box shows unticked again; publishing once more does not post a third time.
    html = admin_client.get(url).content.decode()
    assert (
        'name="crosspost_choices-0-repost" id="id_crosspost_choices-0-repost" checked' not in html
    )
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, existing())
    assert len(locmem.outbox) == 2
    assert stored(page)[channel.pk].repost is False


def test_panel_polls_the_status_of_a_saved_page(admin_client, make_article, channel):
    page = make_article()
    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert reverse("wagtail_crosspost:page_status", args=[page.pk]) in html


def test_publication_log_is_in_the_reports_menu(admin_client):
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("wagtail_crosspost_log:index") in html


@pytest.fixture(params=[False, True], ids=["planned in the request", "planned after it"])
def plan_after_commit(request, settings):
    """Both ways of planning: the test settings' (in the request) and the package's default
    (after the commit: the message names the channels the recorded publish will take)."""
    settings.WAGTAILCROSSPOST_PLAN_AFTER_COMMIT = request.param
    return request.param


def test_after_publish_the_editor_is_told_where_it_went(
    admin_client, home, channels, django_capture_on_commit_callbacks, plan_after_commit
):
    page = ArticlePage(title="Told", live=False)
    home.add_child(instance=page)
    data = edit_form(page, [request_row(channels[0]), request_row(channels[1])])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("wagtailadmin_pages:edit", args=[page.pk]), data, follow=True
        )
    html = response.content.decode()
    assert "Queued for Alpha and Beta." in html
    assert reverse("wagtail_crosspost_log:index") in html


def test_publishing_again_right_away_does_not_say_queued(
    admin_client, home, channels, django_capture_on_commit_callbacks, plan_after_commit
):
    # The demo's "publish it again posts nothing new", done within a minute of the first publish.
    page = ArticlePage(title="Twice", live=False)
    home.add_child(instance=page)
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    with django_capture_on_commit_callbacks(execute=True):
        first = admin_client.post(
            url, edit_form(page, [request_row(channels[0]), request_row(channels[1])]), follow=True
        )
    assert "Queued for Alpha and Beta." in first.content.decode()
    rows = [request_row(c) for c in channels[:2]]
    data = edit_form(page, rows) | {"crosspost_choices-INITIAL_FORMS": "2"}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data, follow=True)
    html = response.content.decode()
    assert "has been published" in html
    assert "Queued for" not in html
    assert len(locmem.outbox) == 2


def test_scheduled_page_says_when_it_will_post(
    admin_client, home, channel, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    page = ArticlePage(title="Later", live=False)
    home.add_child(instance=page)
    data = edit_form(page, [request_row(channel)])
    go_live = timezone.localtime(timezone.now() + timedelta(days=2)).replace(
        second=0, microsecond=0
    )
    data["go_live_at"] = go_live.strftime("%Y-%m-%d %H:%M")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("wagtailadmin_pages:edit", args=[page.pk]), data, follow=True
        )
    html = response.content.decode()
    assert "will get the post when the page goes live" in html
    assert locmem.outbox == []


def test_a_publish_racing_an_autosave_keeps_one_choice_per_channel(
    admin_client, home, channels, django_capture_on_commit_callbacks
):
    page = ArticlePage(title="Race", live=False)
    home.add_child(instance=page)
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    rows = [request_row(channels[0]), request_row(channels[1])]
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, edit_form(page, rows))
    # The same stale form again (no ids), as when Publish overtakes an autosave.
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, edit_form(page, rows))
    assert sorted(stored(page)) == [channels[0].pk, channels[1].pk]
    assert CrosspostChoices.objects.filter(page=page).count() == 1
    html = admin_client.get(url).content.decode()
    assert 'name="crosspost_choices-TOTAL_FORMS" value="2"' in html
    assert len(locmem.outbox) == 2


# -- the image chosen for one channel ------------------------------------------------------------


def test_image_chosen_for_a_channel_is_saved_with_the_revision_and_sent(
    admin_client, home, channels, django_capture_on_commit_callbacks
):
    from tests.factories import make_image

    page_image = make_image(1200, 800, title="Page picture")
    override = make_image(1000, 1000, color=(10, 160, 60), title="Channel picture")
    page = ArticlePage(title="Pictures", intro="Two pictures.", image=page_image, live=False)
    home.add_child(instance=page)
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    html = admin_client.get(url).content.decode()
    assert 'name="crosspost_choices-0-image"' in html
    assert "Choose an image" in html and "Image for this channel (optional)" in html

    data = edit_form(page, [request_row(channels[0], image=override.pk), request_row(channels[1])])
    data["image"] = page_image.pk
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]

    # Stored with the choice and in the revision, sent instead of the page's image.
    assert stored(page)[channels[0].pk].image_id == override.pk
    page.refresh_from_db()
    [record] = page.get_latest_revision().content["crosspost_choices"]
    assert record["channels"] == {
        str(channels[0].pk): {"enabled": True, "image_id": override.pk},
        str(channels[1].pk): {"enabled": True},
    }
    sent = {p.channel: p.post.media[0].alt_text for p in locmem.outbox}
    assert sent == {"Alpha": "Alt text for Channel picture", "Beta": "Alt text for Page picture"}
    assert Publication.objects.get(channel=channels[0]).image_id_override == override.pk

    # Shown again in the editor: the chooser holds the image, the disclosure is open.
    html = admin_client.get(url).content.decode()
    assert f'name="crosspost_choices-0-image" value="{override.pk}"' in html
    assert "Channel picture" in html
    assert '<details class="crosspost-message" open>' in html


def test_editor_can_clear_the_channel_image(
    admin_client, home, channel, django_capture_on_commit_callbacks
):
    from tests.factories import make_image

    override = make_image(title="Channel picture")
    page = ArticlePage(title="Cleared", live=False)
    home.add_child(instance=page)
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    admin_client.post(url, edit_form(page, [request_row(channel, image=override.pk)], action="x"))
    assert stored(page)[channel.pk].image_id == override.pk
    row = {"channel": channel.pk, "enabled": True, "message": "", "image": ""}
    data = edit_form(page, [row], action="x") | {"crosspost_choices-INITIAL_FORMS": "1"}
    assert admin_client.post(url, data).status_code == 302
    assert stored(page)[channel.pk].image_id is None


def test_forged_image_cannot_be_set_without_permission(
    client, admin_client, editor_without_crosspost, home, channels
):
    from tests.factories import make_image

    chosen = make_image(title="Chosen by a permitted editor")
    forged = make_image(title="Forged")
    page = ArticlePage(title="Guarded", live=False)
    home.add_child(instance=page)
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    admin_client.post(url, edit_form(page, [request_row(channels[0], image=chosen.pk)], action="x"))
    client.force_login(editor_without_crosspost)
    html = client.get(url).content.decode()
    # Read-only: the chosen image is shown, but there is no chooser to change it.
    assert "Chosen by a permitted editor" in html
    hidden = re.search(r'<input type="hidden" name="crosspost_choices-0-image"[^>]*>', html)
    assert hidden and f'value="{chosen.pk}"' in hidden[0] and "disabled" in hidden[0]
    assert "Choose an image" not in html.split('class="crosspost-panel"')[1]

    existing = {"channel": channels[0].pk, "enabled": True, "image": forged.pk}
    new = {"channel": channels[1].pk, "enabled": True, "image": forged.pk}
    data = edit_form(page, [existing, new], action="x") | {"crosspost_choices-INITIAL_FORMS": "1"}
    assert client.post(url, data).status_code == 302
    assert Page.objects.get(pk=page.pk).get_latest_revision().user == editor_without_crosspost
    assert {pk: choice.image_id for pk, choice in stored(page).items()} == {
        channels[0].pk: chosen.pk
    }


# -- the tab ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("first", ["de", "en"])
def test_tab_id_does_not_depend_on_the_language(admin_client, admin_user, home, channel, first):
    """Wagtail computes tab ids once, from the headings in the language of the first request."""
    from wagtail.users.models import UserProfile

    page = SimplePage(title="Tabs")
    home.add_child(instance=page)
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    profile = UserProfile.get_for_user(admin_user)
    SimplePage.get_edit_handler.cache_clear()  # as in a fresh process
    headings = {}
    for language in ("de", "en"):
        with translation.override(language):
            headings[language] = gettext("Publish to")
    assert headings["de"] != headings["en"]
    for language in (first, "en" if first == "de" else "de"):
        profile.preferred_language = language
        profile.save()
        html = admin_client.get(url).content.decode()
        assert 'id="tab-label-crosspost"' in html and 'id="tab-crosspost"' in html
        assert f'<html lang="{language}"' in html
        assert headings[language] in html.split('id="tab-label-crosspost"')[1][:500]


def test_a_hostile_link_from_a_platform_never_becomes_a_link(admin_client, make_article, channel):
    """A platform (or a man in the middle) answering ``javascript:…`` as the post's address:
    the panel shows no link, and the status JSON the panel polls gives no address."""
    page = make_article(title="Hostile answer")
    Publication.objects.create(
        page=page,
        page_title=page.title,
        channel=channel,
        status=Publication.Status.POSTED,
        remote_id="1",
        remote_url="javascript:alert(1)",
    )
    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert "javascript:alert" not in html
    status = admin_client.get(reverse("wagtail_crosspost:page_status", args=[page.pk])).json()
    assert [row["url"] for row in status["publications"]] == [""]
    assert Publication(remote_url="https://social.example/@us/1").web_url == (
        "https://social.example/@us/1"
    )


def test_editor_who_cannot_publish_is_told_when_the_channels_post(
    client, django_user_model, home, channel
):
    # Wagtail's Editors (as in the demo): may choose channels, but submit for moderation.
    group = Group.objects.create(name="Submitting editors")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="crosspost_page"),
    )
    for perm in ("add_page", "change_page"):
        GroupPagePermission.objects.create(
            group=group, page=home, permission=Permission.objects.get(codename=perm)
        )
    user = django_user_model.objects.create_user("submitter", "s@example.com", "pw")
    user.groups.add(group)
    page = ArticlePage(title="Needs approval", live=False)
    home.add_child(instance=page)
    client.force_login(user)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert "You cannot publish this page yourself" in html
    assert "do not have permission to choose channels" not in html


def test_editor_who_can_publish_gets_no_moderation_note(admin_client, make_article, channel):
    page = make_article()
    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert "You cannot publish this page yourself" not in html


def test_approving_a_page_in_a_workflow_tells_the_moderator_where_it_went(
    admin_client, admin_user, home, channels, django_capture_on_commit_callbacks
):
    from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask

    task = GroupApprovalTask.objects.create(name="Review")
    task.groups.set([Group.objects.get(name="Moderators")])
    workflow = Workflow.objects.create(name="Review first")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=home)
    page = ArticlePage(title="Reviewed", live=False)
    home.add_child(instance=page)
    url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    # The editor ticks two channels and submits; nothing is posted, nothing is said about it.
    data = edit_form(
        page, [request_row(channels[0]), request_row(channels[1])], action="action-submit"
    )
    response = admin_client.post(url, data, follow=True)
    assert "Queued for" not in response.content.decode()
    assert locmem.outbox == []
    # The moderator approves from the editor: the page goes live, the posts go out, and they
    # are told so, as after a Publish.
    rows = [request_row(c) for c in channels[:2]]
    data = edit_form(page, rows, action="action-workflow-action") | {
        "crosspost_choices-INITIAL_FORMS": "2",
        "workflow-action-name": "approve",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data, follow=True)
    page.refresh_from_db()
    assert page.live
    assert {p.channel for p in locmem.outbox} == {"Alpha", "Beta"}
    assert "Queued for Alpha and Beta." in response.content.decode()


# -- the automatic tab (wagtail_crosspost.autopanel: Wagtail's public ``edit_handler``) ----------


def _field_names(handler):
    from wagtail.admin.panels import FieldPanel

    if isinstance(handler, FieldPanel):
        return {handler.field_name}
    return set().union(*(_field_names(c) for c in getattr(handler, "children", ())))


def _tab_names(handler):
    return [tab.clean_name for tab in handler.children]


def test_auto_panel_sets_each_page_types_own_edit_handler():
    from wagtail_crosspost.panels import page_has_crosspost_panel

    for cls in (Page, SimplePage, ArticlePage):
        assert "edit_handler" in cls.__dict__  # its own: a subclass never inherits its parent's
        handler = cls.get_edit_handler()
        assert page_has_crosspost_panel(handler)
        assert _tab_names(handler) == ["content", "promote", "settings", "crosspost"]
    assert "body" in _field_names(SimplePage.get_edit_handler())
    assert "intro" not in _field_names(SimplePage.get_edit_handler())
    assert "intro" in _field_names(ArticlePage.get_edit_handler())
    assert "body" not in _field_names(Page.get_edit_handler())


def test_auto_panel_off_restores_wagtails_own_editor(settings, admin_client, home, channel):
    from wagtail_crosspost.panels import page_has_crosspost_panel

    page = SimplePage(title="No tab")
    home.add_child(instance=page)
    settings.WAGTAILCROSSPOST_AUTO_PANEL = False
    assert "edit_handler" not in SimplePage.__dict__
    assert not page_has_crosspost_panel(SimplePage.get_edit_handler())
    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert 'id="tab-crosspost"' not in html
    assert 'name="body"' in html
    settings.WAGTAILCROSSPOST_AUTO_PANEL = True
    assert page_has_crosspost_panel(SimplePage.get_edit_handler())
    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert 'id="tab-crosspost"' in html


def test_a_declared_edit_handler_keeps_its_tabs_and_gains_the_crosspost_tab():
    from wagtail.admin.panels import FieldPanel, ObjectList, TabbedInterface

    from wagtail_crosspost.autopanel import declared_edit_handler
    from wagtail_crosspost.panels import CrosspostPanel, with_crosspost_tab

    class Declared:
        edit_handler = TabbedInterface(
            [ObjectList([FieldPanel("title")], heading="Mine")], base_form_class=None
        )

    handler = with_crosspost_tab(declared_edit_handler(Declared)).bind_to_model(SimplePage)
    assert [tab.heading for tab in handler.children][0] == "Mine"
    assert _tab_names(handler)[-1] == "crosspost"
    # A page type that placed the panel itself is left alone.
    Declared.edit_handler = ObjectList([CrosspostPanel()])
    from wagtail_crosspost.panels import page_has_crosspost_panel

    assert page_has_crosspost_panel(declared_edit_handler(Declared))
