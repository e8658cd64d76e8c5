"""Factories and fixtures shared by the tests: a site with a home page, channels, articles."""

from __future__ import annotations

import io

import factory
import pytest
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from tests.testapp.models import ArticlePage
from wagtail_crosspost.models import Channel


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    platform = "locmem"
    name = factory.Sequence(lambda n: f"Channel {n}")
    enabled = True


def make_image(width=800, height=600, color=(200, 40, 40), fmt="JPEG", title="A red square"):
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(buffer, fmt)
    ext = {"JPEG": "jpg"}.get(fmt, fmt.lower())
    return get_image_model().objects.create(
        title=title,
        description=f"Alt text for {title}",
        file=ImageFile(io.BytesIO(buffer.getvalue()), name=f"test.{ext}"),
    )


@pytest.fixture
def home(db):
    root = Page.get_first_root_node()
    site = Site.objects.get(is_default_site=True)
    return site.root_page.specific if site.root_page_id else root


@pytest.fixture
def channel(db):
    return ChannelFactory(name="Alpha")


@pytest.fixture
def channels(db):
    return [ChannelFactory(name="Alpha"), ChannelFactory(name="Beta")]


@pytest.fixture
def admin_user(db, django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.com", "password")


@pytest.fixture
def make_article(home):
    def make(title="Hello world", intro="An intro.", channels=(), **kwargs):
        from wagtail_crosspost.choices import choose

        page = ArticlePage(title=title, intro=intro, **kwargs)
        home.add_child(instance=page)
        for ch in channels:
            choose(page, ch, enabled=True)
        page.save()
        return page

    return make


def publish(page, user=None):
    """Publish the page's newest state the way the editor does: a revision, then publish()."""
    revision = page.save_revision(user=user)
    revision.publish(user=user)
    return revision


def make_image_from_bytes(content, name="upload.bin", title="An image", description=None):
    """A Wagtail image whose stored file holds exactly ``content`` (which may be broken).

    A readable file is stored as an upload would be. One that Wagtail cannot even measure is
    stored over a valid placeholder, as a damaged upload or a storage fault would leave it.
    """
    from django.db import transaction

    fields = {
        "title": title,
        "description": f"Alt text for {title}" if description is None else description,
    }
    try:
        with transaction.atomic():
            return get_image_model().objects.create(
                file=ImageFile(io.BytesIO(content), name=name), **fields
            )
    except Exception:  # noqa: BLE001, S110 - whatever Wagtail raises for a broken file
        pass
    placeholder = io.BytesIO()
    PILImage.new("RGB", (8, 8)).save(placeholder, "PNG")
    image = get_image_model().objects.create(
        file=ImageFile(io.BytesIO(placeholder.getvalue()), name=name), **fields
    )
    with image.file.storage.open(image.file.name, "wb") as handle:
        handle.write(content)
    return image


def set_admin_preferences(user, **preferences):
    """Set a user's Wagtail admin preferences (``theme="dark"``, ``preferred_language="de"``)."""
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(user)
    for name, value in preferences.items():
        setattr(profile, name, value)
    profile.save()
    return profile


def account_settings_data(response, user) -> dict:
    """What Wagtail's account settings page posts back unchanged: every panel's fields with
    their current values (``response`` is the page's GET), plus the user's name and e-mail."""
    data = {}
    for panels in response.context["panels_by_tab"].values():
        for panel in panels:
            bound = panel.get_form()
            for name, field in bound.fields.items():
                value = bound.initial.get(name, field.initial)
                if value is not None and name != "avatar":
                    data[bound.add_prefix(name)] = value
    data.update(
        {
            "name_email-email": user.email or "someone@example.com",
            "name_email-first_name": user.first_name or "A",
            "name_email-last_name": user.last_name or "B",
        }
    )
    return data
