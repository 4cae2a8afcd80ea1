"""Action Network webhooks: typed payloads (``parse``) and a receiver to mount (``receiver``).

hooks = webhooks.receiver(secret="a-long-random-path-token")

@hooks.on("action_network:upload")  # people POSTed to the signup helper, or uploaded
async def new_signup(event: webhooks.WebhookEvent) -> None:
    person = await an.people.get(event.person_id)  # by id, through the client: never by URL

web.run_app(hooks.app())  # or app.add_routes(hooks.routes())
fastapi_app.mount("/webhooks", hooks.asgi())  # or in any ASGI app: Starlette, FastAPI ...

Several receiver processes behind one URL share ``RedisIdempotencyStore(url)`` as their
``store=``, so each delivery is handled once (the ``redis`` extra; docs/redis.md).
"""

from ..errors import WebhookDecodeError, WebhookError, WebhookFormatError, WebhookTooLargeError
from .asgi import WebhookASGIApp
from .payloads import (
    MAX_BODY,
    ActionPayload,
    AttendancePayload,
    DonationPayload,
    OutreachPayload,
    Payload,
    ResponsePayload,
    SignaturePayload,
    SubmissionPayload,
    UnknownPayload,
    UploadPayload,
    WebhookEvent,
    parse,
    safe_name,
)
from .receiver import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_MAX_KEYS,
    DEFAULT_TTL,
    LEASE_MARGIN,
    MAX_KEY_BYTES,
    Claim,
    Handler,
    IdempotencyStore,
    MemoryIdempotencyStore,
    WebhookReceiver,
    receiver,
)
from .redis_store import RedisIdempotencyStore

__all__ = [
    "DEFAULT_BODY_TIMEOUT",
    "DEFAULT_HEADER_TIMEOUT",
    "DEFAULT_MAX_KEYS",
    "DEFAULT_TTL",
    "LEASE_MARGIN",
    "MAX_BODY",
    "MAX_KEY_BYTES",
    "ActionPayload",
    "AttendancePayload",
    "Claim",
    "DonationPayload",
    "Handler",
    "IdempotencyStore",
    "MemoryIdempotencyStore",
    "OutreachPayload",
    "Payload",
    "RedisIdempotencyStore",
    "ResponsePayload",
    "SignaturePayload",
    "SubmissionPayload",
    "UnknownPayload",
    "UploadPayload",
    "WebhookASGIApp",
    "WebhookDecodeError",
    "WebhookError",
    "WebhookEvent",
    "WebhookFormatError",
    "WebhookReceiver",
    "WebhookTooLargeError",
    "parse",
    "receiver",
    "safe_name",
]
