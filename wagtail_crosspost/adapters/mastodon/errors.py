"""Reading Mastodon's error answers: its text, and the 403/422 answers that mean something else."""

from __future__ import annotations

from typing import Any

from ..base import AdapterError


def mastodon_error_text(body: Any) -> str:
    """Mastodon's error text: ``{"error": "...", "details": {...}}`` (or plain text)."""
    if isinstance(body, dict):
        for key in ("error", "error_description", "message", "detail"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key]
        return ""
    return body[:300] if isinstance(body, str) else ""


def says_token_refused(error: AdapterError) -> bool:
    raw = error.raw if isinstance(error.raw, dict) else {}
    text = mastodon_error_text(raw.get("body")).lower()
    if error.status_code == 422:  # some compatible servers refuse a bad token this way
        return "token" in text and any(w in text for w in ("invalid", "expired", "revoked"))
    if error.status_code == 403:  # token without the needed scopes, or a disabled login
        return "scope" in text or "login" in text
    return False


def says_still_processing(error: AdapterError) -> bool:
    raw = error.raw if isinstance(error.raw, dict) else {}
    text = mastodon_error_text(raw.get("body")).lower()
    return error.status_code == 422 and "processing" in text
