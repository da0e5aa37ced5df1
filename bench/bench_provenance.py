"""Provenance primitives: item verification beside raw Ed25519, signing, Merkle proofs at 1M leaves.

Verification of a ~5 KB synthetic ninjs item the way stored items, synced log entries and bundles
are all checked: the compact JWS (strict base64url decoding, header checks, Ed25519, then orjson
parse and the RFC 8785 canonical-form check of the payload). The reference is libsodium's raw Ed25519
verify (PyNaCl, the primitive Amanat calls) of the very same signing-input bytes, in the same
run, so the ratio shows what the profile costs on top of the signature itself; pyca/cryptography's
raw verify is measured beside it. Schema validation is timed on its own.
"""

from __future__ import annotations

import hashlib
import os
import time

import nacl.bindings

from amanat.provenance import jcs, jws, keys, merkle, ninjs
from bench.harness import table, timeit, timeit_interleaved


def _item() -> dict:
    """A synthetic ninjs item of about 5 KB (no real institution, text says it is synthetic)."""
    para = (
        "This is a synthetic statement written for benchmarking Amanat; it names no real "
        "institution and reports no real event. "
    )
    return {
        "uri": "urn:amanat:demo-publisher:item:bench-0001",
        "type": "text",
        "version": "3",
        "firstCreated": "2024-05-01T09:00:00Z",
        "versionCreated": "2024-05-01T10:30:00+05:00",
        "pubStatus": "usable",
        "language": "en",
        "headlines": [
            {"role": "main", "value": "Synthetic demo statement on bilateral information exchange"},
            {"role": "sub", "value": "Benchmark fixture — not a real publication"},
        ],
        "bodies": [
            {"role": "main", "contentType": "text/plain", "value": " ".join([para] * 28)},
        ],
        "subjects": [
            {"name": "information exchange", "uri": "http://cv.iptc.org/newscodes/mediatopic/20000763"},
            {"name": "diplomacy", "uri": "http://cv.iptc.org/newscodes/mediatopic/20000638"},
        ],
        "people": [{"name": "Demo Spokesperson", "rel": "author"}],
        "places": [{"name": "Demo City", "geoJSON": {"type": "Point", "coordinates": [71.4, 51.1]}}],
        "associations": [
            {"name": "previous version", "rel": "previous-version",
             "uri": "urn:amanat:demo-publisher:item:bench-0001;v=2"},
        ],
    }


REFERENCE_RAW = 18_800  # raw PyNaCl verifies/s on one core where the issue set its goal
GOAL = 10_000  # stored items verified per second per core, on that core


def _goal_line(stored: float, raw_short: float) -> str:
    """The goal, scaled to this core by the raw libsodium rate measured in the same run."""
    scaled = GOAL * raw_short / REFERENCE_RAW
    verdict = "met" if stored >= scaled else "not met"
    return (
        f"Goal: ≥ {GOAL:,} stored items verified per second on the core where raw PyNaCl "
        f"verifies {REFERENCE_RAW:,} short messages/s. This core verified {raw_short:,.0f} "
        f"64-byte messages/s in this run, so the goal here is {scaled:,.0f}/s: stored item "
        f"verify ran {stored:,.0f}/s — {verdict} (≈ {stored * REFERENCE_RAW / raw_short:,.0f}/s "
        f"on the reference core)."
    )


def run(quick: bool) -> str:
    item = _item()
    ninjs.validate_item(item)
    key = keys.generate()
    kid = keys.key_id(key.public_key())
    registry = {kid: key.public_key()}
    token = jws.sign(item, key, typ=jws.TYP_ITEM)
    signing_input, _, sig_b64 = token.rpartition(".")
    signing_bytes = signing_input.encode("ascii")
    signature = keys.b64url_decode(sig_b64)
    public = key.public_key()
    payload_size = len(jcs.canonicalize(item))

    n = 300 if quick else 3000
    repeat = 3 if quick else 7

    def loop(fn):
        def body() -> None:
            for _ in range(n):
                fn()
        return body

    raw_public = keys.public_bytes(public)
    signed = signature + signing_bytes
    short = key.sign(b"\x00" * 64) + b"\x00" * 64  # the reference: a short message
    timed = timeit_interleaved(
        {
            "raw": loop(lambda: nacl.bindings.crypto_sign_open(signed, raw_public)),
            "pyca": loop(lambda: public.verify(signature, signing_bytes)),
            "short": loop(lambda: nacl.bindings.crypto_sign_open(short, raw_public)),
            "item": loop(lambda: jws.verify(token, registry, typ=jws.TYP_ITEM)),
        },
        repeat=repeat,
    )
    t_raw, t_pyca, t_short = timed["raw"], timed["pyca"], timed["short"]
    t_verify = timed["item"]
    t_jcs = timeit(loop(lambda: jcs.canonicalize(item)), repeat=repeat)
    t_parse_strict = timeit(loop(lambda: jcs.parse(jcs.canonicalize(item))), repeat=repeat)
    n_schema = max(n // 10, 30)  # jsonschema's walk is ~40x slower: fewer runs
    reference = ninjs._validator()

    def schema_loop() -> None:
        for _ in range(n_schema):
            reference.validate(item)

    t_schema = timeit(schema_loop, repeat=repeat)
    t_compiled = timeit(loop(lambda: ninjs.validate_item(item)), repeat=repeat)
    t_sign = timeit(loop(lambda: jws.sign(item, key, typ=jws.TYP_ITEM)), repeat=repeat)

    def per_op(t) -> float:
        return t.median / n * 1e6

    rows = [
        ["raw Ed25519 verify (libsodium via PyNaCl), same bytes", per_op(t_raw), n / t_raw.median, "1.00"],
        [
            "raw Ed25519 verify (pyca/cryptography), same bytes",
            per_op(t_pyca),
            n / t_pyca.median,
            f"{t_pyca.median / t_raw.median:.2f}",
        ],
        [
            "item verify (jws.verify: decode + header checks + Ed25519 + canonical-form check)",
            per_op(t_verify),
            n / t_verify.median,
            f"{t_verify.median / t_raw.median:.2f}",
        ],
        ["JCS canonicalize (orjson fast path)", per_op(t_jcs), n / t_jcs.median, "—"],
        ["strict I-JSON parse + canonicalize", per_op(t_parse_strict), n / t_parse_strict.median, "—"],
        [
            "ninjs 3.1 schema validation (ninjs.validate_item: the compiled schema)",
            per_op(t_compiled),
            n / t_compiled.median,
            "—",
        ],
        [
            "ninjs 3.1 schema validation, jsonschema's walk (reference; words refusals)",
            t_schema.median / n_schema * 1e6,
            n_schema / t_schema.median,
            "—",
        ],
        ["item sign (jws.sign: JCS + Ed25519)", per_op(t_sign), n / t_sign.median, "—"],
    ]
    out = [
        "## Provenance: item verification, signing, Merkle proofs",
        "",
        f"Synthetic ninjs item, canonical payload {payload_size:,} bytes; compact JWS "
        f"{len(token):,} characters. Medians of {repeat} runs of {n:,} operations, one core.",
        "",
        table(["operation", "µs / op", "ops / s", "× raw Ed25519"], rows),
        "",
        _goal_line(n / t_verify.median, n / t_short.median),
    ]

    leaves = (1 << 16) if quick else 1_000_000
    t0 = time.perf_counter()
    tree = merkle.MerkleTree()
    append = tree.append_leaf_hash
    sha = hashlib.sha256
    for i in range(leaves):
        append(sha(b"\x00" + i.to_bytes(8, "big")).digest())
    build = time.perf_counter() - t0
    root = tree.root()
    index, size1 = leaves * 5 // 7, leaves * 3 // 7 + 1
    root1 = tree.root(size1)
    leaf = tree.leaf_hash(index)
    m = 200 if quick else 2000
    incl = tree.inclusion_proof(index)
    cons = tree.consistency_proof(size1)

    def mloop(fn):
        def body() -> None:
            for _ in range(m):
                fn()
        return body

    t_ig = timeit(mloop(lambda: tree.inclusion_proof(index)), repeat=repeat)
    t_iv = timeit(mloop(lambda: merkle.verify_inclusion(leaf, index, leaves, incl, root)), repeat=repeat)
    t_cg = timeit(mloop(lambda: tree.consistency_proof(size1)), repeat=repeat)
    t_cv = timeit(mloop(lambda: merkle.verify_consistency(size1, leaves, cons, root1, root)), repeat=repeat)
    t_root = timeit(mloop(lambda: tree.root(leaves - 1)), repeat=repeat)
    mrows = [
        ["inclusion proof generation", len(incl), t_ig.median / m * 1e6],
        ["inclusion proof verification", len(incl), t_iv.median / m * 1e6],
        ["consistency proof generation", len(cons), t_cg.median / m * 1e6],
        ["consistency proof verification", len(cons), t_cv.median / m * 1e6],
        ["root at an arbitrary size (size − 1)", "—", t_root.median / m * 1e6],
    ]
    out += [
        "",
        f"Merkle tree of {leaves:,} leaves in memory (`MerkleTree`, complete-subtree hashes "
        f"cached): built in {build:.1f} s ({leaves / build:,.0f} appends/s incl. leaf hashing). "
        f"Leaf {index:,}, consistency from size {size1:,}. Goal: proofs < 1 ms.",
        "",
        table(["operation", "hashes in proof", "µs / op (median)"], mrows),
        "",
        "Notes: the verify figures include everything `amanat verify` needs per signature except "
        "schema validation, which is listed separately because a stored, already-validated item "
        "need not be re-validated; the schema is compiled to Python closures "
        "(`provenance/schemacheck.py`, held to jsonschema's verdict by tests on IPTC's suite and "
        "generated items), and jsonschema now runs only to word a refusal. Compare the × column, not absolute figures: the machine is shared "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end of this run), "
        "which slows every row alike; the issue's references on a free core are 18,800 raw verifies/s "
        "with PyNaCl and 13,300 with pyca/cryptography. "
        "Proof generation takes its range hashes from a callback, so a store that keeps the same "
        "complete-subtree table costs the same number of lookups.",
    ]
    return "\n".join(out)
