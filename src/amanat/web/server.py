"""How ``amanat serve`` runs uvicorn: whom it believes about client addresses, and how long a
connection may take to say what it wants.

*Proxies.* uvicorn by default rewrites the client address from ``X-Forwarded-For`` when the
peer is 127.0.0.1, so on a node with nothing in front of it any local process (or anything
relayed through loopback) picks its own address, and with it its own rate-limit bucket. Here
proxy headers are off unless the operator names the proxies to believe (``--trusted-proxy``).

*Slow connections.* uvicorn has a keep-alive timeout for an idle connection between requests,
but nothing bounds the time a client takes to send a request's headers: a client that sends
one header line every few seconds holds its connection, and a few thousand such clients hold
the server. uvicorn exposes no setting for this, so ``HeaderDeadline`` adds one to whichever
HTTP protocol class uvicorn would use: from the moment a connection opens, or finishes a
response, it has ``header_timeout`` seconds until the next request's headers are complete,
or it is closed. It is hand-written because it is a few lines on two hooks every uvicorn
HTTP protocol has (``connection_made`` and ``on_response_complete``, and ``cycle``, the
request being served), where a proxy in front (nginx's ``client_header_timeout``) is not
something a single node can assume.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence
from typing import Any

from amanat.errors import InputError

HEADER_TIMEOUT = 10.0  # seconds to send a request's headers
MAX_CONNECTIONS = 1000  # open connections (and requests in flight) before new requests get 503


class HeaderDeadline:
    """Mixin for a uvicorn HTTP protocol: close a connection whose request headers are not
    complete within ``header_timeout`` seconds of it opening or of the last response."""

    header_timeout: float = HEADER_TIMEOUT
    _deadline: asyncio.TimerHandle | None = None
    _idle_cycle: Any = None
    cycle: Any
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # type: ignore[misc]
        if self._deadline is not None and self.cycle is not self._idle_cycle:
            self._disarm()  # headers complete: a request is being served

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        # a pipelined request may already be running (a new cycle); it got its headers in time
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def _arm(self) -> None:
        self._disarm()
        self._idle_cycle = self.cycle
        self._deadline = self.loop.call_later(self.header_timeout, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if self.cycle is self._idle_cycle and not self.transport.is_closing():
            self.transport.close()


def protocol_with_deadline(header_timeout: float) -> type[asyncio.Protocol]:
    """uvicorn's own HTTP protocol class (httptools or h11) with ``HeaderDeadline`` on top."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    name = f"HeaderDeadline{AutoHTTPProtocol.__name__}"
    return type(name, (HeaderDeadline, AutoHTTPProtocol), {"header_timeout": header_timeout})


def trusted_networks(values: Sequence[str]) -> list[str]:
    """Each ``--trusted-proxy`` as a normalised address or network; InputError for anything else."""
    networks = []
    for value in values:
        try:
            networks.append(str(ipaddress.ip_network(value.strip(), strict=False)))
        except ValueError:
            raise InputError(f"--trusted-proxy {value!r} is not an IP address or network (e.g. 10.0.0.5 "
                             "or 10.0.0.0/24)") from None
    return networks


def uvicorn_options(*, trusted_proxies: Sequence[str] = (), header_timeout: float = HEADER_TIMEOUT,
                    max_connections: int | None = MAX_CONNECTIONS) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run``/``uvicorn.Config`` beyond the app, host and port."""
    proxies = trusted_networks(trusted_proxies)
    return {
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies or [],
        "http": protocol_with_deadline(header_timeout),
        "limit_concurrency": max_connections,
        "server_header": False,
        "log_level": "warning",
    }
