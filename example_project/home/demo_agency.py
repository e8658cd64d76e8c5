"""The demo's agency and company: an agency writer who submits press releases, a company
approver who approves the page and its social posts (Wagtail's GroupApprovalTask followed by
*Social media approval*, in one workflow on the "Press releases" section)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from wagtail_crosspost.review.models import GroupChannelPermission, SocialMediaApprovalTask

ACCOUNTS = [
    # username / password, first and last name, group
    ("agency", "Anna", "Agentur", "Agency"),
    ("approver", "Clara", "Company", "Company approvers"),
]
SECTION = {"title": "Press releases", "slug": "press", "intro": "Written by our agency."}


def setup_agency(home, channels, index_model, say) -> bool:
    """Groups, rights, users and the workflow. Returns whether the users were created."""
    section = index_model.objects.child_of(home).filter(slug=SECTION["slug"]).first()
    if section is None:
        section = home.add_child(instance=index_model(**SECTION))
        section.save_revision().publish()
        say("Created the “Press releases” section (the agency's workflow).")
    global_perms = Permission.objects.filter(
        codename__in=["access_admin", "crosspost_page", "view_publication"]
    )
    agency, _ = Group.objects.get_or_create(name="Agency")
    company, _ = Group.objects.get_or_create(name="Company approvers")
    for group, page_codenames in (
        (agency, ["add_page", "change_page"]),
        (company, ["add_page", "change_page", "publish_page"]),
    ):
        group.permissions.add(*global_perms)
        for codename in page_codenames:
            GroupPagePermission.objects.get_or_create(
                group=group, page=section, permission=Permission.objects.get(codename=codename)
            )
    # Only the company approves posts to the demo channels; posting stays open to everyone who
    # may choose channels (no group was given *Post*), so the demo's other accounts keep working.
    for channel in channels:
        GroupChannelPermission.objects.get_or_create(
            group=company, channel=channel, permission="approve"
        )

    created = False
    User = get_user_model()
    for username, first, last, group_name in ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username,
                f"{username}@muster-maschinenbau.example",
                username,
                first_name=first,
                last_name=last,
            )
            created = True
        user.groups.add(Group.objects.get(name=group_name))

    workflow, made = Workflow.objects.get_or_create(name="Agency → company")
    if made:
        page_task = GroupApprovalTask.objects.create(name="Company approves the page")
        page_task.groups.add(company)
        social = SocialMediaApprovalTask.objects.create(name="Company approves the social posts")
        social.groups.add(company)
        WorkflowTask.objects.create(workflow=workflow, task=page_task, sort_order=0)
        WorkflowTask.objects.create(workflow=workflow, task=social, sort_order=1)
        say("Created the workflow “Agency → company”.")
    WorkflowPage.objects.get_or_create(page=section, defaults={"workflow": workflow})
    return created
