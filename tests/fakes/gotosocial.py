"""A strict fake GoToSocial: the Mastodon fake in its "GoToSocial-like" mode.

What differs from Mastodon, from GoToSocial's own source (dev-notes/fediverse-research.md):
- counting: Unicode code points of the text plus the content warning, URLs and mentions in full
  (``internal/processing/status/common.go``), although it advertises 25 characters per URL;
  too long is HTTP 400 "text with spoiler exceed max chars (N)";
- ``Idempotency-Key`` is ignored (only in ``internal/middleware/cors.go``): a repeat is a second
  status;
- a delete is answered at once and carried out in the background: the status is still there for
  the next ``delete_lag`` requests.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.mastodon import FakeMastodon, Limits
from wagtail_crosspost.testing.fakeserver import RecordedRequest, Response


class FakeGoToSocial(FakeMastodon):
    def __init__(self, *, version: str = "0.20.1", delete_lag: int = 1, **kwargs: Any):
        kwargs.setdefault("limits", Limits(max_characters=5000, characters_reserved_per_url=25))
        super().__init__(software=("gotosocial", version), **kwargs)
        self.honours_key = False
        self.delete_lag = delete_lag
        self.deleting: dict[str, int] = {}

    def text_length(self, text: str, spoiler_text: str) -> int:
        return len(text) + len(spoiler_text)  # len([]rune(status)) + len([]rune(spoiler))

    def _validate(self, account, fields, status_id):
        self._carry_out_deletes()
        error = super()._validate(account, fields, status_id)
        if error and "character limit" in str(error[1].get("error", "")):
            text = f"text with spoiler exceed max chars ({self.limits.max_characters})"
            return 400, {"error": f"Bad Request: {text}"}
        return error

    def delete_status(self, request: RecordedRequest, status_id: str) -> Any:
        account = self._auth(request)
        if isinstance(account, Response):
            return account
        status = self.statuses.get(status_id)
        if status is None or self._owner.get(status_id) != account.id:
            return 404, {"error": "Record not found"}
        self.deleting[status_id] = self.delete_lag
        answer = self._status_json(status)
        answer["text"] = status["text"]
        return answer

    def account_statuses(self, request: RecordedRequest, account_id: str) -> Any:
        answer = super().account_statuses(request, account_id)
        self._carry_out_deletes()
        return answer

    def verify_credentials(self, request: RecordedRequest) -> Any:
        answer = super().verify_credentials(request)
        self._carry_out_deletes()
        return answer

    def get_status(self, request: RecordedRequest, status_id: str) -> Any:
        answer = super().get_status(request, status_id)
        self._carry_out_deletes()
        return answer

    def _carry_out_deletes(self) -> None:
        for status_id, left in list(self.deleting.items()):
            if left <= 0:
                self.statuses.pop(status_id, None)
                del self.deleting[status_id]
            else:
                self.deleting[status_id] = left - 1
