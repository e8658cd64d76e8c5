"""Compatibility: the tasks' old dotted path.

Task backends that store the task's path with the message (django-tasks-db, for one) may hold
messages queued as ``wagtail_crosspost.tasks.deliver_publication`` before an upgrade; this name
lets a worker still run them. The tasks live in ``wagtail_crosspost.outbox.tasks``; this module
goes in a later release.
"""

from .outbox.tasks import deliver_publication, deliver_rows

__all__ = ["deliver_publication", "deliver_rows"]
