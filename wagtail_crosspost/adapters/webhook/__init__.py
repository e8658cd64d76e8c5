"""The generic webhook: ``adapter`` sends signed JSON; ``verify_signature`` is for receivers."""

from .adapter import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, WebhookAdapter, verify_signature

__all__ = ["IDEMPOTENCY_HEADER", "SIGNATURE_HEADER", "WebhookAdapter", "verify_signature"]
