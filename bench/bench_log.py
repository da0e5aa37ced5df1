"""The store-backed log: append rate, storage per item, proofs from the database at 1M leaves.

- *append*: ``Publisher.publish`` end to end (ninjs validation, JCS, Ed25519 signing, key
  check, insert, subtree hashes, a signed checkpoint, commit) on SQLite, beside the raw
  Ed25519 signature of the same payload bytes (the reference primitive).
- *storage*: database bytes per item (token, leaf, subtree hashes, checkpoint).
- *proofs at 1M leaves*: a log of 1,000,000 synthetic leaves bulk-loaded into SQLite (leaf
  hashes and complete-subtree hashes, as ``Log.append`` writes them), then inclusion and
  consistency proofs generated from the database and verified, beside the same proofs from
  the in-memory ``MerkleTree``.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from amanat.provenance import jcs, merkle
from amanat.provenance.log import Log
from amanat.provenance.publishing import create_publisher
from amanat.store import schema as t
from amanat.store.db import Store
from bench.harness import table, timeit


def _append_rate(tmp: Path, n: int) -> tuple[float, float, float]:
    db = tmp / "append.db"
    with Store.open(f"sqlite:///{db}") as store:
        pub = create_publisher(store, "Bench Ministry (bench publisher)", keys_dir=str(tmp / "keys"))
        body = "Synthetic benchmark statement. " * 60  # ~1.8 KB
        t0 = time.perf_counter()
        for i in range(n):
            pub.publish(headline=f"Synthetic {i}", body=body, language="en")
        elapsed = time.perf_counter() - t0
        _, key = pub.signing_key()
        payload = jcs.canonicalize(pub.latest(pub.log.entry(1).item_uri))
        raw = timeit(lambda: [key.sign(payload) for _ in range(200)], repeat=5).median / 200
        store.engine.dispose()
    size = sum(p.stat().st_size for p in tmp.glob("append.db*"))
    return n / elapsed, 1 / raw, size / n


def _bulk_log(store: Store, n: int) -> merkle.MerkleTree:
    rng = random.Random(5)
    tree = merkle.MerkleTree()
    now = datetime.now(UTC)
    origin = "bench/log"
    Log.create(store, name="bench", origin=origin, checkpoint_vkey="bench+00000000+AA==", local=False)
    rows, subtrees = [], []
    with store.engine.begin() as conn:
        for i in range(n):
            leaf = merkle.leaf_hash(rng.randbytes(64))
            tree.append_leaf_hash(leaf)
            rows.append({"origin": origin, "idx": i, "kind": "item", "kid": "k", "token": "", "leaf_hash": leaf,
                         "item_uri": None, "item_version": None, "pub_status": None, "created": now})
            width, level = 2, 1
            while (i + 1) % width == 0:
                subtrees.append({"origin": origin, "level": level, "idx": (i + 1) // width - 1,
                                 "hash": tree.range_hash(i + 1 - width, i + 1)})
                width, level = width * 2, level + 1
            if len(rows) >= 20000:
                conn.execute(sa.insert(t.log_entries), rows)
                conn.execute(sa.insert(t.log_subtrees), subtrees)
                rows, subtrees = [], []
        if rows:
            conn.execute(sa.insert(t.log_entries), rows)
        if subtrees:
            conn.execute(sa.insert(t.log_subtrees), subtrees)
        conn.execute(sa.update(t.publishers).where(t.publishers.c.origin == origin).values(size=n))
    return tree


def _proofs(tmp: Path, n: int) -> list[list[object]]:
    with Store.open(f"sqlite:///{tmp / 'big.db'}") as store:
        tree = _bulk_log(store, n)
        log = Log(store, "bench/log")
        rng = random.Random(9)
        picks = [rng.randrange(n) for _ in range(200)]
        sizes = sorted({(rng.randrange(1, n), n) for _ in range(200)})
        root = tree.root()

        def db_inclusion() -> None:
            for i in picks:
                merkle.verify_inclusion(tree.leaf_hash(i), i, n, log.inclusion_proof(i, n), root)

        def mem_inclusion() -> None:
            for i in picks:
                merkle.verify_inclusion(tree.leaf_hash(i), i, n, tree.inclusion_proof(i, n), root)

        def db_consistency() -> None:
            for m, size in sizes:
                merkle.verify_consistency(m, size, log.consistency_proof(m, size), tree.root(m), root)

        def mem_consistency() -> None:
            for m, size in sizes:
                merkle.verify_consistency(m, size, tree.consistency_proof(m, size), tree.root(m), root)

        out = []
        for name, db_fn, mem_fn, count in (("inclusion", db_inclusion, mem_inclusion, len(picks)),
                                           ("consistency", db_consistency, mem_consistency, len(sizes))):
            db_t = timeit(db_fn, repeat=5).median / count
            mem_t = timeit(mem_fn, repeat=5).median / count
            out.append([f"{name} proof, generate + verify", db_t * 1e6, mem_t * 1e6, db_t / mem_t])
        store.engine.dispose()
        return out


def run(quick: bool) -> str:
    n_items = 200 if quick else 2000
    n_leaves = 20_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        rate, raw_rate, per_item = _append_rate(Path(tmp), n_items)
        proofs = _proofs(Path(tmp), n_leaves)
    return (
        "## Signed log (store-backed)\n\n"
        + table(["operation", "Amanat", "reference (raw Ed25519 sign)", "ratio"],
                [["publish: sign + validate + append + checkpoint, items/s (SQLite)", rate, raw_rate, raw_rate / rate]])
        + f"\n\nStorage: {per_item / 1024:.1f} KiB of SQLite file per ~2 KB item (entry, leaf, subtree hashes, checkpoint), "
        f"measured over {n_items:,} items.\n\n"
        + table([f"at {n_leaves:,} leaves", "from the database, µs", "in memory (MerkleTree), µs", "ratio"], proofs)
        + "\n\nEach proof figure is the median over 5 runs of 200 proofs (random leaves / random older sizes)."
    )
