"""The example project works end to end: migrate, setup_demo (twice), publish the draft article
with the demo channels ticked, and see the post on the demo wall; then the editor's own path
through the admin edit view.

It runs the example project's own ``manage.py`` in subprocesses, because the example project has
its own settings and apps (``tests.settings`` is a different site). The database and media go to
a temporary directory through ``EXAMPLE_DB_PATH`` / ``EXAMPLE_MEDIA_ROOT``; the site is migrated
and set up once per module and copied for each test.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.browser.demo import manage

REPO_ROOT = Path(__file__).resolve().parents[2]
MANAGE = REPO_ROOT / "example_project" / "manage.py"
DRAFT_TITLE = "Our new assembly hall in Stuttgart opens"

# Runs inside the example project (manage.py shell -c). Prints CHECK lines; any failure raises.
PUBLISH_SCRIPT = r"""
import io

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from wagtail.models import PageLogEntry

from example_project.demo_social.models import WallPost
from example_project.home.models import NewsArticlePage
from wagtail_crosspost.choices import choose
from wagtail_crosspost.models import Channel, Publication

# setup_demo a second time (the first ran as its own command): idempotent, nothing new.
out = io.StringIO()
call_command("setup_demo", stdout=out)
assert "Created" not in out.getvalue() and "Published" not in out.getvalue(), out.getvalue()
assert "already existed" in out.getvalue(), out.getvalue()
print("CHECK setup_demo is idempotent")

admin = get_user_model().objects.get(username="admin")
assert Publication.objects.count() == 0, "setup_demo must not post anything"
assert WallPost.objects.count() == 0
assert NewsArticlePage.objects.live().count() == 2

article = NewsArticlePage.objects.get(slug="new-assembly-hall-stuttgart")
assert not article.live, "the third article is left as a draft for the newcomer"
page = article.get_latest_revision_as_object()
for channel in Channel.objects.filter(name__in=["Demo wall", "Console"]):
    choose(page, channel, enabled=True)
page.save_revision(user=admin).publish(user=admin)

def wait_for_delivery(rows, busy=("pending", "sending")):
    # The posts go out in a background thread after the commit: wait for them (a bounded
    # number of polls of the database, no clock in the assertions).
    import time

    from wagtail_crosspost.outbox import background

    background.wait(60)
    for _ in range(600):
        if not rows.filter(status__in=busy).exists():
            return
        time.sleep(0.1)

wait_for_delivery(Publication.objects.filter(page=page))
page.refresh_from_db()
url = page.get_full_url()
assert url == "http://127.0.0.1:8000/news/new-assembly-hall-stuttgart/", url
rows = list(Publication.objects.filter(page=page).order_by("channel__name"))
assert [(r.channel.name, r.status) for r in rows] == [
    ("Console", "posted"),
    ("Demo wall", "posted"),
], [(r.channel.name, r.status, r.error) for r in rows]
print("CHECK two publications posted")

post = WallPost.objects.get()
assert page.title in post.text and url in post.text, post.text
assert post.image, "the page image was not attached"
# The demo wall takes any aspect ratio: the 3:1 panorama arrives as a panorama.
assert round(post.image.width / post.image.height) == 3, (post.image.width, post.image.height)
wall = rows[1]
assert wall.remote_id == str(post.pk)
assert wall.remote_url == f"http://127.0.0.1:8000/social-wall/{post.pk}/", wall.remote_url
assert wall.sent_media and wall.sent_media[0]["width"] == post.image.width, wall.sent_media
print("CHECK wall post has title, link and image")

logged = PageLogEntry.objects.filter(page=page, action="wagtail_crosspost.posted").count()
assert logged == 2, logged
print("CHECK page history has two entries")

# Publishing again (no "post again" ticked) posts nothing.
page.get_latest_revision_as_object().save_revision(user=admin).publish(user=admin)
assert Publication.objects.count() == 2, Publication.objects.count()
assert WallPost.objects.count() == 1
print("CHECK republish posts nothing")

client = Client()
response = client.get("/social-wall/")
assert response.status_code == 200
body = response.content.decode()
assert page.title in body and post.image.url in body, body[:2000]
response = client.get(f"/social-wall/{post.pk}/")
assert response.status_code == 200 and page.title in response.content.decode()
print("CHECK social wall renders the post")

response = client.get("/news/new-assembly-hall-stuttgart/", HTTP_HOST="127.0.0.1:8000")
assert response.status_code == 200, response.status_code
html = response.content.decode()
assert f'<meta property="og:title" content="{page.title}">' in html
assert '<meta property="og:image" content="http://127.0.0.1:8000/media/' in html
print("CHECK article has og tags")
"""

# The editor's path: the page editor's form, submitted as a browser would (every field as
# rendered, checkboxes only when ticked), to the edit view with action-publish.
ADMIN_SCRIPT = r'''
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.test import Client

from example_project.demo_social.models import WallPost
from example_project.home.models import NewsArticlePage
from wagtail_crosspost.models import Publication

User = get_user_model()
page = NewsArticlePage.objects.get(slug="mx-500-series-production")  # live, never posted
edit_url = f"/admin/pages/{page.pk}/edit/"


def browser_form(html):
    """The edit form's fields as a browser submits them, and the panel's rows by channel."""
    soup = BeautifulSoup(html, "html.parser")
    form = soup.select_one("form[data-edit-form]") or soup.find("form", attrs={"method": "POST"})
    data = {}
    for el in form.find_all(["input", "textarea", "select"]):
        name = el.get("name")
        if not name or el.has_attr("disabled"):
            continue
        kind = el.get("type", "text") if el.name == "input" else el.name
        if kind in ("checkbox", "radio"):
            if el.has_attr("checked"):
                data[name] = el.get("value", "on")
        elif kind == "textarea":
            data[name] = el.text.removeprefix("\n")
        elif kind == "select":
            option = el.find("option", selected=True)
            if option is not None:
                data[name] = option.get("value", option.text)
        elif kind not in ("submit", "button", "file"):
            data[name] = el.get("value", "")
    rows = {}
    for row in soup.select(".crosspost-panel li.crosspost-channel"):
        box = row.select_one('input[type=checkbox][name$="-enabled"]')
        rows[row.select_one("label strong").get_text(strip=True)] = box  # the channel's name
    return data, rows


def publish(tick=()):
    data, rows = browser_form(client.get(edit_url).content.decode())
    for name in tick:
        data[name(rows)] = "on"
    data["action-publish"] = "action-publish"
    response = client.post(edit_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return rows


def posts():
    wait_for_delivery(Publication.objects.filter(page=page))
    rows = Publication.objects.filter(page=page).order_by("pk")
    return [(p.channel.name, p.generation, p.status) for p in rows]


def wait_for_delivery(rows, busy=("pending", "sending")):
    # The posts go out in a background thread after the commit: wait for them (a bounded
    # number of polls of the database, no clock in the assertions).
    import time

    from wagtail_crosspost.outbox import background

    background.wait(60)
    for _ in range(600):
        if not rows.filter(status__in=busy).exists():
            return
        time.sleep(0.1)


# The editor may choose channels (Wagtail's Editors submit for moderation; admins publish).
client = Client(HTTP_HOST="127.0.0.1:8000")
client.force_login(User.objects.get(username="editor"))
data, rows = browser_form(client.get(edit_url).content.decode())
assert set(rows) == {"Demo wall", "Console"}, rows
assert not any(box.has_attr("disabled") for box in rows.values()), rows
print("CHECK editor can choose channels")

client.force_login(User.objects.get(username="admin"))
rows = publish()
assert set(rows) == {"Demo wall", "Console"}, rows
assert not rows["Demo wall"].has_attr("checked") and not rows["Console"].has_attr("checked")
assert posts() == [], posts()
print("CHECK a live page opens with nothing ticked; a typo fix posts nothing")

# The editor ticks the Demo wall in this edit and presses Publish: the page goes there.
publish(tick=[lambda rows: rows["Demo wall"]["name"]])
assert posts() == [("Demo wall", 0, "posted")], posts()
assert WallPost.objects.filter(text__contains=page.title).count() == 1
print("CHECK ticking a channel on a live page posts")

publish(tick=[lambda rows: rows["Demo wall"]["name"].replace("-enabled", "-repost")])
assert posts() == [("Demo wall", 0, "posted"), ("Demo wall", 1, "posted")], posts()
print("CHECK post again posts once more")

publish()  # "post again" is shown unticked and the editor changes nothing
assert len(posts()) == 2, posts()
print("CHECK post again is not sticky")

history = client.get(f"/admin/pages/{page.pk}/history/").content.decode()
assert "Posted to Demo wall" in history, "history does not say where the page was posted"
print("CHECK page history names the channel")

assert "Publication log" in client.get("/admin/").content.decode()
print("CHECK publication log is in the menu")
'''


def _fast_tmpdir() -> str:
    # SQLite commits a lot during migrate; memory-backed /dev/shm makes them cheap where present.
    shm = Path("/dev/shm")
    return tempfile.mkdtemp(prefix="crosspost-example-", dir=shm if shm.is_dir() else None)


def _env(workdir: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example_project.settings",
        "EXAMPLE_DB_PATH": os.path.join(workdir, "db.sqlite3"),
        "EXAMPLE_MEDIA_ROOT": os.path.join(workdir, "media"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


@pytest.fixture(scope="module")
def demo_site():
    """A migrated example site after one ``setup_demo``, and that command's output."""
    workdir = _fast_tmpdir()
    env = _env(workdir)
    manage(env, "migrate", "--no-input", "-v0")
    output = manage(env, "setup_demo")
    yield workdir, output
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def example_env(demo_site):
    """A private copy of the demo site for one test."""
    source, _ = demo_site
    workdir = _fast_tmpdir()
    shutil.copytree(source, workdir, dirs_exist_ok=True)
    yield _env(workdir)
    shutil.rmtree(workdir, ignore_errors=True)


def assert_checks(output: str, *checks: str) -> None:
    for check in checks:
        assert f"CHECK {check}" in output, output


def test_setup_demo_prints_the_next_steps(demo_site):
    _, output = demo_site
    assert f"Created the draft article “{DRAFT_TITLE}”" in output
    assert "admin / admin" in output and "editor / editor" in output
    assert "agency / agency" in output and "approver / approver" in output
    assert "http://127.0.0.1:8000/admin/" in output
    assert "http://127.0.0.1:8000/social-wall/" in output


ACCOUNT_SCRIPT = r"""
from django.contrib.auth import get_user_model
from wagtail.admin.forms.account import NameEmailForm

admin = get_user_model().objects.get(username="admin")
form = NameEmailForm(
    instance=admin,
    data={"first_name": admin.first_name, "last_name": admin.last_name, "email": admin.email},
)
assert form.is_valid(), form.errors
print("CHECK account form valid as set up", admin.get_full_name())
"""


def test_the_demo_admin_has_a_name_so_account_settings_save_as_they_are(example_env):
    """Switching the admin to German saves the whole account form, which needs a name."""
    output = manage(example_env, "shell", "-c", ACCOUNT_SCRIPT)
    assert_checks(output, "account form valid as set up Max Mustermann")


def test_the_demo_on_another_port_links_to_that_port(example_env):
    """``PORT=8001 scripts/demo``: the site, the printed steps and the admin's links follow."""
    env = {**example_env, "WAGTAILADMIN_BASE_URL": "http://127.0.0.1:8001"}
    output = manage(env, "setup_demo", "--port", "8001")
    assert "http://127.0.0.1:8001/admin/" in output
    assert "runserver 127.0.0.1:8001" in output
    assert ":8000" not in output
    site = manage(
        env,
        "shell",
        "-c",
        "from wagtail.models import Site; print(Site.objects.get(is_default_site=True).root_url)",
    )
    assert site.strip().splitlines()[-1] == "http://127.0.0.1:8001"


def test_publishing_the_draft_posts_to_the_demo_wall(example_env):
    output = manage(example_env, "shell", "-c", PUBLISH_SCRIPT)
    assert_checks(
        output,
        "setup_demo is idempotent",
        "two publications posted",
        "wall post has title, link and image",
        "page history has two entries",
        "republish posts nothing",
        "social wall renders the post",
        "article has og tags",
    )
    # The Console channel prints the post where runserver would show it.
    assert "[crosspost:Console] POST" in output
    assert DRAFT_TITLE in output


CLICK_SCRIPT = r"""
import re

from django.test import Client

from example_project.demo_social.models import WallPost
from example_project.home.models import NewsArticlePage
from wagtail_crosspost.choices import choose
from wagtail_crosspost.metrics.click_models import ClickCounting, ClickDay
from wagtail_crosspost.models import Channel, Publication

wall = Channel.objects.get(name="Demo wall")
ClickCounting.objects.create(channel=wall, enabled=True)  # "Count clicks on the site", ticked
article = NewsArticlePage.objects.get(slug="new-assembly-hall-stuttgart")
page = article.get_latest_revision_as_object()
choose(page, wall, enabled=True)
page.save_revision().publish()
from wagtail_crosspost.outbox import background

background.wait(60)
row = Publication.objects.get(page=page, channel=wall)
assert row.status == "posted", (row.status, row.error)
text = WallPost.objects.get().text
found = re.search(r"http://127\.0\.0\.1:8000/cp/([A-Za-z0-9]+)/", text)
assert found, text
assert "/news/new-assembly-hall-stuttgart/" not in text, text  # the short link, not the page
print("CHECK the wall post links through the short redirect")

client = Client(HTTP_HOST="127.0.0.1:8000")
card = client.get(found.group(0), HTTP_USER_AGENT="http.rb/5.1.1 (Mastodon/4.3.0; +https://x.y/)")
assert card.status_code == 302 and not ClickDay.objects.exists()  # a card fetcher: not counted
browser = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
response = client.get(found.group(0), HTTP_USER_AGENT=browser)
assert response.status_code == 302, response.status_code
location = response["Location"]
assert location.startswith("http://127.0.0.1:8000/news/new-assembly-hall-stuttgart/"), location
assert sum(ClickDay.objects.filter(publication=row).values_list("clicks", flat=True)) == 1
print("CHECK a click on it is counted and lands on the page")
"""


def test_click_counting_works_in_the_demo(example_env):
    """The demo mounts the short-link route (``cp/``), as the install docs tell a site to."""
    output = manage(example_env, "shell", "-c", CLICK_SCRIPT)
    assert_checks(
        output,
        "the wall post links through the short redirect",
        "a click on it is counted and lands on the page",
    )


def test_editor_publishes_from_the_page_editor(example_env):
    output = manage(example_env, "shell", "-c", ADMIN_SCRIPT)
    assert_checks(
        output,
        "editor can choose channels",
        "a live page opens with nothing ticked; a typo fix posts nothing",
        "ticking a channel on a live page posts",
        "post again posts once more",
        "post again is not sticky",
        "page history names the channel",
        "publication log is in the menu",
    )


AGENCY_SCRIPT = r"""
from django.contrib.auth import get_user_model
from wagtail.models import Page
from example_project.home.models import NewsArticlePage, NewsIndexPage
from wagtail_crosspost.choices import choose
from wagtail_crosspost.models import Channel, Publication

User = get_user_model()
agency, approver = User.objects.get(username="agency"), User.objects.get(username="approver")
assert agency.check_password("agency") and approver.check_password("approver")
press = NewsIndexPage.objects.get(slug="press")
wall = Channel.objects.get(name="Demo wall")
page = press.add_child(
    instance=NewsArticlePage(title="Agency draft", slug="agency-draft", intro="Hi.", live=False)
)
choose(page, wall, enabled=True, message="From the agency")
page.save_revision(user=agency)
workflow = page.get_workflow()
assert workflow.name == "Agency → company", workflow
workflow.start(page, agency)
print("CHECK agency submits to the company's workflow")
page.refresh_from_db()
state = page.current_workflow_task_state
assert not state.task.specific.get_actions(page, agency)
state.task.specific.on_action(state, approver, "approve")
page.refresh_from_db()
state = page.current_workflow_task_state
assert state.task.specific.__class__.__name__ == "SocialMediaApprovalTask", state.task
assert not Publication.objects.filter(page=page).exists()
print("CHECK company approves the page, the posts wait")
state.task.specific.on_action(state, approver, "approve")
page.refresh_from_db()
assert page.live
# The demo plans the posts after the commit, in a thread of this process (PLAN_AFTER_COMMIT).
from wagtail_crosspost.outbox import background
assert background.wait(60)
assert Publication.objects.filter(page=page, channel=wall).exists()
print("CHECK company approves the posts, page and post go out")
"""


def test_the_agency_and_the_company_round_trip(example_env):
    output = manage(example_env, "shell", "-c", AGENCY_SCRIPT)
    assert_checks(
        output,
        "agency submits to the company's workflow",
        "company approves the page, the posts wait",
        "company approves the posts, page and post go out",
    )
