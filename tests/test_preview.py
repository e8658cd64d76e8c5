"""The editor's live counter and preview come from the server's own counting code."""

import pytest
from django.urls import reverse

from tests.factories import ChannelFactory, make_image, set_admin_preferences
from wagtail_crosspost.compose.length import measure

pytestmark = pytest.mark.django_db


@pytest.fixture
def mastodon_channel():
    # As connected: the server said which software it runs (nodeinfo) and its limit.
    software = {"name": "mastodon", "version": "4.4.0", "limit": 500}
    return ChannelFactory(
        platform="mastodon",
        name="M",
        options={"server_url": "https://m.example", "server_software": software},
    )


def preview(client, **data):
    return client.post(reverse("wagtail_crosspost:preview"), data)


def test_counter_counts_like_the_platform(admin_client, make_article, mastodon_channel):
    page = make_article(title="Title")
    message = "👩‍👩‍👧‍👦 Visit https://example.com/" + "x" * 200 + " now {url}"
    data = preview(admin_client, channel=mastodon_channel.pk, page=page.pk, message=message).json()
    assert data["limit"] == 500
    # Mastodon: the family emoji is one grapheme, each URL counts 23.
    rendered = message.replace("{url}", page.full_url)
    assert data["count"] == measure(rendered, "mastodon") == len("x Visit  now ") + 23 * 2
    assert data["state"] == "ok" and data["text"] == rendered
    assert data["count_label"] == f"{data['count']} / 500 characters"


@pytest.mark.parametrize(
    ("software", "expected"),
    [
        # GoToSocial: code points, the URLs in full (the family emoji is 7 code points).
        ({"name": "gotosocial", "version": "0.20.1", "limit": 500}, "codepoints"),
        # Nothing known about the server: the strictest rule (UTF-16 units here, URLs in full).
        ({}, "strictest"),
    ],
)
def test_counter_counts_the_way_the_channels_server_counts(
    admin_client, make_article, software, expected
):
    channel = ChannelFactory(
        platform="mastodon",
        name="G",
        options={"server_url": "https://g.example", "server_software": software},
    )
    page = make_article(title="Title")
    message = "👩‍👩‍👧‍👦 Visit https://example.com/" + "x" * 200 + " now {url}"
    data = preview(admin_client, channel=channel.pk, page=page.pk, message=message).json()
    rendered = message.replace("{url}", page.full_url)
    if expected == "codepoints":
        assert data["count"] == len(rendered)
    else:
        assert data["count"] == len(rendered.encode("utf-16-le")) // 2
    assert data["state"] == "ok" and data["limit"] == 500


def test_counter_label_is_german_for_german_editors(
    admin_client, admin_user, make_article, mastodon_channel
):
    set_admin_preferences(admin_user, preferred_language="de")
    page = make_article(title="Titel")
    data = preview(admin_client, channel=mastodon_channel.pk, page=page.pk, message="Hallo").json()
    assert data["count_label"].endswith(" / 500 Zeichen")


def test_over_limit_warns_and_preview_shows_the_shortened_post(
    admin_client, make_article, mastodon_channel
):
    page = make_article(title="Title")
    data = preview(
        admin_client, channel=mastodon_channel.pk, page=page.pk, message="word " * 200
    ).json()
    assert data["state"] == "over" and data["count"] > 500
    assert data["shortened"] and measure(data["text"], "mastodon") <= 500
    assert data["text"].endswith(page.full_url)


def test_preview_includes_the_image_variant(admin_client, make_article, channel):
    image = make_image(1200, 800, title="Workshop")
    page = make_article(title="With image", image=image)
    data = preview(admin_client, channel=channel.pk, page=page.pk).json()
    assert data["image"]["alt"] == "Alt text for Workshop"
    assert data["image"]["url"]


def test_preview_needs_edit_permission(client, django_user_model, make_article, channel):
    page = make_article()
    user = django_user_model.objects.create_user("nobody", "n@example.com", "pw")
    client.force_login(user)
    response = preview(client, channel=channel.pk, page=page.pk)
    assert response.status_code in (302, 403)


def test_preview_text_is_json_not_html(admin_client, make_article, channel):
    page = make_article(title="<script>alert(1)</script>")
    response = preview(admin_client, channel=channel.pk, page=page.pk, title=page.title)
    assert response["Content-Type"] == "application/json"
    assert "<script>alert(1)</script>" in response.json()["text"]  # shown with textContent


def test_preview_shows_the_image_chosen_for_the_channel(admin_client, make_article, channel):
    page_image = make_image(1200, 800, title="Page picture")
    override = make_image(900, 900, title="Channel picture")
    page = make_article(title="Two pictures", image=page_image)
    data = preview(
        admin_client, channel=channel.pk, page=page.pk, image=page_image.pk, override_image=""
    ).json()
    assert data["image"]["alt"] == "Alt text for Page picture"
    data = preview(
        admin_client,
        channel=channel.pk,
        page=page.pk,
        image=page_image.pk,
        override_image=override.pk,
    ).json()
    assert data["image"]["alt"] == "Alt text for Channel picture"
    assert (data["image"]["width"], data["image"]["height"]) == (900, 900)
    # A chosen image deleted meanwhile: the page's image, as when the post is sent.
    data = preview(
        admin_client, channel=channel.pk, page=page.pk, image=page_image.pk, override_image=999999
    ).json()
    assert data["image"]["alt"] == "Alt text for Page picture"


def test_preview_shows_the_replies_of_a_thread(admin_client, make_article, mastodon_channel):
    threaded = ChannelFactory(
        platform="mastodon",
        name="Threaded",
        options={"server_url": "https://m.example", "long_text": "thread", "thread_max_parts": 3},
    )
    page = make_article(title="Title")
    message = "Word after word, sentence after sentence. " * 30
    data = preview(admin_client, channel=threaded.pk, page=page.pk, message=message).json()
    posts = [data["text"], *data["thread"]]
    assert len(posts) == 3 and not data["shortened"]
    assert page.full_url in data["text"] and data["text"].endswith(" 1/3")
    assert data["thread"][-1].endswith(" 3/3")
    assert data["thread_label"] == "Continues in 2 replies (a thread, or reply chain):"
    assert all(measure(p, "mastodon") <= 500 for p in posts)
    # The same text on a channel that shortens: one post, no replies.
    data = preview(admin_client, channel=mastodon_channel.pk, page=page.pk, message=message).json()
    assert data["thread"] == [] and data["shortened"]


def test_preview_shows_what_delivery_sends(
    admin_client, make_article, channel, django_capture_on_commit_callbacks
):
    """One function for both: the preview of a saved page is the post that goes out."""
    from tests.factories import publish
    from wagtail_crosspost.adapters.locmem import outbox

    image = make_image(1200, 800, title="Workshop")
    page = make_article(title="Same text", intro="An intro. " * 10, image=image, channels=[channel])
    data = preview(admin_client, channel=channel.pk, page=page.pk, image=image.pk).json()
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    [sent] = outbox
    assert data["text"] == sent.post.text
    assert data["image"]["url"] == sent.post.media[0].url
    assert data["image"]["bytes"] == len(sent.post.media[0].content)


def test_preview_with_an_image_uses_the_caption_limit_as_delivery_does(admin_client, make_article):
    """Telegram sends the text under a photo as a caption of at most 1024 characters."""
    channel = ChannelFactory(platform="telegram", name="T", options={"chat_id": "@news"})
    image = make_image(1200, 800, title="Workshop")
    page = make_article(title="Long", image=image)
    message = "word " * 400
    data = preview(
        admin_client, channel=channel.pk, page=page.pk, image=image.pk, message=message
    ).json()
    assert data["image"] is not None
    assert len(data["text"]) <= 1024 < len(message)


def test_editor_who_may_not_choose_images_sees_the_saved_ones_but_no_others(
    client, django_user_model, make_article, channel, home
):
    """An editor without image rights sees the image that will be sent, and cannot use the
    preview to read any other image in the library."""
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupPagePermission

    from wagtail_crosspost.choices import choose

    page_picture = make_image(1200, 800, title="Page picture")
    chosen = make_image(900, 900, title="Channel picture")
    secret = make_image(700, 700, title="Secret picture")
    page = make_article(title="Open house", image=page_picture)
    choose(page, channel, image=chosen)
    page.save()
    group = Group.objects.create(name="Plain editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    GroupPagePermission.objects.create(
        group=group, page=home, permission=Permission.objects.get(codename="change_page")
    )
    user = django_user_model.objects.create_user("plain", "plain@example.com", "pw")
    user.groups.add(group)
    client.force_login(user)

    def alt(**images):
        data = preview(client, channel=channel.pk, page=page.pk, **images).json()
        return data["image"] and data["image"]["alt"]

    assert alt(image=page_picture.pk, override_image=chosen.pk) == "Alt text for Channel picture"
    assert alt(image=page_picture.pk, override_image="") == "Alt text for Page picture"
    # Another image's id: not shown, the page's own image instead (or none at all).
    assert alt(image=page_picture.pk, override_image=secret.pk) == "Alt text for Page picture"
    assert alt(image=secret.pk, override_image="") is None
