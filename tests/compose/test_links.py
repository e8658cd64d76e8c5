"""Links as IRIs (readable Unicode) where the platform takes them, as URIs (punycode host,
percent-encoded path) where it does not; the URI is what is counted and sent there."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wagtail_crosspost.adapters.bluesky.atproto import build_facets
from wagtail_crosspost.adapters.bluesky.record import RULES as BLUESKY_RULES
from wagtail_crosspost.adapters.links import as_iri, as_uri
from wagtail_crosspost.adapters.locmem import LocmemAdapter
from wagtail_crosspost.adapters.x.adapter import XAdapter
from wagtail_crosspost.compose.length import measure
from wagtail_crosspost.compose.post import PostInputs, build_post

IRI = "https://bäckerei.de/über-uns/"
URI = "https://xn--bckerei-5wa.de/%C3%BCber-uns/"


def test_iri_and_uri_are_two_forms_of_one_address():
    assert as_uri(IRI) == URI
    assert as_iri(URI) == IRI
    # Escapes of reserved characters stay escaped: the link still leads to the same page.
    assert (
        as_iri("https://a.example/a%2Fb%20c/t%C3%BCr?q=%26")
        == "https://a.example/a%2Fb%20c/tür?q=%26"
    )
    assert as_uri("http://[::1]:8000/tür/") == "http://[::1]:8000/t%C3%BCr/"
    assert as_uri("mailto:someone@example.com") == "mailto:someone@example.com"


@given(st.text(alphabet=st.sampled_from("aäzß-/é€ü1 "), max_size=20))
def test_forms_round_trip(path):
    url = "https://bäckerei.de/" + path.replace(" ", "%20")
    assert as_uri(as_iri(as_uri(url))) == as_uri(url)
    assert as_uri(url).isascii()


def inputs(platform, **kwargs):
    return PostInputs(platform=platform, title="Über uns", url=URI, **kwargs)


@pytest.mark.parametrize(
    "platform, rules, expected",
    [
        ("locmem", LocmemAdapter.rules, IRI),
        ("bluesky", BLUESKY_RULES, IRI),
        ("x", XAdapter.rules, URI),
    ],
)
def test_text_gets_the_form_the_platform_takes(platform, rules, expected):
    post, _notes = build_post(inputs(platform, options={"utm": True}), rules)
    link = expected + "?utm_source=" + platform + "&utm_medium=social&utm_campaign=crosspost"
    assert link in post.text
    # API fields (link cards, the `link` parameter) always get the URI.
    assert (
        post.link == URI + "?utm_source=" + platform + "&utm_medium=social&utm_campaign=crosspost"
    )


def test_the_form_sent_is_the_form_counted():
    """Bluesky counts URLs in full: the IRI is shorter than the percent-encoded form."""
    iri_post, _ = build_post(inputs("bluesky"), BLUESKY_RULES)
    assert measure(iri_post.text, "bluesky", rules=BLUESKY_RULES) == len("Über uns\n\n" + IRI)
    x_post, _ = build_post(inputs("x"), XAdapter.rules)
    assert URI in x_post.text and "ü" not in x_post.text.split("\n")[-1]


def test_bluesky_shows_the_iri_and_links_the_uri():
    text = "Neu: " + IRI
    [facet] = build_facets(text)
    assert facet["features"][0]["uri"] == URI
    assert facet["index"]["byteEnd"] == len(text.encode())
