"""What the API answers a call that acts rather than returns a resource."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["Notice"]


@attrs.frozen
class Notice:
    """The API's answer to a helper that acts (send, schedule, stop a message; delete a unique
    ID list or a tagging): its words, as the API puts them ("Message sent" ...; empty when it
    said nothing)."""

    message: str

    @classmethod
    def of(cls, answer: Any) -> Notice:
        """The notice of an answer (a ``Resource``, or None for an empty body): its
        ``notice`` (a delete) or its ``message`` (a helper)."""
        words = None if answer is None else answer.get("notice") or answer.get("message")
        return cls(str(words or ""))
