"""Two real nodes on loopback following each other, and a tampering proxy between them.

Node A and node B are separate ``uvicorn`` processes with their own SQLite databases and key
directories. B follows A *through a proxy* (a small real HTTP server in this process) that can
alter a body, swap a signature, drop an entry, serve an old checkpoint, serve a forged log
(same origin and keys, other entries), drop or forge feed items, answer slowly or with 5xx.
Each case must be detected and reported, nothing bad may be stored as verified, and the next
sync through an honest proxy must recover. Every server records any 5xx it answers; the
module fails if there was one.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from amanat.errors import InputError, VerificationError
from amanat.exchange import commands, push, witness
from amanat.exchange import partners as records
from amanat.exchange.lock import partner_lock
from amanat.exchange.sync import SyncResult, follow, make_fetcher, sync_partner
from amanat.exchange.witness import WitnessPolicy, check_witnesses, verify_witnessed_bundle
from amanat.provenance import entries, items, jcs, jws, merkle, note
from amanat.provenance.documents import item_document
from amanat.provenance.entries import entry_leaf_hash
from amanat.provenance.keys import b64url_decode, b64url_encode, generate, public_jwk
from amanat.provenance.log import Log
from amanat.provenance.policy import AllOf, Origin
from amanat.provenance.publishing import create_publisher
from amanat.store import schema
from amanat.store.db import Store

ALLOW = "127.0.0.1"
SERVER = """
import sys, uvicorn
from amanat.web.app import ROUTES, create_app
from amanat.web.settings import Settings
routes = tuple(ROUTES) + tuple(r for r in ("amanat.web.node",) if r not in ROUTES)
app = create_app(sys.argv[1], settings=Settings(rate=None), routes=routes)
log = open(sys.argv[3], "a", buffering=1)

async def recorded(scope, receive, send):
    async def note(message):
        if message["type"] == "http.response.start" and message["status"] >= 500:
            log.write(f"{scope.get('method')} {scope.get('path')} {message['status']}\\n")
        await send(message)
    await app(scope, receive, note)

uvicorn.run(recorded, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    """One server process with its own database and key directory."""

    def __init__(self, root: Path, name: str, db_url: str | None = None) -> None:
        self.dir = root / name
        self.dir.mkdir()
        self.keys = str(self.dir / "keys")
        self.db_url = db_url or f"sqlite:///{self.dir / 'node.db'}"
        self.errors = self.dir / "5xx.log"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        Store.open(self.db_url).close()  # migrate before the server and the tests share it
        env = {**os.environ, "AMANAT_FETCH_ALLOW": ALLOW, "AMANAT_KEYS": self.keys}
        self.proc = subprocess.Popen([sys.executable, "-c", SERVER, self.db_url, str(self.port), str(self.errors)],
                                     env=env, stderr=subprocess.PIPE)

    def wait(self) -> None:
        deadline = time.monotonic() + 90  # a loaded machine starts uvicorn slowly
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError(f"node {self.dir.name} did not start: {self.proc.stderr.read().decode()[-2000:]}")
        self.store = Store.open(self.db_url)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        if hasattr(self, "store"):
            self.store.close()

    def server_errors(self) -> str:
        return self.errors.read_text() if self.errors.exists() else ""


# --- a forged log: same origin and keys as A, other entries ------------------------------------


class ForgedLog:
    """A minimal independent node for one log, built from tokens and A's checkpoint key."""

    def __init__(self, origin: str, tokens: list[str], signer: note.NoteSigner) -> None:
        self.origin, self.tokens = origin, tokens
        self.tree = merkle.MerkleTree(entry_leaf_hash(t) for t in tokens)
        text = note.Checkpoint(origin, len(tokens), self.tree.root()).text()
        self.checkpoint = note.sign_note(text, [signer])

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        suffix = path.split(self.origin, 1)[-1]
        if suffix == "/checkpoint":
            return 200, "text/plain", self.checkpoint.encode()
        if suffix == "/entries":
            start, end = int(query.get("start", 0)), min(int(query.get("end", len(self.tokens))), len(self.tokens))
            rows = [{"index": i, "token": self.tokens[i]} for i in range(start, end)]
            return 200, "application/json", json.dumps({"entries": rows}).encode()
        if suffix == "/proof/consistency":
            proof = self.tree.consistency_proof(int(query["from"]), int(query["to"]))
            return 200, "application/json", json.dumps({"proof": [base64.b64encode(h).decode() for h in proof]}).encode()
        if suffix == "/feed.json":
            feed = [{"id": str(i), "_amanat": {"index": i, "jws": t}} for i, t in enumerate(self.tokens)
                    if jws.peek_header(t)["typ"] == jws.TYP_ITEM]
            return 200, "application/json", json.dumps({"items": feed[::-1]}).encode()
        return 404, "application/json", b'{"error": {"code": "not_found", "message": "no"}}'


# --- the tampering proxy -------------------------------------------------------------------------


def _payload(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".")[1]))


def _alter(token: str) -> str:
    head, _body, sig = token.split(".")
    item = _payload(token)
    item["headlines"][0]["value"] += " (altered in transit)"
    return ".".join([head, b64url_encode(jcs.canonicalize(item)), sig])


class Proxy:
    """Forwards to a node; ``mode`` says how to lie."""

    def __init__(self, target: str) -> None:
        self.target, self.mode, self.param, self.forged = target, "pass", 0, None
        self.requests = 0
        self.entries_delay = 0.0  # seconds each /entries answer is held back (any mode)
        self.entries_requests = 0
        self.arrivals: list[tuple[float, str]] = []  # (monotonic time, path) of every request
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy.handle(self, "GET")

            def do_POST(self) -> None:
                proxy.handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        self.requests += 1
        parts = urlsplit(h.path)
        self.arrivals.append((time.monotonic(), parts.path))
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if self.mode == "slow":
            time.sleep(2.5)
        if parts.path.endswith("/entries"):
            self.entries_requests += 1
            time.sleep(self.entries_delay)
        if self.mode == "error" and self.param > 0:
            self.param -= 1
            return self.reply(h, 503, "application/json", b'{"error": {"code": "down", "message": "down"}}')
        if self.mode == "forged" and self.forged is not None and parts.path.startswith("/log/"):
            return self.reply(h, *self.forged.answer(parts.path, query))
        path = h.path
        if self.mode == "old_checkpoint" and parts.path.endswith("/checkpoint"):
            path = parts.path + f"/{self.param}"
        length = int(h.headers.get("content-length") or 0)
        body = h.rfile.read(length) if length else None
        headers = {k: v for k, v in h.headers.items() if k.lower() in ("content-type", "accept", "x-hub-signature-256",
                                                                          "if-none-match")}
        answer = httpx.request(method, self.target + path, content=body, headers=headers, timeout=30)
        content = answer.content
        if parts.path.endswith("/entries") and self.mode in ("alter_body", "swap_signature", "drop_entry"):
            page = answer.json()
            rows = page["entries"]
            if rows and self.mode == "alter_body":
                rows[-1]["token"] = _alter(rows[-1]["token"])
            elif rows and self.mode == "swap_signature":
                # a genuine signature, by the same key, of another entry (the publisher document)
                other = httpx.get(self.target + parts.path, params={"start": 0, "end": 1}).json()["entries"][0]["token"]
                head, body_, _ = rows[-1]["token"].split(".")
                rows[-1]["token"] = ".".join([head, body_, other.split(".")[2]])
            elif len(rows) > 1 and self.mode == "drop_entry":
                del rows[0]
            content = json.dumps(page).encode()
        if parts.path.endswith("/feed.json") and self.mode in ("feed_omit", "feed_forged"):
            feed = answer.json()
            if feed["items"] and self.mode == "feed_omit":
                del feed["items"][0]
            elif feed["items"]:
                feed["items"][0]["_amanat"]["jws"] = _alter(feed["items"][0]["_amanat"]["jws"])
            content = json.dumps(feed).encode()
        self.reply(h, answer.status_code, answer.headers.get("content-type", "application/json"), content)

    @staticmethod
    def reply(h: BaseHTTPRequestHandler, status: int, ctype: str, body: bytes) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the follower gave up waiting
            pass

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- fixtures ------------------------------------------------------------------------------------


class Pair:
    def __init__(self, root: Path) -> None:
        self.a = Node(root, "a")
        self.b = Node(root, "b")
        self.a.wait()
        self.b.wait()
        self.pub_a = create_publisher(self.a.store, "Node A ministry (test publisher)", keys_dir=self.a.keys)
        self.pub_b = create_publisher(self.b.store, "Node B ministry (test publisher)", keys_dir=self.b.keys)
        self.proxy = Proxy(self.a.url)
        self.fetcher = make_fetcher(timeout=1.0, total=6.0, retries=3, backoff=0.05, allow=ALLOW)
        self.cosigner_b = witness.local_cosigner(self.b.store, self.b.keys)
        self.cosigner_a = witness.local_cosigner(self.a.store, self.a.keys)

    @property
    def origin_a(self) -> str:
        return self.pub_a.log.origin

    def sync_b(self):
        return sync_partner(self.b.store, self.origin_a, fetcher=self.fetcher, cosigner=self.cosigner_b)

    def mirror_size(self) -> int:
        return Log(self.b.store, self.origin_a).size

    def close(self) -> None:
        self.fetcher.close()
        self.proxy.close()
        self.a.stop()
        self.b.stop()


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    made = Pair(tmp_path_factory.mktemp("nodes"))
    try:
        follow(made.b.store, made.proxy.url, key=made.pub_a.log.info()["checkpoint_vkey"],
               fetcher=made.fetcher)
        yield made
        errors = made.a.server_errors() + made.b.server_errors()
        assert not errors, f"the nodes answered with server errors:\n{errors}"
    finally:
        made.close()


def _publish(pair: Pair, headline: str) -> str:
    return pair.pub_a.publish(headline=headline, body=f"{headline}: body text.", language="en").item_uri


# --- following -----------------------------------------------------------------------------------


def tabled_counts(url: str, origin: str, since: int) -> dict[str, int]:
    """What the follower's tables say a round that stored entries ``since``… did: entries
    and items from ``log_entries``, the items' documents from the seen-list (each item's
    raw payload is its token, so its seen row is found by the token's digest)."""
    import hashlib

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(schema.log_entries.c.kind, schema.log_entries.c.token,
                                          schema.log_entries.c.pub_status)
                                .where(schema.log_entries.c.origin == origin, schema.log_entries.c.idx >= since)).all()
            digests = [hashlib.sha256(r.token.encode("ascii")).hexdigest() for r in rows if r.kind == "item"]
            seen = schema.seen
            outcomes = dict(conn.execute(sa.select(seen.c.outcome, sa.func.count()).where(
                seen.c.raw_digest.in_(digests)).group_by(seen.c.outcome)).all()) if digests else {}
    finally:
        engine.dispose()
    items = sum(r.kind == "item" for r in rows)
    withdrawn = sum(r.kind == "item" and r.pub_status == "canceled" for r in rows)
    return {"stored": len(rows), "items": items, "other": len(rows) - items, "new": outcomes.get("new", 0),
            "new_versions": outcomes.get("version", 0), "copies": outcomes.get("copy", 0),
            "same": outcomes.get("same", 0), "withdrawn": withdrawn,
            "empty": items - withdrawn - sum(outcomes.values())}


def test_a_syncs_counts_add_up_and_match_the_tables(pair: Pair) -> None:
    """Issue 17: received = stored + refused + discarded, stored = items + other entries,
    items = new + versions + copies + already stored + withdrawals + empty; each part as the
    follower's tables have it afterwards, for a clean round and for one cut short."""
    first = pair.sync_b()
    assert first.counts.unbalanced() == [] and first.counts.received == first.after
    uri = _publish(pair, "Statement on counting")
    pair.pub_a.correct(uri, body="Statement on counting: corrected text.")
    pair.pub_a.publish(headline="Same words", body="Statement on counting: corrected text.", language="en")
    other = _publish(pair, "Statement to withdraw")
    pair.pub_a.withdraw(other, reason="issued in error")
    pair.pub_a.rotate()
    before = pair.mirror_size()
    result = pair.sync_b()
    assert result.status == "ok", result.problems
    counts = result.counts
    assert counts.unbalanced() == []
    assert counts.received == result.after - before == 6 and (counts.refused, counts.discarded) == (0, 0)
    tabled = tabled_counts(pair.b.db_url, pair.origin_a, before)
    assert {k: v for k, v in counts.as_dict().items() if k in tabled} == tabled
    assert (counts.new, counts.new_versions, counts.copies, counts.withdrawn, counts.other) == (2, 1, 1, 1, 1)
    assert result.as_dict()["counts"] == counts.as_dict()
    # a round cut short by an altered entry: it is refused, what verified before it discarded
    for i in range(3):
        _publish(pair, f"Item before tampering {i}")
    size = pair.mirror_size()
    pair.proxy.mode, pair.proxy.param = "alter_body", 0
    try:
        cut = pair.sync_b()
    finally:
        pair.proxy.mode = "pass"
    assert cut.status == "problem" and cut.counts.unbalanced() == []
    assert (cut.counts.received, cut.counts.stored, cut.counts.refused) == (3, 0, 1)
    assert cut.counts.discarded == 2 and pair.mirror_size() == size
    again = pair.sync_b()
    assert again.counts.unbalanced() == [] and (again.counts.received, again.counts.stored, again.counts.new) == (3, 3, 3)


def test_items_published_on_a_appear_verified_on_b_with_corrections(pair: Pair) -> None:
    uri = _publish(pair, "Statement on exchange")
    pair.pub_a.correct(uri, body="Statement on exchange: corrected text.")
    pair.pub_a.translate(uri, headline="Заявление", body="Текст.", language="ru")
    result = pair.sync_b()
    assert result.status == "ok", result.problems
    assert result.after == pair.pub_a.log.size == pair.mirror_size()
    mirror = Log(pair.b.store, pair.origin_a)
    assert [e.item_version for e in mirror.item_versions(uri)] == [1, 2]
    assert mirror.audit()["entries"] == pair.pub_a.log.size  # signatures, tree, partner's notes
    partner = records.get_partner(pair.b.store, pair.origin_a)
    assert partner.verified_size == result.after and partner.last_status == "ok" and partner.verified_at
    # B serves A's log as a mirror: the same tokens, the partner's own checkpoint, B's cosignature
    served = httpx.get(f"{pair.b.url}/log/{pair.origin_a}/entries").json()["entries"]
    assert [r["token"] for r in served] == [e.token for e in pair.pub_a.log.entries()]
    cp = httpx.get(f"{pair.b.url}/log/{pair.origin_a}/checkpoint").text
    report = check_witnesses(cp, pair.pub_a.log.info()["checkpoint_vkey"],
                             WitnessPolicy((pair.cosigner_b.verifier().vkey(),), 1))
    assert report.cosigners[0]["name"] == pair.cosigner_b.name
    assert abs(report.earliest - time.time()) < 60
    again = pair.sync_b()  # nothing new: still ok, nothing stored twice
    assert again.status == "ok" and again.after == result.after and again.items == 0
    # the verified items are searchable documents on B, the correction a new version
    versions = pair.b.store.versions(uri)
    assert [v.version for v in versions] == [1, 2] and versions[-1].document.source == pair.origin_a
    assert versions[-1].document.text == "Statement on exchange: corrected text."


def test_followed_items_are_searchable_on_the_follower_without_a_token(pair: Pair) -> None:
    uri = _publish(pair, "Quinoa statement")
    assert pair.sync_b().status == "ok"
    [latest] = [v for v in pair.b.store.versions(uri) if v.document.source == pair.origin_a]
    found = httpx.get(f"{pair.b.url}/api/v1/search", params={"q": "quinoa"})  # B runs without --public-documents
    assert found.status_code == 200 and found.json()["official_only"] is True
    assert [(h["id"], h["source"]) for h in found.json()["results"]] == [(latest.document.id, pair.origin_a)]
    document = httpx.get(f"{pair.b.url}/api/v1/documents/{latest.document.id}")
    assert document.status_code == 200 and document.json()["url"] == uri
    assert httpx.get(f"{pair.b.url}/api/v1/stats").status_code == 401  # coverage statistics stay private


def test_follow_refuses_a_wrong_key_and_needs_a_key_or_tofu(pair: Pair) -> None:
    other = note.NoteSigner(pair.origin_a, generate())
    with Store.open(f"sqlite:///{pair.b.dir / 'other.db'}") as store:
        with pytest.raises(VerificationError, match="another checkpoint key"):
            follow(store, pair.a.url, key=other.verifier().vkey(), fetcher=pair.fetcher)
        with pytest.raises(InputError, match="--tofu"):
            follow(store, pair.a.url, key=None, fetcher=pair.fetcher)
        kid = next(iter(pair.pub_a.log.key_history().keys))
        assert follow(store, pair.a.url, key=kid, fetcher=pair.fetcher).partner.pinned_kid == kid
        with Store.open(f"sqlite:///{pair.b.dir / 'tofu.db'}") as store2:
            made = follow(store2, pair.a.url, key=None, tofu=True, fetcher=pair.fetcher)
            assert made.partner.tofu and "first use" in made.warnings[0]
            assert sync_partner(store2, pair.origin_a, fetcher=pair.fetcher).status == "ok"


TAMPERING = [
    # mode, param, expected problem kind, items to publish first
    ("alter_body", 0, "bad_entry", 1),
    ("swap_signature", 0, "bad_entry", 1),
    ("drop_entry", 0, "missing_entry", 2),
    ("feed_omit", 0, "feed_omits", 1),
    ("feed_forged", 0, "feed_differs", 1),
]


@pytest.mark.parametrize(("mode", "param", "kind", "count"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_tampering_in_transit_is_detected_and_sync_recovers(pair: Pair, mode: str, param: int, kind: str, count: int) -> None:
    assert pair.sync_b().status == "ok"
    before = pair.mirror_size()
    for i in range(count):
        _publish(pair, f"Item for {mode} {i}")
    pair.proxy.mode, pair.proxy.param = mode, param
    try:
        result = pair.sync_b()
    finally:
        pair.proxy.mode = "pass"
    assert result.status == "problem", result
    assert kind in [p.kind for p in result.problems]
    assert any(p["kind"] == kind for p in records.problems(pair.b.store, pair.origin_a))
    stored = {e.token for e in Log(pair.b.store, pair.origin_a).entries()}
    assert stored <= {e.token for e in pair.pub_a.log.entries()}  # nothing altered was kept
    if kind.startswith("feed_"):  # the log itself verified: it is kept, the feed is reported
        assert pair.mirror_size() == pair.pub_a.log.size
    else:
        assert pair.mirror_size() == before
    recovered = pair.sync_b()
    assert recovered.status == "ok", recovered.problems
    assert pair.mirror_size() == pair.pub_a.log.size


def test_rollback_to_an_old_checkpoint_is_detected(pair: Pair) -> None:
    _publish(pair, "Item before a rollback")  # so an older checkpoint with entries exists
    assert pair.sync_b().status == "ok"
    size = pair.mirror_size()
    pair.proxy.mode, pair.proxy.param = "old_checkpoint", size - 1
    try:
        result = pair.sync_b()
    finally:
        pair.proxy.mode = "pass"
    assert [p.kind for p in result.problems] == ["rollback"]
    assert pair.mirror_size() == size
    assert records.get_partner(pair.b.store, pair.origin_a).verified_size == size
    assert pair.sync_b().status == "ok"


def _a_keys(pair: Pair) -> tuple[str, object, note.NoteSigner]:
    history = pair.pub_a.log.key_history()
    kid, key = pair.pub_a.signing_key(history)
    return kid, key, pair.pub_a.keys.checkpoint_signer()


def _forged_item(pair: Pair, key: object, kid: str, headline: str) -> str:
    item = items.make_item(uri=items.new_item_uri(pair.origin_a), headline=headline, body="Forged.", language="en",
                           publisher=pair.pub_a.name)
    return jws.sign(item, key, typ=jws.TYP_ITEM, kid=kid)


def test_following_by_key_id_needs_that_key_to_have_signed_the_publisher_document(pair: Pair, tmp_path: Path) -> None:
    """A forger's publisher document that lists A's key id beside its own, signed with its own,
    does not pass for A's: anyone can copy a public key into a document."""
    a_kid, a_key, _ = _a_keys(pair)
    mine, signer = generate(), note.NoteSigner(pair.origin_a, generate())
    doc = entries.publisher_document(pair.pub_a.name, pair.origin_a, [public_jwk(a_key), public_jwk(mine)],
                                     signer.verifier().vkey())
    pair.proxy.forged, pair.proxy.mode = ForgedLog(pair.origin_a, [jws.sign(doc, mine, typ=jws.TYP_PUBLISHER)], signer), "forged"
    try:
        with Store.open(f"sqlite:///{tmp_path / 'f.db'}") as store, pytest.raises(VerificationError, match="not signed by"):
            follow(store, pair.proxy.url, key=a_kid, origin=pair.origin_a, fetcher=pair.fetcher)
    finally:
        pair.proxy.mode = "pass"


def test_a_forked_log_with_the_same_keys_is_detected(pair: Pair) -> None:
    assert pair.sync_b().status == "ok"
    size = pair.mirror_size()
    kid, key, signer = _a_keys(pair)
    tokens = [e.token for e in pair.pub_a.log.entries(0, size - 1)]
    tokens += [_forged_item(pair, key, kid, "Another history"), _forged_item(pair, key, kid, "And more")]
    pair.proxy.forged, pair.proxy.mode = ForgedLog(pair.origin_a, tokens, signer), "forged"
    try:
        result = pair.sync_b()
    finally:
        pair.proxy.mode = "pass"
    assert [p.kind for p in result.problems] == ["fork"]
    assert pair.mirror_size() == size
    assert result.cosigned is None  # a witness never cosigns what it did not verify
    # the same size with another root is a fork too
    same = [e.token for e in pair.pub_a.log.entries(0, size - 1)] + [_forged_item(pair, key, kid, "Swap")]
    pair.proxy.forged, pair.proxy.mode = ForgedLog(pair.origin_a, same, signer), "forged"
    try:
        assert [p.kind for p in pair.sync_b().problems] == ["fork"]
    finally:
        pair.proxy.mode = "pass"
    assert pair.sync_b().status == "ok"


def test_rotation_is_followed_and_a_key_used_after_its_revocation_is_refused(pair: Pair) -> None:
    old_kid, old_key, signer = _a_keys(pair)
    new_kid, _ = pair.pub_a.rotate()
    _publish(pair, "Signed with the new key")
    pair.pub_a.revoke(old_kid, "compromised")
    result = pair.sync_b()
    assert result.status == "ok", result.problems
    history = Log(pair.b.store, pair.origin_a).key_history()
    assert history.keys[old_kid].revoked_at is not None and new_kid in history.keys
    # whoever stole the old key extends A's real log with an item signed by it
    tokens = [e.token for e in pair.pub_a.log.entries()] + [_forged_item(pair, old_key, old_kid, "Stolen key")]
    pair.proxy.forged, pair.proxy.mode = ForgedLog(pair.origin_a, tokens, signer), "forged"
    try:
        forged = pair.sync_b()
    finally:
        pair.proxy.mode = "pass"
    assert [p.kind for p in forged.problems] == ["revoked_key"]
    assert "revoked at log index" in forged.problems[0].message
    assert pair.mirror_size() == pair.pub_a.log.size


def test_slow_and_failing_partners_are_retried_then_reported(pair: Pair) -> None:
    _publish(pair, "Through a flaky network")
    pair.proxy.mode, pair.proxy.param = "error", 2  # two 503s: the fetcher's retries absorb them
    try:
        assert pair.sync_b().status == "ok"
    finally:
        pair.proxy.mode = "pass"
    assert pair.mirror_size() == pair.pub_a.log.size
    _publish(pair, "While the partner is down")
    for mode, param in (("error", 1000), ("slow", 0)):
        pair.proxy.mode, pair.proxy.param = mode, param
        try:
            result = pair.sync_b()
        finally:
            pair.proxy.mode, pair.proxy.param = "pass", 0
        assert result.status == "error" and result.problems[0].kind == "unreachable", result
        assert records.get_partner(pair.b.store, pair.origin_a).last_status == "error"
    assert pair.sync_b().status == "ok"
    assert pair.mirror_size() == pair.pub_a.log.size


# --- witnessing ------------------------------------------------------------------------------------


def test_mutual_following_collects_cosignatures_into_a_bundles(pair: Pair) -> None:
    assert pair.sync_b().status == "ok"
    b_uri = pair.pub_b.publish(headline="B's statement", body="From B.", language="en").item_uri
    a_follows_b = follow(pair.a.store, pair.b.url, key=pair.pub_b.log.info()["checkpoint_vkey"],
                         witness_vkey=pair.cosigner_b.verifier().vkey(), fetcher=pair.fetcher)
    result = sync_partner(pair.a.store, a_follows_b.partner.origin, fetcher=pair.fetcher, cosigner=pair.cosigner_a)
    assert result.status == "ok" and result.collected >= 1
    assert Log(pair.a.store, pair.pub_b.log.origin).item_versions(b_uri)
    # A's own bundle now carries B's cosignature, and a k-of-n policy can require it
    uri = _publish(pair, "Witnessed statement")
    assert pair.sync_b().cosigned == pair.pub_a.log.size
    sync_partner(pair.a.store, pair.pub_b.log.origin, fetcher=pair.fetcher, cosigner=pair.cosigner_a)
    bundle = jcs.parse(httpx.get(f"{pair.a.url}/log/{pair.origin_a}/bundles/{uri.rsplit('/', 1)[1]}").content)
    report, witnessed = verify_witnessed_bundle(bundle, AllOf(Origin(pair.origin_a), Log(pair.b.store, pair.origin_a).known_publisher()),
                                                WitnessPolicy((pair.cosigner_b.verifier().vkey(),), 1))
    assert pair.cosigner_b.name in report.cosignatures and witnessed.earliest is not None
    with pytest.raises(VerificationError, match="requires 2"):
        verify_witnessed_bundle(bundle, AllOf(Origin(pair.origin_a), Log(pair.b.store, pair.origin_a).known_publisher()),
                                WitnessPolicy((pair.cosigner_b.verifier().vkey(), pair.cosigner_a.verifier().vkey()), 2))
    # a cosignature handed in by an unknown witness is refused
    stranger = note.CosignatureSigner("stranger-witness", generate(), timestamp=1)
    text = pair.pub_a.log.checkpoint()
    line = note.add_signatures(text, [stranger])[len(text):]
    answer = httpx.post(f"{pair.a.url}/log/{pair.origin_a}/cosignatures",
                        json={"size": pair.pub_a.log.size, "line": line})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "unknown_witness"


# --- push ----------------------------------------------------------------------------------------------


def test_push_notice_with_hmac_triggers_a_sync_and_a_forged_notice_does_not(pair: Pair) -> None:
    assert pair.sync_b().status == "ok"
    push.subscribe_to(pair.b.store, pair.origin_a, pair.b.url, fetcher=pair.fetcher)
    assert records.subscribers(pair.a.store)
    _publish(pair, "Pushed statement")
    # a notice with the wrong HMAC is acknowledged and ignored
    body = pair.pub_a.log.checkpoint().encode()
    forged = httpx.post(push.callback_url(pair.b.url, pair.origin_a), content=body,
                        headers={push.SIGNATURE_HEADER: push.signature("wrong secret", body)})
    assert forged.status_code == 202 and forged.json() == {"accepted": False}
    assert any(p["kind"] == "bad_push" for p in records.problems(pair.b.store, pair.origin_a))
    sent = push.announce(pair.a.store, fetcher=pair.fetcher)
    assert [s["status"] for s in sent] == [202]
    deadline = time.monotonic() + 15
    while pair.mirror_size() < pair.pub_a.log.size and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pair.mirror_size() == pair.pub_a.log.size
    assert push.announce(pair.a.store, fetcher=pair.fetcher) == []  # nothing new to announce


# --- concurrent syncs of one partner ---------------------------------------------------------------------


def _wait_for(predicate, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


def _problem_count(store: Store, origin: str) -> int:
    return len(records.problems(store, origin, limit=100_000))


def _assert_whole_mirror(store: Store, origin: str, original: Log) -> None:
    """The mirror holds the original's entries, each once and in order, under a verified root,
    and every item version became exactly one document."""
    mirror = Log(store, origin)
    assert [e.token for e in mirror.entries()] == [e.token for e in original.entries()]
    assert mirror.audit()["entries"] == original.size == mirror.size
    expected = {made[0].id for e in original.entries() if e.kind == "item"
                if (made := item_document(origin, e.index, e.token, _payload(e.token))) is not None}
    with store.engine.connect() as conn:
        stored = [r.id for r in conn.execute(sa.select(schema.documents.c.id)
                                             .where(schema.documents.c.source == origin))]
    assert sorted(stored) == sorted(expected)


def test_a_push_triggered_sync_racing_a_cli_sync_is_serialised_not_a_problem(pair: Pair) -> None:
    assert pair.sync_b().status == "ok"
    push.subscribe_to(pair.b.store, pair.origin_a, pair.b.url, fetcher=pair.fetcher)
    assert push.announce(pair.a.store, fetcher=pair.fetcher) == []  # nothing pending before the race
    for n in range(3):
        _publish(pair, f"Raced statement {n}")
    problems = _problem_count(pair.b.store, pair.origin_a)
    env = {**os.environ, "AMANAT_FETCH_ALLOW": ALLOW, "AMANAT_KEYS": pair.b.keys}
    seen, delay, first = pair.proxy.entries_requests, 1.5, len(pair.proxy.arrivals)
    pair.proxy.entries_delay = delay  # each round spends a while fetching entries: they would overlap
    try:
        cli = subprocess.Popen([sys.executable, "-m", "amanat.exchange.commands", "sync", "--db", pair.b.db_url,
                                "--json", "--no-announce"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        assert _wait_for(lambda: pair.proxy.entries_requests > seen)  # the CLI's round is fetching entries
        sent = push.announce(pair.a.store, fetcher=pair.fetcher)  # B's server starts its own round now
        assert [s["status"] for s in sent] == [202]
        stdout, stderr = cli.communicate(timeout=90)
    finally:
        pair.proxy.entries_delay = 0.0
    assert cli.returncode == 0, stderr
    [result] = json.loads(stdout)
    assert result["status"] == "ok" and not result["problems"], result
    assert (result["after"], result["items"]) == (pair.pub_a.log.size, 3)
    # the server's round asked for A's checkpoint only once the CLI's round had its entries
    arrivals = pair.proxy.arrivals[first:]
    entries_at = next(at for at, path in arrivals if path.endswith("/entries"))

    def server_round() -> list[float]:
        return [at for at, path in pair.proxy.arrivals[first:] if path.endswith("/checkpoint") and at > entries_at]

    assert _wait_for(lambda: bool(server_round())), "the push-triggered round never ran"
    assert server_round()[0] >= entries_at + delay - 0.05, "the two rounds overlapped"
    with partner_lock(pair.b.store, pair.origin_a, wait=60) as held:  # the server's round has ended
        assert held
    assert _problem_count(pair.b.store, pair.origin_a) == problems, records.problems(pair.b.store, pair.origin_a)[0]
    partner = records.get_partner(pair.b.store, pair.origin_a)
    assert (partner.last_status, partner.last_error) == ("ok", None)
    assert partner.verified_size == pair.pub_a.log.size
    _assert_whole_mirror(pair.b.store, pair.origin_a, pair.pub_a.log)


def _race(db_url: str, pair: Pair, keys: str, rounds: int = 2) -> list[SyncResult]:
    """``rounds`` syncs of A at once, each with its own store (connection pool) and client."""
    start = threading.Barrier(rounds)
    results: list[SyncResult] = []
    failures: list[BaseException] = []

    def one() -> None:
        try:
            with Store.open(db_url) as store, make_fetcher(timeout=10.0, total=30.0, allow=ALLOW) as fetcher:
                signer = witness.local_cosigner(store, keys)
                start.wait(10)
                results.append(sync_partner(store, pair.origin_a, fetcher=fetcher, cosigner=signer))
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)

    threads = [threading.Thread(target=one) for _ in range(rounds)]
    pair.proxy.entries_delay = 1.0
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
    finally:
        pair.proxy.entries_delay = 0.0
    assert not failures, failures
    assert len(results) == rounds
    return results


def test_concurrent_syncs_of_one_partner_are_serialised(pair: Pair, store_url: str, tmp_path: Path) -> None:
    _publish(pair, "Followed by two rounds at once")
    keys = str(tmp_path / "race-keys")
    with Store.open(store_url) as store:
        follow(store, pair.proxy.url, key=pair.pub_a.log.info()["checkpoint_vkey"], fetcher=pair.fetcher)
        witness.local_cosigner(store, keys)  # created before the race, shared by both rounds
    results = _race(store_url, pair, keys)
    assert [r.status for r in results] == ["ok", "ok"], [r.problems for r in results]
    first, second = sorted(results, key=lambda r: r.before)
    # one round fetched and kept everything; the other waited for it and found nothing new
    assert (first.before, first.after) == (0, pair.pub_a.log.size)
    assert (second.before, second.after, second.items) == (pair.pub_a.log.size, pair.pub_a.log.size, 0)
    assert second.waited >= 0.5 and second.cosigned is None  # cosigned once, by the first round
    with Store.open(store_url) as store:
        assert _problem_count(store, pair.origin_a) == 0
        assert records.get_partner(store, pair.origin_a).last_status == "ok"
        assert [c["size"] for c in records.cosignatures(store, pair.origin_a)] == [pair.pub_a.log.size]
        _assert_whole_mirror(store, pair.origin_a, pair.pub_a.log)


def test_a_sync_that_cannot_get_the_lock_in_time_is_skipped_not_a_problem(pair: Pair) -> None:
    _publish(pair, "Waiting behind another sync")
    problems = _problem_count(pair.b.store, pair.origin_a)
    before = records.get_partner(pair.b.store, pair.origin_a)
    size = pair.mirror_size()
    with partner_lock(pair.b.store, pair.origin_a, wait=5) as held:
        assert held
        result = sync_partner(pair.b.store, pair.origin_a, fetcher=pair.fetcher, cosigner=pair.cosigner_b, wait=0.3)
    assert result.status == "skipped" and not result.problems and result.waited >= 0.3
    assert "another sync" in (result.note or "")
    assert records.get_partner(pair.b.store, pair.origin_a) == before  # its record is the other round's
    assert _problem_count(pair.b.store, pair.origin_a) == problems and pair.mirror_size() == size
    assert pair.sync_b().status == "ok" and pair.mirror_size() == pair.pub_a.log.size


# --- the HTTP surface -------------------------------------------------------------------------------------


def test_bad_requests_get_json_4xx_and_feeds_are_conditional(pair: Pair) -> None:
    for n in range(3):  # enough items for a second feed page
        _publish(pair, f"Feed item {n}")
    base = f"{pair.a.url}/log/{pair.origin_a}"
    cases = [
        ("GET", base + "/entries?start=-1", 400), ("GET", base + "/entries?start=x", 400),
        ("GET", base + "/entries?start=999999", 400), ("GET", f"{pair.a.url}/log/no/such/log/entries", 404),
        ("GET", base + "/checkpoint/999999", 404), ("GET", base + "/checkpoint/abc", 400),
        ("GET", base + "/proof/inclusion?index=99999", 400), ("GET", base + "/proof/consistency?from=0", 400),
        ("GET", base + "/items/nope", 404), ("GET", base + "/bundles/nope", 404), ("GET", base + "/nothing", 404),
        ("GET", base + "/feed.json?limit=0", 400), ("GET", f"{pair.a.url}/.well-known/amanat/nothing", 404),
        ("POST", base + "/cosignatures", 415), ("POST", f"{pair.a.url}/exchange/hub", 415),
    ]
    for method, url, status in cases:
        answer = httpx.request(method, url)
        assert answer.status_code == status, (url, answer.text)
        assert "error" in answer.json()
    bad_json = httpx.post(base + "/cosignatures", content=b'{"size": 1, "size": 2}', headers={"content-type": "application/json"})
    assert bad_json.status_code == 400
    feed = httpx.get(base + "/feed.json?limit=2")
    assert feed.json()["version"] == "https://jsonfeed.org/version/1.1" and "next_url" in feed.json()
    assert httpx.get(base + "/feed.json?limit=2", headers={"If-None-Match": feed.headers["etag"]}).status_code == 304
    assert httpx.get(base + "/feed.json?limit=2", headers={"If-Modified-Since": feed.headers["last-modified"]}).status_code == 304
    atom = httpx.get(base + "/feed.atom")
    assert atom.headers["content-type"].startswith("application/atom+xml") and b"<amanat:jws>" in atom.content
    size = pair.pub_a.log.size
    proof = httpx.get(base + f"/proof/inclusion?index=1&size={size}").json()
    checkpoint = note.parse_checkpoint(note.open_note(httpx.get(base + "/checkpoint").text,
                                                      [pair.pub_a.log.verifier()]).text)
    if checkpoint.size == size:
        merkle.verify_inclusion(pair.pub_a.log.entry(1).leaf_hash, 1, size,
                                [base64.b64decode(h) for h in proof["proof"]], checkpoint.root_hash)
    assert pair.sync_b().status == "ok"  # B mirrors A once it has synced
    node = httpx.get(f"{pair.b.url}/.well-known/amanat/publishers").json()
    assert node["witness"]["vkey"] == pair.cosigner_b.verifier().vkey()
    assert [m["origin"] for m in node["mirrors"]] == [pair.origin_a]


def test_cli_sync_and_partners(pair: Pair) -> None:
    _publish(pair, "Synced from the command line")
    env = {**os.environ, "AMANAT_FETCH_ALLOW": ALLOW, "AMANAT_KEYS": pair.b.keys}
    cmd = [sys.executable, "-m", "amanat.exchange.commands"]
    done = subprocess.run([*cmd, "sync", "--db", pair.b.db_url, "--json", "--no-announce"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["after"] == pair.pub_a.log.size
    (report,) = json.loads(done.stdout)
    assert report["counts"]["received"] == report["counts"]["stored"] == report["after"] - report["before"]
    _publish(pair, "Synced from the command line, as a table")
    shown = subprocess.run([*cmd, "sync", "--db", pair.b.db_url, "--no-announce"], env={**env, "COLUMNS": "80"},
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert max(map(len, lines)) <= 80 and any(re.fullmatch(r"│\s+new\s+│\s+1 │", line) for line in lines), \
        shown.stdout
    listed = CliRunner().invoke(commands.app, ["partners", "--db", pair.b.db_url, "--json"])
    assert json.loads(listed.stdout)["partners"][0]["verified_size"] == pair.pub_a.log.size
    table = CliRunner().invoke(commands.app, ["partners", "--db", pair.b.db_url, "--problems"], env={"COLUMNS": "300"})
    assert table.exit_code == 0 and pair.origin_a in table.stdout
    refused = subprocess.run([*cmd, "follow", pair.a.url, "--db", pair.b.db_url], env=env, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 2 and "--tofu" in refused.stderr and "Traceback" not in refused.stderr


def _cli(*args: str, keys: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """``amanat ARGS`` as a user runs it: a process of its own, the loopback allowed."""
    env = {**os.environ, "AMANAT_FETCH_ALLOW": ALLOW, "AMANAT_KEYS": keys}
    return subprocess.run([sys.executable, "-m", "amanat.cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_cli_witness_creates_a_private_key_once_and_prints_the_same_key_again(pair: Pair, tmp_path: Path) -> None:
    keys, db = tmp_path / "witness-keys", f"sqlite:///{tmp_path / 'witness.db'}"
    first = _cli("witness", "--keys", str(keys), "--db", db, keys=str(tmp_path / "unused"))
    assert first.returncode == 0, first.stderr
    vkey = first.stdout.strip()
    verifier = note.parse_verifier_key(vkey)
    assert isinstance(verifier, note.CosignatureVerifier) and first.stdout == vkey + "\n"
    path = keys / "witness" / "cosigner.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    secret = path.read_text()
    second = _cli("witness", "--keys", str(keys), "--db", db, keys=str(tmp_path / "unused"))
    assert second.returncode == 0 and second.stdout.strip() == vkey
    assert path.read_text() == secret and sorted(p.name for p in path.parent.iterdir()) == ["cosigner.key"]
    with Store.open(db) as store:
        assert witness.served_witness(store) == {"name": verifier.name, "vkey": vkey}
    # the key on disk is the printed key's: a cosignature made with it verifies under the printed key
    signer = note.parse_signer_key(secret.strip())
    text = pair.pub_a.log.checkpoint()
    line = note.add_signatures(text, [note.CosignatureSigner(signer.name, signer.private_key, timestamp=7)])[len(text):]
    assert witness.check_cosignature(text, pair.pub_a.log.info()["checkpoint_vkey"], line, vkey) == 7
    # on a running node: the key `amanat witness` prints is the one the node serves to partners
    assert pair.sync_b().status == "ok"
    on_b = _cli("witness", "--db", pair.b.db_url, keys=pair.b.keys)
    served = httpx.get(f"{pair.b.url}/.well-known/amanat/publishers").json()["witness"]["vkey"]
    assert on_b.returncode == 0 and on_b.stdout.strip() == served == pair.cosigner_b.verifier().vkey()
    # a key file others may read is refused with one line, and left as it is
    path.chmod(0o644)
    refused = _cli("witness", "--keys", str(keys), "--db", db, keys=str(tmp_path / "unused"))
    assert refused.returncode == 2 and "chmod 600" in refused.stderr and "Traceback" not in refused.stderr
    assert refused.stdout == "" and path.read_text() == secret


def test_cli_announce_delivers_a_signed_notice_that_makes_the_follower_sync(pair: Pair) -> None:
    assert pair.sync_b().status == "ok"
    push.subscribe_to(pair.b.store, pair.origin_a, pair.b.url, fetcher=pair.fetcher)
    callback = push.callback_url(pair.b.url, pair.origin_a)
    runner, env = CliRunner(), {"AMANAT_FETCH_ALLOW": ALLOW}
    nothing = runner.invoke(commands.app, ["announce", "--db", pair.a.db_url], env=env)
    assert nothing.exit_code == 0 and "nothing to announce" in nothing.stderr, nothing.output
    uri = _publish(pair, "Announced from the command line")
    rejected = sum(p["kind"] == "bad_push" for p in records.problems(pair.b.store, pair.origin_a, limit=100_000))
    done = _cli("announce", "--db", pair.a.db_url, "--json", keys=pair.a.keys)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"origin": pair.origin_a, "callback": callback, "size": pair.pub_a.log.size,
                                        "status": 202, "delivered": True, "unsubscribed": False}]
    # B accepted the notice (its HMAC matched: a wrong one is recorded as bad_push) and synced from the log
    assert _wait_for(lambda: pair.mirror_size() == pair.pub_a.log.size)
    assert [e.item_version for e in Log(pair.b.store, pair.origin_a).item_versions(uri)] == [1]
    assert sum(p["kind"] == "bad_push" for p in records.problems(pair.b.store, pair.origin_a, limit=100_000)) == rejected
    again = runner.invoke(commands.app, ["announce", "--db", pair.a.db_url, "--json"], env=env)
    assert again.exit_code == 0 and json.loads(again.stdout) == []  # delivered once, not again

    # a subscriber that cannot be reached: the others still get their notice; exit 1; retried next time
    dead = f"http://127.0.0.1:{_free_port()}/exchange/push/{pair.origin_a}"
    records.subscribe(pair.a.store, pair.origin_a, dead, "a-secret-of-enough-bytes", pair.pub_a.log.size)
    try:
        _publish(pair, "Announced while a subscriber is away")
        partial = _cli("announce", "--db", pair.a.db_url, "--json", "--timeout", "1", keys=pair.a.keys)
        assert partial.returncode == 1, partial.stderr
        sent = {s["callback"]: s for s in json.loads(partial.stdout)}
        assert sent[callback]["delivered"] and sent[callback]["status"] == 202
        assert not sent[dead]["delivered"] and isinstance(sent[dead]["status"], str) and sent[dead]["status"]
        assert _wait_for(lambda: pair.mirror_size() == pair.pub_a.log.size)
        retried = runner.invoke(commands.app, ["announce", "--db", pair.a.db_url, "--timeout", "1"], env=env)
        assert retried.exit_code == 1, retried.output
        assert "not delivered" in retried.stderr and dead in retried.stderr and callback not in retried.stderr
    finally:
        records.unsubscribe(pair.a.store, pair.origin_a, dead)


# --- PostgreSQL ---------------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_a_follower_on_postgresql(pair: Pair, pg_url: str) -> None:
    with Store.open(pg_url) as store:
        follow(store, pair.proxy.url, key=pair.pub_a.log.info()["checkpoint_vkey"], fetcher=pair.fetcher)
        signer = witness.local_cosigner(store, str(pair.b.dir / "pg-keys"))
        result = sync_partner(store, pair.origin_a, fetcher=pair.fetcher, cosigner=signer)
        assert result.status == "ok", result.problems
        assert Log(store, pair.origin_a).audit()["entries"] == pair.pub_a.log.size
        _publish(pair, "Altered on the way to PostgreSQL")
        pair.proxy.mode = "alter_body"
        try:
            assert [p.kind for p in sync_partner(store, pair.origin_a, fetcher=pair.fetcher).problems] == ["bad_entry"]
        finally:
            pair.proxy.mode = "pass"
        assert sync_partner(store, pair.origin_a, fetcher=pair.fetcher).status == "ok"
        assert Log(store, pair.origin_a).size == pair.pub_a.log.size
