"""{% crosspost_fediverse_creator %}: the author's handle for Mastodon's author credit."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from wagtail_crosspost.linkcards.creator import creator_for, normalise_handle


def render(source: str, **context) -> str:
    return Template("{% load crosspost_tags %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("value", "handle"),
    [
        ("@anna@social.example", "@anna@social.example"),
        ("anna@Social.Example", "@anna@social.example"),
        (" @a.b_c-d@x.y.example ", "@a.b_c-d@x.y.example"),
        ("anna", ""),
        ("@anna@localhost", ""),
        ('a"><script>@x.example', ""),
        ("https://social.example/@anna", ""),
        (None, ""),
    ],
)
def test_only_handles_pass(value, handle):
    assert normalise_handle(value) == handle


def test_the_setting_is_printed_when_the_page_has_none(settings):
    settings.WAGTAILCROSSPOST_FEDIVERSE_CREATOR = "news@social.example"
    assert render("{% crosspost_fediverse_creator %}", page=object()) == (
        '<meta name="fediverse:creator" content="@news@social.example">'
    )


def test_the_pages_own_handle_wins(settings):
    settings.WAGTAILCROSSPOST_FEDIVERSE_CREATOR = "news@social.example"

    class Page:
        def fediverse_creator(self):
            return "anna@writers.example"

    assert creator_for(Page()) == "@anna@writers.example"
    assert 'content="@anna@writers.example"' in render(
        "{% crosspost_fediverse_creator %}", page=Page()
    )


def test_a_handle_given_in_the_template(settings):
    assert render('{% crosspost_fediverse_creator "@b@c.example" %}') == (
        '<meta name="fediverse:creator" content="@b@c.example">'
    )


def test_nothing_without_a_handle(settings):
    settings.WAGTAILCROSSPOST_FEDIVERSE_CREATOR = "not a handle"
    assert render("{% crosspost_fediverse_creator %}") == ""


def test_a_setting_that_is_no_handle_is_reported(settings):
    from wagtail_crosspost.checks import check_fediverse_creator

    settings.WAGTAILCROSSPOST_FEDIVERSE_CREATOR = "https://social.example/@news"
    (warning,) = check_fediverse_creator(None)
    assert warning.id == "wagtail_crosspost.W010"
    settings.WAGTAILCROSSPOST_FEDIVERSE_CREATOR = "@news@social.example"
    assert check_fediverse_creator(None) == []
