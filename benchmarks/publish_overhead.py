"""Publish overhead: Wagtail's publish action for a page with 8 channels ticked, against the same
page with no channels.

    python benchmarks/publish_overhead.py [--repeat 15] [--channels 8]

Each measured publish is the first publish of a fresh page (a page is posted to a channel once,
so only a first publish plans posts): an ``ArticlePage`` is created and given a revision, with
``--channels`` channels ticked or none, untimed; then ``revision.publish()`` is timed (wall
clock), which runs Wagtail's ``PublishRevisionAction`` and so the ``page_published`` handler that
plans the rows and hands them over on commit. The two kinds alternate; the table shows the
median time of ``--repeat`` runs of each, and the ratio is the median of the ratios of each
ticked publish to the plain one just before it (so a drift of the machine or the disk during a
variant cancels out).

The variants (``PLAN_AFTER_COMMIT`` is the package's default since issue #13: the publish only
records that its posts are to be planned, one row, and planning runs after the commit; "plan in
req" is the behaviour before, planning inside the publish):

- ``tasks-db, 1 per row``: django-tasks-db, planned in the request, one task per row
  (``HANDOVER_TASKS = None``, the hand-over before issue #13);
- ``tasks-db, plan in req``: the same with two ``deliver_rows`` tasks a publish;
- ``django-tasks-db``: a real queue in the same database, planned after the commit (one
  ``plan_rows`` task, enqueued after the response; its rows are planned by a worker, so none
  here) — the ratio line;
- ``dummy backend``: planned in the request, the enqueue costs nothing: planning alone;
- ``immediate, in request``: the immediate backend with ``DELIVER_IN_BACKGROUND = False`` and
  planning in the request (the behaviour before issue #13): delivers inside the publish, here
  with the in-memory ``locmem`` adapter;
- ``immediate, plan in req``: planned in the request, sent by a thread after the commit;
- ``immediate (default)``: the zero-setup default: planned and sent by a thread after the commit;
- ``immediate, own commit``: the same, with the publish recorded by the ``page_published``
  handler in a commit of its own (the choices record's ``post_save`` handler disconnected: the
  default until the row moved into the transaction that saves the choices record);
- ``2 s platform, in req``: the channels post to an in-process fake platform that answers after
  2 s (``benchmarks/_slow.py``), delivered inside the request (before; one run only, it takes
  seconds);
- ``2 s, plan in req`` and ``2 s platform``: the same with a thread that sends, and with a
  thread that also plans (the zero-setup default). The last one's line is
  ``publish_overhead_zero_setup: ratio=...``, the aim 1.10;
- ``Wagtail alone``: the crosspost handler disconnected: what Wagtail itself spends on the
  page's choices of 8 channels (one record) saved with the page (a floor no planning can go
  below).

The ``queries`` column counts the database queries of one publish without and with channels:
unlike the times, they do not depend on the machine's load.

SQLite in a temporary directory (publishing is one process; the database kind matters little).
The last line reads ``publish_overhead: ratio=<8 channels / no channels>`` for django-tasks-db
(for the dummy backend when django-tasks-db is not installed).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _setup  # noqa: E402

WAGTAIL_ALONE = "Wagtail alone"
OWN_COMMIT = "immediate, own commit"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--channels", type=int, default=8)
    args = parser.parse_args()

    db = _setup.setup("sqlite", "benchmarks.settings_delivery")
    from django.db import connections

    # SQLite lets a thread write beside a request only in IMMEDIATE mode (background.py).
    options = connections["default"].settings_dict.setdefault("OPTIONS", {})
    options.update(transaction_mode="IMMEDIATE", timeout=30)
    connections["default"].close()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.signals import request_finished, request_started
    from django.db import connection
    from django.db.models.signals import post_save
    from django.test.utils import CaptureQueriesContext, override_settings
    from wagtail.signals import page_published

    from tests.testapp.models import ArticlePage
    from wagtail_crosspost import signal_handlers
    from wagtail_crosspost.choices import choose
    from wagtail_crosspost.models import Channel, CrosspostChoices, Publication
    from wagtail_crosspost.outbox import background

    home = _setup.make_site()
    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "x")
    channels = [Channel.objects.create(platform="locmem", name=f"Bench {i}") for i in range(8)]
    channels = channels[: args.channels]
    slow = [Channel.objects.create(platform="slow", name=f"Slow {i}") for i in range(8)]
    slow = slow[: args.channels]
    counter = iter(range(10**9))

    def new_revision(ticked: bool, on=None):
        n = next(counter)
        page = ArticlePage(title=f"Article {n}", intro="An intro for the post.", slug=f"a-{n}")
        home.add_child(instance=page)
        if ticked:
            for channel in on or channels:
                choose(page, channel, enabled=True)
        return page.save_revision(user=user)

    def timed_publish(ticked: bool, on=None) -> float:
        """The editor's Publish request: its signals around the publish; the clock stops when
        the response is ready (what the request hands to a thread starts after it)."""
        revision = new_revision(ticked, on)
        gc.collect()  # a collection the page's creation left due lands in neither kind
        request_started.send(sender=None, environ={})
        started = time.perf_counter()
        revision.publish(user=user)
        took = time.perf_counter() - started
        request_finished.send(sender=None)
        return took

    def counted_publish(ticked: bool, on=None) -> int:
        """The queries of the request up to its response (as ``timed_publish`` times it)."""
        revision = new_revision(ticked, on)
        request_started.send(sender=None, environ={})
        with CaptureQueriesContext(connection) as queries:
            revision.publish(user=user)
        request_finished.send(sender=None)
        return len(queries)

    queue = settings.WAGTAILCROSSPOST_QUEUE
    # label, task backend alias, queue, extra settings[, channels[, repeats]]
    in_req = {"PLAN_AFTER_COMMIT": False}  # planned inside the publish (before this change)
    after = {"PLAN_AFTER_COMMIT": True}  # the package's default: planned after the commit
    variants = []
    if "db" in settings.TASKS:
        variants.append(("tasks-db, 1 per row", "db", queue, {"HANDOVER_TASKS": None, **in_req}))
        variants.append(("tasks-db, plan in req", "db", queue, in_req))
        variants.append(("django-tasks-db", "db", queue, after))
    inline = {"DELIVER_IN_BACKGROUND": False, **in_req}
    # The package's defaults (the test settings differ): a thread sends after the commit.
    bg_send = {"DELIVER_IN_BACKGROUND": True, **in_req}
    default = {"DELIVER_IN_BACKGROUND": True, **after}
    variants += [
        ("dummy backend", "crosspost", queue, in_req),
        ("immediate, in request", "default", "default", inline),
        ("immediate, plan in req", "default", "default", bg_send),
        ("immediate (default)", "default", "default", default),
        (OWN_COMMIT, "default", "default", default),
        ("2 s platform, in req", "default", "default", inline, slow, 1),
        ("2 s, plan in req", "default", "default", bg_send, slow),
        ("2 s platform", "default", "default", default, slow),
    ]
    # Wagtail alone: the crosspost handler disconnected, so the choices are saved with the page
    # but nothing is planned. What ticking channels costs before crosspost does anything.
    variants.append((WAGTAIL_ALONE, "crosspost", queue, in_req))

    print(f"database: {db.note}; {args.channels} channels; median of {args.repeat} publishes")
    print(
        f"{'hand-over':<24}{'no channels ms':>16}{'8 channels ms':>16}{'rows':>8}{'ratio':>8}"
        f"{'queries':>10}"
    )
    ratios = {}
    for label, alias, queue_name, extra, *more in variants:
        on = more[0] if more else None  # the channels ticked (None: the locmem ones)
        repeat = more[1] if len(more) > 1 else 0  # 0: --repeat
        if label == WAGTAIL_ALONE:
            page_published.disconnect(dispatch_uid="wagtail_crosspost_published")
        if label in (WAGTAIL_ALONE, OWN_COMMIT):
            post_save.disconnect(sender=CrosspostChoices, dispatch_uid="wagtail_crosspost_choices")
        overrides = {f"WAGTAILCROSSPOST_{name}": value for name, value in extra.items()}
        with override_settings(
            WAGTAILCROSSPOST_TASK_BACKEND=alias, WAGTAILCROSSPOST_QUEUE=queue_name, **overrides
        ):
            if not repeat:  # warm caches, connection, imports; count the queries
                timed_publish(False), timed_publish(True, on)
                queries = f"{counted_publish(False)}/{counted_publish(True, on)}"
            else:
                queries = "-"
            before = Publication.objects.count()
            plain, ticked = [], []
            for _ in range(repeat or args.repeat):
                # An editor's publish does not meet its own earlier posts still being sent:
                # wait (untimed) for the background threads of the publish before.
                background.wait(60)
                plain.append(timed_publish(False))
                background.wait(60)
                ticked.append(timed_publish(True, on))
            rows = Publication.objects.count() - before
        if label in (WAGTAIL_ALONE, OWN_COMMIT):
            signal_handlers.connect()
        base, with_channels = _setup.median(plain), _setup.median(ticked)
        # Each ticked publish against the plain one measured just before it: the drift of a
        # growing database and a busy disk cancels out, which the ratio of medians keeps.
        ratios[label] = _setup.median([t / p for p, t in zip(plain, ticked, strict=True)])
        print(
            f"{label:<24}{base * 1000:>16.1f}{with_channels * 1000:>16.1f}"
            f"{rows:>8}{ratios[label]:>8.2f}{queries:>10}"
        )
    background.wait(60)  # the background threads' posts, before the database goes
    print(f"publish_overhead_zero_setup: ratio={ratios['2 s platform']:.2f}")
    headline = ratios.get("django-tasks-db", ratios["dummy backend"])
    print(f"publish_overhead: ratio={headline:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
