"""The fetcher against real HTTP servers on 127.0.0.1 (allowed explicitly) and simulated DNS."""

from __future__ import annotations

import gzip
import ipaddress
import itertools
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from amanat.errors import FetchError
from amanat.ingest import fetch as fetch_module
from amanat.ingest.fetch import (
    ALLOW_ENV,
    USER_AGENT,
    AllowList,
    Fetcher,
    FetchRefused,
    HTTPStatusError,
    address_refusal,
)

# --- a small scriptable server --------------------------------------------------------------


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    at: float
    method: str = "GET"
    body: bytes = b""


Handler = Callable[[BaseHTTPRequestHandler, int], None]  # (request, nth call to this path)


@dataclass
class Site:
    port: int
    routes: dict[str, Handler] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hits(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


def reply(
    status: int = 200,
    body: bytes = b"hello",
    headers: dict[str, str] | None = None,
    *,
    length: bool = True,
) -> Handler:
    def handle(req: BaseHTTPRequestHandler, n: int) -> None:
        req.send_response(status)
        for k, v in (headers or {"Content-Type": "text/plain; charset=utf-8"}).items():
            req.send_header(k, v)
        if length:
            req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    return handle


def sequence(*handlers: Handler) -> Handler:
    """The nth request gets the nth handler (the last one repeats)."""
    return lambda req, n: handlers[min(n, len(handlers) - 1)](req, n)


@contextmanager
def serving(tls: ssl.SSLContext | None = None) -> Iterator[Site]:
    state = Site(port=0)
    lock = threading.Lock()

    class Handle(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                n = len(state.hits(path))
                state.seen.append(
                    Seen(path, dict(self.headers.items()), time.monotonic(), self.command, body)
                )
            handler = state.routes.get(path)
            if handler is None:
                reply(404, b"not here")(self, n)
            else:
                with suppress(BrokenPipeError, ConnectionResetError):
                    handler(self, n)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handle)
    server.block_on_close = False  # slow handlers must not hold up teardown
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    with serving() as state:
        yield state


def make(**kw: object) -> Fetcher:
    """A fetcher for tests: loopback allowed, no pacing, fast backoff, robots off by default."""
    options: dict[str, object] = {
        "allow": ["127.0.0.1"],
        "min_delay": 0.0,
        "robots": False,
        "backoff": 0.01,
        "max_backoff": 0.05,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "total_timeout": 5.0,
    }
    options.update(kw)
    return Fetcher(**options)  # type: ignore[arg-type]


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names in this table resolve to the listed addresses; the resolver records each call."""
    table: dict[str, list[str]] = {}
    calls: list[str] = []
    real = fetch_module.resolve

    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return list(table[host]) if host in table else real(host, port)

    monkeypatch.setattr(fetch_module, "resolve", resolve)
    table["__calls__"] = calls  # type: ignore[assignment]
    return table


# --- success and the result object ----------------------------------------------------------


def test_success_result_fields(site: Site) -> None:
    body = "Привет, Астана".encode("cp1251")
    site.routes["/a"] = reply(
        body=body, headers={"Content-Type": "text/HTML; charset=Windows-1251"}
    )
    before = datetime.now(UTC)
    with make() as f:
        r = f.fetch(site.base + "/a#frag")
    assert r.ok and r.status == 200 and r.body == body
    assert r.media_type == "text/html" and r.charset == "windows-1251"
    assert r.final_url == site.base + "/a" and r.redirects == ()
    assert r.fetched.tzinfo is not None and before <= r.fetched <= datetime.now(UTC)
    assert site.hits("/a")[0].headers["User-Agent"] == USER_AGENT
    capture = r.as_capture()
    assert capture.body == body and capture.charset == "windows-1251" and capture.url == r.final_url


def test_user_agent_names_amanat_and_a_contact_url() -> None:
    assert USER_AGENT.startswith("Amanat/") and "+http" in USER_AGENT


# --- limits ---------------------------------------------------------------------------------


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
def test_size_limit(site: Site, declared: bool) -> None:
    site.routes["/big"] = reply(body=b"x" * 5000, length=declared)
    site.routes["/small"] = reply(body=b"x" * 900, length=declared)
    with make(max_bytes=1000) as f:
        assert len(f.fetch(site.base + "/small").body) == 900
        with pytest.raises(FetchError, match="1000-byte limit") as err:
            f.fetch(site.base + "/big")
    assert "/big" in err.value.diagnosis()


def test_size_limit_counts_decoded_bytes(site: Site) -> None:
    bomb = gzip.compress(b"\0" * 2_000_000)
    site.routes["/bomb"] = reply(
        body=bomb, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
    )
    with make(max_bytes=100_000) as f, pytest.raises(FetchError, match="limit"):
        f.fetch(site.base + "/bomb")


def slow(seconds: float) -> Handler:
    def handle(req: BaseHTTPRequestHandler, n: int) -> None:
        time.sleep(seconds)
        reply()(req, n)

    return handle


def test_read_timeout(site: Site) -> None:
    site.routes["/slow"] = slow(1.5)
    start = time.monotonic()
    with make(read_timeout=0.2, max_retries=0) as f, pytest.raises(FetchError, match="timed out"):
        f.fetch(site.base + "/slow")
    assert time.monotonic() - start < 1.0


def test_total_timeout_stops_a_dripping_body(site: Site) -> None:
    def drip(req: BaseHTTPRequestHandler, n: int) -> None:
        req.send_response(200)
        req.end_headers()
        for _ in range(40):
            req.wfile.write(b"x")
            req.wfile.flush()
            time.sleep(0.05)

    site.routes["/drip"] = drip
    start = time.monotonic()
    with make(total_timeout=0.5) as f, pytest.raises(FetchError, match="longer than"):
        f.fetch(site.base + "/drip")
    assert time.monotonic() - start < 1.5


# --- redirects ------------------------------------------------------------------------------


def redirect(location: str, status: int = 302) -> Handler:
    return reply(status, b"", {"Location": location})


def test_redirect_chain(site: Site) -> None:
    site.routes["/one"] = redirect("/two", 301)
    site.routes["/two"] = redirect(site.base + "/three", 307)
    site.routes["/three"] = reply(body=b"done")
    with make() as f:
        r = f.fetch(site.base + "/one")
    assert r.body == b"done" and r.final_url == site.base + "/three"
    assert r.redirects == (site.base + "/one", site.base + "/two")
    assert r.url == site.base + "/one"


def test_too_many_redirects(site: Site) -> None:
    site.routes["/loop"] = redirect("/loop")
    with make(max_redirects=3) as f, pytest.raises(FetchError, match="more than 3 redirects"):
        f.fetch(site.base + "/loop")
    assert len(site.hits("/loop")) == 4


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://10.0.0.1/admin", "private"),
        ("http://[::1]:80/", "loopback"),
        ("file:///etc/passwd", "file scheme"),
        ("ftp://example.org/x", "ftp scheme"),
        ("gopher://127.0.0.1:6379/_INFO", "gopher scheme"),
    ],
)
def test_redirect_to_forbidden_target_is_refused(site: Site, target: str, reason: str) -> None:
    site.routes["/go"] = redirect(target)
    with make() as f, pytest.raises(FetchRefused, match=reason) as err:
        f.fetch(site.base + "/go")
    assert "\n" not in err.value.diagnosis()


def test_redirect_to_name_resolving_privately_is_refused(
    site: Site, fake_dns: dict[str, list[str]]
) -> None:
    fake_dns["internal.test"] = ["192.168.1.10"]
    site.routes["/go"] = redirect("http://internal.test/")
    with make() as f, pytest.raises(FetchRefused, match=r"internal\.test resolves to 192\.168"):
        f.fetch(site.base + "/go")


# --- the address guard ----------------------------------------------------------------------


def test_loopback_refused_unless_allowed(site: Site) -> None:
    site.routes["/a"] = reply()
    with make(allow=()) as f, pytest.raises(FetchRefused, match="loopback") as err:
        f.fetch(site.base + "/a")
    assert err.value.diagnosis().startswith(site.base + "/a: ")
    assert site.seen == []  # nothing was sent


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://[::1]:{port}/a", "loopback"),
        ("http://[::ffff:127.0.0.1]:{port}/a", "IPv4-mapped loopback"),
        ("http://[::ffff:7f00:1]:{port}/a", "IPv4-mapped loopback"),
        ("http://[64:ff9b::a9fe:a9fe]/", "NAT64 link-local"),
        ("http://[2002:a00:1::]/", "6to4 private"),
        ("http://[fd12:3456::1]/", "private"),
        ("http://[fe80::1]/", "link-local"),
        ("http://0.0.0.0:{port}/", "unspecified"),
        ("http://100.64.1.1/", "CGNAT"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://172.16.5.4/", "private"),
    ],
)
def test_special_addresses_refused(site: Site, url: str, reason: str) -> None:
    with make(allow=()) as f, pytest.raises(FetchRefused, match=reason):
        f.fetch(url.format(port=site.port))
    assert site.seen == []


def test_allowing_127_0_0_1_does_not_allow_ipv6_loopback(site: Site) -> None:
    site.routes["/a"] = reply(body=b"same socket")
    with make(allow="127.0.0.1") as f:
        with pytest.raises(FetchRefused, match="loopback"):
            f.fetch(f"http://[::1]:{site.port}/a")
        # the IPv4-mapped form is the same IPv4 address, so the same allow entry covers it
        assert f.fetch(f"http://[::ffff:127.0.0.1]:{site.port}/a").body == b"same socket"


def test_name_resolving_to_private_address_refused(fake_dns: dict[str, list[str]]) -> None:
    fake_dns["intranet.test"] = ["10.20.30.40"]
    with (
        make() as f,
        pytest.raises(FetchRefused, match=r"intranet\.test resolves to 10\.20\.30\.40"),
    ):
        f.fetch("http://intranet.test/")


def test_every_dns_answer_is_checked(fake_dns: dict[str, list[str]]) -> None:
    fake_dns["mixed.test"] = ["93.184.216.34", "127.0.0.2"]
    with make(allow=()) as f, pytest.raises(FetchRefused, match=r"127\.0\.0\.2"):
        f.fetch("http://mixed.test/")


def test_connection_goes_to_the_checked_address_with_the_real_host_header(
    site: Site, fake_dns: dict[str, list[str]]
) -> None:
    # The name is resolved once, in the transport, and the socket goes to that answer: a
    # rebinding resolver gets no second lookup to swap in another address.
    fake_dns["news.test"] = ["127.0.0.1"]
    site.routes["/p"] = reply(body=b"pinned")
    with make() as f:
        r = f.fetch(f"http://news.test:{site.port}/p")
    assert r.body == b"pinned"
    assert site.hits("/p")[0].headers["Host"] == f"news.test:{site.port}"
    assert fake_dns["__calls__"] == ["news.test"]  # type: ignore[comparison-overlap]


def test_allowed_host_name_skips_the_address_check(
    site: Site, fake_dns: dict[str, list[str]]
) -> None:
    fake_dns["dev.test"] = ["127.0.0.1"]
    site.routes["/p"] = reply(body=b"ok")
    with make(allow=()) as f, pytest.raises(FetchRefused):
        f.fetch(f"http://dev.test:{site.port}/p")
    with make(allow="dev.test") as f:
        assert f.fetch(f"http://dev.test:{site.port}/p").body == b"ok"


@pytest.mark.parametrize(
    "url", ["not a url", "", "http://", "http://exa mple.com/", "http://a.test:99999/", "//x/y"]
)
def test_bad_url_is_a_fetch_error(url: str) -> None:
    with make() as f, pytest.raises(FetchError):
        f.fetch(url)


def test_unresolvable_name_is_a_fetch_error() -> None:
    with make() as f, pytest.raises(FetchError, match="cannot resolve"):
        f.fetch("http://no-such-host.invalid/")


def test_address_refusal_passes_public_addresses() -> None:
    for public in ("8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"):
        assert address_refusal(ipaddress.ip_address(public)) is None, public


# --- AMANAT_FETCH_ALLOW ---------------------------------------------------------------------


def test_allow_list_parsing() -> None:
    allow = AllowList.parse(" 127.0.0.1, 10.0.0.0/8 ,localhost,[::1], Example.ORG. ,")
    assert allow.hosts == {"localhost", "example.org"}
    assert allow.allows_host("LOCALHOST") and allow.allows_host("example.org")
    assert not allow.allows_host("evil.example.org")
    ip = ipaddress.ip_address
    assert allow.allows_address(ip("10.200.3.4")) and allow.allows_address(ip("127.0.0.1"))
    assert allow.allows_address(ip("::ffff:10.0.0.9")) and allow.allows_address(ip("::1"))
    assert not allow.allows_address(ip("11.0.0.1")) and not allow.allows_address(ip("127.0.0.2"))


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "host:8080", "bad host", "a/b"])
def test_allow_list_rejects_bad_entries(bad: str) -> None:
    with pytest.raises(FetchError) as err:
        AllowList.parse(f"127.0.0.1,{bad}")
    assert err.value.diagnosis().startswith(f"{ALLOW_ENV}: '{bad}'")


def test_allow_list_from_environment(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    site.routes["/a"] = reply(body=b"env")
    monkeypatch.setenv(ALLOW_ENV, "192.168.0.0/16,127.0.0.0/8")
    with Fetcher(robots=False, min_delay=0) as f:
        assert f.fetch(site.base + "/a").body == b"env"
    monkeypatch.setenv(ALLOW_ENV, "")
    with Fetcher(robots=False, min_delay=0) as f, pytest.raises(FetchRefused):
        f.fetch(site.base + "/a")
    monkeypatch.setenv(ALLOW_ENV, "127.0.0.1")
    with Fetcher(allow=(), robots=False, min_delay=0) as f, pytest.raises(FetchRefused):
        f.fetch(site.base + "/a")  # an explicit allow-list replaces the environment's


# --- robots.txt -----------------------------------------------------------------------------


def test_robots_disallow_and_cache(site: Site) -> None:
    site.routes["/robots.txt"] = reply(
        body=b"User-agent: *\nDisallow: /private\n\nUser-agent: Amanat\nDisallow: /no-amanat\n"
    )
    site.routes["/public"] = reply(body=b"ok")
    site.routes["/private"] = reply(body=b"ok")
    site.routes["/no-amanat"] = reply(body=b"ok")
    with make(robots=True) as f:
        assert f.fetch(site.base + "/public").body == b"ok"
        with pytest.raises(FetchRefused, match=r"robots\.txt"):
            f.fetch(site.base + "/no-amanat")
        assert f.fetch(site.base + "/private").ok  # the Amanat group replaces the * group
        assert f.fetch(site.base + "/no-amanat", robots=False).ok  # a protocol call
    assert len(site.hits("/robots.txt")) == 1
    assert site.hits("/no-amanat") == [site.hits("/no-amanat")[0]]  # only the robots=False one


def test_robots_missing_allows_everything(site: Site) -> None:
    site.routes["/page"] = reply(body=b"ok")  # /robots.txt is a 404
    with make(robots=True) as f:
        assert f.fetch(site.base + "/page").body == b"ok"
    assert len(site.hits("/robots.txt")) == 1


def test_robots_server_error_disallows_for_a_while(site: Site) -> None:
    site.routes["/robots.txt"] = sequence(reply(503, b"busy"), reply(body=b"User-agent: *\n"))
    site.routes["/page"] = reply(body=b"ok")
    with make(robots=True, robots_error_ttl=0.3) as f:
        with pytest.raises(FetchRefused, match="robots"):
            f.fetch(site.base + "/page")
        with pytest.raises(FetchRefused, match="robots"):
            f.fetch(site.base + "/page")  # still within the error TTL: not asked again
        assert len(site.hits("/robots.txt")) == 1
        time.sleep(0.35)
        assert f.fetch(site.base + "/page").body == b"ok"
    assert len(site.hits("/robots.txt")) == 2


def test_robots_applies_on_redirect_hops(site: Site) -> None:
    site.routes["/robots.txt"] = reply(body=b"User-agent: *\nDisallow: /hidden\n")
    site.routes["/go"] = redirect("/hidden/x")
    with make(robots=True) as f, pytest.raises(FetchRefused, match="robots"):
        f.fetch(site.base + "/go")
    assert site.hits("/hidden/x") == []


# --- politeness -----------------------------------------------------------------------------


def test_rate_limit_spaces_requests_to_one_host_across_threads(
    site: Site, fake_dns: dict[str, list[str]]
) -> None:
    fake_dns["other.test"] = ["127.0.0.1"]
    site.routes["/a"] = reply()
    site.routes["/b"] = reply()
    with make(min_delay=0.15) as f:
        threads = [threading.Thread(target=f.fetch, args=(site.base + "/a",)) for _ in range(4)] + [
            threading.Thread(target=f.fetch, args=(f"http://other.test:{site.port}/b",))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    times = sorted(s.at for s in site.hits("/a"))
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) == 4 and min(gaps) >= 0.13, gaps
    other = site.hits("/b")[0].at
    assert other - times[0] < 0.13  # another host is not held up by the first one's queue


# --- conditional GET ------------------------------------------------------------------------


def test_conditional_get_not_modified(site: Site) -> None:
    validators = {"ETag": '"v1"', "Last-Modified": "Tue, 01 Feb 2022 10:00:00 GMT"}

    def handle(req: BaseHTTPRequestHandler, n: int) -> None:
        if req.headers.get("If-None-Match") == '"v1"' or req.headers.get("If-Modified-Since"):
            reply(304, b"", validators, length=False)(req, n)
        else:
            reply(body=b"article", headers={"Content-Type": "text/html", **validators})(req, n)

    site.routes["/item"] = handle
    with make() as f:
        first = f.fetch(site.base + "/item")
        assert not first.not_modified and first.etag == '"v1"'
        again = f.fetch(site.base + "/item", etag=first.etag)
        assert again.not_modified and again.body == b"" and again.status == 304
        since = datetime(2022, 2, 1, 10, tzinfo=UTC)
        assert f.fetch(site.base + "/item", last_modified=since).not_modified
    sent = site.hits("/item")
    assert "If-None-Match" not in sent[0].headers and sent[1].headers["If-None-Match"] == '"v1"'
    assert sent[2].headers["If-Modified-Since"] == "Tue, 01 Feb 2022 10:00:00 GMT"


# --- retries --------------------------------------------------------------------------------


def test_retry_on_503_then_success(site: Site) -> None:
    site.routes["/flaky"] = sequence(reply(503, b"no"), reply(502, b"no"), reply(body=b"yes"))
    with make(max_retries=3) as f:
        assert f.fetch(site.base + "/flaky").body == b"yes"
    assert len(site.hits("/flaky")) == 3


def test_retries_are_bounded(site: Site) -> None:
    site.routes["/down"] = reply(503, b"down")
    with make(max_retries=2) as f:
        with pytest.raises(HTTPStatusError, match="HTTP 503") as err:
            f.fetch(site.base + "/down")
        assert err.value.status == 503 and err.value.result.body == b"down"
        assert f.fetch(site.base + "/down", raise_for_status=False).status == 503
    assert len(site.hits("/down")) == 6


def test_retry_after_on_429_is_honoured(site: Site) -> None:
    site.routes["/busy"] = sequence(reply(429, b"slow down", {"Retry-After": "1"}), reply())
    start = time.monotonic()
    with make() as f:
        assert f.fetch(site.base + "/busy").ok
    hits = site.hits("/busy")
    assert len(hits) == 2 and hits[1].at - hits[0].at >= 0.95
    assert time.monotonic() - start < 2.0


def test_retry_after_beyond_the_limit_gives_up_at_once(site: Site) -> None:
    site.routes["/busy"] = reply(429, b"later", {"Retry-After": "3600"})
    with make() as f, pytest.raises(HTTPStatusError, match="429"):
        f.fetch(site.base + "/busy")
    assert len(site.hits("/busy")) == 1


def test_post_is_not_retried_after_it_may_have_been_processed(site: Site) -> None:
    site.routes["/cosign"] = sequence(reply(503, b"oops"), reply(body=b"ok"))
    with make() as f, pytest.raises(HTTPStatusError, match="503"):
        f.fetch(site.base + "/cosign", method="POST", content=b"sig")
    assert [(s.method, s.body) for s in site.hits("/cosign")] == [("POST", b"sig")]


def test_see_other_after_post_becomes_get_and_credentials_stay_home(
    site: Site, fake_dns: dict[str, list[str]]
) -> None:
    fake_dns["elsewhere.test"] = ["127.0.0.1"]
    site.routes["/publish"] = redirect(f"http://elsewhere.test:{site.port}/done", 303)
    site.routes["/done"] = reply(body=b"done")
    with make() as f:
        r = f.fetch(
            site.base + "/publish",
            method="POST",
            content=b"{}",
            headers={"Authorization": "Bearer secret", "Content-Type": "application/json"},
        )
    assert r.body == b"done"
    first, second = site.hits("/publish")[0], site.hits("/done")[0]
    assert first.headers["Authorization"] == "Bearer secret" and first.body == b"{}"
    assert second.method == "GET" and second.body == b"" and "Authorization" not in second.headers


def test_timeouts_are_retried(site: Site) -> None:
    site.routes["/slow-once"] = sequence(slow(0.6), reply(body=b"second"))
    with make(read_timeout=0.2, max_retries=1) as f:
        assert f.fetch(site.base + "/slow-once").body == b"second"


def test_connection_refused_is_retried_then_reported() -> None:
    import socket

    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with make(max_retries=2) as f, pytest.raises(FetchError, match="cannot connect"):
        f.fetch(f"http://127.0.0.1:{port}/")


# --- TLS through the pinned connection ------------------------------------------------------


def make_pki(tmp: Path, name: str) -> tuple[Path, ssl.SSLContext]:
    """A throwaway CA (written to a PEM file) and a server context with a cert for ``name``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def dn(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(dn("test CA"))
        .issuer_name(dn("test CA"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(dn(name))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (tmp / "ca.pem").write_bytes(ca.public_bytes(pem))
    (tmp / "leaf.pem").write_bytes(
        leaf.public_bytes(pem)
        + key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp / "leaf.pem")
    return tmp / "ca.pem", server


def test_tls_is_verified_against_the_name_not_the_pinned_address(
    tmp_path: Path, fake_dns: dict[str, list[str]]
) -> None:
    ca, server_tls = make_pki(tmp_path, "news.test")
    fake_dns["news.test"] = ["127.0.0.1"]
    with serving(server_tls) as tls_site, make(ca_bundle=str(ca)) as f:
        tls_site.routes["/s"] = reply(body=b"secure")
        assert f.fetch(f"https://news.test:{tls_site.port}/s").body == b"secure"
        # the same socket reached by address: the certificate does not name 127.0.0.1
        with pytest.raises(FetchError, match="certificate"):
            f.fetch(f"https://127.0.0.1:{tls_site.port}/s")
    assert len(tls_site.hits("/s")) == 1


def test_missing_ca_bundle_is_a_fetch_error(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="CA bundle"):
        Fetcher(ca_bundle=str(tmp_path / "none.pem"))


def test_an_unresolvable_host_is_reported_as_such_with_robots_on() -> None:
    """robots.txt of a host that does not resolve cannot be read: the error names that cause,
    not a robots.txt rule that does not exist (it used to say "disallowed by robots.txt")."""
    with make(robots=True) as f, pytest.raises(FetchError, match="cannot resolve") as caught:
        f.fetch("http://no-such-host.invalid/page")
    assert not isinstance(caught.value, FetchRefused) and "disallowed" not in str(caught.value)
