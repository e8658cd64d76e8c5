"""The hand-filled channel forms (Settings → Social channels → Add): every field labelled in the
admin's language, choices as selects, and an adapter's complaint shown beside its field."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import ChannelFactory, set_admin_preferences
from wagtail_crosspost.adapters import get_adapters
from wagtail_crosspost.forms import channel_form_class
from wagtail_crosspost.models import Channel

pytestmark = pytest.mark.django_db

SECRET = "tok-SUPER-SECRET-123456"
ADD_MASTODON = "wagtail_crosspost_channels:add"


def mastodon_data(**overrides):
    data = {
        "name": "Our Mastodon",
        "enabled": "on",
        "on_unpublish": "keep",
        "option_server_url": "https://social.example",
        "option_visibility": "public",
        "option_language": "",
        "option_long_text": "shorten",
        "credential_access_token": SECRET,
    }
    data.update(overrides)
    return data


def labels(html: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>.*?</[^>]+>", "", text, flags=re.S).split())
        for text in re.findall(r'<label class="w-field__label"[^>]*>(.*?)</label>', html, re.S)
    ]


def field_html(html: str, name: str) -> str:
    """The Wagtail field wrapper around the input ``name`` (label, input, help and errors)."""
    start = html.index(f'name="{name}"')
    begin = html.rindex('class="w-field__wrapper', 0, start)
    following = html.find('class="w-field__wrapper', start)
    return html[begin : following if following != -1 else len(html)]


@pytest.fixture
def german_admin(admin_user):
    set_admin_preferences(admin_user, preferred_language="de")
    return admin_user


@pytest.fixture
def add_url():
    return reverse(ADD_MASTODON) + "?platform=mastodon"


def test_mastodon_form_labels_its_fields_and_offers_selects(admin_client, add_url):
    html = admin_client.get(add_url).content.decode()
    shown = labels(html)
    for label in ("Server address", "Visibility", "Language of the posts"):
        assert label in shown, shown
    for raw in ("server url", "visibility", "language"):
        assert raw not in shown, shown
    visibility = field_html(html, "option_visibility")
    assert "<select" in visibility
    assert re.findall(r'<option value="(\w+)"', visibility) == [
        "public",
        "unlisted",
        "private",
        "direct",
    ]
    language = field_html(html, "option_language")
    assert "<select" in language
    assert '<option value="" selected>Only the page&#x27;s language</option>' in language
    assert '<option value="de">German (de)</option>' in language
    assert '<option value="fr">French (fr)</option>' in language


def test_mastodon_form_speaks_german(client, german_admin, add_url):
    client.force_login(german_admin)
    html = client.get(add_url).content.decode()
    shown = labels(html)
    for label in ("Serveradresse", "Sichtbarkeit", "Sprache der Beiträge"):
        assert label in shown, shown
    visibility = field_html(html, "option_visibility")
    for choice in ("Öffentlich", "Nur für Follower", "Nur erwähnte Profile"):
        assert choice in visibility
    language = field_html(html, "option_language")
    assert '<option value="de">Deutsch (de)</option>' in language
    assert "Nur die Sprache der Seite" in language


def test_a_typed_visibility_is_refused_beside_the_field(client, german_admin, add_url):
    client.force_login(german_admin)
    response = client.post(add_url, mastodon_data(option_visibility="öffentlich"))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["option_visibility"]
    assert "öffentlich" in field_html(response.content.decode(), "option_visibility")
    assert not Channel.objects.exists()


def test_a_bad_server_address_is_shown_beside_the_server_field(admin_client, add_url, settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    response = admin_client.post(add_url, mastodon_data(option_server_url="http://127.0.0.1:3000"))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["option_server_url"]
    assert form.non_field_errors() == []
    beside = field_html(response.content.decode(), "option_server_url")
    assert "127.0.0.1" in beside and "w-field__errors" in beside
    assert not Channel.objects.exists()


def test_a_valid_form_saves_the_chosen_visibility_and_language(admin_client, add_url, settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
    response = admin_client.post(
        add_url, mastodon_data(option_visibility="unlisted", option_language="de")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    channel = Channel.objects.get()
    assert channel.options["visibility"] == "unlisted"
    assert channel.options["language"] == "de"


def test_a_stored_language_outside_the_list_survives_an_edit(admin_client, settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
    channel = ChannelFactory(
        platform="mastodon",
        name="M",
        options={"server_url": "https://a.example", "visibility": "private", "language": "gsw"},
    )
    channel.set_credentials({"access_token": SECRET})
    channel.save()
    url = reverse("wagtail_crosspost_channels:edit", args=[channel.pk])
    html = admin_client.get(url).content.decode()
    assert '<option value="gsw" selected>gsw</option>' in html
    assert '<option value="private" selected>' in html
    data = mastodon_data(name="M", option_language="gsw", option_visibility="private")
    data.pop("credential_access_token")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    channel.refresh_from_db()
    assert channel.options["language"] == "gsw"


# Words that read the same in both languages.
SAME_IN_GERMAN = {"Name", "Handle", "Server"}


@pytest.mark.parametrize("platform", sorted(get_adapters()))
def test_every_platform_form_field_has_a_translated_label(platform):
    form_class = channel_form_class(platform)
    with translation.override("en"):
        english = {name: str(f.label) for name, f in form_class().fields.items()}
    with translation.override("de"):
        german = {name: str(f.label) for name, f in form_class().fields.items()}
    unlabelled = [
        name
        for name, label in english.items()
        if label == name.removeprefix("option_").removeprefix("credential_").replace("_", " ")
    ]
    untranslated = [
        label
        for name, label in english.items()
        if german[name] == label and label not in SAME_IN_GERMAN
    ]
    assert unlabelled == [] and untranslated == []
