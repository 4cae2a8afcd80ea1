"""What the API answers a call that acts rather than returns a resource."""

from __future__ import annotations

import attrs

__all__ = ["Notice"]


@attrs.frozen
class Notice:
    """The API's answer to a helper that acts (send, schedule, stop a message; delete a unique
    ID list): its words, as the API puts them ("Message sent" ...; empty when it said
    nothing)."""

    message: str
