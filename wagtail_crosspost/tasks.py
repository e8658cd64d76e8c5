"""Thin django_tasks wrappers around the outbox. Arguments are ids only."""

from django_tasks import task

from . import delivery


@task()
def deliver_publication(publication_id: int) -> str | None:
    return delivery.deliver(publication_id)
