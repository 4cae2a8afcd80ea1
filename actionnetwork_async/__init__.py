"""actionnetwork-async: an asyncio client for the Action Network API v2 (OSDI, HAL+JSON).

The core is a generic HAL walker (``ActionNetwork.hal``) over one transport that owns the HTTP
session, the rate limiter shared by every request, retries and error mapping. The same client
without async is ``actionnetwork_async.sync.ActionNetwork``; the command line is ``actionnetwork``.
"""

from typing import TYPE_CHECKING

# The names every program needs; the rest live in their modules: models in ``.models``, errors
# in ``.errors``, limiters and the retry policy in ``.limits``, the types of the public
# signatures in ``.types``, webhooks in ``.webhooks``, the emulator in ``.testing``.
#
# Type checkers and the API reference (griffe) read the names from these imports. At run time each
# name is imported on first use instead (PEP 562), so that importing the package, as the pytest
# plugin does in every pytest run, loads none of aiohttp, cattrs ... The two lists must agree
# (tests/test_plugin_import.py).
if TYPE_CHECKING:
    from . import sync, webhooks
    from ._writes import (
        Outcome,
        WriteResult,
    )
    from .bulk import (
        CheckpointFile,
        WriteSummary,
    )
    from .client import (
        API_KEY_ENV,
        BASE_URL_ENV,
        DEFAULT_BASE_URL,
        ActionNetwork,
    )
    from .errors import (
        ActionNetworkError,
        AuthenticationError,
        ClientClosedError,
        ClientStateError,
        CollectionUnavailableError,
        ConfigurationError,
        ConnectError,
        IncompleteWriteError,
        LimiterTimeoutError,
        ModelError,
        NotAppliedError,
        NotFoundError,
        NothingAcceptedError,
        OutcomeUnknownError,
        RateLimitError,
        RequestTimeoutError,
        ServerError,
        StatusError,
        TransportError,
        UnexpectedResponseError,
        ValidationError,
    )
    from .filters import (
        F,
        Filter,
    )
    from .hal import (
        Resource,
    )
    from .pagination import (
        Stream,
    )
    from .watermark import (
        Watermark,
    )
else:
    from ._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        globals(),
        {
            ".": ("sync", "webhooks"),
            "._writes": ("Outcome", "WriteResult"),
            ".bulk": ("CheckpointFile", "WriteSummary"),
            ".client": ("API_KEY_ENV", "BASE_URL_ENV", "DEFAULT_BASE_URL", "ActionNetwork"),
            ".errors": (
                "ActionNetworkError",
                "AuthenticationError",
                "ClientClosedError",
                "ClientStateError",
                "CollectionUnavailableError",
                "ConfigurationError",
                "ConnectError",
                "IncompleteWriteError",
                "LimiterTimeoutError",
                "ModelError",
                "NotAppliedError",
                "NotFoundError",
                "NothingAcceptedError",
                "OutcomeUnknownError",
                "RateLimitError",
                "RequestTimeoutError",
                "ServerError",
                "StatusError",
                "TransportError",
                "UnexpectedResponseError",
                "ValidationError",
            ),
            ".filters": ("F", "Filter"),
            ".hal": ("Resource",),
            ".pagination": ("Stream",),
            ".watermark": ("Watermark",),
        },
    )

#: The version of this library (PEP 440).
__version__ = "0.1.0"

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "ActionNetwork",
    "ActionNetworkError",
    "AuthenticationError",
    "CheckpointFile",
    "ClientClosedError",
    "ClientStateError",
    "CollectionUnavailableError",
    "ConfigurationError",
    "ConnectError",
    "F",
    "Filter",
    "IncompleteWriteError",
    "LimiterTimeoutError",
    "ModelError",
    "NotAppliedError",
    "NotFoundError",
    "NothingAcceptedError",
    "Outcome",
    "OutcomeUnknownError",
    "RateLimitError",
    "RequestTimeoutError",
    "Resource",
    "ServerError",
    "StatusError",
    "Stream",
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
    "Watermark",
    "WriteResult",
    "WriteSummary",
    "__version__",
    "sync",
    "webhooks",
]
