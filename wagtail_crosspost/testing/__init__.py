"""Test helpers shipped for adapter authors.

``wagtail_crosspost.testing.fakeserver`` runs a strict fake platform server over real HTTP.
"""

from .fakeserver import (
    FakeServer,
    Fault,
    Headers,
    RecordedRequest,
    Response,
    UploadedFile,
    server_fixture,
)

__all__ = [
    "FakeServer",
    "Fault",
    "Headers",
    "RecordedRequest",
    "Response",
    "UploadedFile",
    "server_fixture",
]
