"""A company site with two channels: "Open" (nobody restricted it) and "Locked" (only the agency
may post to it, only the channel managers may manage it), and one user of each kind."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.models import GroupPagePermission, Page, Site

from tests.factories import ChannelFactory, publish
from tests.testapp.models import ArticlePage, SimplePage
from wagtail_crosspost.review.models import GroupChannelPermission, SocialMediaApprovalTask

EDITING = ("add_page", "change_page", "publish_page")
CROSSPOSTING = ("access_admin", "crosspost_page", "view_publication")
MANAGING = ("access_admin", "add_channel", "change_channel", "delete_channel")


def make_group(name, codenames, page=None):
    group = Group.objects.create(name=name)
    group.permissions.add(*Permission.objects.filter(codename__in=codenames))
    for codename in EDITING if page is not None else ():
        GroupPagePermission.objects.create(
            group=group, page=page, permission=Permission.objects.get(codename=codename)
        )
    return group


def make_user(django_user_model, name, *groups, **kwargs):
    user = django_user_model.objects.create_user(name, f"{name}@example.com", "pw", **kwargs)
    user.groups.add(*groups)
    return user


def grant(group, channel, right):
    return GroupChannelPermission.objects.create(group=group, channel=channel, permission=right)


@pytest.fixture
def company(home, django_user_model):
    site = Site.objects.get(is_default_site=True)
    open_channel = ChannelFactory(name="Open", site=site)
    locked = ChannelFactory(name="Locked", site=site)

    company_editors = make_group("Company editors", CROSSPOSTING, page=home)
    agency = make_group("Agency", CROSSPOSTING, page=home)
    managers = make_group("Channel managers", MANAGING, page=home)
    other_changers = make_group("Other channel admins", MANAGING, page=home)
    grant(agency, locked, "post")
    grant(managers, locked, "manage")

    root_b = Page.get_first_root_node().add_child(instance=SimplePage(title="Beta home"))
    Site.objects.create(hostname="beta.example", root_page=root_b)
    beta = make_group("Beta crossposters", CROSSPOSTING + MANAGING, page=root_b)

    page = ArticlePage(title="Open day", intro="Visit us.")
    home.add_child(instance=page)
    publish(page)  # live, nothing ticked, nothing planned
    return {
        "site": site,
        "page": page,
        "open": open_channel,
        "locked": locked,
        "agency": agency,
        "managers": managers,
        "users": {
            "editor_without": make_user(django_user_model, "company", company_editors),
            "editor_with": make_user(django_user_model, "agency", agency),
            "manager": make_user(django_user_model, "manager", managers),
            "other_changer": make_user(django_user_model, "changer", other_changers),
            "superuser": django_user_model.objects.create_superuser("root", "r@example.com", "pw"),
            "other_site": make_user(django_user_model, "beta", beta),
        },
    }


@pytest.fixture
def setup(home, django_user_model):
    """An agency that writes, a company that approves the posts (the approval workflow)."""
    channel = ChannelFactory(name="Company Mastodon")
    agency = make_group("Agency", CROSSPOSTING, page=home)
    company = make_group("Company approvers", CROSSPOSTING, page=home)
    grant(agency, channel, "post")
    grant(company, channel, "approve")
    grant(company, channel, "post")
    social = SocialMediaApprovalTask.objects.create(name="Social media approval")
    social.groups.add(company)
    return {
        "home": home,
        "channel": channel,
        "social": social,
        "company": company,
        "writer": make_user(django_user_model, "writer", agency),
        "approver": make_user(django_user_model, "approver", company),
        "approver2": make_user(django_user_model, "approver2", company),
    }
