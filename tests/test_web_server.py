"""``amanat serve`` as a real server on loopback (a subprocess on a free port), for what only a
real connection shows: keep-alive after a bad request, requests from other sites, whom the
rate limit believes about the client's address, and clients that send their headers slowly.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from amanat.provenance.publishing import create_publisher
from amanat.store.db import Store
from amanat.store.tokens import new_token

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """``python -m amanat.cli serve`` with the given options, until closed."""

    def __init__(self, db_url: str, *options: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.proc = subprocess.Popen([sys.executable, "-m", "amanat.cli", "serve", "--db", db_url,
                                      "--port", str(self.port), *options],
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"serve did not start: {self.proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)

    def close(self) -> str:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        return self.proc.stderr.read().decode() if self.proc.stderr else ""


@pytest.fixture
def node(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'served.db'}"
    with Store.open(url) as store:
        publisher = create_publisher(store, "Served ministry (test)", keys_dir=str(tmp_path / "keys"))
        publisher.publish(headline="Harvest", body="The harvest was a record.", language="en")
        return {"db": url, "origin": publisher.log.origin, "read": new_token(store, "reader", "read")[1]}


def _exchange(sock: socket.socket, request: bytes) -> tuple[int, bytes]:
    """Send one request on an open connection and read one whole response (Content-Length)."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a response: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(v) for k, _, v in (line.partition(":") for line in lines[1:]) if k.lower() == "content-length")
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed in the middle of a body")
        body += chunk
    return int(lines[0].split()[1]), body


def _get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def test_huge_integers_get_a_4xx_and_the_connection_stays_usable(node: dict[str, str]) -> None:
    served = Served(node["db"])
    try:
        log = "/log/" + node["origin"]
        with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
            for path in (f"{log}/checkpoint/{2**64}", f"{log}/feed.json?before={2**63}",
                         f"{log}/feed.atom?before={2**64}", f"{log}/cosignatures?size={2**64}",
                         f"{log}/checkpoint/-1", f"{log}/entries?start={10**30}"):
                status, body = _exchange(sock, _get(path))
                assert 400 <= status < 500 and b'"error"' in body, (path, status, body)
            status, _ = _exchange(sock, _get(f"{log}/checkpoint/1"))  # the same connection, still open
            assert status == 200
    finally:
        served.close()


def test_cross_site_posts_are_refused_without_a_cookie(node: dict[str, str]) -> None:
    served = Served(node["db"])
    try:
        form = {"token": node["read"], "next": "/"}
        here = f"http://127.0.0.1:{served.port}"
        refused = [
            {"Origin": "https://evil.example"},
            {"Origin": "null"},
            {"Origin": f"http://127.0.0.1:{served.port + 1}"},  # another port is another site
            {"Origin": f"http://localhost:{served.port}"},
            {"Sec-Fetch-Site": "cross-site"},
            {"Sec-Fetch-Site": "same-site", "Origin": here},  # a sibling subdomain is not this site
            {"Referer": "https://evil.example/page"},
            {"Referer": "not a url"},
        ]
        for headers in refused:
            for path, data in (("/login", form), ("/logout", None)):
                answer = httpx.post(served.url + path, data=data, headers=headers, follow_redirects=False)
                assert answer.status_code == 403, (path, headers, answer.status_code)
                assert "set-cookie" not in answer.headers and answer.json()["error"]["code"] == "cross_site"
        answer = httpx.post(served.url + "/api/v1/search", json={"q": "harvest"}, headers={"Origin": "https://evil.example"})
        assert answer.status_code == 403
        allowed = [{"Origin": here, "Sec-Fetch-Site": "same-origin", "Referer": here + "/login"},
                   {"Referer": here + "/search?q=x"}, {"Sec-Fetch-Site": "none"}, {}]
        for headers in allowed:
            answer = httpx.post(served.url + "/login", data=form, headers=headers, follow_redirects=False)
            assert answer.status_code == 303 and "amanat_token=" in answer.headers["set-cookie"], headers
            answer = httpx.post(served.url + "/logout", headers=headers, follow_redirects=False)
            assert answer.status_code == 303, headers
    finally:
        served.close()


def test_rotating_forwarded_for_from_loopback_is_still_rate_limited(node: dict[str, str]) -> None:
    limits = ("--rate-limit", "0.5", "--burst", "5")
    served = Served(node["db"], *limits)
    try:
        codes = [httpx.get(served.url + "/healthz", headers={"X-Forwarded-For": f"203.0.113.{i}",
                                                              "Forwarded": f"for=198.51.100.{i}"}).status_code
                 for i in range(1, 31)]
    finally:
        served.close()
    assert codes.count(429) >= 24, codes  # 5 of the burst (one went to the start-up check) get through
    served = Served(node["db"], *limits, "--trusted-proxy", "127.0.0.1")
    try:  # behind a proxy the operator named, each forwarded client has its own bucket
        codes = [httpx.get(served.url + "/healthz", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                 for i in range(1, 31)]
    finally:
        served.close()
    assert codes == [200] * 30, codes


def test_a_trusted_proxy_must_be_an_address(node: dict[str, str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-m", "amanat.cli", "serve", "--db", node["db"], "--port", str(_free_port()),
                           "--trusted-proxy", "proxy.example"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "proxy.example" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_connections_that_send_headers_slowly_are_closed(node: dict[str, str]) -> None:
    timeout, slack, count = 2.0, 3.0, 50
    served = Served(node["db"], "--header-timeout", str(timeout), "--rate-limit", "0")
    closed_after: dict[int, float] = {}
    stop = threading.Event()

    def slow(n: int) -> None:
        start = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", served.port), timeout=timeout + slack + 5) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                sock.settimeout(0.3)
                while not stop.is_set():
                    sock.sendall(b"X-Slow: 1\r\n")  # a header line now and then, never the blank line
                    try:
                        if sock.recv(1024) == b"":
                            break
                    except TimeoutError:
                        continue
        except OSError:
            pass  # a reset is a close too
        closed_after[n] = time.monotonic() - start

    threads = [threading.Thread(target=slow, args=(n,), daemon=True) for n in range(count)]
    try:
        deadline = time.monotonic() + timeout + slack
        for thread in threads:
            thread.start()
        time.sleep(timeout / 2)
        assert httpx.get(served.url + "/healthz", timeout=5).status_code == 200  # served meanwhile
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        stop.set()
        for thread in threads:
            thread.join(5)
    finally:
        stop.set()
        served.close()
    late = {n: round(t, 1) for n, t in closed_after.items() if t > timeout + slack}
    assert len(closed_after) == count and not late, (len(closed_after), late)
    assert min(closed_after.values()) >= timeout * 0.9  # closed by the deadline, not at once
