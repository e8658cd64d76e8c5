"""No token, refresh token or client secret in any page of the flow, the channel pages, or the
log (DEBUG, our code's records: the fake platform's own threads are the platform, not us)."""

from __future__ import annotations

import logging
import threading

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from tests.auth.authserver import CLIENTS, CONSUMER_SECRET
from wagtail_crosspost.auth import refresh
from wagtail_crosspost.auth.ui import connect_context
from wagtail_crosspost.models import Channel

pytestmark = pytest.mark.django_db


def _our_log(caplog) -> str:
    main = threading.main_thread().name
    lines = []
    for record in caplog.records:
        if record.threadName != main:
            continue
        lines.append(record.getMessage())
        if record.exc_text:
            lines.append(record.exc_text)
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("platform", "protocol"),
    [
        ("linkedin", ""),
        ("x", "oauth2"),
        ("x", "oauth1"),
        ("facebook", ""),
        ("instagram", ""),
        ("threads", ""),
    ],
)
def test_no_secret_in_any_page_or_log(flow, authserver, caplog, platform, protocol):
    caplog.set_level(logging.DEBUG)
    authserver.expires_in = 7200
    flow.connect(platform, protocol=protocol)
    channel = Channel.objects.get()
    # The pages around the channel: edit, list, the connection box, disconnect confirmation.
    flow.get(reverse("wagtail_crosspost_channels:edit", args=[channel.pk]))
    flow.get(reverse("wagtail_crosspost_channels:index"))
    flow.get(reverse("wagtail_crosspost:auth:disconnect", args=[channel.pk]))
    flow.pages.append(
        render_to_string(
            "wagtail_crosspost/auth/connect_panel.html", {"connect": connect_context(channel)}
        )
    )
    # A refresh (where the platform has one) and a failed flow are logged too.
    refresh.refresh_due(timedelta_days(61))
    flow.callback("/admin/crosspost/connect/callback/?state=forged&code=forged")
    channel.refresh_from_db()
    secrets = [
        *authserver.secrets_issued,
        *CLIENTS.values(),
        CONSUMER_SECRET,
        *[
            v
            for k, v in channel.get_credentials().items()
            if k not in ("subject", "consumer_key", "expires_at")
        ],
    ]
    secrets = [str(s) for s in secrets if s and len(str(s)) > 6]
    assert authserver.secrets_issued  # the flow really issued tokens
    log = _our_log(caplog)
    # DEBUG really was on for our side of the HTTP calls (urllib3 logs each request line).
    assert any(r.name == "urllib3.connectionpool" for r in caplog.records)
    if platform in ("facebook", "instagram", "threads"):  # secrets in query strings, redacted
        assert "client_secret=[redacted]" in log
    for secret in secrets:
        for page in flow.pages:
            assert secret not in page
        assert secret not in log, f"a secret leaked into the log: {secret[:4]}…"

    flow.post(reverse("wagtail_crosspost:auth:disconnect", args=[channel.pk]), {})
    log = _our_log(caplog)
    for secret in secrets:
        assert secret not in flow.pages[-1]
        assert secret not in log


def timedelta_days(days):
    from datetime import timedelta

    return timedelta(days=days)


def test_debug_log_of_the_oauth_libraries_would_leak_without_the_filter(caplog):
    """The filter is what keeps requests-oauthlib's token dump out of the log."""
    caplog.set_level(logging.DEBUG)
    logging.getLogger("requests_oauthlib.oauth1_session").debug(
        'Decoding token from response "%s"', "oauth_token=SECRETTOKEN123&oauth_token_secret=S2"
    )
    logging.getLogger("urllib3.connectionpool").debug(
        '%s "%s %s %s" %s',
        "http://graph",
        "GET",
        "/oauth/access_token?client_secret=SECRETCS123&code=abc",
        "HTTP/1.1",
        200,
    )
    assert "SECRETTOKEN123" not in caplog.text
    assert "SECRETCS123" not in caplog.text
    assert "client_secret=[redacted]" in caplog.text
