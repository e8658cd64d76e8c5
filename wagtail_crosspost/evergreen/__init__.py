"""Evergreen re-sharing: fill a channel's free slots with pages it already has (issue 15).

Sits above the schedule (it plans into its slots) and below the admin UI
(docs/concepts/architecture.md). The re-shares are ordinary outbox rows of kind *re-share*.
"""
