"""RFC 9162 Merkle trees: hashing, proofs, and the client-side checks of both proof kinds.

Leaves hash as SHA-256(0x00 || data), interior nodes as SHA-256(0x01 || left || right), the
empty tree as SHA-256(""). Proof *generation* needs only one primitive, the Merkle tree hash
of a leaf range ``[start, end)``; the functions here take it as a callback (``RangeHash``), so
the same code serves the in-memory ``MerkleTree`` below and a database that stores the hashes
of complete subtrees. Each proof asks for O(log n) ranges.

Proof *verification* follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) word
for word, plus the rules the test vectors require: every hash exactly 32 bytes, no
consistency proof from size 0, an empty proof (and equal roots) when the sizes are equal.

API::

    leaf_hash(data) -> bytes;  node_hash(left, right) -> bytes;  EMPTY_ROOT
    root_of(leaf_hashes) -> bytes                               MTH of a list (small trees, tests)
    inclusion_proof(index, size, range_hash) -> list[bytes]
    consistency_proof(size1, size2, range_hash) -> list[bytes]
    verify_inclusion(leaf_hash, index, size, proof, root) -> None      raises BadProof
    verify_consistency(size1, size2, proof, root1, root2) -> None      raises BadProof
    MerkleTree: append(data) / append_leaf_hash(h) -> index, size, root(size=None),
                range_hash(start, end), leaf_hash(index), inclusion_proof(index, size=None),
                consistency_proof(size1, size2=None)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from amanat.provenance.errors import BadProof

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MerkleTree",
    "RangeHash",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_of",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

RangeHash = Callable[[int, int], bytes]
"""``range_hash(start, end)``: the Merkle tree hash of leaves ``[start, end)``, ``end > start``."""

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1 leaf hash: SHA-256(0x00 || data)."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1 interior node hash: SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right).digest()


def _split_point(n: int) -> int:
    """The largest power of two strictly smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """Merkle tree hash of a list of leaf hashes (straight from the definition; small inputs)."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split_point(n)
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


# --- proof generation -------------------------------------------------------------------------


def inclusion_proof(index: int, size: int, range_hash: RangeHash) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(index, D[0:size]), nearest sibling first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    siblings: list[bytes] = []
    start, end = 0, size
    while end - start > 1:  # walk down from the root, collecting the other side at each level
        k = _split_point(end - start)
        if index < start + k:
            siblings.append(range_hash(start + k, end))
            end = start + k
        else:
            siblings.append(range_hash(start, start + k))
            start += k
    siblings.reverse()
    return siblings


def consistency_proof(size1: int, size2: int, range_hash: RangeHash) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(size1, D[0:size2]); empty when the sizes are equal."""
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    proof: list[bytes] = []
    start, end, m, complete = 0, size2, size1, True
    while m != end - start:  # SUBPROOF(m, D[start:end], complete), unrolled
        n = end - start
        k = _split_point(n)
        if m <= k:
            proof.append(range_hash(start + k, end))
            end = start + k
        else:
            proof.append(range_hash(start, start + k))
            start, m, complete = start + k, m - k, False
    if not complete:
        proof.append(range_hash(start, end))
    proof.reverse()
    return proof


# --- proof verification -----------------------------------------------------------------------


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        size = len(value) if isinstance(value, bytes | bytearray) else type(value).__name__
        raise BadProof(f"{what} is not a {HASH_SIZE}-byte hash ({size})")


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2: check that ``leaf`` (a leaf hash) is at ``index`` in the tree ``root``."""
    _check_hash(leaf, "leaf hash")
    _check_hash(root, "root hash")
    for i, p in enumerate(proof):
        _check_hash(p, f"proof[{i}]")
    if not 0 <= index < size:
        raise BadProof(f"leaf index {index} is not in a tree of size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise BadProof("inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise BadProof("inclusion proof is shorter than the path to the root")
    if r != root:
        raise BadProof(f"inclusion proof for leaf {index} does not lead to the root of size {size}")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """RFC 9162 §2.1.4.2: check that the tree ``root2`` of ``size2`` extends ``root1`` of ``size1``."""
    if size1 < 0 or size1 > size2:
        raise BadProof(f"tree size went backwards: {size1} then {size2}")
    if size1 == 0:
        raise BadProof("a consistency proof from the empty tree proves nothing")
    if size1 == size2:
        # Same size: nothing to prove, the roots must simply be identical (compared as given,
        # as in the reference vectors; checkpoints have already required 32-byte roots).
        if proof:
            raise BadProof("equal tree sizes need an empty consistency proof")
        if root1 != root2:
            raise BadProof(f"two different roots for the same tree size {size1}")
        return
    _check_hash(root1, "first root hash")
    _check_hash(root2, "second root hash")
    for i, p in enumerate(proof):
        _check_hash(p, f"proof[{i}]")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # size1 is a power of two: its root is a node of the path
        path.insert(0, root1)
    if not path:
        raise BadProof("consistency proof is empty")
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise BadProof("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise BadProof("consistency proof is too short")
    if fr != root1:
        raise BadProof(f"consistency proof does not reproduce the root of size {size1}")
    if sr != root2:
        raise BadProof(f"consistency proof does not reproduce the root of size {size2}")


# --- in-memory tree ---------------------------------------------------------------------------


class MerkleTree:
    """An append-only Merkle tree in memory that keeps every complete subtree's hash.

    ``levels[h]`` holds, packed 32 bytes apiece, the hashes of the perfect subtrees of 2**h
    leaves that are complete so far, left to right. Any range hash then costs O(log n) lookups
    and at most O(log n) hashes, so proofs at a million leaves take well under a millisecond.
    A database can keep the same table (level, index) -> hash and reuse the proof functions.
    """

    __slots__ = ("_levels", "_size")

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0
        for h in leaf_hashes:
            self.append_leaf_hash(h)

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return self._size

    def append(self, data: bytes) -> int:
        """Append a leaf by its data; return its index."""
        return self.append_leaf_hash(leaf_hash(data))

    def append_leaf_hash(self, h: bytes) -> int:
        """Append a leaf by its hash; return its index."""
        if len(h) != HASH_SIZE:
            raise ValueError("leaf hash must be 32 bytes")
        index = self._size
        self._size += 1
        levels = self._levels
        levels[0] += h
        n, level = self._size, 0
        while n & 1 == 0:  # the new leaf completed a subtree one level up
            row = levels[level]
            right = bytes(row[-HASH_SIZE:])
            left = bytes(row[-2 * HASH_SIZE : -HASH_SIZE])
            level += 1
            if len(levels) == level:
                levels.append(bytearray())
            levels[level] += node_hash(left, right)
            n >>= 1
        return index

    def leaf_hash(self, index: int) -> bytes:
        if not 0 <= index < self._size:
            raise IndexError(f"leaf index {index} out of range for size {self._size}")
        return bytes(self._levels[0][index * HASH_SIZE : (index + 1) * HASH_SIZE])

    def range_hash(self, start: int, end: int) -> bytes:
        """Merkle tree hash of leaves [start, end) of the current tree."""
        if not 0 <= start < end <= self._size:
            if start == end == 0:
                return EMPTY_ROOT
            raise ValueError(f"range [{start}, {end}) is not within a tree of size {self._size}")
        n = end - start
        if n & (n - 1) == 0 and start % n == 0:  # a complete subtree: look it up
            level = n.bit_length() - 1
            i = (start >> level) * HASH_SIZE
            return bytes(self._levels[level][i : i + HASH_SIZE])
        k = _split_point(n)
        return node_hash(self.range_hash(start, start + k), self.range_hash(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        """Root hash of the tree at ``size`` leaves (default: now)."""
        size = self._size if size is None else size
        if size == 0:
            return EMPTY_ROOT
        return self.range_hash(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        size = self._size if size is None else size
        if size > self._size:
            raise ValueError(f"tree has only {self._size} leaves, not {size}")
        return inclusion_proof(index, size, self.range_hash)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        size2 = self._size if size2 is None else size2
        if size2 > self._size:
            raise ValueError(f"tree has only {self._size} leaves, not {size2}")
        return consistency_proof(size1, size2, self.range_hash)
