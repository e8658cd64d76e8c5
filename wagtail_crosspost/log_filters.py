"""The logging filters that keep credentials out of third-party log lines.

``WagtailCrosspostConfig.ready()`` calls ``install()``; importing a module installs nothing. The
filters sit on the loggers that emit the lines (a filter on a parent logger would not see them):

- ``adapters.http.RedactURLSecrets`` on urllib3's loggers: urllib3 logs each request URL at DEBUG,
  and Meta (``access_token=``) and Telegram (``/bot<token>/``) carry the token in it;
- ``adapters.redact.RedactQueryParams`` on ``urllib3.connectionpool``: OAuth parameters such as
  ``client_secret=`` or ``code=`` in a URL;
- ``adapters.redact.DropDebug`` on the OAuth libraries' loggers (``oauthlib``,
  ``requests_oauthlib``): their DEBUG lines print signatures and tokens.

A site whose ``LOGGING`` replaces these loggers' filters after start-up (``dictConfig`` with
``incremental=False`` runs before ``ready()``, so it does not) can call ``install()`` again, or
name the classes in ``LOGGING["filters"]`` with ``"()": "wagtail_crosspost.adapters.http.
RedactURLSecrets"`` and attach them to the same loggers. ``install()`` is idempotent.
"""

from __future__ import annotations


def install() -> None:
    from .adapters.http import install_log_redaction
    from .adapters.redact import install as install_oauth_redaction

    install_log_redaction()
    install_oauth_redaction()
