"""actionnetwork-async: an asyncio client for the Action Network API v2 (OSDI, HAL+JSON).

The core is a generic HAL walker (``ActionNetwork.hal``) over one transport that owns the HTTP
session, the rate limiter shared by every request, retries and error mapping.
"""

from . import webhooks
from .client import API_KEY_ENV, DEFAULT_BASE_URL, DEFAULT_PREFETCH, ActionNetwork
from .errors import (
    ActionNetworkError,
    AmbiguousRelError,
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    DecodeError,
    HALError,
    IncompleteWriteError,
    LinkNotFoundError,
    ModelError,
    NotFoundError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    StatusError,
    TemplateError,
    TransportError,
    ValidationError,
    WebhookDecodeError,
    WebhookError,
    WebhookFormatError,
    WebhookTooLargeError,
)
from .filters import F, Field, Filter
from .hal import Embedded, Link, Links, Resource, parse_resource
from .limiter import AioRateLimiter, RateLimiter, SpacedRateLimiter, Unlimited
from .models import (
    Attendance,
    EmailAddress,
    Event,
    EventLocation,
    Location,
    Person,
    PhoneNumber,
    PostalAddress,
    Record,
    Reminder,
    ResourceModel,
    Sponsor,
    Tag,
    Tagging,
    UniqueIdList,
)
from .pagination import Stream
from .resources import Events, People, UniqueIdLists
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
    "Attendance",
    "AuthenticationError",
    "ConfigurationError",
    "ConnectError",
    "DecodeError",
    "EmailAddress",
    "Embedded",
    "Event",
    "EventLocation",
    "Events",
    "F",
    "Field",
    "Filter",
    "HALError",
    "HalWalker",
    "IncompleteWriteError",
    "Link",
    "LinkNotFoundError",
    "Links",
    "Location",
    "ModelError",
    "NotFoundError",
    "People",
    "Person",
    "PhoneNumber",
    "PostalAddress",
    "RateLimitError",
    "RateLimiter",
    "Record",
    "Reminder",
    "RequestTimeoutError",
    "Resource",
    "ResourceModel",
    "RetryDecision",
    "RetryPolicy",
    "ServerError",
    "SpacedRateLimiter",
    "Sponsor",
    "StatusError",
    "Stream",
    "Tag",
    "Tagging",
    "TemplateError",
    "Transport",
    "TransportError",
    "TransportStats",
    "UniqueIdList",
    "UniqueIdLists",
    "Unlimited",
    "ValidationError",
    "WebhookDecodeError",
    "WebhookError",
    "WebhookFormatError",
    "WebhookTooLargeError",
    "__version__",
    "parse_resource",
    "webhooks",
]
