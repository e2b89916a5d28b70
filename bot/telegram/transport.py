"""The HTTP transport for Bot API calls: a `BaseRequest` on aiohttp's client.

PTB's default transport is httpx.  Under load httpcore rescans its whole connection pool for every
queued request (`_assign_requests_to_connections`), which cost a quarter of the coach's CPU at 200
users (bench/README.md); aiohttp hands out pooled connections without that scan.  Behaviour seen by
PTB is unchanged: the same form-encoded bodies, `TimedOut` for timeouts, `NetworkError` for the rest.
"""

from __future__ import annotations

from urllib.parse import urlencode

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

READ_TIMEOUT = 5.0
WRITE_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
MEDIA_WRITE_TIMEOUT = 20.0
"""PTB's own defaults, so switching transport changes no timing a user could notice."""
FORM_URLENCODED = "application/x-www-form-urlencoded"


def _given(value: ODVInput[float], default: float) -> float | None:
    return default if isinstance(value, DefaultValue) else value


class AiohttpRequest(BaseRequest):
    """Send Bot API requests through one pooled `aiohttp.ClientSession`."""

    __slots__ = ("_pool_size", "_session")

    def __init__(self, pool_size: int = 32) -> None:
        """Remember the pool size; the session is made in `initialize`, inside the running loop.

        Args:
            pool_size: Most connections open at once; further requests wait for a free one.
        """
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        """Return the default read timeout (PTB adds it to a long poll's own timeout)."""
        return READ_TIMEOUT

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=None))

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make one request and return its status and body (see `BaseRequest.do_request`).

        Raises:
            RuntimeError: The transport was not initialised.
            TimedOut: Waiting for a connection, connecting, sending or reading took too long.
            NetworkError: The connection failed or was dropped.
        """
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data is not None and request_data.contains_files
        connect = _given(connect_timeout, CONNECT_TIMEOUT)
        pool = _given(pool_timeout, POOL_TIMEOUT)
        read = _given(read_timeout, READ_TIMEOUT)
        write = _given(write_timeout, MEDIA_WRITE_TIMEOUT if files else WRITE_TIMEOUT)
        # aiohttp has no separate write timeout: a bound on the whole request stands in for it.
        total = None if write is None or read is None else write + read
        timeout = aiohttp.ClientTimeout(
            total=total,
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )
        body = _body(request_data)
        headers = {"User-Agent": self.USER_AGENT}
        if isinstance(body, bytes):
            headers["Content-Type"] = FORM_URLENCODED
        try:
            async with self._session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=timeout,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut(f"aiohttp: {type(exc).__name__}") from exc
        except aiohttp.ClientError as exc:
            # The class name only: an aiohttp message can carry the URL, and the URL carries the token.
            raise NetworkError(f"aiohttp.{type(exc).__name__}") from exc


def _body(request_data: RequestData | None) -> aiohttp.FormData | bytes | None:
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not request_data.multipart_data:
        # Encoded here: aiohttp turns a dict into a FormData, which draws a random multipart boundary
        # (uuid4) for every request even when it sends it URL-encoded, a twentieth of the bot's time.
        return urlencode(fields).encode()
    form = aiohttp.FormData(fields)
    for name, (filename, content, mime) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime)
    return form

