"""actionnetwork-async: an asyncio client for the Action Network API v2 (OSDI, HAL+JSON).

The core is a generic HAL walker (``ActionNetwork.hal``) over one transport that owns the HTTP
session, the rate limiter shared by every request, retries and error mapping.
"""

from .client import API_KEY_ENV, DEFAULT_BASE_URL, DEFAULT_PREFETCH, ActionNetwork
from .errors import (
    ActionNetworkError,
    AmbiguousRelError,
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    DecodeError,
    HALError,
    LinkNotFoundError,
    NotFoundError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    StatusError,
    TemplateError,
    TransportError,
    ValidationError,
)
from .hal import Embedded, Link, Links, Resource, parse_resource
from .limiter import AioRateLimiter, RateLimiter, SpacedRateLimiter, Unlimited
from .pagination import Stream
from .retry import RetryDecision, RetryPolicy
from .transport import Transport, TransportStats
from .walker import HalWalker

__version__ = "0.1.0"

__all__ = [
    "API_KEY_ENV",
    "DEFAULT_BASE_URL",
    "DEFAULT_PREFETCH",
    "ActionNetwork",
    "ActionNetworkError",
    "AioRateLimiter",
    "AmbiguousRelError",
    "AuthenticationError",
    "ConfigurationError",
    "ConnectError",
    "DecodeError",
    "Embedded",
    "HALError",
    "HalWalker",
    "Link",
    "LinkNotFoundError",
    "Links",
    "NotFoundError",
    "RateLimitError",
    "RateLimiter",
    "RequestTimeoutError",
    "Resource",
    "RetryDecision",
    "RetryPolicy",
    "ServerError",
    "SpacedRateLimiter",
    "StatusError",
    "Stream",
    "TemplateError",
    "Transport",
    "TransportError",
    "TransportStats",
    "Unlimited",
    "ValidationError",
    "__version__",
    "parse_resource",
]
