"""Action Network webhooks: typed payloads (``parse``) and a receiver to mount (``receiver``).

hooks = webhooks.receiver(secret="a-long-random-path-token")

@hooks.on("action_network:action")
async def new_signup(event: webhooks.WebhookEvent) -> None: ...

web.run_app(hooks.app())  # or app.add_routes(hooks.routes())
"""

from ..errors import WebhookDecodeError, WebhookError, WebhookFormatError, WebhookTooLargeError
from .payloads import (
    MAX_BODY,
    ActionPayload,
    AttendancePayload,
    DonationPayload,
    OutreachPayload,
    Payload,
    SignaturePayload,
    SubmissionPayload,
    UnknownPayload,
    WebhookEvent,
    parse,
)
from .receiver import (
    Handler,
    IdempotencyStore,
    MemoryIdempotencyStore,
    WebhookReceiver,
    receiver,
)

__all__ = [
    "MAX_BODY",
    "ActionPayload",
    "AttendancePayload",
    "DonationPayload",
    "Handler",
    "IdempotencyStore",
    "MemoryIdempotencyStore",
    "OutreachPayload",
    "Payload",
    "SignaturePayload",
    "SubmissionPayload",
    "UnknownPayload",
    "WebhookDecodeError",
    "WebhookError",
    "WebhookEvent",
    "WebhookFormatError",
    "WebhookReceiver",
    "WebhookTooLargeError",
    "parse",
    "receiver",
]
