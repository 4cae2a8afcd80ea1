"""A hostile server on raw loopback sockets: what it writes byte for byte must neither put the
API key into an error (the aiohttp error kept as its cause included) nor fill the memory.

Items 9, 11 and 13 of issue 20: the key echoed in a status line, a malformed header or a chunk;
a key no header can carry; answers larger than ``max_response_bytes``.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import pytest_asyncio

from actionnetwork_async import (
    ActionNetwork,
    ActionNetworkError,
    ConfigurationError,
    ServerError,
    TransportError,
)
from actionnetwork_async.errors import ResponseTooLargeError
from actionnetwork_async.limits import RetryPolicy
from actionnetwork_async.sansio import redact_pieces
from actionnetwork_async.transport import DEFAULT_MAX_RESPONSE_BYTES

KEY = "echo-me-3f9a1c7e5b2d4068"
KEY_BYTES = KEY.encode()
#: Every run of 8 characters of the key: none may appear in a traceback either.
PIECES = [KEY[i : i + 8] for i in range(len(KEY) - 7)]

Answer = Callable[[asyncio.StreamReader, asyncio.StreamWriter, asyncio.Event], Awaitable[None]]
Serve = Callable[[Answer], Awaitable[str]]


@pytest_asyncio.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start a raw TCP server on loopback whose connections ``answer`` handles; returns the base
    URL of its API. Answers that hold a connection open wait on the event set at teardown."""
    servers: list[asyncio.Server] = []
    done = asyncio.Event()

    async def start(answer: Answer) -> str:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await reader.readuntil(b"\r\n\r\n")
                await answer(reader, writer, done)
            except (ConnectionError, asyncio.IncompleteReadError):
                pass  # the client hung up first, as it should
            finally:
                writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/api/v2/"

    yield start
    done.set()
    for server in servers:
        server.close()
        await server.wait_closed()


def writes(raw: bytes) -> Answer:
    """An answer that writes ``raw`` at once and closes the connection."""

    async def answer(
        _: asyncio.StreamReader, writer: asyncio.StreamWriter, __: asyncio.Event
    ) -> None:
        writer.write(raw)
        await writer.drain()

    return answer


def shown(error: BaseException) -> str:
    """Everything a traceback of ``error`` prints, its chained exceptions included."""
    return "".join(traceback.format_exception(error))


# -- 9: the key echoed back -----------------------------------------------------------------
ECHOES = {
    "reason phrase of an error": b"HTTP/1.1 500 " + KEY_BYTES + b"\r\nContent-Length: 0\r\n\r\n",
    "malformed status line": b"HTTP/1.1 abc " + KEY_BYTES + b"\r\nContent-Length: 2\r\n\r\n{}",
    "malformed header": b"HTTP/1.1 200 OK\r\n" + KEY_BYTES + b"\r\nContent-Length: 2\r\n\r\n{}",
    "malformed header name": b"HTTP/1.1 200 OK\r\nX(" + KEY_BYTES + b"): 1\r\n\r\n{}",
    "header cut short in the excerpt": (
        b"HTTP/1.1 200 OK\r\nX-Echo: " + KEY_BYTES * 400 + b"\r\nContent-Length: 2\r\n\r\n{}"
    ),
    "malformed chunk size": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + KEY_BYTES
        + b"\r\n{}\r\n0\r\n\r\n"
    ),
    "chunk longer than its size": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}"
        + KEY_BYTES
        + b"\r\n0\r\n\r\n"
    ),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("raw", ECHOES.values(), ids=ECHOES.keys())
async def test_a_key_echoed_by_the_server_is_in_no_traceback(serve: Serve, raw: bytes) -> None:
    base_url = await serve(writes(raw))
    async with ActionNetwork(
        KEY, base_url=base_url, rate_limit=None, retry=RetryPolicy(max_tries=1), timeout=10
    ) as an:
        with pytest.raises(ActionNetworkError) as info:
            await an.hal.get()
    text = shown(info.value)
    assert KEY not in text
    assert not [piece for piece in PIECES if piece in text]
    if isinstance(info.value, ServerError):
        assert info.value.message == "***"  # the reason phrase stands in for an empty body
    else:
        assert isinstance(info.value, TransportError)
        assert info.value.__cause__ is not None  # aiohttp's error is kept, masked, for debugging


# -- 11: a key no header can carry ----------------------------------------------------------
@pytest.mark.parametrize(
    "key",
    [KEY + "\n", KEY + "\r\nX-Injected: 1", "\n" + KEY, KEY[:8] + "\x00" + KEY[8:], KEY + "\x7f"],
    ids=["trailing newline", "header injection", "leading newline", "NUL", "DEL"],
)
def test_a_key_with_a_line_break_is_a_configuration_error_that_does_not_quote_it(
    key: str,
) -> None:
    with pytest.raises(ConfigurationError) as info:
        ActionNetwork(key, base_url="http://127.0.0.1:9/api/v2/")
    assert not [piece for piece in PIECES if piece in shown(info.value)]
    assert "line end" in str(info.value)


# -- 13: answers larger than max_response_bytes ---------------------------------------------
LIMIT = 256 * 1024


def huge(*, declared: bool, chunked: bool) -> Answer:
    """A 200 whose body never ends: ``Content-Length`` of 1 TB (``declared``), chunks, or bytes
    until the connection closes; it sends four times ``LIMIT`` and then holds the connection."""

    async def answer(
        _: asyncio.StreamReader, writer: asyncio.StreamWriter, done: asyncio.Event
    ) -> None:
        if declared:
            head = b"Content-Length: 1000000000000\r\n"
        elif chunked:
            head = b"Transfer-Encoding: chunked\r\n"
        else:
            head = b"Connection: close\r\n"
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + head + b"\r\n")
        block = b"[" + b" " * (16 * 1024 - 1)
        for _ in range(4 * LIMIT // len(block)):
            writer.write(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
            await writer.drain()
        await done.wait()  # never finishes: a client that reads it whole waits for ever

    return answer


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("declared", "chunked"),
    [(True, False), (False, True), (False, False)],
    ids=["Content-Length", "chunked", "until closed"],
)
async def test_an_answer_over_max_response_bytes_is_refused_before_it_is_read_whole(
    serve: Serve, declared: bool, chunked: bool
) -> None:
    base_url = await serve(huge(declared=declared, chunked=chunked))
    async with ActionNetwork(
        KEY, base_url=base_url, rate_limit=None, timeout=10, max_response_bytes=LIMIT
    ) as an:
        with pytest.raises(ResponseTooLargeError) as info:
            await an.hal.get()
        assert an.stats.attempts == 1  # not retried: a second copy is as large
    assert (info.value.status, info.value.limit) == (200, LIMIT)
    assert str(LIMIT) in str(info.value)
    assert KEY not in shown(info.value)


def padded(size: int) -> bytes:
    """A JSON object of exactly ``size`` bytes."""
    return b'{"pad": "' + b"x" * (size - 11) + b'"}'


def exact(body: bytes, *, chunked: bool) -> Answer:
    async def answer(
        _: asyncio.StreamReader, writer: asyncio.StreamWriter, __: asyncio.Event
    ) -> None:
        if chunked:
            half = len(body) // 2
            parts = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (body[:half], body[half:]))
            writer.write(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + parts + b"0\r\n\r\n"
            )
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()

    return answer


@pytest.mark.asyncio
@pytest.mark.parametrize("chunked", [False, True], ids=["Content-Length", "chunked"])
async def test_an_answer_of_exactly_max_response_bytes_is_read_and_one_more_byte_is_not(
    serve: Serve, chunked: bool
) -> None:
    for limit, fits in ((LIMIT, True), (LIMIT - 1, False)):
        base_url = await serve(exact(padded(LIMIT), chunked=chunked))
        async with ActionNetwork(
            KEY, base_url=base_url, rate_limit=None, timeout=10, max_response_bytes=limit
        ) as an:
            if fits:
                assert len((await an.hal.get())["pad"]) == LIMIT - 11
            else:
                with pytest.raises(ResponseTooLargeError):
                    await an.hal.get()


def test_max_response_bytes_defaults_to_32_mib_and_refuses_nonsense() -> None:
    an = ActionNetwork(KEY, base_url="http://127.0.0.1:9/api/v2/")
    assert an._transport.max_response_bytes == DEFAULT_MAX_RESPONSE_BYTES == 32 * 1024 * 1024
    for wrong in (0, -1, 1.5, "32", True):
        with pytest.raises(ConfigurationError, match="max_response_bytes"):
            ActionNetwork(KEY, base_url="http://127.0.0.1:9/api/v2/", max_response_bytes=wrong)  # type: ignore[arg-type]


def test_runs_of_the_key_in_text_cut_short_are_masked_too() -> None:
    cut = f"b'X-Echo: {KEY}{KEY}{KEY[:11]}...'"
    assert redact_pieces(cut, KEY) == "b'X-Echo: *********...'"  # two keys and a piece
    assert redact_pieces(f"{KEY[-9:]} and {KEY[:7]}", KEY) == f"*** and {KEY[:7]}"  # 7: too short
    assert redact_pieces("nothing here", KEY) == "nothing here"
    assert redact_pieces("k and k", "k") == "*** and ***"


def test_a_cause_whose_text_cannot_be_masked_is_dropped_not_shown() -> None:
    class Stubborn(Exception):
        """Text built from a read-only property: masking cannot reach it."""

        @property
        def line(self) -> str:
            return KEY

        def __str__(self) -> str:
            return f"bad line {self.line}"

    transport = ActionNetwork(KEY, base_url="http://127.0.0.1:9/api/v2/")._transport
    assert transport._masked_cause(Stubborn()) is None  # the transport raises "from None"
    plain = ValueError(f"bad line {KEY}")
    plain.__context__ = OSError(f"{KEY[:12]}...")
    assert transport._masked_cause(plain) is plain  # masked in place and kept
    assert (str(plain), str(plain.__context__)) == ("bad line ***", "***...")
