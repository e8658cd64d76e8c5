"""Build the demo site: pages, images, accounts and two offline channels. Safe to run again.

The news index and two articles are published before any channel exists (and pages created in
code carry no crosspost choices), so nothing is posted here. The third article stays a draft for
the newcomer to publish from the editor.
"""

from __future__ import annotations

import datetime
import io
import math

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from example_project.home.demo_agency import setup_agency
from example_project.home.models import HomePage, NewsArticlePage, NewsIndexPage
from wagtail_crosspost.models import Channel

SITE_NAME = "Muster Maschinenbau GmbH"
HOSTNAME, PORT = "127.0.0.1", 8000

HOME_BODY = (
    "<p>Since 1968 we have built milling and turning machines for medium-sized manufacturers "
    "in Germany and beyond. Our 240 people in Stuttgart design, assemble and service every "
    "machine themselves.</p>"
    "<p>This is a demo site for <b>wagtail-crosspost</b>: every page can be posted to social "
    "channels from the “Publish to” tab of the page editor.</p>"
)

# (title, slug, days ago, intro, tags, body, image spec). The last one is left for the newcomer.
ARTICLES = [
    {
        "title": "New 5-axis machining centre MX-500 goes into series production",
        "slug": "mx-500-series-production",
        "days_ago": 21,
        "intro": (
            "After two years of development and 40,000 test hours, our compact 5-axis machining "
            "centre MX-500 is now available to order."
        ),
        "tags": ["Machining", "Industry 4.0", "MX-500"],
        "body": (
            "<p>The MX-500 mills parts up to 500 mm in diameter in one set-up. A new "
            "direct-drive rotary table cuts cycle times by up to 30 percent.</p>"
            "<h2>Made for small batches</h2>"
            "<p>Automatic pallet changers and our own control software make the MX-500 "
            "economical from batch size one.</p>"
        ),
        "image": {
            "title": "MX-500 machining centre",
            "description": "Illustration of a machining centre in blue tones with gear wheels",
            "size": (1600, 900),
            "colours": ((11, 94, 168), (29, 42, 51)),
            "label": "MX-500",
        },
    },
    {
        "title": "Meet us at EMO Hannover: hall 12, stand C40",
        "slug": "emo-hannover",
        "days_ago": 9,
        "intro": (
            "From 22 to 27 September we show the MX-500 live in Hannover. Book a slot with our "
            "application engineers."
        ),
        "tags": ["EMO Hannover", "Trade fair"],
        "body": (
            "<p>At EMO Hannover, the world's leading trade fair for production technology, we "
            "show the MX-500 machining a turbine blade in real time.</p>"
            '<p>Write to <a href="mailto:messe@muster-maschinenbau.example">'
            "messe@muster-maschinenbau.example</a> to book a meeting.</p>"
        ),
        "image": {
            "title": "EMO Hannover stand",
            "description": "Poster for the trade fair stand in orange and dark grey",
            "size": (1080, 1350),
            "colours": ((242, 148, 0), (120, 40, 20)),
            "label": "EMO",
        },
    },
    {
        "title": "Our new assembly hall in Stuttgart opens",
        "slug": "new-assembly-hall-stuttgart",
        "days_ago": 0,
        "intro": (
            "6,000 square metres, a rooftop solar plant and room for twelve machines at once: "
            "our new assembly hall in Stuttgart-Vaihingen is ready."
        ),
        "tags": ["Stuttgart", "Made in Germany", "Solar"],
        "body": (
            "<p>With the new hall we double our assembly capacity and shorten delivery times "
            "for the MX series to ten weeks.</p>"
            "<p>The 1.2 MW solar plant on the roof covers most of the hall's energy needs. We "
            "are hiring: twenty new colleagues in assembly and service.</p>"
        ),
        "image": {
            "title": "Assembly hall panorama",
            "description": "Panorama of a long factory hall with solar panels on the roof",
            "size": (2400, 800),
            "colours": ((255, 196, 92), (40, 90, 140)),
            "label": "Halle 3",
            "panorama": True,
        },
    },
]


class Command(BaseCommand):
    help = "Create the demo pages, users and offline channels (safe to run more than once)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=PORT,
            help="The port the demo server runs on (scripts/demo passes its PORT); links use it.",
        )

    def handle(self, *args, **options):
        self.port = options["port"]
        self.base_url = f"http://{HOSTNAME}:{self.port}"
        with transaction.atomic():
            home = self.setup_pages()
            self.setup_site(home)
            admin_created = self.setup_admin()
            editor_created = self.setup_editor()
            channels = self.setup_channels()
            setup_agency(home, channels, NewsIndexPage, self.say)
        self.print_next_steps(admin_created, editor_created, channels)

    # -- pages -----------------------------------------------------------------------------

    def setup_pages(self) -> HomePage:
        home = HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node()
            self._remove_wagtail_welcome_page(root)
            home = root.add_child(
                instance=HomePage(
                    title="Precision machines from Stuttgart",
                    slug="home",
                    intro="Milling and turning centres for the Mittelstand, made in Germany.",
                    body=HOME_BODY,
                )
            )
            home.save_revision().publish()
            self.say(f"Created the home page “{home.title}”.")

        news = NewsIndexPage.objects.child_of(home).first()
        if news is None:
            news = home.add_child(
                instance=NewsIndexPage(
                    title="News", slug="news", intro="What is new at Muster Maschinenbau."
                )
            )
            news.save_revision().publish()
            self.say("Created the news index.")

        for number, spec in enumerate(ARTICLES, start=1):
            if NewsArticlePage.objects.child_of(news).filter(slug=spec["slug"]).exists():
                continue
            article = news.add_child(
                instance=NewsArticlePage(
                    title=spec["title"],
                    slug=spec["slug"],
                    date=timezone.localdate() - datetime.timedelta(days=spec["days_ago"]),
                    intro=spec["intro"],
                    body=spec["body"],
                    image=self.demo_image(spec["image"]),
                    live=False,
                )
            )
            article.tags.add(*spec["tags"])
            revision = article.save_revision()
            if number < len(ARTICLES):
                revision.publish()
                self.say(f"Published the article “{article.title}” (not crossposted).")
            else:
                self.say(f"Created the draft article “{article.title}”.")
        return home

    def _remove_wagtail_welcome_page(self, root: Page) -> None:
        # Wagtail's initial migration creates a plain "Welcome" page at slug "home".
        for page in root.get_children().filter(slug="home"):
            if page.specific_class is Page and page.numchild == 0:
                Site.objects.filter(root_page=page).update(root_page=root)
                page.delete()

    def demo_image(self, spec: dict):
        Image = get_image_model()
        existing = Image.objects.filter(title=spec["title"]).first()
        if existing is not None:
            return existing
        width, height = spec["size"]
        content = draw_demo_image(
            width, height, spec["colours"], spec["label"], panorama=spec.get("panorama", False)
        )
        filename = spec["title"].lower().replace(" ", "-") + ".jpg"
        image = Image(title=spec["title"], description=spec["description"])
        image.file = ImageFile(io.BytesIO(content), name=filename)
        image.save()
        return image

    # -- site and accounts -------------------------------------------------------------------

    def setup_site(self, home: HomePage) -> None:
        site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
        site.hostname, site.port, site.root_page = HOSTNAME, self.port, home
        site.site_name = SITE_NAME
        site.save()

    def setup_admin(self) -> bool:
        # A name, so that saving the account settings (e.g. to switch the admin to German) needs
        # nothing made up: Wagtail's account form asks for first and last name.
        User = get_user_model()
        admin = User.objects.filter(username="admin").first()
        if admin is not None:
            if not (admin.first_name and admin.last_name):  # a demo set up before the names
                admin.first_name = admin.first_name or "Max"
                admin.last_name = admin.last_name or "Mustermann"
                admin.save(update_fields=["first_name", "last_name"])
            return False
        User.objects.create_superuser(
            "admin",
            "admin@muster-maschinenbau.example",
            "admin",
            first_name="Max",
            last_name="Mustermann",
        )
        return True

    def setup_editor(self) -> bool:
        User = get_user_model()
        editors, _ = Group.objects.get_or_create(name="Editors")
        permission = Permission.objects.get(
            content_type__app_label="wagtail_crosspost", codename="crosspost_page"
        )
        editors.permissions.add(permission)
        editor = User.objects.filter(username="editor").first()
        created = editor is None
        if created:
            editor = User.objects.create_user(
                "editor",
                "editor@muster-maschinenbau.example",
                "editor",
                first_name="Erika",
                last_name="Mustermann",
            )
        editor.groups.add(editors)
        return created

    def setup_channels(self) -> list[Channel]:
        specs = [
            ("demowall", "Demo wall", True),
            ("console", "Console", False),
        ]
        channels = []
        for platform, name, by_default in specs:
            channel, created = Channel.objects.get_or_create(
                platform=platform,
                name=name,
                defaults={"selected_by_default": by_default, "enabled": True},
            )
            if created:
                health = channel.get_adapter().check()
                channel.mark(
                    Channel.Status.OK if health.ok else Channel.Status.ERROR, health.detail
                )
                self.say(f"Created the channel “{name}”.")
            channels.append(channel)
        return channels

    # -- output ------------------------------------------------------------------------------

    def say(self, message: str) -> None:
        self.stdout.write(f"  {message}")

    def print_next_steps(self, admin_created, editor_created, channels) -> None:
        draft = ARTICLES[-1]["title"]
        admin_note = "" if admin_created else " (already existed; password not changed)"
        editor_note = "" if editor_created else " (already existed; password not changed)"
        style = self.style
        self.stdout.write("")
        self.stdout.write(style.SUCCESS("The demo site is ready."))
        self.stdout.write("")
        self.stdout.write(style.WARNING("Demo accounts (for this local demo only, never deploy):"))
        self.stdout.write(f"  administrator:  admin / admin{admin_note}")
        self.stdout.write(f"  editor:         editor / editor{editor_note}")
        self.stdout.write("  agency writer:  agency / agency (submits in “Press releases”)")
        self.stdout.write("  company:        approver / approver (approves page and posts)")
        self.stdout.write("")
        self.stdout.write("Channels: " + ", ".join(f"{c.name} ({c.platform})" for c in channels))
        self.stdout.write("")
        self.stdout.write(style.MIGRATE_HEADING("What to do now:"))
        steps = [
            f"Open {self.base_url}/admin/ and log in as admin / admin (scripts/demo has started "
            f"the server; otherwise: python manage.py runserver {HOSTNAME}:{self.port}).",
            f"Pages → Home → News → edit the draft “{draft}”.",
            "Open the “Publish to” tab: “Demo wall” is ticked; tick “Console” too.",
            "Press Publish (in the menu behind the arrow next to “Save draft”).",
            "See Reports → Publication log, the post on "
            f"{self.base_url}/social-wall/, and the Console post in the runserver terminal.",
        ]
        for number, step in enumerate(steps, start=1):
            self.stdout.write(f"  {number}. {step}")
        self.stdout.write(
            "  As editor / editor you tick channels the same way but cannot publish: “Submit to "
            "Moderators approval”; the posts go out when admin approves and publishes the page."
        )


# -- demo images -----------------------------------------------------------------------------


def draw_demo_image(
    width: int, height: int, colours, label: str, *, panorama: bool = False
) -> bytes:
    """A simple illustration: a diagonal gradient, a few machine-ish shapes and a label."""
    (r1, g1, b1), (r2, g2, b2) = colours
    mask = PILImage.linear_gradient("L").rotate(-45, expand=True).resize((width, height))
    image = PILImage.composite(
        PILImage.new("RGB", (width, height), (r2, g2, b2)),
        PILImage.new("RGB", (width, height), (r1, g1, b1)),
        mask,
    )
    draw = ImageDraw.Draw(image, "RGBA")
    unit = min(width, height)
    if panorama:
        # A long hall: a saw-tooth roof with solar panels, a row of windows.
        floor = int(height * 0.82)
        roof = int(height * 0.38)
        teeth = 12
        step = width / teeth
        for i in range(teeth):
            x0 = int(i * step)
            draw.polygon(
                [
                    (x0, floor),
                    (x0, roof),
                    (int(x0 + step), roof - unit * 0.12),
                    (int(x0 + step), floor),
                ],
                fill=(235, 238, 240, 235),
            )
            draw.line(
                [(x0 + 8, roof - 6), (int(x0 + step) - 8, roof - unit * 0.12 - 6)],
                fill=(20, 40, 80, 255),
                width=max(4, unit // 40),
            )
            draw.rectangle(
                [x0 + step * 0.25, floor - unit * 0.22, x0 + step * 0.75, floor - unit * 0.08],
                fill=(60, 110, 160, 200),
            )
        draw.rectangle([0, floor, width, height], fill=(70, 75, 80, 255))
    else:
        # Gear wheels of different sizes.
        for cx, cy, radius in (
            (0.72, 0.45, 0.28),
            (0.38, 0.70, 0.17),
            (0.88, 0.82, 0.10),
        ):
            draw_gear(draw, (cx * width, cy * height), radius * unit)
    font = ImageFont.load_default(size=max(24, unit // 7))
    small = ImageFont.load_default(size=max(14, unit // 22))
    margin = unit // 14
    draw.text((margin, margin), label, font=font, fill=(255, 255, 255, 255))
    draw.text(
        (margin, margin + unit // 6),
        "Muster Maschinenbau GmbH",
        font=small,
        fill=(255, 255, 255, 220),
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def draw_gear(draw: ImageDraw.ImageDraw, centre, radius: float, teeth: int = 12) -> None:
    cx, cy = centre
    points = []
    for i in range(teeth * 2):
        angle = math.pi * i / teeth
        r = radius if i % 2 == 0 else radius * 0.8
        for offset in (-0.12, 0.12):
            points.append((cx + r * math.cos(angle + offset), cy + r * math.sin(angle + offset)))
    draw.polygon(points, fill=(255, 255, 255, 70), outline=(255, 255, 255, 160))
    hole = radius * 0.3
    draw.ellipse([cx - hole, cy - hole, cx + hole, cy + hole], fill=(0, 0, 0, 60))
