"""Following a partner node: pin its log, then fetch, verify, and keep only what verified.

One round of ``sync_partner``:

1. fetch the latest checkpoint; verify its signature with the **pinned** checkpoint key and
   its origin line (a bad note is reported and nothing else is done);
2. compare it with the last checkpoint this node verified (the latest one kept in the mirror,
   so a sync killed half-way resumes from what was committed): a smaller size is a
   **rollback**, the same size with another root is a **fork**; otherwise fetch a
   consistency proof from the partner and verify it (RFC 9162) — failure is a fork too;
3. fetch every entry from the mirror's size to the checkpoint's size *by index* (a gap is an
   entry missing from the enumeration), and verify each under the keys valid at its index,
   replaying key events in log order (``KeyHistory``): an altered payload or a replaced
   signature fails its signature, a key used after its revocation fails as revoked; the
   items between two key events are verified by two threads (libsodium releases the GIL),
   their problems reported in log order by the round's thread;
4. recompute the root from the kept entries plus the new ones; only if it equals the
   checkpoint's root are the entries and the partner's note written (one transaction);
5. read the partner's feed down to the old size and compare it with the verified entries,
   both ways (an item the feed omits; a feed item that is not in the log, or differs); the
   feed is read by a helper thread while step 4 writes (the partner's answers overlap the
   store's work; the helper only fetches, problems and writes stay on the round's thread);
6. cosign the checkpoint with this node's witness key (it verified signature *and*
   consistency), offer the cosignature to the partner, and collect the partner's
   cosignatures on this node's own logs when its witness key is pinned.

Every problem is kept in ``exchange_problems`` and returned; the channel is never trusted:
what is stored rests on the pinned key, the signatures and the tree.

One round of a partner runs at a time (``lock.partner_lock``, across threads and processes):
a push-triggered sync in the server and an ``amanat sync`` on the same store take turns, and
the second starts from what the first stored. A round that cannot get its turn in time is
``skipped`` — a fact about this node, never recorded as a problem of the partner.
"""

from __future__ import annotations

import base64
import contextlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from amanat.errors import AmanatError, FetchError, InputError, NotFound, VerificationError
from amanat.exchange import partners as records
from amanat.exchange import witness
from amanat.exchange.client import Client, log_path, make_fetcher
from amanat.exchange.lock import partner_lock
from amanat.exchange.mirror import MirrorLog, MirrorMoved
from amanat.exchange.result import Problem, SyncCounts, SyncResult
from amanat.exchange.schedule import keep_syncing, parse_every
from amanat.ingest.fetch import Fetcher
from amanat.provenance import merkle, note
from amanat.provenance.entries import KeyHistory, check_payload, entry_kind
from amanat.provenance.errors import BadPayload
from amanat.provenance.log import Log
from amanat.store.db import Store

FEED_PAGE = 200
FeedRead = tuple[list[tuple[int, Any]], int, bool]  # (index, jws) pairs, items without index, a broken page
LOCK_WAIT = 300.0  # seconds a round waits for another round of the same partner to finish
# the client and the schedule live in their own modules; importing them from here still works
__all__ = ["Client", "Followed", "Problem", "SyncCounts", "SyncResult", "follow", "keep_syncing", "log_path", "make_fetcher",
           "parse_every", "sync_all", "sync_partner"]


class _Stop(Exception):
    """Ends a round after a problem that makes the rest meaningless."""


def _own_note(note_text: str, origin: str) -> str:
    """The note with only the log's own signature lines (cosignatures are checked apart)."""
    cut = note_text.rfind("\n\n") + 2
    own = [line for line in witness.signature_lines(note_text) if line.startswith(f"\u2014 {origin} ")]
    return note_text[:cut] + "".join(own)


def _b64_hashes(values: Any, what: str) -> list[bytes]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise VerificationError(f"{what} is not a list of base64 hashes")
    try:
        return [base64.b64decode(v, validate=True) for v in values]
    except ValueError:
        raise VerificationError(f"{what} is not a list of base64 hashes") from None


VERIFIERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="amanat-verify")


def _verify_item(history: KeyHistory, entry: tuple[int, str]) -> Any:
    """One item entry's payload, or the error that refuses it (returned: the round reports
    problems in log order on its own thread)."""
    index, token = entry
    try:
        signed = history.verify_entry(index, token)
        check_payload(history, index, "item", signed.payload, signed.kid)
        return signed.payload
    except (VerificationError, InputError) as exc:
        return exc


def _verify_items(history: KeyHistory, entries: list[tuple[int, str]]) -> list[Any]:
    return [_verify_item(history, entry) for entry in entries]


class _Round:
    def __init__(self, store: Store, origin: str, fetcher: Fetcher, cosigner: note.NoteSigner | None) -> None:
        self.store, self.origin, self.cosigner = store, origin, cosigner
        self.partner = records.get_partner(store, origin)
        self.client = Client(fetcher, self.partner.url)
        self.path = log_path(origin)
        self.result = SyncResult(origin)
        self._abandon = threading.Event()  # tells the helper thread to stop reading the feed
        self._verified: list[tuple[str, str, dict[str, Any]]] = []  # verified entries not yet stored
        self._pending: list[tuple[int, str]] = []  # received item entries not yet judged

    def problem(self, kind: str, message: str, *, index: int | None = None, size: int | None = None,
                stop: bool = True) -> None:
        self.result.problems.append(Problem(kind, message, index, size))
        records.record_problem(self.store, self.origin, kind, message, index=index, size=size)
        if stop:
            raise _Stop

    def run(self) -> SyncResult:
        try:
            self._run()
        except _Stop:
            pass
        except FetchError as exc:
            self.result.status = "error"
            self.problem("unreachable", exc.diagnosis(), stop=False)
        except MirrorMoved as exc:  # only without the lock (see lock.py): still not the partner's fault
            self.result.status, self.result.note = "skipped", exc.message
            self.result.after = self.result.before
            return self.result
        if self.result.status == "ok" and self.result.problems:
            self.result.status = "problem"
        message = "; ".join(p.message for p in self.result.problems[:3]) or None
        records.update_partner(self.store, self.origin, last_sync=records.now(), last_status=self.result.status,
                               last_error=message)
        return self.result

    # --- the steps -------------------------------------------------------------------------------

    def _run(self) -> None:
        verifier = note.parse_verifier_key(self.partner.checkpoint_vkey)
        received = self.client.text(self.path + "/checkpoint")
        try:
            checkpoint, _ = note.verify_checkpoint(received, verifier, origin=self.origin)
        except VerificationError as exc:
            self.problem("bad_checkpoint", f"checkpoint does not verify with the pinned key: {exc.message}")
        note_text = _own_note(received, self.origin)
        mirror = self._mirror()
        kept = mirror.size
        self.result.before = self.result.after = kept
        last = note.parse_checkpoint(note.open_note(mirror.checkpoint(), [verifier]).text) if kept else None
        if last is not None:
            self._check_consistency(last, checkpoint)
        if checkpoint.size > kept:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="amanat-feed") as helper:
                try:
                    feed = self._fetch_and_store(mirror, kept, checkpoint, note_text, helper)
                except BaseException:
                    self._abandon.set()  # the round stops: the helper stops after its page
                    if self.result.after == kept:  # nothing written: what verified is discarded
                        self.result.counts.discarded += len(self._verified) + len(self._pending)
                    raise
                self._check_feed(kept, checkpoint.size, feed.result())
        self._cosign(note_text, checkpoint)
        self._collect()

    def _mirror(self) -> MirrorLog:
        try:
            info = Log(self.store, self.origin).info()
            return MirrorLog.open_or_create(self.store, name=str(info["name"]), origin=self.origin,
                                            checkpoint_vkey=self.partner.checkpoint_vkey)
        except NotFound:
            return MirrorLog.open_or_create(self.store, name=self.origin, origin=self.origin,
                                            checkpoint_vkey=self.partner.checkpoint_vkey)

    def _check_consistency(self, last: note.Checkpoint, new: note.Checkpoint) -> None:
        if new.size < last.size:
            self.problem("rollback", f"checkpoint of size {new.size} is older than the size {last.size} "
                         "already verified (rollback)", size=new.size)
        if new.size == last.size:
            if new.root_hash != last.root_hash:
                self.problem("fork", f"two different roots for size {new.size}: the log was forked", size=new.size)
            return
        answer = self.client.json(self.path + "/proof/consistency", **{"from": last.size, "to": new.size})
        try:
            proof = _b64_hashes(answer.get("proof") if isinstance(answer, dict) else None, "consistency proof")
            merkle.verify_consistency(last.size, new.size, proof, last.root_hash, new.root_hash)
        except VerificationError as exc:
            self.problem("fork", f"checkpoint of size {new.size} is not consistent with the verified one of "
                         f"size {last.size}: {exc.message}", size=new.size)

    def _entries(self, start: int, end: int) -> Iterator[tuple[int, Any]]:
        index = start
        while index < end:
            page = self.client.json(self.path + "/entries", start=index, end=end)
            rows = page.get("entries") if isinstance(page, dict) else None
            if not isinstance(rows, list) or not rows:
                self.problem("missing_entry", f"the partner serves no entry {index}, below its checkpoint size {end}",
                             index=index)
            for row in rows or []:
                got = row.get("index") if isinstance(row, dict) else None
                if got != index:
                    self.problem("missing_entry", f"entry {index} is missing from the enumeration "
                                 f"(the partner answered with entry {got})", index=index)
                self.result.counts.received += 1
                yield index, row.get("token")
                index += 1
                if index >= end:
                    break

    def _fetch_and_store(self, mirror: MirrorLog, start: int, checkpoint: note.Checkpoint, note_text: str,
                         helper: Executor) -> Future[FeedRead]:
        """Fetch, verify and store the entries; returns the feed that ``helper`` reads while
        this thread writes (one waits on SQLite's C code, the other on the partner)."""
        history = mirror.key_history() if start else None
        # kept on the round: what is in them when a stop cuts the round short is discarded
        verified: list[tuple[str, str, dict[str, Any]]] = self._verified
        pending: list[tuple[int, str]] = self._pending  # items, verified two at a time (libsodium frees the GIL)

        def settle() -> None:
            if not pending:
                return
            assert history is not None
            half = (len(pending) + 1) // 2  # one task per thread, not one per entry (~70 µs each)
            halves = VERIFIERS.map(partial(_verify_items, history), [pending[:half], pending[half:]])
            outcomes = [outcome for part in halves for outcome in part]
            for position, ((index, token), outcome) in enumerate(zip(pending, outcomes, strict=True)):
                if isinstance(outcome, AmanatError):
                    del pending[:position + 1]  # those before it are verified; those after, discarded
                    self._refuse(index, outcome)
                verified.append((token, "item", outcome))
            pending.clear()

        for index, token in self._entries(start, checkpoint.size):
            if not isinstance(token, str) or not token.isascii():
                settle()
                self.result.counts.refused += 1
                self.problem("bad_entry", f"entry {index} is not a compact JWS", index=index)
            try:
                kind = (entry_kind(token) or "") if index else "publisher"
            except (VerificationError, InputError) as exc:
                settle()
                self._refuse(index, exc)
            if kind == "item" and history is not None:
                pending.append((index, token))
                if len(pending) >= 256:
                    settle()
                continue
            settle()  # a key event changes the keys: everything before it first
            try:
                if index == 0:
                    history = self._first(token)
                    payload: dict[str, Any] = {}
                else:
                    assert history is not None
                    if not kind:
                        raise BadPayload(f"log entry {index} has an unknown typ")
                    signed = history.verify_entry(index, token)
                    payload = signed.payload
                    check_payload(history, index, kind, payload, signed.kid)
            except (VerificationError, InputError) as exc:
                self._refuse(index, exc)
            verified.append((token, kind, payload))
        settle()
        feed = helper.submit(self._read_feed, start, checkpoint.size)
        try:
            documents = mirror.extend(start, verified, note_text, checkpoint)
        except VerificationError as exc:
            self.problem("root_mismatch", exc.message, size=checkpoint.size)
        self.result.after = checkpoint.size
        self.result.items = sum(1 for _, kind, _ in verified if kind == "item")
        counts = self.result.counts
        counts.stored += len(verified)
        counts.items += self.result.items
        counts.other += len(verified) - self.result.items
        counts.add_documents(documents)
        self._verified_items = {start + i: token for i, (token, kind, _) in enumerate(verified) if kind == "item"}
        records.update_partner(self.store, self.origin, verified_size=checkpoint.size,
                               verified_root=base64.b64encode(checkpoint.root_hash).decode(),
                               verified_note=note_text, verified_at=records.now())
        return feed

    def _refuse(self, index: int, exc: AmanatError) -> None:
        self.result.counts.refused += 1
        revoked = "revoked at log index" in exc.message
        self.problem("revoked_key" if revoked else "bad_entry", f"entry {index} does not verify: {exc.message}",
                     index=index)

    def _first(self, token: str) -> KeyHistory:
        """Entry 0 must be the pinned publisher's document, naming the pinned checkpoint key."""
        history = KeyHistory.replay([(0, token)])
        if history.origin != self.origin:
            raise VerificationError(f"publisher document is for {history.origin!r}, not {self.origin!r}")
        if history.checkpoint_vkey != self.partner.checkpoint_vkey:
            raise VerificationError("publisher document names another checkpoint key than the pinned one")
        if self.partner.pinned_kid and history.signer != self.partner.pinned_kid:
            raise VerificationError(f"publisher document is not signed by the pinned key {self.partner.pinned_kid}")
        return history

    def _read_feed(self, start: int, end: int) -> FeedRead:
        """The feed's items down to log index ``start`` (see ``FeedRead``); it only fetches,
        on the helper thread: ``_check_feed`` judges."""
        found: list[tuple[int, Any]] = []
        unindexed = 0
        before: int | None = None
        while not self._abandon.is_set():
            page = self.client.json(self.path + "/feed.json", before=before, limit=FEED_PAGE)
            items = page.get("items") if isinstance(page, dict) else None
            if not isinstance(items, list):
                return found, unindexed, True
            lowest = None
            for item in items:
                ext = item.get("_amanat") if isinstance(item, dict) else None
                index = ext.get("index") if isinstance(ext, dict) else None
                if not isinstance(index, int) or not isinstance(ext, dict):
                    unindexed += 1
                    continue
                lowest = index if lowest is None else min(lowest, index)
                if start <= index < end:
                    found.append((index, ext.get("jws")))
            next_url = page.get("next_url")
            if not items or lowest is None or lowest < start or not isinstance(next_url, str):
                break
            before = lowest
        return found, unindexed, False

    def _check_feed(self, start: int, end: int, feed: FeedRead) -> None:
        """The feed against the verified entries [start, end), both ways (problems, no stop)."""
        expected: dict[int, str] = getattr(self, "_verified_items", {})
        found, unindexed, broken = feed
        seen: set[int] = set()
        for _ in range(unindexed):
            self.problem("bad_feed", "feed item without _amanat.index", stop=False)
        for index, token in found:
            seen.add(index)
            if index not in expected:
                self.problem("feed_extra", f"the feed lists an item at log index {index}, which the log "
                             "does not hold there", index=index, stop=False)
            elif token != expected[index]:
                self.problem("feed_differs", f"the feed's item at log index {index} differs from the log's "
                             "signed entry", index=index, stop=False)
        if broken:
            self.problem("bad_feed", "feed is not a JSON Feed with items", stop=False)
            return
        for index in sorted(set(expected) - seen):
            self.problem("feed_omits", f"the feed omits the item at log index {index}, which the log holds",
                         index=index, stop=False)

    def _cosign(self, note_text: str, checkpoint: note.Checkpoint) -> None:
        """Witness the checkpoint verified this round and offer the cosignature to the partner."""
        if self.cosigner is None or self.result.problems or checkpoint.size == 0:
            return
        have = records.cosignatures(self.store, self.origin, checkpoint.size)
        if any(c["made"] and c["cosigner"] == self.cosigner.name for c in have):
            return
        line = witness.cosign(self.store, self.cosigner, self.origin, note_text, checkpoint.size)
        self.result.cosigned = checkpoint.size
        with contextlib.suppress(FetchError):  # best effort: the publisher also pulls them
            self.client.post_json(self.path + "/cosignatures", {"size": checkpoint.size, "line": line})

    def _collect(self) -> None:
        """Fetch the partner's cosignatures on this node's own logs (its witness key pinned)."""
        vkey = self.partner.witness_vkey
        if not vkey:
            return
        name = vkey.split("+", 1)[0]
        for row in Log.all(self.store):
            if not row["local"]:
                continue
            try:
                answer = self.client.json(log_path(row["origin"]) + "/cosignatures")
            except FetchError:
                continue  # the partner does not follow this log (404), or is away
            own = Log(self.store, row["origin"])
            for c in answer.get("cosignatures", []) if isinstance(answer, dict) else []:
                if not isinstance(c, dict) or c.get("cosigner") != name or not isinstance(c.get("size"), int):
                    continue
                try:
                    stamp = witness.check_cosignature(own.checkpoint(c["size"]), row["checkpoint_vkey"],
                                                      str(c.get("line")), vkey)
                except (VerificationError, NotFound):
                    self.problem("bad_cosignature", f"cosignature by {name} on {row['origin']} at size "
                                 f"{c['size']} does not verify", size=c["size"], stop=False)
                    continue
                if records.save_cosignature(self.store, origin=row["origin"], size=c["size"], cosigner=name,
                                            vkey=vkey, timestamp=stamp, line=str(c["line"]), made=False):
                    self.result.collected += 1


def sync_partner(store: Store, origin: str, *, fetcher: Fetcher, cosigner: note.NoteSigner | None = None,
                 wait: float = LOCK_WAIT) -> SyncResult:
    """One round of following ``origin``, once any other round of it has finished (waiting up
    to ``wait`` seconds, else ``skipped``); problems are reported, never raised."""
    records.get_partner(store, origin)  # NotFound for a partner not followed, before any waiting
    started = time.monotonic()
    with partner_lock(store, origin, wait=wait) as held:
        waited = round(time.monotonic() - started, 3)
        if not held:
            return SyncResult(origin, status="skipped", waited=waited,
                              note=f"another sync of {origin} was still in progress after {wait:g} s")
        result = _Round(store, origin, fetcher, cosigner).run()  # reads the partner's record afresh
    result.waited = waited
    return result


def sync_all(store: Store, *, fetcher: Fetcher, cosigner: note.NoteSigner | None = None,
             only: str | None = None, wait: float = LOCK_WAIT) -> list[SyncResult]:
    partners = [records.get_partner(store, only)] if only else records.list_partners(store)
    return [sync_partner(store, p.origin, fetcher=fetcher, cosigner=cosigner, wait=wait) for p in partners]


# --- following -----------------------------------------------------------------------------------


@dataclass
class Followed:
    partner: records.Partner
    warnings: list[str]


def follow(store: Store, url: str, *, key: str | None, origin: str | None = None, tofu: bool = False,
           witness_vkey: str | None = None, fetcher: Fetcher) -> Followed:
    """Pin a partner's log: ``key`` is its checkpoint verifier key (``name+id+base64``) or a key
    id (RFC 7638) that must have signed its publisher document (log entry 0); without either, only
    ``tofu`` accepts what the partner serves now, with a warning."""
    client = Client(fetcher, url)
    warnings: list[str] = []
    vkey = None
    if key and "+" in key:
        vkey = note.parse_verifier_key(key)
        if isinstance(vkey, note.CosignatureVerifier):
            raise InputError("--key must be the log's checkpoint key, not a cosigner key")
        if origin and origin != vkey.name:
            raise InputError(f"--origin {origin} differs from the pinned key's name {vkey.name}")
        origin = vkey.name
    elif not key and not tofu:
        raise InputError("pin the partner's key with --key (checkpoint key or key id), or accept it with --tofu")
    if origin is None:
        node = client.json("/.well-known/amanat/publishers")
        found = [p.get("origin") for p in node.get("publishers", [])] if isinstance(node, dict) else []
        if len(found) != 1:
            raise InputError(f"the node at {url} has {len(found)} publishers: name one with --origin")
        origin = str(found[0])
    page = client.json(log_path(origin) + "/entries", start=0, end=1)
    rows = page.get("entries") if isinstance(page, dict) else None
    if not rows or not isinstance(rows[0], dict) or not isinstance(rows[0].get("token"), str):
        raise VerificationError(f"{url} serves no publisher document for {origin}")
    history = KeyHistory.replay([(0, rows[0]["token"])])
    if history.origin != origin:
        raise VerificationError(f"the publisher document at {url} is for {history.origin!r}, not {origin!r}")
    pinned_kid = None
    if vkey is not None:
        if history.checkpoint_vkey != key:
            raise VerificationError(f"{origin} at {url} has another checkpoint key than the pinned one")
    elif key:
        if history.signer != key:  # listing a key proves nothing: anyone can copy a public key
            raise VerificationError(f"the publisher document of {origin} at {url} is not signed by key {key}")
        pinned_kid = key
    else:
        warnings.append(f"trusting {origin}'s checkpoint key on first use ({history.checkpoint_vkey}); "
                        "compare it with the partner out of band")
    if witness_vkey is not None and not isinstance(note.parse_verifier_key(witness_vkey), note.CosignatureVerifier):
        raise InputError("--witness must be a cosigner verifier key (type 0x04)")
    partner = records.add_partner(store, origin=origin, url=url.rstrip("/"), checkpoint_vkey=history.checkpoint_vkey,
                                  pinned_kid=pinned_kid, tofu=vkey is None and not key, witness_vkey=witness_vkey)
    return Followed(partner, warnings)
