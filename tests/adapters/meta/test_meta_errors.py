"""Meta's error bodies → the contract's errors: one table shared by Facebook, Instagram, Threads."""

from __future__ import annotations

import json
import logging

import pytest

from tests.fakes.meta import FakeGraph
from wagtail_crosspost.adapters.base import (
    AmbiguousError,
    AuthError,
    Media,
    PermanentError,
    Post,
    TransientError,
)
from wagtail_crosspost.adapters.http import RedactURLSecrets
from wagtail_crosspost.adapters.meta.facebook import FacebookAdapter
from wagtail_crosspost.adapters.meta.graph import (
    DEFAULT_RATE_LIMIT_WAIT,
    ERROR_CODES,
    meta_error,
    public_media_url,
    rules_with_options,
    usage_wait,
)
from wagtail_crosspost.adapters.meta.instagram import InstagramAdapter
from wagtail_crosspost.adapters.meta.threads import ThreadsAdapter
from wagtail_crosspost.models import Channel

TOKEN = "EAAPageToken-s3cret-0001"
PAGE = "104857600123456"


def body(code: int, message: str = "Meta says no", **extra) -> dict:
    return {"error": {"message": message, "type": "OAuthException", "code": code, **extra}}


# -- the table -----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [190, 102, 463, 467])
def test_token_codes_need_reconnect(code):
    error = meta_error(400, body(code, "Error validating access token"), {}, platform="Facebook")
    assert isinstance(error, AuthError)
    assert "Error validating access token" in error.message
    assert "Reconnect" in error.message


@pytest.mark.parametrize("subcode", [463, 467])
def test_token_subcodes_need_reconnect(subcode):
    error = meta_error(400, body(100, error_subcode=subcode), {}, platform="Facebook")
    assert isinstance(error, AuthError)


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80000, 80001, 80004, 80009, 80014])
def test_rate_limit_codes_are_transient(code):
    error = meta_error(400, body(code), {}, platform="Facebook")
    assert isinstance(error, TransientError)
    assert error.retry_after == DEFAULT_RATE_LIMIT_WAIT  # no usage header: our default


def test_the_table_covers_the_documented_rate_limit_codes():
    assert {ERROR_CODES[c] for c in (4, 17, 32, 613, 80014, *range(80000, 80010))} == {"rate"}


@pytest.mark.parametrize("code", [100, 200, 210, 299])
def test_validation_and_permission_codes_are_permanent_with_metas_words(code):
    error = meta_error(400, body(code, f"(#{code}) Nope"), {}, platform="Facebook")
    assert type(error) is PermanentError
    assert f"(#{code}) Nope" in error.message
    assert error.raw == {"status": 400, "body": body(code, f"(#{code}) Nope")}
    assert error.status_code == 400


def test_is_transient_flag_makes_an_unknown_code_transient():
    error = meta_error(
        400, body(1, "An unknown error occurred", is_transient=True), {}, platform="X"
    )
    assert isinstance(error, TransientError)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient_even_without_a_meta_body(status):
    error = meta_error(status, "<html>Bad gateway</html>", {}, platform="Threads")
    assert isinstance(error, TransientError)
    assert "Bad gateway" in error.message


def test_http_401_without_a_code_needs_reconnect_and_429_is_transient():
    assert isinstance(meta_error(401, {}, {}, platform="Threads"), AuthError)
    limited = meta_error(429, {}, {"Retry-After": "30"}, platform="Threads")
    assert isinstance(limited, TransientError) and limited.retry_after == 30


def test_unknown_4xx_is_permanent():
    assert type(meta_error(400, body(1234), {}, platform="X")) is PermanentError


def test_instagram_publishing_limit_subcode_waits_for_the_window():
    error = meta_error(400, body(9, error_subcode=2207042), {}, platform="Instagram")
    assert isinstance(error, TransientError) and error.retry_after == 86_400


def test_user_message_is_added_to_metas_message():
    error = meta_error(
        400,
        body(100, "Invalid parameter", error_user_msg="The caption is too long."),
        {},
        platform="Instagram",
    )
    assert "Invalid parameter – The caption is too long." in error.message


# -- usage headers -------------------------------------------------------------------------------


def test_business_use_case_usage_takes_the_longest_wait():
    usage = {
        "111": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 3}],
        "222": [{"type": "instagram", "call_count": 96, "estimated_time_to_regain_access": 9}],
    }
    assert usage_wait({"X-Business-Use-Case-Usage": json.dumps(usage)}) == 9 * 60


def test_app_usage_and_absent_or_broken_headers():
    assert (
        usage_wait({"X-App-Usage": '{"call_count": 100, "estimated_time_to_regain_access": 2}'})
        == 120
    )
    assert usage_wait({"X-App-Usage": '{"call_count": 40, "total_time": 10}'}) is None
    assert usage_wait({"X-App-Usage": "not json"}) is None
    assert usage_wait({}) is None


def test_rate_limit_prefers_the_usage_header_over_retry_after():
    headers = {
        "X-Business-Use-Case-Usage": json.dumps({"1": [{"estimated_time_to_regain_access": 5}]}),
        "Retry-After": "10",
    }
    assert meta_error(400, body(80001), headers, platform="Facebook").retry_after == 300


# -- over the wire -------------------------------------------------------------------------------


@pytest.fixture
def graph():
    with FakeGraph(page_id=PAGE, page_token=TOKEN) as fake:
        yield fake


@pytest.fixture
def adapter(graph):
    channel = Channel(
        platform="facebook", name="Acme", options={"page_id": PAGE, "graph_url": graph.url}
    )
    channel.set_credentials({"page_access_token": TOKEN})
    return FacebookAdapter(channel)


def test_token_echoed_in_metas_message_is_scrubbed_everywhere(graph, adapter, caplog):
    caplog.set_level(logging.DEBUG)
    graph.fail(400, body(190, f"Invalid OAuth access token: {TOKEN}"))
    with pytest.raises(AuthError) as info:
        adapter.publish(Post(text="Hello"))
    assert TOKEN not in info.value.message and "[redacted]" in info.value.message
    assert TOKEN not in json.dumps(info.value.raw)
    assert TOKEN not in caplog.text


def test_get_requests_do_not_log_the_token(graph, adapter, caplog):
    caplog.set_level(logging.DEBUG)
    assert adapter.check().ok
    assert "access_token=[redacted]" in caplog.text
    assert TOKEN not in caplog.text


def test_log_filter_redacts_access_tokens_in_any_url():
    record = logging.LogRecord(
        "urllib3.connectionpool",
        logging.DEBUG,
        __file__,
        1,
        '%s "GET %s HTTP/1.1"',
        ("https://graph.facebook.com:443", "/v25.0/1?fields=x&access_token=abc123&y=2"),
        None,
    )
    RedactURLSecrets().filter(record)
    assert record.getMessage().endswith(
        '"GET /v25.0/1?fields=x&access_token=[redacted]&y=2 HTTP/1.1"'
    )


def test_rate_limit_over_the_wire(graph, adapter):
    graph.fail(
        400,
        body(613, "Calls to this api have exceeded the rate limit."),
        headers={
            "X-Business-Use-Case-Usage": json.dumps(
                {PAGE: [{"estimated_time_to_regain_access": 1}]}
            )
        },
    )
    with pytest.raises(TransientError) as info:
        adapter.publish(Post(text="Hello"))
    assert info.value.retry_after == 60 and info.value.status_code == 400


def test_timeout_after_sending_is_ambiguous(settings, graph):
    settings.WAGTAILCROSSPOST_HTTP_TIMEOUT = (2, 0.3)
    channel = Channel(
        platform="facebook", name="Acme", options={"page_id": PAGE, "graph_url": graph.url}
    )
    channel.set_credentials({"page_access_token": TOKEN})
    graph.delay(0.8, method="POST", path=r".*/feed")
    with pytest.raises(AmbiguousError):
        FacebookAdapter(channel).publish(Post(text="Hello"))


def test_answer_that_is_not_json_is_permanent(graph, adapter):
    graph.add_route("GET", r"/v25\.0/x/list", lambda request: (200, ["not", "an", "object"]))
    with pytest.raises(PermanentError, match="not a JSON object"):
        adapter.request("GET", "/x/list")


# -- shared helpers ------------------------------------------------------------------------------


def test_rule_overrides_ignore_empty_bad_and_unlisted_values():
    rules = InstagramAdapter.rules
    options = {
        "text_limit": "abc",
        "image_max_bytes": "",
        "max_links": 3,
        "image_max_aspect": "1.5",
    }
    changed = rules_with_options(
        rules, options, ("text_limit", "image_max_bytes", "image_max_aspect")
    )
    assert changed.text_limit == rules.text_limit
    assert changed.image.max_bytes == rules.image.max_bytes
    assert changed.image.max_aspect == 1.5
    assert changed.max_links is None  # not listed: not overridable


def test_form_fields_show_the_default():
    fields = ThreadsAdapter.get_form_fields()
    assert set(fields) >= set(ThreadsAdapter.rule_options)
    assert set(fields) <= {*ThreadsAdapter.option_fields, *ThreadsAdapter.credential_fields}
    assert "1000" in str(fields["alt_text_limit"].help_text)
    assert fields["alt_text_limit"].required is False


@pytest.mark.parametrize("url", ["https://acme.example/media/a.jpg", "http://93.184.216.34/a.jpg"])
def test_public_media_url_accepts_absolute_public_addresses(settings, url):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    media = Media(b"", "image/jpeg", "a.jpg", 1, 1, url=url)
    assert public_media_url(media, "Instagram") == url


def test_public_media_url_refuses_a_private_host(settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    media = Media(b"", "image/jpeg", "a.jpg", 1, 1, url="http://10.0.0.5/media/a.jpg")
    with pytest.raises(PermanentError, match="not a public web address"):
        public_media_url(media, "Instagram")
