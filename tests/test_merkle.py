"""RFC 9162 Merkle trees and proofs (amanat.provenance.merkle)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amanat.provenance import merkle
from amanat.provenance.errors import BadProof

SHARED = Path(__file__).resolve().parents[2] / "shared"
MERKLE = SHARED / "vectors" / "merkle-rfc6962"


def _files(kind: str) -> list:
    if not MERKLE.is_dir():
        return []
    return [
        pytest.param(p, id=str(p.relative_to(MERKLE / kind)))
        for p in sorted((MERKLE / kind).rglob("*.json"))
    ]


INCLUSION = _files("inclusion")
CONSISTENCY = _files("consistency")


def test_vectors_present() -> None:
    if not MERKLE.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"test vectors missing: {MERKLE}")
        pytest.skip(f"test vectors not found at {MERKLE}")
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


@pytest.mark.parametrize("path", INCLUSION)
def test_inclusion_vectors(path: Path) -> None:
    v = json.loads(path.read_text())
    proof = [_b64(p) for p in (v["proof"] or [])]
    args = (_b64(v["leafHash"]), v["leafIdx"], v["treeSize"], proof, _b64(v["root"]))
    if v["wantErr"]:
        with pytest.raises(BadProof):
            merkle.verify_inclusion(*args)
    else:
        merkle.verify_inclusion(*args)


@pytest.mark.parametrize("path", CONSISTENCY)
def test_consistency_vectors(path: Path) -> None:
    v = json.loads(path.read_text())
    proof = [_b64(p) for p in (v["proof"] or [])]
    args = (v["size1"], v["size2"], proof, _b64(v["root1"]), _b64(v["root2"]))
    if v["wantErr"]:
        with pytest.raises(BadProof):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


@pytest.fixture(scope="module")
def reference() -> dict:
    path = MERKLE / "reference_tree.json"
    if not path.is_file():
        pytest.skip(f"test vectors not found at {path}")
    return json.loads(path.read_text())


def test_reference_tree(reference: dict) -> None:
    leaves = [bytes.fromhex(h) for h in reference["leaf_inputs_hex"]]
    assert [merkle.leaf_hash(x).hex() for x in leaves] == reference["leaf_hashes_hex"]
    tree = merkle.MerkleTree()
    for size, data in enumerate(leaves, start=1):
        assert tree.append(data) == size - 1
        assert tree.root().hex() == reference["root_hash_by_tree_size_hex"][str(size)]
    for size, root_hex in reference["root_hash_by_tree_size_hex"].items():
        assert tree.root(int(size)).hex() == root_hex
        assert merkle.root_of([merkle.leaf_hash(x) for x in leaves[: int(size)]]).hex() == root_hex
    for i, h in enumerate(reference["level1_node_hashes_hex"]):
        assert tree.range_hash(2 * i, 2 * i + 2).hex() == h
    for i, h in enumerate(reference["level2_node_hashes_hex"]):
        assert tree.range_hash(4 * i, 4 * i + 4).hex() == h
    assert merkle.EMPTY_ROOT.hex() == reference["root_hash_by_tree_size_hex"]["0"]


def test_hasher_known_answers(reference: dict) -> None:
    for answer in reference["hasher_known_answers"]:
        if "input_utf8" in answer:
            assert merkle.leaf_hash(answer["input_utf8"].encode()).hex() == answer["hex"]
        elif "left_utf8" in answer:
            got = merkle.node_hash(answer["left_utf8"].encode(), answer["right_utf8"].encode())
            assert got.hex() == answer["hex"]
        else:
            assert merkle.EMPTY_ROOT.hex() == answer["hex"]


def test_generated_proofs_match_vectors(reference: dict) -> None:
    """Our generator produces exactly the reference proofs of the happy-path vectors."""
    tree = merkle.MerkleTree(merkle.leaf_hash(bytes.fromhex(x)) for x in reference["leaf_inputs_hex"])
    for path in sorted((MERKLE / "inclusion").glob("[0-9]/happy-path.json")):
        v = json.loads(path.read_text())
        want = [_b64(p) for p in (v["proof"] or [])]
        assert tree.inclusion_proof(v["leafIdx"], v["treeSize"]) == want
    for path in sorted((MERKLE / "consistency").glob("[0-9]/happy-path.json")):
        v = json.loads(path.read_text())
        want = [_b64(p) for p in (v["proof"] or [])]
        assert tree.consistency_proof(v["size1"], v["size2"]) == want


# --- an independent verifier, written here from RFC 9162 §2.1.3.2 / §2.1.4.2 ------------------
# Deliberately not calling amanat.provenance.merkle: it recomputes with hashlib and its own
# reading of the RFC (recursive, by subtree decomposition rather than bit walking).


def _h_node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _rfc_root_from_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes:
    """Walk down the RFC 9162 §2.1.3.1 PATH definition to know which side each sibling is on."""
    sides = []  # top-down: True when the sibling is on the right
    lo, hi = 0, size
    while hi - lo > 1:
        k = 1
        while k * 2 < hi - lo:
            k *= 2
        if index - lo < k:
            sides.append(True)
            hi = lo + k
        else:
            sides.append(False)
            lo = lo + k
    assert len(sides) == len(proof), "proof length does not match the tree shape"
    node = leaf
    for sibling, right in zip(proof, reversed(sides), strict=True):
        node = _h_node(node, sibling) if right else _h_node(sibling, node)
    return node


def _rfc_roots_from_consistency(m: int, n: int, proof: list[bytes], old_root: bytes):
    """Rebuild both roots by following SUBPROOF(m, D[0:n], true) of RFC 9162 §2.1.4.1."""
    items = list(proof)

    def sub(m: int, lo: int, hi: int, complete: bool):
        size = hi - lo
        if m == size:
            if complete:
                return old_root, old_root
            h = items.pop(0)
            return h, h
        k = 1
        while k * 2 < size:
            k *= 2
        if m <= k:
            # the right part's hash is the LAST element for this level
            right = items.pop()
            old, new = sub(m, lo, lo + k, complete)
            return old, _h_node(new, right)
        left = items.pop()
        old, new = sub(m - k, lo + k, hi, False)
        return _h_node(left, old), _h_node(left, new)

    old, new = sub(m, 0, n, True)
    assert not items, "unused proof elements"
    return old, new


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300), st.data())
def test_our_proofs_verify_with_independent_verifier(size: int, data) -> None:
    tree = merkle.MerkleTree()
    for i in range(size):
        tree.append(f"synthetic leaf {i}".encode())
    index = data.draw(st.integers(0, size - 1), label="index")
    leaf = hashlib.sha256(b"\x00" + f"synthetic leaf {index}".encode()).digest()
    proof = tree.inclusion_proof(index)
    assert _rfc_root_from_inclusion(index, size, leaf, proof) == tree.root()
    m = data.draw(st.integers(1, size), label="size1")
    cproof = tree.consistency_proof(m, size)
    old, new = _rfc_roots_from_consistency(m, size, cproof, tree.root(m))
    assert (old, new) == (tree.root(m), tree.root())


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 200), st.data())
def test_any_two_sizes_of_one_tree_are_consistent(size2: int, data) -> None:
    tree = merkle.MerkleTree(merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size2))
    size1 = data.draw(st.integers(1, size2), label="size1")
    proof = tree.consistency_proof(size1, size2)
    merkle.verify_consistency(size1, size2, proof, tree.root(size1), tree.root(size2))
    index = data.draw(st.integers(0, size2 - 1), label="index")
    merkle.verify_inclusion(
        tree.leaf_hash(index), index, size2, tree.inclusion_proof(index, size2), tree.root(size2)
    )


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 200), st.data())
def test_a_forked_tree_is_detected(size2: int, data) -> None:
    """A log that rewrote one leaf below size1 cannot prove consistency with the old root."""
    size1 = data.draw(st.integers(1, size2 - 1), label="size1")
    forked_at = data.draw(st.integers(0, size1 - 1), label="forked leaf")
    honest = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size2)]
    forked = list(honest)
    forked[forked_at] = merkle.leaf_hash(b"rewritten")
    old = merkle.MerkleTree(honest[:size1])
    fork = merkle.MerkleTree(forked)
    with pytest.raises(BadProof):
        merkle.verify_consistency(
            size1, size2, fork.consistency_proof(size1, size2), old.root(), fork.root()
        )
    # and the forked log's own old root differs from what the client saw
    assert fork.root(size1) != old.root()


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 100), st.data())
def test_tampered_proofs_fail(size: int, data) -> None:
    tree = merkle.MerkleTree(merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size))
    index = data.draw(st.integers(0, size - 1))
    proof = tree.inclusion_proof(index)
    if proof:
        j = data.draw(st.integers(0, len(proof) - 1))
        bit = data.draw(st.integers(0, 255))
        bad = bytearray(proof[j])
        bad[bit // 8] ^= 1 << (bit % 8)
        tampered = [*proof[:j], bytes(bad), *proof[j + 1 :]]
        with pytest.raises(BadProof):
            merkle.verify_inclusion(tree.leaf_hash(index), index, size, tampered, tree.root())
    with pytest.raises(BadProof):
        merkle.verify_inclusion(tree.leaf_hash(index), index, size, [*proof, proof[0] if proof else tree.root()], tree.root())


def test_generic_range_provider_matches_tree() -> None:
    """Proof functions work over any range-hash callback (here: recomputed from a list)."""
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(37)]
    tree = merkle.MerkleTree(leaves)
    calls = []

    def range_hash(start: int, end: int) -> bytes:
        calls.append((start, end))
        return merkle.root_of(leaves[start:end])

    assert merkle.inclusion_proof(20, 37, range_hash) == tree.inclusion_proof(20)
    assert merkle.consistency_proof(13, 37, range_hash) == tree.consistency_proof(13)
    assert len(calls) <= 2 * 37 .bit_length() + 2


def test_large_tree_proofs_are_logarithmic() -> None:
    tree = merkle.MerkleTree(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(5000))
    assert len(tree.inclusion_proof(4321)) <= 13
    merkle.verify_consistency(
        1234, 5000, tree.consistency_proof(1234), tree.root(1234), tree.root()
    )


@pytest.mark.parametrize(
    ("args", "why"),
    [
        ((5, 5, [], b"\0" * 32), "not in a tree"),
        ((0, 0, [], b"\0" * 32), "not in a tree"),
        ((0, 1, [], b"\0" * 31), "32-byte"),
    ],
)
def test_inclusion_edge_cases(args, why) -> None:
    with pytest.raises(BadProof, match=why):
        merkle.verify_inclusion(b"\0" * 32, *args)


def test_generation_refuses_bad_ranges() -> None:
    tree = merkle.MerkleTree([merkle.leaf_hash(b"x")])
    with pytest.raises(ValueError):
        tree.inclusion_proof(1)
    with pytest.raises(ValueError):
        tree.consistency_proof(0, 1)
    with pytest.raises(ValueError):
        tree.consistency_proof(1, 2)
    assert tree.consistency_proof(1, 1) == []
