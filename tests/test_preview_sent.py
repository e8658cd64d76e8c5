"""What you see is what is sent: the editor's counter and preview include everything the post gets
(hashtags from the tags typed but not saved yet, tracking parameters, the appended link), and
say what was added."""

import itertools

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import ChannelFactory, publish, set_admin_preferences
from tests.testapp.models import ArticlePage
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.choices import choose
from wagtail_crosspost.compose.length import measure

pytestmark = pytest.mark.django_db

_slugs = itertools.count(1)


def preview(client, **data):
    return client.post(reverse("wagtail_crosspost:preview"), data).json()


def test_counter_includes_the_unsaved_tags_and_says_what_was_added(admin_client, make_article):
    channel = ChannelFactory(name="Tracked", options={"utm": True})
    page = make_article(title="Open house", intro="Come and see.")
    data = preview(
        admin_client,
        channel=channel.pk,
        page=page.pk,
        title="Open house",
        tags='bakery, "open day", Berlin',
    )
    assert data["text"].endswith("#Berlin #bakery #OpenDay")
    assert "utm_source=locmem" in data["text"]
    assert data["count"] == measure(data["text"], "locmem")
    assert data["additions_label"] == "+ 3 hashtags, + tracking link"
    # No tags typed: the field is sent empty, so no hashtags (the saved page has none either).
    data = preview(admin_client, channel=channel.pk, page=page.pk, tags="")
    assert "#" not in data["text"] and data["additions_label"] == "+ tracking link"


def test_the_link_added_to_the_editors_own_text_is_named(admin_client, make_article, channel):
    page = make_article(title="Open house")
    data = preview(admin_client, channel=channel.pk, page=page.pk, message="Come by!", tags="one")
    assert data["text"] == f"Come by!\n\n{page.full_url}"
    assert data["additions_label"] == "+ link to the page"
    data = preview(admin_client, channel=channel.pk, page=page.pk, message="See {url}", tags="")
    assert data["additions_label"] == ""


def test_additions_are_german_for_german_editors(admin_client, admin_user, make_article):
    set_admin_preferences(admin_user, preferred_language="de")
    channel = ChannelFactory(name="Tracked", options={"utm": True})
    page = make_article(title="Tag der offenen Tür")
    data = preview(
        admin_client, channel=channel.pk, page=page.pk, tags="a, b", message="Hallo {hashtags}"
    )
    assert data["additions_label"] == "+ 2 Hashtags, + Link zur Seite, + Tracking-Link"
    data = preview(admin_client, channel=channel.pk, page=page.pk, tags="a")
    assert data["additions_label"] == "+ 1 Hashtag, + Tracking-Link"


words = st.text(
    alphabet=st.sampled_from("abcxyzÄäöüßéñ 0123456789-.!?🙂"), min_size=0, max_size=60
).map(str.strip)
tag_names = st.text(alphabet=st.sampled_from("abcÄüß 019_-"), min_size=1, max_size=15).map(
    str.strip
)
messages = st.one_of(
    st.just(""),
    words,
    st.builds(lambda a, b: f"{a} {{url}} {b}", words, words),
    st.builds(lambda a: f"{a}\n{{hashtags}}", words),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    title=words.filter(bool),
    intro=words,
    tags=st.lists(tag_names.filter(bool), max_size=6),
    message=messages,
    utm=st.booleans(),
)
def test_counter_equals_sent(
    admin_client, home, django_capture_on_commit_callbacks, title, intro, tags, message, utm
):
    """The counter-equals-sent property: for any title, intro, tags typed (not saved) and custom
    text, the preview's text and count are what delivery sends and how it counts."""
    channel = ChannelFactory(options={"utm": utm})
    page = ArticlePage(title="Draft", intro="", slug=f"seite-ü-{next(_slugs)}")
    home.add_child(instance=page)
    typed_tags = ", ".join(f'"{tag}"' for tag in tags)
    data = preview(
        admin_client,
        channel=channel.pk,
        page=page.pk,
        title=title,
        intro=intro,
        tags=typed_tags,
        message=message,
    )
    # The editor presses Publish: the form's values are saved as Wagtail saves them.
    from taggit.utils import parse_tags

    page.title, page.intro = title, intro
    page.tags.set(parse_tags(typed_tags))
    choose(page, channel, enabled=True, message=message)
    page.save()
    locmem.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    [sent] = locmem.outbox
    assert data["text"] == sent.post.text
    assert data["thread"] == list(sent.post.thread)
    assert data["final_count"] == measure(sent.post.text, "locmem")
    if not data["shortened"]:
        assert data["count"] == measure(sent.post.text, "locmem")
    hashtags = sum(word.startswith("#") for word in sent.post.text.split())
    if hashtags and not data["shortened"]:
        assert data["additions_label"].startswith(f"+ {hashtags} hashtag")


def test_an_idn_host_and_a_german_slug_are_sent_readable(
    admin_client, make_article, channel, django_capture_on_commit_callbacks
):
    """A German site: the post's text has https://bäckerei.de/über-uns/, not xn--/%C3%BC, on a
    platform that takes IRIs; the link card field gets the URI."""
    from wagtail.models import Site

    Site.objects.filter(is_default_site=True).update(hostname="bäckerei.de", port=443)
    page = make_article(title="Über uns", slug="über-uns", channels=[channel])
    data = preview(admin_client, channel=channel.pk, page=page.pk, tags="")
    assert "https://bäckerei.de/über-uns/" in data["text"]
    locmem.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    [sent] = locmem.outbox
    assert sent.post.text == data["text"]
    assert sent.post.link == "https://xn--bckerei-5wa.de/%C3%BCber-uns/"
