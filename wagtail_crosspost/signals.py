"""Signals for integrators.

``publication_finished(sender=Publication, publication=row)`` is sent whenever a row reaches a
final or waiting state after a delivery attempt: posted, failed, unknown or skipped.
"""

from django.dispatch import Signal

publication_finished = Signal()
