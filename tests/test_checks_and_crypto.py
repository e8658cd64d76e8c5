"""System checks tell a site owner what to fix; credentials are encrypted and never shown."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from tests.factories import ChannelFactory
from wagtail_crosspost import checks, crypto
from wagtail_crosspost.adapters import clear_cache, get_adapters
from wagtail_crosspost.models import Channel


def test_auto_panel_off_warns_about_page_types_without_panel(settings):
    settings.WAGTAILCROSSPOST_AUTO_PANEL = False
    from tests.testapp.models import SimplePage

    SimplePage.get_edit_handler.cache_clear()
    try:
        warnings = checks.check_page_types_have_panel(None)
    finally:
        SimplePage.get_edit_handler.cache_clear()
    labels = {w.obj._meta.label for w in warnings}
    assert "testapp.SimplePage" in labels
    assert all(w.id == "wagtail_crosspost.W001" for w in warnings)
    assert "CrosspostPanel()" in warnings[0].hint


def test_auto_panel_on_has_no_warnings():
    assert checks.check_page_types_have_panel(None) == []


def test_bad_adapter_path_is_a_clear_error(settings):
    settings.WAGTAILCROSSPOST_ADAPTERS = ["nowhere.Adapter"]
    clear_cache()
    [error] = checks.check_adapters(None)
    assert "cannot import the adapter 'nowhere.Adapter'" in error.msg


def test_hook_registers_an_adapter():
    from wagtail import hooks

    from tests.scripted import ScriptedAdapter

    with hooks.register_temporarily("register_crosspost_adapters", lambda: [ScriptedAdapter]):
        clear_cache()
        assert get_adapters()["scripted"] is ScriptedAdapter


def test_bad_encryption_key_is_a_clear_error(settings):
    settings.WAGTAILCROSSPOST_ENCRYPTION_KEYS = ["not-a-key"]
    [error] = checks.check_encryption_keys(None)
    assert "Fernet" in error.msg


def test_key_rotation_reads_old_tokens(settings):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    settings.WAGTAILCROSSPOST_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt({"access_token": "abc"})
    settings.WAGTAILCROSSPOST_ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt(token) == {"access_token": "abc"}
    rotated = crypto.rotate(token)
    settings.WAGTAILCROSSPOST_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt(rotated) == {"access_token": "abc"}
    settings.WAGTAILCROSSPOST_ENCRYPTION_KEYS = [Fernet.generate_key()]
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        crypto.decrypt(rotated)


@pytest.mark.django_db
def test_dumpdata_contains_no_plain_token(capsys):
    channel = ChannelFactory(platform="mastodon")
    channel.set_credentials({"access_token": "dump-me-not-123456"})
    channel.save()
    call_command("dumpdata", "wagtail_crosspost.channel")
    out = capsys.readouterr().out
    assert "dump-me-not-123456" not in out
    assert Channel.objects.get().get_credentials()["access_token"] == "dump-me-not-123456"


@pytest.mark.django_db
def test_rotate_keys_command(settings):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    settings.WAGTAILCROSSPOST_ENCRYPTION_KEYS = [old]
    channel = ChannelFactory(platform="mastodon")
    channel.set_credentials({"access_token": "rotate-me"})
    channel.save()
    settings.WAGTAILCROSSPOST_ENCRYPTION_KEYS = [new, old]
    call_command("crosspost_rotate_keys")
    settings.WAGTAILCROSSPOST_ENCRYPTION_KEYS = [new]
    assert Channel.objects.get().get_credentials() == {"access_token": "rotate-me"}


@pytest.mark.django_db
def test_check_command_reports_each_channel(capsys):
    ChannelFactory(name="Good one")
    call_command("crosspost_check")
    assert "OK   Good one (locmem)" in capsys.readouterr().out
    assert Channel.objects.get().status == "ok"


@pytest.mark.django_db
def test_debug_with_live_channels_warns(settings):
    settings.DEBUG = True
    ChannelFactory(platform="console", name="Harmless")
    assert checks.check_debug_with_live_channels(None) == []
    ChannelFactory(platform="mastodon", name="Real Mastodon")
    [warning] = checks.check_debug_with_live_channels(None)
    assert "Real Mastodon" in warning.msg and warning.id == "wagtail_crosspost.W002"
    settings.WAGTAILCROSSPOST_DRY_RUN = True
    assert checks.check_debug_with_live_channels(None) == []


@pytest.mark.django_db
def test_a_production_site_still_called_localhost_is_a_warning(settings):
    from wagtail.models import Site

    settings.DEBUG = False
    site = Site.objects.get(is_default_site=True)
    site.hostname = "localhost"
    site.save()
    (warning,) = checks.check_site_hostnames(None)
    assert warning.id == "wagtail_crosspost.W004"
    assert "http://localhost/" in warning.msg and "Settings → Sites" in warning.hint

    settings.DEBUG = True  # a developer's machine: localhost is right
    assert checks.check_site_hostnames(None) == []
    settings.DEBUG = False
    site.hostname = "www.muster-maschinenbau.de"
    site.save()
    assert checks.check_site_hostnames(None) == []
