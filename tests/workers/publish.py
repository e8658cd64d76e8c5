"""The publishing side of the scale-out tests, as a process of its own (like a web server).

    DJANGO_SETTINGS_MODULE=tests.workers.settings_db python -m tests.workers.publish \
        --url http://127.0.0.1:PORT/hook --channels 100 --pages 20

Creates the channels (webhook, pointing at the fake platform) and the live pages (each with a
revision, which delivery composes the post from), then plans one post per page and channel and
enqueues them with ``tasks.enqueue``, the same call the publish signal handler makes: a few
``deliver_rows`` tasks per publish through the configured ``TASKS`` backend, sent when the
transaction commits. The rows are inserted in bulk: publishing 2,000 posts one page at a time
(each with 100 channels ticked) would take minutes on a small machine, and is covered by the
other tests. With ``--editor`` each page is published the editor's way instead, with planning
after the commit (the package's default): the publisher plans nothing, the queue's workers do.
Prints one JSON line: pages, rows planned so far, seconds.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--platform", default="webhook")
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument(
        "--editor", action="store_true", help="publish each page as the editor does (no bulk)"
    )
    args = parser.parse_args()

    import django

    django.setup()

    from wagtail.models import Page, Site

    from tests.testapp.models import ArticlePage
    from wagtail_crosspost.models import Channel, Publication

    started = time.monotonic()
    channels = []
    for i in range(args.channels):
        channel = Channel(platform=args.platform, name=f"Fake {args.platform} {i:03d}")
        channel.options = {"url": args.url}
        channel.set_credentials({"secret": "scale-out-test-signing-secret"})
        channels.append(channel)
    channels = Channel.objects.bulk_create(channels)

    home = site_root(Page, Site)
    pages = []
    run = uuid.uuid4().hex[:8]
    for n in range(args.pages):
        page = ArticlePage(title=f"Scale-out article {n}", intro=f"Intro {n}.", slug=f"s-{run}-{n}")
        home.add_child(instance=page)
        pages.append((page, page.save_revision()))

    if args.editor:
        publish_as_the_editor(pages, channels)
    else:
        plan_in_bulk(pages, channels)
    print(
        json.dumps(
            {
                "pages": args.pages,
                "rows": Publication.objects.count(),
                "seconds": round(time.monotonic() - started, 2),
            }
        ),
        flush=True,
    )


def publish_as_the_editor(pages, channels) -> None:
    """Each page published the editor's way, with the package's default: the publish records
    its posts (``PLAN_AFTER_COMMIT``) and hands the plan to the queue; the workers plan."""
    from django.test.utils import override_settings

    from wagtail_crosspost.choices import choose

    with override_settings(WAGTAILCROSSPOST_PLAN_AFTER_COMMIT=True):
        for page, _revision in pages:
            for channel in channels:
                choose(page, channel, enabled=True)
            page.save_revision().publish()


def plan_in_bulk(pages, channels) -> None:
    from django.db import transaction

    from wagtail_crosspost.models import Publication
    from wagtail_crosspost.outbox import tasks

    with transaction.atomic():
        rows = Publication.objects.bulk_create(
            Publication(
                page=page,
                page_title=page.title,
                revision=revision,
                channel=channel,
                idempotency_key=uuid.uuid4().hex,
            )
            for page, revision in pages
            for channel in channels
        )
        tasks.enqueue(rows)  # sent on commit, like after a publish


def site_root(Page, Site):  # noqa: N803
    """The default site's root page; made like Wagtail's migrations do if a flush removed it."""
    from wagtail.models import Locale

    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is not None and site.root_page_id:
        return site.root_page
    Locale.objects.get_or_create(language_code="en")
    root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
    home = root.add_child(title="Home", slug="home")
    Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    return home


if __name__ == "__main__":
    main()
