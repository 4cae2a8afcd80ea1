"""The rate limiters and the retry policy: what ``ActionNetwork(rate_limit=..., retry=...)``
takes.

``SlidingWindowLimiter`` is the built-in limiter (a number as ``rate_limit`` builds one);
``RedisRateLimiter`` shares one limit between every process and machine using a key (the
``redis`` extra: imported on first use); ``AioRateLimiter`` wraps an ``aiolimiter`` bucket;
``Unlimited`` waits for nothing. ``RetryPolicy`` says which failures are retried, how often and
for how long. ``EntryCache`` shares the API entry point's links between the clients of a key
(``ActionNetwork(entry_cache=...)``), so each run does not spend a request on them.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._entrycache import EntryCache
    from .limiter import (
        DEFAULT_MARGIN,
        AioRateLimiter,
        RateLimiter,
        RateLimitFeedback,
        RemembersStarts,
        SlidingWindowLimiter,
        Unlimited,
    )
    from .redis import RedisRateLimiter
    from .retry import RetryDecision, RetryPolicy
else:
    from ._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        globals(),
        {
            "._entrycache": ("EntryCache",),
            ".limiter": (
                "DEFAULT_MARGIN",
                "AioRateLimiter",
                "RateLimitFeedback",
                "RateLimiter",
                "RemembersStarts",
                "SlidingWindowLimiter",
                "Unlimited",
            ),
            ".redis": ("RedisRateLimiter",),
            ".retry": ("RetryDecision", "RetryPolicy"),
        },
    )

__all__ = [
    "DEFAULT_MARGIN",
    "AioRateLimiter",
    "EntryCache",
    "RateLimitFeedback",
    "RateLimiter",
    "RedisRateLimiter",
    "RemembersStarts",
    "RetryDecision",
    "RetryPolicy",
    "SlidingWindowLimiter",
    "Unlimited",
]
