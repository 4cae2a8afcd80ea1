"""The rate limiters and the retry policy: what ``ActionNetwork(rate_limit=..., retry=...)``
takes.

``SlidingWindowLimiter`` is the built-in limiter (a number as ``rate_limit`` builds one);
``RedisRateLimiter`` shares one limit between every process and machine using a key (the
``redis`` extra: imported on first use); ``AioRateLimiter`` wraps an ``aiolimiter`` bucket;
``Unlimited`` waits for nothing. ``RetryPolicy`` says which failures are retried, how often and
for how long.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .limiter import (
        DEFAULT_MARGIN,
        AioRateLimiter,
        RateLimiter,
        RateLimitFeedback,
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
            ".limiter": (
                "DEFAULT_MARGIN",
                "AioRateLimiter",
                "RateLimitFeedback",
                "RateLimiter",
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
    "RateLimitFeedback",
    "RateLimiter",
    "RedisRateLimiter",
    "RetryDecision",
    "RetryPolicy",
    "SlidingWindowLimiter",
    "Unlimited",
]
