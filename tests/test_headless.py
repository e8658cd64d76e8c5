"""Headless sites: WAGTAILCROSSPOST_PAGE_URL gives the front end's public URL, not Wagtail's.

Wagtail serves the pages at http://cms.internal/…, readers see them at
https://www.example.com/blog/<slug>/: every post must carry the reader's address.
"""

from __future__ import annotations

import pytest
from wagtail.models import Site

import wagtail_crosspost
from tests.factories import publish
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox.inputs import page_url

pytestmark = pytest.mark.django_db

FRONT_END = "https://www.example.com/blog/"


def frontend_url(page) -> str:
    """What a site would put in its own module and name in the setting."""
    return f"{FRONT_END}{page.slug}/"


@pytest.fixture
def cms_site(home):
    Site.objects.filter(is_default_site=True).update(hostname="cms.internal", port=80)
    return home


@pytest.fixture
def article(cms_site, make_article, channel):
    page = make_article(
        title="Our new lathe", intro="It turns big parts.", slug="new-lathe", channels=[channel]
    )
    assert page.get_full_url() == "http://cms.internal/new-lathe/"  # Wagtail's own URL differs
    return page


@pytest.mark.parametrize(
    "setting", [frontend_url, "tests.test_headless.frontend_url"], ids=["callable", "dotted"]
)
def test_posts_carry_the_front_end_url(
    settings, article, setting, django_capture_on_commit_callbacks
):
    settings.WAGTAILCROSSPOST_PAGE_URL = setting
    with django_capture_on_commit_callbacks(execute=True):
        publish(article)

    [sent] = locmem.outbox
    assert sent.post.link == "https://www.example.com/blog/new-lathe/"
    assert "https://www.example.com/blog/new-lathe/" in sent.post.text
    assert "cms.internal" not in sent.post.text
    publication = Publication.objects.get(page=article)
    assert "https://www.example.com/blog/new-lathe/" in publication.sent_text


def test_without_the_setting_wagtails_url_is_used(settings, article):
    settings.WAGTAILCROSSPOST_PAGE_URL = None
    assert page_url(article) == "http://cms.internal/new-lathe/"


def test_a_message_override_gets_the_front_end_url(
    settings, article, channel, django_capture_on_commit_callbacks
):
    settings.WAGTAILCROSSPOST_PAGE_URL = "tests.test_headless.frontend_url"
    publish(article)
    locmem.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        wagtail_crosspost.crosspost(article, [channel], message="Read: {url}", repost=True)
    [sent] = locmem.outbox
    assert sent.post.text == "Read: https://www.example.com/blog/new-lathe/"
