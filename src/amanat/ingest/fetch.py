"""One fetcher for everything Amanat sends to the network.

Feed and page ingest (crawling) and partner-node sync (a protocol client, not crawling) both go
through :class:`Fetcher`, so every request gets the same safety and politeness:

* **Address guard.** Only ``http``/``https``; the host's DNS answers are resolved *once per
  connection*, **every** answer is checked, and the socket is opened to an address that passed
  the check (see :class:`_GuardedBackend` for why this closes the DNS-rebinding gap). Loopback,
  private (RFC 1918, ULA), link-local (incl. 169.254.169.254 cloud metadata), CGNAT
  100.64/10, unspecified, multicast, reserved and other non-global addresses are refused, also
  when wrapped in IPv4-mapped, NAT64 or 6to4 IPv6 forms. Each redirect hop is checked again.
  Exceptions come from ``AMANAT_FETCH_ALLOW`` (hosts or networks, comma-separated) or the
  ``allow=`` argument.
* **Limits.** Connect/read timeouts per socket operation and a total deadline per call
  (redirects, retries and waits included); a body-size cap enforced while streaming, on the
  *decoded* bytes, so a gzip bomb stops at the cap; a maximum number of redirects.
* **Politeness.** robots.txt per origin (``urllib.robotparser``, cached with a TTL; skip it with
  ``robots=False`` for protocol calls that are not crawling), a minimum delay between requests
  to one host (thread-safe; a robots ``Crawl-delay`` raises it, up to a cap), a User-Agent
  that names Amanat and a contact URL.
* **Retries** with exponential backoff and jitter on timeouts, connection errors, 429 (its
  ``Retry-After`` honoured) and 5xx, bounded in count and by the deadline.
* **Conditional GET**: pass the ``etag``/``last_modified`` seen last time; a 304 comes back as a
  result with ``not_modified`` true and an empty body.

Errors (all :class:`amanat.errors.FetchError`, one line naming the URL)::

    FetchError            timeout, connection failure, body too large, bad URL, too many redirects
    ├── FetchRefused      refused by policy: scheme, address guard, robots.txt
    └── HTTPStatusError   the final answer was 4xx/5xx (after retries); ``.result`` holds it
"""

from __future__ import annotations

import email.message
import email.utils
import functools
import ipaddress
import os
import random
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal
from urllib.robotparser import RobotFileParser

import httpcore
import httpx

from amanat.errors import FetchError
from amanat.model import Capture

__all__ = [
    "ALLOW_ENV",
    "USER_AGENT",
    "AllowList",
    "FetchError",
    "FetchRefused",
    "FetchResult",
    "Fetcher",
    "HTTPStatusError",
    "address_refusal",
    "resolve",
]

ALLOW_ENV = "AMANAT_FETCH_ALLOW"
ROBOTS_TOKEN = "Amanat"  # the product token robots.txt groups are matched against
USER_AGENT = "Amanat/0.1 (+https://amanat.example/contact; news verification)"

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ROBOTS_MAX_BYTES = 500 * 1024  # Google reads the first 500 KiB of a robots.txt; so do we
_ROBOTS_MAX_REDIRECTS = 5  # RFC 9309 §2.3.1.2: follow at least five
_HOST_RE = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$")


class FetchRefused(FetchError):
    """A request refused by policy (scheme, address guard, robots.txt) before it was sent."""


class HTTPStatusError(FetchError):
    """The final HTTP answer was an error status; ``result`` keeps status, headers and body."""

    def __init__(self, message: str, result: FetchResult) -> None:
        super().__init__(message, where=result.url)
        self.result = result
        self.status = result.status


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch brought back.

    ``url`` is what was asked for, ``final_url`` where the answer came from after redirects;
    ``redirects`` lists the URLs that redirected, in order (empty when none did).
    ``media_type`` and ``charset`` come from the Content-Type header (lower-cased), not from
    sniffing the body; ``fetched`` is when the answer arrived, in UTC.
    """

    url: str
    final_url: str
    status: int
    headers: httpx.Headers
    body: bytes
    media_type: str | None
    charset: str | None
    fetched: datetime
    redirects: tuple[str, ...] = ()

    @property
    def not_modified(self) -> bool:
        """True when a conditional GET was answered 304: keep what you had."""
        return self.status == 304

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    def as_capture(self, origin: str | None = None) -> Capture:
        """The result as ingest's ``Capture``, with the HTTP validators kept as hints."""
        hints = {k: v for k in ("etag", "last-modified") if (v := self.headers.get(k))}
        return Capture(
            url=self.final_url,
            body=self.body,
            media_type=self.media_type or "application/octet-stream",
            origin=origin or self.url,
            charset=self.charset,
            fetched=self.fetched,
            hints={"http_headers": hints} if hints else {},
        )


# --- address guard --------------------------------------------------------------------------

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_METADATA = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254"))


def _embedded_ipv4(ip: IPAddress) -> tuple[str, ipaddress.IPv4Address] | None:
    """The IPv4 address an IPv6 form carries (mapped, NAT64, 6to4), which is what gets reached."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return "IPv4-mapped", ip.ipv4_mapped
    if ip in _NAT64:
        return "NAT64", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return "6to4", ip.sixtofour
    return None


def address_refusal(ip: IPAddress) -> str | None:
    """Why ``ip`` must not be fetched from ("loopback", "private", …), or None if it is public.

    Python's ``is_global`` alone is not enough: it calls multicast and site-local addresses
    global, and it would refuse every NAT64 address on IPv6-only networks; so the named
    classes are checked first, and embedded IPv4 addresses are judged as themselves.
    """
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        form, v4 = embedded
        reason = address_refusal(v4)
        return f"{form} {reason}" if reason else None
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local (cloud metadata)" if ip in _METADATA else "link-local"
    if ip in _CGNAT:
        return "shared address space (CGNAT)"
    if ip.is_multicast:
        return "multicast"
    if any(ip in net for net in _PRIVATE) or ip in _METADATA:
        return "private"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "site-local"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private or not ip.is_global:
        return "special-purpose, not globally routable"
    return None


def _unmapped(ip: IPAddress) -> IPAddress:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _normal_host(name: str) -> str:
    name = name.strip().lower().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return name


@dataclass(frozen=True, slots=True)
class AllowList:
    """Hosts and networks exempt from the address guard (for tests and intranet deployments).

    A host entry exempts that name whatever it resolves to; a network entry (``10.0.0.0/8``, or
    a single address) exempts the addresses in it, whichever name led there. IPv4-mapped IPv6
    addresses match the IPv4 entries.
    """

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: str | Iterable[str], *, where: str = ALLOW_ENV) -> AllowList:
        """Read ``"127.0.0.1, 10.0.0.0/8, localhost"`` (or a list of such entries)."""
        items = entries.split(",") if isinstance(entries, str) else list(entries)
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in items:
            entry = _normal_host(raw)
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            if "/" in entry or ":" in entry or not _HOST_RE.match(entry):
                raise FetchError(f"{raw.strip()!r} is not a host name or network", where=where)
            hosts.add(entry)
        return cls(frozenset(hosts), tuple(networks))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AllowList:
        """The allow-list configured in ``AMANAT_FETCH_ALLOW`` (empty when unset)."""
        env = os.environ if environ is None else environ
        return cls.parse(env.get(ALLOW_ENV, ""))

    def allows_host(self, host: str) -> bool:
        return _normal_host(host) in self.hosts

    def allows_address(self, ip: IPAddress) -> bool:
        ip = _unmapped(ip)
        return any(ip.version == net.version and ip in net for net in self.networks)


def resolve(host: str, port: int) -> list[str]:
    """All addresses DNS gives for ``host``, in the resolver's order, without duplicates.

    The one place Amanat resolves names for fetching; tests replace it to simulate DNS.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _Refused(Exception):
    """Raised inside the transport; the Fetcher turns it into FetchRefused naming the URL."""


class _Unresolvable(Exception):
    """No DNS answer (not worth retrying); becomes FetchError with the URL."""


def _checked_addresses(host: str, port: int, allow: AllowList) -> list[str]:
    """Resolve ``host`` and return its addresses if *every* one may be fetched from."""
    if allow.allows_host(host):
        try:
            return resolve(host, port)
        except socket.gaierror as exc:
            raise _Unresolvable(f"cannot resolve {host}: {exc.strerror}") from None
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        answers = [host]
    else:
        try:
            answers = resolve(host, port)
        except socket.gaierror as exc:
            if exc.errno == socket.EAI_AGAIN:  # transient: let the retry logic have it
                raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror}") from None
            raise _Unresolvable(f"cannot resolve {host}: {exc.strerror}") from None
    if not answers:
        raise _Unresolvable(f"no address for {host}")
    for answer in answers:
        ip = ipaddress.ip_address(answer.split("%", 1)[0])  # drop an IPv6 zone id
        if allow.allows_address(ip):
            continue
        reason = address_refusal(ip)
        if reason:
            what = host if literal is not None else f"{host} resolves to {answer}, which"
            raise _Refused(f"{what} is a {reason} address")
    return answers


class _GuardedBackend(httpcore.NetworkBackend):
    """httpcore network backend that checks the address inside ``connect_tcp``.

    Why here: a guard that resolves the name, checks, and then lets the HTTP library resolve
    it again can be fooled by DNS rebinding (a short-TTL answer that is public for the check
    and 127.0.0.1 for the connection). At this layer the name is resolved exactly once, every
    answer is checked, and the socket is opened to one of those same checked addresses. The
    URL is not rewritten, so httpcore still sends the real ``Host`` header, uses the name for
    TLS SNI and certificate verification, and keys its connection pool by name. Every new
    connection — including each redirect hop to another origin — passes through here; pooled
    connections were checked when they were opened.
    """

    def __init__(self, allow: AllowList) -> None:
        self._allow = allow
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        last: Exception | None = None
        for address in _checked_addresses(host, port, self._allow):
            try:
                return self._inner.connect_tcp(
                    address,
                    port,
                    timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc  # try the next checked address, as create_connection would
        assert last is not None
        raise last

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise _Refused("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@functools.cache
def _default_tls() -> ssl.SSLContext:
    """certifi's CA bundle, loaded once per process (loading it costs ~0.1 s)."""
    return httpx.create_ssl_context(trust_env=False)


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport (request/response mapping, exception mapping) over the guard.

    httpx has no public parameter for httpcore's ``network_backend``, so after httpx builds its
    transport we replace the connection pool with one built through httpcore's public API. The
    environment is not trusted: an ``HTTP(S)_PROXY`` would make the guard check the proxy
    instead of the target.
    """

    def __init__(self, allow: AllowList, limits: httpx.Limits, tls: ssl.SSLContext) -> None:
        super().__init__(verify=tls, trust_env=False, limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=tls,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(allow),
        )


# --- politeness -----------------------------------------------------------------------------


class _HostPacer:
    """Minimum spacing between requests to one host, shared by all threads of a Fetcher.

    Each caller reserves the next free slot under a lock and sleeps outside it, so concurrent
    callers queue in order instead of all waking at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, host: str, delay: float) -> None:
        if delay <= 0:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + delay
            if len(self._next) > 10_000:  # forget hosts whose slot has passed
                self._next = {h: t for h, t in self._next.items() if t > now}
        if slot > now:
            time.sleep(slot - now)


@dataclass(slots=True)
class _Robots:
    verdict: Literal["rules", "allow", "deny"]
    expires: float
    parser: RobotFileParser | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    why: str | None = None  # a "deny" because robots.txt could not be read: what went wrong
    unreachable: bool = False  # … because the site could not be reached at all (DNS, connection)

    def allows(self, url: str) -> bool:
        if self.verdict == "rules" and self.parser is not None:
            return self.parser.can_fetch(ROBOTS_TOKEN, url)
        return self.verdict == "allow"

    def crawl_delay(self) -> float:
        if self.parser is None:
            return 0.0
        delay = self.parser.crawl_delay(ROBOTS_TOKEN)
        try:
            return float(delay) if delay is not None else 0.0
        except ValueError:
            return 0.0


# --- the fetcher ----------------------------------------------------------------------------


class _TooManyRedirects(FetchError):
    pass


class _Transient(Exception):
    """Worth retrying: (message, whether the request surely never reached the server)."""


def _origin(url: httpx.URL) -> str:
    port = f":{url.port}" if url.port else ""
    host = f"[{url.host}]" if ":" in url.host else url.raw_host.decode("ascii")
    return f"{url.scheme}://{host}{port}"


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _http_date(value: str | datetime) -> str:
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return email.utils.format_datetime(value.astimezone(UTC), usegmt=True)


class Fetcher:
    """Fetch URLs safely and politely; one instance per process, shared across threads.

    >>> with Fetcher() as fetcher:                                      # doctest: +SKIP
    ...     result = fetcher.fetch("https://example.org/news/1")
    ...     again = fetcher.fetch(result.final_url, etag=result.etag)
    ...     again.not_modified

    ``allow`` exempts hosts/networks from the address guard; when it is None the
    ``AMANAT_FETCH_ALLOW`` environment variable is read (once, here); when given, the
    environment is ignored. ``robots=False`` turns robots.txt off for the whole instance (use it
    for the partner-node protocol, which is not crawling); ``fetch(..., robots=False)`` does the
    same for one call. ``min_delay`` is the spacing in seconds between requests to one host.
    ``ca_bundle`` names a PEM file of CAs to trust instead of the system's (a partner node on
    a private PKI); certificate checks cannot be switched off.
    Timeouts are in seconds: ``connect_timeout`` and ``read_timeout`` per socket operation,
    ``total_timeout`` for a whole ``fetch`` call including redirects, retries and their waits.
    """

    def __init__(
        self,
        *,
        allow: str | Iterable[str] | AllowList | None = None,
        user_agent: str = USER_AGENT,
        connect_timeout: float = 10.0,
        read_timeout: float = 20.0,
        total_timeout: float = 60.0,
        max_bytes: int = 20 * 1024 * 1024,
        max_redirects: int = 10,
        min_delay: float = 1.0,
        robots: bool = True,
        robots_ttl: float = 24 * 3600.0,
        robots_error_ttl: float = 600.0,
        max_crawl_delay: float = 30.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        max_retry_after: float = 120.0,
        ca_bundle: str | None = None,
    ) -> None:
        if allow is None:
            self.allow = AllowList.from_env()
        elif isinstance(allow, AllowList):
            self.allow = allow
        else:
            self.allow = AllowList.parse(allow, where="allow")
        self.user_agent = user_agent
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.total_timeout = total_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.min_delay = min_delay
        self.robots = robots
        self.robots_ttl = robots_ttl
        self.robots_error_ttl = robots_error_ttl
        self.max_crawl_delay = max_crawl_delay
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self._pacer = _HostPacer()
        self._robots: dict[str, _Robots] = {}
        self._robots_lock = threading.Lock()
        try:
            tls = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else _default_tls()
        except (OSError, ssl.SSLError) as exc:
            raise FetchError(f"cannot load CA bundle: {exc}", where=ca_bundle) from None
        self._client = httpx.Client(
            transport=_GuardedTransport(self.allow, httpx.Limits(max_connections=50), tls),
            headers={"User-Agent": user_agent, "Accept": "*/*"},
            follow_redirects=False,  # each hop is checked here: scheme, robots, pacing
            trust_env=False,
        )

    # -- lifecycle

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public API

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | datetime | None = None,
        headers: Mapping[str, str] | None = None,
        method: str = "GET",
        content: bytes | None = None,
        robots: bool | None = None,
        raise_for_status: bool = True,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """Fetch ``url``, following redirects, and return the final answer.

        ``etag``/``last_modified`` make it a conditional GET (a 304 comes back with
        ``not_modified`` true). Raises :class:`FetchRefused` for policy refusals,
        :class:`HTTPStatusError` for a final 4xx/5xx unless ``raise_for_status`` is false, and
        :class:`FetchError` for everything else that went wrong. Non-GET methods are retried
        only when the request cannot have reached the server (connect errors, 429).
        """
        extra = dict(headers or {})
        if etag:
            extra["If-None-Match"] = etag
        if last_modified:
            extra["If-Modified-Since"] = _http_date(last_modified)
        deadline = time.monotonic() + self.total_timeout
        result = self._follow(
            url,
            method=method.upper(),
            headers=extra,
            content=content,
            robots=self.robots if robots is None else robots,
            deadline=deadline,
            max_bytes=self.max_bytes if max_bytes is None else max_bytes,
            max_redirects=self.max_redirects,
            retries=self.max_retries,
        )
        if raise_for_status and result.status >= 400:
            raise HTTPStatusError(f"HTTP {result.status} from {result.final_url}", result)
        return result

    def allowed_by_robots(self, url: str) -> bool:
        """Whether robots.txt lets Amanat fetch ``url`` (fetching robots.txt if not cached)."""
        parsed = self._parse_url(url)
        rules, _ = self._robots_for(parsed, time.monotonic() + self.total_timeout)
        return rules.allows(str(parsed))

    # -- redirects, retries, one exchange

    def _parse_url(self, url: str, *, base: httpx.URL | None = None) -> httpx.URL:
        try:
            parsed = base.join(url) if base is not None else httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise FetchError(f"not a valid URL: {exc}", where=str(url)) from None
        shown = str(parsed)
        if parsed.scheme not in ("http", "https"):
            scheme = parsed.scheme or "no"
            raise FetchRefused(f"{scheme} scheme is not fetched (only http and https)", where=shown)
        host = parsed.raw_host.decode("ascii", "replace").lower()
        if not host:
            raise FetchError("not a valid URL: no host", where=shown)
        if parsed.port is not None and not 0 < parsed.port < 65536:
            raise FetchError(f"not a valid URL: port {parsed.port} out of range", where=shown)
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
            if not _HOST_RE.match(host):
                raise FetchError(f"not a valid URL: bad host {host!r}", where=shown) from None
        # Literal addresses are judged now, for a clear message before robots or pacing; names
        # are judged at connect time on their DNS answers (see _GuardedBackend).
        if literal is not None and not self.allow.allows_address(literal):
            reason = address_refusal(literal)
            if reason:
                raise FetchRefused(f"{host} is a {reason} address", where=shown)
        return parsed.copy_with(fragment=None)

    def _follow(
        self,
        url: str,
        *,
        method: str,
        headers: dict[str, str],
        content: bytes | None,
        robots: bool,
        deadline: float,
        max_bytes: int,
        max_redirects: int,
        retries: int,
        truncate: bool = False,
    ) -> FetchResult:
        current = self._parse_url(url)
        chain: list[str] = []
        while True:
            delay = self.min_delay
            if robots:
                try:
                    rules, crawl_delay = self._robots_for(current, deadline)
                except FetchRefused as exc:  # name the page asked for, not its robots.txt
                    raise FetchRefused(exc.message, where=str(current)) from None
                if rules.unreachable:  # the real cause, not a robots rule that does not exist
                    raise FetchError(f"{rules.why} (while reading its robots.txt; not asked again for "
                                     f"{self.robots_error_ttl:g} s)", where=str(current))
                if not rules.allows(str(current)):
                    why = f" ({rules.why}: everything is disallowed for a while)" if rules.why else ""
                    raise FetchRefused(f"disallowed by robots.txt{why}", where=str(current))
                delay = max(delay, crawl_delay)
            status, resp_headers, body = self._with_retries(
                method, current, headers, content, deadline, max_bytes, delay, retries, truncate
            )
            location = resp_headers.get("location")
            if status not in _REDIRECTS or not location:
                return self._result(url, current, status, resp_headers, body, chain)
            chain.append(str(current))
            if len(chain) > max_redirects:
                raise _TooManyRedirects(f"more than {max_redirects} redirects", where=url)
            target = self._parse_url(location, base=current)
            if _origin(target) != _origin(current):  # credentials stay with their origin
                headers = {
                    k: v for k, v in headers.items() if k.lower() not in ("authorization", "cookie")
                }
            if status == 303 or (status in (301, 302) and method == "POST"):
                method, content = "GET", None
                headers = {
                    k: v
                    for k, v in headers.items()
                    if k.lower() not in ("content-type", "content-length")
                }
            current = target

    def _result(
        self,
        url: str,
        final: httpx.URL,
        status: int,
        headers: httpx.Headers,
        body: bytes,
        chain: list[str],
    ) -> FetchResult:
        ctype = headers.get("content-type")
        media_type: str | None = None
        charset: str | None = None
        if ctype:
            msg = email.message.Message()
            msg["content-type"] = ctype
            media_type = msg.get_content_type()
            param = msg.get_param("charset")
            charset = param.strip().lower() if isinstance(param, str) and param else None
        return FetchResult(
            url=url,
            final_url=str(final),
            status=status,
            headers=headers,
            body=body,
            media_type=media_type,
            charset=charset,
            fetched=datetime.now(UTC),
            redirects=tuple(chain),
        )

    def _with_retries(
        self,
        method: str,
        url: httpx.URL,
        headers: dict[str, str],
        content: bytes | None,
        deadline: float,
        max_bytes: int,
        delay: float,
        retries: int,
        truncate: bool,
    ) -> tuple[int, httpx.Headers, bytes]:
        idempotent = method in ("GET", "HEAD", "OPTIONS", "PUT", "DELETE")
        attempt = 0
        while True:
            self._pacer.wait(url.host, delay)
            wait: float | None = None
            try:
                status, resp_headers, body = self._exchange(
                    method, url, headers, content, deadline, max_bytes, truncate
                )
            except _Transient as exc:
                if attempt >= retries or not (idempotent or exc.args[1]):
                    raise FetchError(exc.args[0], where=str(url)) from None
                problem = exc.args[0]
            else:
                retryable = status == 429 or (status >= 500 and idempotent)
                if not retryable or attempt >= retries:
                    return status, resp_headers, body
                problem = f"HTTP {status}"
                wait = _parse_retry_after(resp_headers.get("retry-after"))
                if wait is not None and wait > self.max_retry_after:
                    return status, resp_headers, body  # the caller sees the 429/503 as is
            if wait is None:  # exponential backoff with "equal jitter": between half and all
                ceiling = min(self.max_backoff, self.backoff * 2**attempt)
                wait = random.uniform(ceiling / 2, ceiling)
            if time.monotonic() + wait >= deadline:
                raise FetchError(
                    f"{problem}; giving up, a retry in {wait:.1f}s would pass the "
                    f"{self.total_timeout:g}s limit",
                    where=str(url),
                )
            time.sleep(wait)
            attempt += 1

    def _exchange(
        self,
        method: str,
        url: httpx.URL,
        headers: dict[str, str],
        content: bytes | None,
        deadline: float,
        max_bytes: int,
        truncate: bool,
    ) -> tuple[int, httpx.Headers, bytes]:
        """One request, body streamed under the size cap and the deadline.

        Raises _Transient(message, sent_nothing) for what is worth retrying.
        """
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"took longer than {self.total_timeout:g}s", where=str(url))
        timeout = httpx.Timeout(
            connect=min(self.connect_timeout, remaining),
            read=min(self.read_timeout, remaining),
            write=min(self.read_timeout, remaining),
            pool=min(self.connect_timeout, remaining),
        )
        where = str(url)
        try:
            with self._client.stream(
                method, url, headers=headers, content=content, timeout=timeout
            ) as resp:
                declared = resp.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes and not truncate:
                    raise FetchError(
                        f"body of {declared} bytes is larger than the {max_bytes}-byte limit",
                        where=where,
                    )
                chunks: list[bytes] = []
                size = 0
                for chunk in resp.iter_bytes():  # decoded bytes: the cap also stops gzip bombs
                    size += len(chunk)
                    if size > max_bytes:
                        if truncate:
                            chunks.append(chunk[: max_bytes - (size - len(chunk))])
                            break
                        raise FetchError(
                            f"body is larger than the {max_bytes}-byte limit", where=where
                        )
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise FetchError(f"took longer than {self.total_timeout:g}s", where=where)
                return resp.status_code, resp.headers, b"".join(chunks)
        except _Refused as exc:
            raise FetchRefused(str(exc), where=where) from None
        except _Unresolvable as exc:
            raise FetchError(str(exc), where=where) from None
        except httpx.ConnectTimeout:
            raise _Transient("connection timed out", True) from None
        except httpx.TimeoutException as exc:
            raise _Transient(f"timed out ({type(exc).__name__})", False) from None
        except httpx.ConnectError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc):
                raise FetchError(f"TLS certificate not valid: {exc}", where=where) from None
            raise _Transient(f"cannot connect: {exc}", True) from None
        except httpx.DecodingError as exc:
            raise FetchError(f"cannot decode the body: {exc}", where=where) from None
        except httpx.TransportError as exc:
            raise _Transient(f"connection failed: {exc or type(exc).__name__}", False) from None

    # -- robots.txt

    def _robots_for(self, url: httpx.URL, deadline: float) -> tuple[_Robots, float]:
        """The robots rules of ``url``'s origin and the crawl delay to apply, cached by TTL."""
        origin = _origin(url)
        with self._robots_lock:
            entry = self._robots.get(origin)
            if entry is None:
                entry = self._robots[origin] = _Robots("deny", 0.0)  # expired: fetched below
        with entry.lock:  # one robots.txt download per origin, however many threads ask
            if entry.expires <= time.monotonic():
                fresh = self._download_robots(origin, deadline)
                entry.verdict, entry.expires, entry.parser, entry.why, entry.unreachable = (
                    fresh.verdict,
                    fresh.expires,
                    fresh.parser,
                    fresh.why,
                    fresh.unreachable,
                )
        return entry, min(entry.crawl_delay(), self.max_crawl_delay)

    def _download_robots(self, origin: str, deadline: float) -> _Robots:
        """Fetch and judge robots.txt, as RFC 9309 and Google's crawler do.

        2xx: parse it. 4xx other than 429: no rules, everything allowed. 429, 5xx, timeouts and
        connection failures: the site may be overloaded, so everything is disallowed for
        ``robots_error_ttl`` seconds and then robots.txt is asked for again. More than five
        redirects counts as "no robots.txt". A refusal by the address guard is raised as is.
        """
        now = time.monotonic()
        try:
            result = self._follow(
                origin + "/robots.txt",
                method="GET",
                headers={},
                content=None,
                robots=False,
                deadline=deadline,
                max_bytes=_ROBOTS_MAX_BYTES,
                max_redirects=_ROBOTS_MAX_REDIRECTS,
                retries=0,
                truncate=True,
            )
        except FetchRefused:
            raise
        except _TooManyRedirects:
            return _Robots("allow", now + self.robots_ttl)
        except FetchError as exc:
            return _Robots("deny", now + self.robots_error_ttl, why=exc.message, unreachable=True)
        if result.status == 429 or result.status >= 500:
            return _Robots("deny", now + self.robots_error_ttl, why=f"robots.txt answered HTTP {result.status}")
        if result.status >= 300:
            return _Robots("allow", now + self.robots_ttl)
        parser = RobotFileParser()
        parser.parse(result.body.decode("utf-8", "replace").splitlines())
        parser.modified()  # can_fetch() refuses everything until it thinks it has read a file
        return _Robots("rules", now + self.robots_ttl, parser)
