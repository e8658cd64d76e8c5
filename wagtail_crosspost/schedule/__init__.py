"""Timing: pages scheduled in Wagtail, and (later) posting slots per channel and the calendar.

Sits above the outbox and below the admin UI (docs/concepts/architecture.md).
"""
