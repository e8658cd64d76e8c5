"""The editor's flows in a real browser: Wagtail's admin, the "Publish to" panel and its
JavaScript, the live server, and delivery right after the publish request commits."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect
from wagtail.models import GroupPagePermission, Page, Revision, Site

from tests import scripted
from tests.factories import ChannelFactory, make_image
from tests.testapp.models import ArticlePage
from wagtail_crosspost.adapters import clear_cache, locmem
from wagtail_crosspost.adapters.base import PermanentError
from wagtail_crosspost.choices import choices_for, choose
from wagtail_crosspost.models import Channel, CrosspostChoices, Publication

from .helpers import (
    PASSWORD,
    channel_row,
    choose_image,
    custom_text,
    history_item,
    log_in,
    open_editor,
    publish,
    publish_to_tab,
    wait_for_autosave,
)

pytestmark = [
    pytest.mark.browser,
    # The live server answers from another thread: the data must be committed. The serialized
    # rollback brings back what the migrations made (root page, default site) after each flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# A family emoji (one grapheme of five code points) and a URL, which Mastodon counts as 23.
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"
TEXT_WITH_EMOJI_AND_URL = f"Hi {FAMILY} https://example.org/a/rather/long/path/to/a/page"


@pytest.fixture(autouse=True)
def _public_hostname(home):
    """Pages get a URL with a real domain, which Mastodon counts as 23 (``localhost`` is not
    a URL to Mastodon: it would count every character)."""
    Site.objects.filter(is_default_site=True).update(hostname="www.example.com", port=443)


@pytest.fixture
def article(home):
    page = ArticlePage(title="Open house", intro="Visit our factory.", live=False)
    home.add_child(instance=page)
    return page


@pytest.fixture(autouse=True)
def _no_dialogs(dialogs):
    yield
    assert dialogs == [], "a page opened a JavaScript dialog"


def test_editor_ticks_two_channels_types_custom_text_and_publishes(page, superuser, article):
    alpha = ChannelFactory(name="Alpha")
    beta = ChannelFactory(name="Beta")
    # As connected: the server said it runs Mastodon (nodeinfo), so Mastodon's counting applies.
    toot = ChannelFactory(
        name="Toot",
        platform="mastodon",
        options={"server_software": {"name": "mastodon", "version": "4.4.0", "limit": 500}},
    )

    log_in(page, "admin", PASSWORD)
    open_editor(page, article)
    for channel in (alpha, beta, toot):
        expect(channel_row(page, channel)).to_contain_text(channel.name)

    # The counter is the server's count: on Mastodon a grapheme cluster counts 1 and every URL
    # 23, the page link is appended to a custom text ("Hi " 3 + 1 + " " 1 + 23 + "\n\n" 2 + 23).
    mastodon = channel_row(page, toot)
    mastodon.locator('input[name$="-enabled"]').check()
    box = custom_text(mastodon)
    box.fill(TEXT_WITH_EMOJI_AND_URL)
    counter = mastodon.locator("[data-crosspost-counter]")
    expect(counter).to_have_text("53 / 500 characters (+ link to the page)")
    expect(counter).to_have_attribute("data-state", "ok")
    expect(mastodon.locator("[data-crosspost-warning]")).to_be_hidden()
    preview = mastodon.locator("[data-crosspost-preview-text]")
    expect(preview).to_contain_text(TEXT_WITH_EMOJI_AND_URL)
    # The preview knows the page (its draft URL), not a placeholder address.
    expect(preview).not_to_contain_text("example.com/your-page")

    # Over the limit: the counter says so, the warning shows, the preview is what would be sent.
    box.fill("word " * 120)
    expect(counter).to_have_text(re.compile(r"^6\d\d / 500 characters \(\+ link to the page\)$"))
    expect(counter).to_have_attribute("data-state", "over")
    expect(mastodon.locator("[data-crosspost-warning]")).to_be_visible()
    sent = (preview.text_content() or "").strip()
    assert sent != ("word " * 120).strip()
    assert sent.endswith("https://www.example.com/open-house/")  # the link always survives
    # Back under the limit: the warning goes away again. Then leave this channel out (it has no
    # server to post to).
    box.fill("Short")
    expect(counter).to_have_text("30 / 500 characters (+ link to the page)")
    expect(mastodon.locator("[data-crosspost-warning]")).to_be_hidden()
    mastodon.locator('input[name$="-enabled"]').uncheck()
    expect(mastodon.locator("[data-crosspost-preview]")).to_be_hidden()

    # Two channels: Alpha with the page's own text, Beta with the editor's words.
    channel_row(page, alpha).locator('input[name$="-enabled"]').check()
    expect(channel_row(page, alpha).locator("[data-crosspost-preview-text]")).to_contain_text(
        "Open house"
    )
    beta_row = channel_row(page, beta)
    beta_row.locator('input[name$="-enabled"]').check()
    beta_box = custom_text(beta_row)
    beta_box.press_sequentially("Our own words")
    expect(beta_row.locator("[data-crosspost-counter]")).to_have_text(
        re.compile(r"^\d+ / 500 characters \(\+ link to the page\)$")
    )
    expect(beta_row.locator("[data-crosspost-preview-text]")).to_contain_text("Our own words")

    publish(page)
    expect(page.locator(".messages")).to_contain_text("'Open house' has been published")

    posted = {p.channel: p.post.text for p in locmem.outbox}
    assert set(posted) == {"Alpha", "Beta"}
    assert posted["Beta"].startswith("Our own words")
    assert "Open house" in posted["Alpha"]
    assert not Publication.objects.filter(channel=toot).exists()
    # One stored choice per channel, even with Wagtail's autosave saving drafts meanwhile.
    choices = choices_for(Page.objects.get(pk=article.pk))
    ticked = [pk for pk, choice in choices.items() if choice.enabled]
    assert sorted(Channel.objects.filter(pk__in=ticked).values_list("name", flat=True)) == [
        "Alpha",
        "Beta",
    ]
    assert CrosspostChoices.objects.filter(page=article).count() == 1

    # Back in the editor: each ticked channel says "Posted", with a link to the post.
    open_editor(page, article)
    for channel in (alpha, beta):
        item = history_item(channel_row(page, channel))
        expect(item).to_have_attribute("data-status", "posted")
        expect(item.locator("[data-crosspost-status]")).to_have_text("Posted")
        link = item.locator("[data-crosspost-link]")
        expect(link).to_be_visible()
        expect(link).to_have_text("View post")
        expect(link).to_have_attribute("href", re.compile(r"^https://locmem\.invalid/locmem-\d$"))
    expect(channel_row(page, beta).locator('textarea[name$="-message"]')).to_have_value(
        "Our own words"
    )

    # Reports → Publication log lists both posts with their status and link.
    page.get_by_role("button", name="Reports").click()
    page.get_by_role("link", name="Publication log").click()
    page.wait_for_url(re.compile(r"/admin/wagtail_crosspost_log/$"))
    table = page.locator("table.listing")
    for channel in (alpha, beta):
        row = table.locator("tbody tr", has_text=channel.name)
        expect(row).to_contain_text("Open house")
        expect(row).to_contain_text("Posted")
        expect(row).to_contain_text("https://locmem.invalid/locmem-")


def test_status_turns_to_posted_while_the_editor_watches(page, logged_in, superuser, article):
    """A post still in the queue: the panel polls and shows "Posted" with its link when it is."""
    channel = ChannelFactory(name="Alpha")
    row = Publication.objects.create(page=article, page_title=article.title, channel=channel)

    logged_in(superuser)
    open_editor(page, article)
    item = history_item(channel_row(page, channel))
    expect(item).to_have_attribute("data-status", "pending")
    expect(item.locator("[data-crosspost-link]")).to_be_hidden()

    Publication.objects.filter(pk=row.pk).update(
        status=Publication.Status.POSTED, remote_url="https://locmem.invalid/late-1"
    )
    expect(item).to_have_attribute("data-status", "posted", timeout=8_000)
    expect(item.locator("[data-crosspost-status]")).to_have_text("Posted")
    link = item.locator("[data-crosspost-link]")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", "https://locmem.invalid/late-1")


@pytest.fixture
def scripted_adapter(settings):
    settings.WAGTAILCROSSPOST_ADAPTERS = ["tests.scripted.ScriptedAdapter"]
    clear_cache()
    scripted.SCRIPT.clear()
    scripted.CALLS.clear()
    yield scripted
    scripted.SCRIPT.clear()
    scripted.CALLS.clear()
    clear_cache()


def test_failing_channel_shows_its_reason_and_retry_posts(
    page, logged_in, superuser, article, scripted_adapter
):
    channel = ChannelFactory(name="Flaky", platform="scripted")
    scripted_adapter.SCRIPT.append(PermanentError("The platform refused the text"))

    logged_in(superuser)
    open_editor(page, article)
    channel_row(page, channel).locator('input[name$="-enabled"]').check()
    publish(page)
    expect(page.locator(".messages")).to_contain_text("has been published")
    assert Publication.objects.get(channel=channel).status == Publication.Status.FAILED

    # The dashboard says a post needs attention.
    page.goto("/admin/")
    summary = page.locator("section", has=page.locator("#crosspost-summary-heading"))
    expect(summary).to_contain_text("1 post failed or is unknown")
    expect(summary).to_contain_text("Open house")
    expect(summary).to_contain_text("The platform refused the text")

    open_editor(page, article)
    item = history_item(channel_row(page, channel))
    expect(item).to_have_attribute("data-status", "failed")
    expect(item.locator("[data-crosspost-status]")).to_have_text("Failed")
    expect(item.locator("[data-crosspost-error]")).to_have_text("The platform refused the text")
    expect(item.locator("[data-crosspost-link]")).to_be_hidden()

    retry = item.get_by_role("button", name="Retry")
    with page.expect_navigation():
        retry.click()
    expect(page.locator(".messages")).to_contain_text("Queued again for Flaky")
    assert page.url.endswith(f"/admin/pages/{article.pk}/edit/")

    publish_to_tab(page).click()
    item = history_item(channel_row(page, channel))
    expect(item).to_have_attribute("data-status", "posted")
    expect(item.locator("[data-crosspost-status]")).to_have_text("Posted")
    expect(item.locator("[data-crosspost-error]")).to_be_hidden()
    expect(item.locator("[data-crosspost-link]")).to_have_attribute(
        "href", "https://scripted.invalid/2"
    )
    expect(item.get_by_role("button", name="Retry")).to_have_count(0)
    assert len(scripted_adapter.CALLS) == 2
    assert Publication.objects.get(channel=channel).status == Publication.Status.POSTED


@pytest.fixture
def plain_editor(db, django_user_model, home):
    """May edit and publish pages, but not choose channels."""
    group = Group.objects.create(name="Plain editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=group, page=home, permission=Permission.objects.get(codename=codename)
        )
    user = django_user_model.objects.create_user("plain", "plain@example.com", PASSWORD)
    user.groups.add(group)
    return user


def test_editor_without_permission_cannot_post_even_with_a_forged_form(
    page, logged_in, plain_editor, article, settings
):
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 0
    channel = ChannelFactory(name="Alpha")

    logged_in(plain_editor)
    open_editor(page, article)
    panel = page.locator(".crosspost-panel")
    expect(panel).to_contain_text("you do not have permission to choose channels")
    expect(channel_row(page, channel).locator('input[type="checkbox"]')).to_be_disabled()
    expect(channel_row(page, channel).locator("textarea")).to_have_count(0)

    # Forge the form: add a ticked row for the channel, as if the fields had been offered.
    page.evaluate(
        """(channelId) => {
            const form = document.querySelector('.crosspost-panel').closest('form');
            form.querySelector('[name="crosspost_choices-TOTAL_FORMS"]').value = '1';
            const fields = {id: '', channel: String(channelId), enabled: 'on',
                            message: 'Forged words'};
            for (const [name, value] of Object.entries(fields)) {
                const input = document.createElement('input');
                input.type = 'hidden';
                input.name = `crosspost_choices-0-${name}`;
                input.value = value;
                form.appendChild(input);
            }
        }""",
        channel.pk,
    )
    publish(page)
    expect(page.locator(".messages")).to_contain_text("has been published")

    assert Page.objects.get(pk=article.pk).live
    assert not Publication.objects.exists()
    assert locmem.outbox == []


def test_editor_without_permission_publishes_after_an_autosave(
    page, logged_in, plain_editor, article
):
    ChannelFactory(name="Alpha")

    logged_in(plain_editor)
    open_editor(page, article, tab=False)
    page.wait_for_timeout(2_100)  # Wagtail takes edits into account 2 s after loading
    page.fill('input[name="intro"]', "Visit our factory on Saturday.")
    wait_for_autosave(page)
    assert Revision.objects.filter(object_id=str(article.pk)).exists()  # it autosaved
    publish(page)
    assert "has been published" in page.locator(".messages").inner_text()
    assert Page.objects.get(pk=article.pk).live
    assert not Publication.objects.exists()


def test_script_in_title_and_message_is_shown_as_text(page, logged_in, superuser, home):
    title = '<script>alert("title")</script>'
    message = '<script>alert("message")</script><img src=x onerror=alert("img")>'
    article = ArticlePage(title=title, intro="<b>bold?</b>", live=False)
    home.add_child(instance=article)
    alpha = ChannelFactory(name="Alpha")
    beta = ChannelFactory(name="Beta")

    logged_in(superuser)
    open_editor(page, article)
    alpha_row = channel_row(page, alpha)
    alpha_row.locator('input[name$="-enabled"]').check()
    expect(alpha_row.locator("[data-crosspost-preview-text]")).to_contain_text(title)
    beta_row = channel_row(page, beta)
    beta_row.locator('input[name$="-enabled"]').check()
    custom_text(beta_row).fill(message)
    expect(beta_row.locator("[data-crosspost-preview-text]")).to_contain_text(message)
    # Nothing was turned into elements: the panel's only scripts start Wagtail's image choosers
    # and its date pickers (the "when to post" time of each row).
    scripts = page.locator(".crosspost-panel script").all_text_contents()
    assert len(scripts) == 4
    assert all(
        re.fullmatch(r'new ImageChooser\("[\w-]+", \{.*\}\);', s)
        or re.fullmatch(r'initDateTimeChooser\("[\w\\-]+", \{.*\}\);', s)
        for s in scripts
    )
    assert page.locator('.crosspost-panel img[src="x"]').count() == 0

    publish(page)
    expect(page.locator(".messages")).to_contain_text("has been published")
    assert {p.channel for p in locmem.outbox} == {"Alpha", "Beta"}

    # The panel after publishing: the saved message is text in its box.
    open_editor(page, article)
    expect(beta_row.locator('textarea[name$="-message"]')).to_have_value(message)
    expect(history_item(beta_row).locator("[data-crosspost-status]")).to_have_text("Posted")

    # The log list and the post's details show the literal text.
    page.goto("/admin/wagtail_crosspost_log/")
    rows = page.locator("table.listing tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(title)
    beta_post = Publication.objects.get(channel=beta)
    page.goto(f"/admin/wagtail_crosspost_log/inspect/{beta_post.pk}/")
    expect(page.locator("main")).to_contain_text(message)
    assert page.locator("main script").count() == 0
    assert page.locator('main img[src="x"]').count() == 0


def test_image_chosen_for_one_channel_is_previewed_sent_and_logged(
    page, logged_in, superuser, home, settings, live_server
):
    settings.WAGTAILADMIN_BASE_URL = live_server.url  # image previews from the live server
    page_picture = make_image(1200, 800, color=(30, 90, 160), title="Page picture")
    make_image(900, 900, color=(20, 150, 60), title="Channel picture")
    article = ArticlePage(title="Open house", intro="Come in.", image=page_picture, live=False)
    home.add_child(instance=article)
    alpha = ChannelFactory(name="Alpha")
    beta = ChannelFactory(name="Beta")

    logged_in(superuser)
    open_editor(page, article)
    rows = {c.name: channel_row(page, c) for c in (alpha, beta)}
    for row in rows.values():
        row.locator('input[name$="-enabled"]').check()
        custom_text(row)
    previews = {name: row.locator("[data-crosspost-preview] img") for name, row in rows.items()}
    for img in previews.values():
        expect(img).to_have_attribute("alt", "Alt text for Page picture")

    # The chooser has a name in the row; choosing updates that row's preview only.
    alpha_row = rows["Alpha"]
    expect(
        alpha_row.get_by_role("group", name=re.compile("Alpha.*Image for this channel"))
    ).to_be_visible()
    choose_image(page, alpha_row, "Channel picture")
    expect(previews["Alpha"]).to_have_attribute("alt", "Alt text for Channel picture")
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth === 900", arg=previews["Alpha"].element_handle()
    )
    expect(previews["Beta"]).to_have_attribute("alt", "Alt text for Page picture")

    publish(page)
    expect(page.locator(".messages")).to_contain_text("has been published")
    sent = {p.channel: [m.alt_text for m in p.post.media] for p in locmem.outbox}
    assert sent == {
        "Alpha": ["Alt text for Channel picture"],
        "Beta": ["Alt text for Page picture"],
    }

    # Saved with the page: the editor shows the choice again.
    open_editor(page, article)
    expect(alpha_row.locator("[data-chooser-title]")).to_have_text("Channel picture")
    expect(previews["Alpha"]).to_have_attribute("alt", "Alt text for Channel picture")

    # The log's details say which image went out.
    page.goto("/admin/wagtail_crosspost_log/")
    row = page.locator("table.listing tbody tr", has_text="Alpha")
    row.get_by_role("link", name="Open house").click()
    details = page.locator("main")
    expect(details).to_contain_text("Image chosen for this channel")
    expect(details).to_contain_text("Channel picture")
    expect(details).to_contain_text("Alt text: Alt text for Channel picture")
    sent_image = details.locator('.crosspost-sent-media img[alt="Alt text for Channel picture"]')
    expect(sent_image).to_be_visible()
    expect(details.locator("a", has_text="https://locmem.invalid/")).to_have_attribute(
        "rel", "noopener noreferrer"
    )


def test_editor_without_permission_sees_the_chosen_image_read_only(
    page, logged_in, plain_editor, home, settings, live_server
):
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    page_picture = make_image(1200, 800, title="Page picture")
    chosen = make_image(900, 900, title="Channel picture")
    article = ArticlePage(title="Open house", image=page_picture, live=False)
    home.add_child(instance=article)
    channel = ChannelFactory(name="Alpha")
    choose(article, channel, image=chosen)
    article.save()
    article.save_revision()

    logged_in(plain_editor)
    open_editor(page, article)
    row = channel_row(page, channel)
    expect(row.locator("details.crosspost-message")).to_have_attribute("open", "")
    expect(row.locator(".crosspost-image")).to_contain_text("Channel picture")
    expect(row.get_by_role("button", name="Choose an image")).to_have_count(0)
    # The preview shows what will be sent: the chosen image, not the page's.
    expect(row.locator("[data-crosspost-preview] img")).to_have_attribute(
        "alt", "Alt text for Channel picture"
    )


def test_tags_typed_but_not_saved_show_as_hashtags_in_the_counter(
    page, logged_in, superuser, article
):
    """Tags added in the form, before saving, are in the preview and named by the counter."""
    alpha = ChannelFactory(name="Alpha", options={"utm": True})
    logged_in(superuser)
    open_editor(page, article)
    row = channel_row(page, alpha)
    row.locator('input[name$="-enabled"]').check()
    counter = row.locator("[data-crosspost-counter]")
    expect(counter).to_have_text(re.compile(r"^\d+ / 500 characters \(\+ tracking link\)$"))
    # The tags field is on the first tab: add two tags there, then come back.
    page.locator('[role="tab"]').first.click()
    tag_input = page.locator("ul.tagit input[type=text]").first
    for tag in ("bakery", "open day"):
        tag_input.fill(tag)
        tag_input.press("Enter")
    publish_to_tab(page).click()
    expect(counter).to_have_text(
        re.compile(r"^\d+ / 500 characters \(\+ 2 hashtags, \+ tracking link\)$")
    )
    expect(row.locator("[data-crosspost-preview-text]")).to_contain_text("#bakery #OpenDay")
