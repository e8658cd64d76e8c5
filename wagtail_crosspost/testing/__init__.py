"""Test helpers shipped for adapter authors.

``wagtail_crosspost.testing.fakeserver`` runs a strict fake platform server over real HTTP;
``wagtail_crosspost.testing.contract.AdapterContractTests`` is the suite every adapter passes,
``MetricsContractTests`` the one every adapter with ``fetch_metrics`` passes (both need pytest,
so they are imported on first use).
"""

from typing import TYPE_CHECKING, Any

from .fakeserver import (
    FakeServer,
    Fault,
    Headers,
    MediaHost,
    RecordedRequest,
    Response,
    UploadedFile,
    server_fixture,
)

if TYPE_CHECKING:
    from .contract import AdapterContractTests
    from .contract_metrics import MetricsContractTests

__all__ = [
    "AdapterContractTests",
    "MetricsContractTests",
    "FakeServer",
    "Fault",
    "Headers",
    "MediaHost",
    "RecordedRequest",
    "Response",
    "UploadedFile",
    "server_fixture",
]


def __getattr__(name: str) -> Any:
    # pytest is a test dependency: import the contract suite only when someone asks for it.
    if name == "AdapterContractTests":
        from .contract import AdapterContractTests

        return AdapterContractTests
    if name == "MetricsContractTests":
        from .contract_metrics import MetricsContractTests

        return MetricsContractTests
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
