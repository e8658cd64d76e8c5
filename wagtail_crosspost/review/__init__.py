"""Review: rights per channel, the audit of crosspost actions, notifications.

Sits above the outbox and below the admin UI (docs/concepts/architecture.md). The outbox asks
"may this user post to this channel?" through its own hook (``outbox.rights``); ``apps.ready``
plugs :func:`wagtail_crosspost.review.rights.allowed_to_post` into it.
"""
