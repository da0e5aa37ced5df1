"""Compact tables behind ``KBIndex`` and ``NameIndex``, so a base of a million aliases fits in
a few hundred megabytes.

A Python object costs 50–200 bytes before its data: a million ``Alias`` records, a
dictionary of a million keys, a tuple and an ``array`` per posting list, a trie node per
*character* of every alias — that is how the index reached a gigabyte. What replaces them:

* ``PackedStrings``: many strings as one UTF-8 buffer and an offset array (a string is made
  on access; only the few an article hits are ever read);
* ``AliasTable``: the aliases as packed text, an entity number and a flag byte each, with
  the entity ids once, sorted (so ``kinds`` is a binary search, not a dictionary);
* ``Postings``: integer key → integer items, appended in any order and frozen into one sorted
  key array, offsets and items (a lookup is a binary search);
* ``AliasAutomaton``: the alias keys matched over *tokens* instead of characters, as 64-bit
  fingerprints in two arrays (pyahocorasick's character trie took ~6.4M nodes, ~290 MB, at a
  million aliases, each key's value a Python tuple).

The token matcher finds exactly what the character automaton found once a hit is required
to stand on word boundaries (no letter or digit on either side): tokens are runs of letters
and digits (``str.isalnum``) and single other characters, so every such hit starts and ends
on token boundaries, and a token sequence equals a key's only where the characters do. A
space between two alphanumeric runs is implied and left out (it is the only thing that can
separate them in folded text); any other space is a token, so "st. petersburg" and
"st.petersburg" stay different keys, as they were.
"""

from __future__ import annotations

import ctypes
import re
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, repeat
from operator import add, and_

# runs of alphanumerics; any other non-space character alone; a space unless it stands
# between two alphanumerics (see the module docstring)
_TOKEN = re.compile(r"[^\W_]+|[^ ]|(?<![^\W_]) | (?![^\W_])")

KINDS = ("person", "organization", "place")  # codes 0..2; any other kind is stored by name
_ACRONYM = 0x80


def release_free_memory() -> None:
    """Hand back to the operating system the heap pages a bulk build has freed.

    Building a million-alias index parses every name and sorts its postings; ~100 MB of
    temporaries are freed afterwards, but glibc keeps freed pages that are not at the top of
    its heap, so the process stays that much larger (measured: 369 → 270 MB at a million
    aliases). ``malloc_trim`` returns them; elsewhere (no glibc) this does nothing."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


class PackedStrings(Sequence[str]):
    """Strings stored as one UTF-8 buffer and end offsets; ``append`` while building."""

    __slots__ = ("_buf", "_ends")

    def __init__(self, items: Iterable[str] = ()) -> None:
        self._buf = bytearray()
        self._ends = array("I")  # "Q" once the buffer passes 4 GB
        for s in items:
            self.append(s)

    def append(self, s: str) -> None:
        self._buf += s.encode("utf-8")
        if len(self._buf) > 0xFFFFFFFF and self._ends.typecode == "I":
            self._ends = array("Q", self._ends)
        self._ends.append(len(self._buf))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        if i < 0:
            i += len(self._ends)
        start = self._ends[i - 1] if i else 0
        return self._buf[start : self._ends[i]].decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        return (self[i] for i in range(len(self)))


@dataclass(frozen=True, slots=True)
class Alias:
    entity_id: str
    text: str
    kind: str
    acronym: bool


class AliasTable(Sequence[Alias]):
    """Aliases as packed columns; ``table[i]`` builds the ``Alias`` record on demand."""

    def __init__(self) -> None:
        self._text = PackedStrings()
        self._entity = array("I")  # into ``entities`` (sorted by ``freeze``)
        self._flags = bytearray()  # kind code | _ACRONYM
        self._other_kinds: list[str] = []  # kinds beyond ``KINDS``, code 3 + position
        self.entities: list[str] = []
        self._entity_kind = bytearray()
        self._number: dict[str, int] | None = {}  # while building only

    def append(self, entity_id: str, text: str, kind: str, acronym: bool) -> None:
        number = self._number
        assert number is not None, "AliasTable is frozen"
        n = number.get(entity_id)
        if n is None:
            n = number[entity_id] = len(self.entities)
            self.entities.append(entity_id)
            self._entity_kind.append(0)
        code = self._code(kind)
        self._entity_kind[n] = code  # the last alias's kind, as a dict would keep it
        self._text.append(text)
        self._entity.append(n)
        self._flags.append(code | (_ACRONYM if acronym else 0))

    def _code(self, kind: str) -> int:
        if kind in KINDS:
            return KINDS.index(kind)
        if kind not in self._other_kinds:
            self._other_kinds.append(kind)
        return len(KINDS) + self._other_kinds.index(kind)

    def _kind(self, code: int) -> str:
        code &= ~_ACRONYM
        return KINDS[code] if code < len(KINDS) else self._other_kinds[code - len(KINDS)]

    def freeze(self) -> None:
        """Sort the entity ids (for ``kind_of``) and drop the building dictionary."""
        number = self._number
        assert number is not None, "AliasTable is frozen"
        ordered = sorted(self.entities)  # the strings themselves: no int object per entity
        renumber = array("I", bytes(4 * len(ordered)))
        kinds = bytearray(len(ordered))
        for new, entity_id in enumerate(ordered):
            old = number[entity_id]
            renumber[old] = new
            kinds[new] = self._entity_kind[old]
        self.entities, self._entity_kind, self._number = ordered, kinds, None
        self._entity = array("I", (renumber[n] for n in self._entity))

    def __len__(self) -> int:
        return len(self._flags)

    def __getitem__(self, i: int) -> Alias:  # type: ignore[override]
        flags = self._flags[i]
        return Alias(
            self.entities[self._entity[i]], self._text[i], self._kind(flags), bool(flags & _ACRONYM)
        )

    def __iter__(self) -> Iterator[Alias]:
        return (self[i] for i in range(len(self)))

    def kind_of(self, entity_id: str) -> str | None:
        i = bisect_left(self.entities, entity_id)
        if i < len(self.entities) and self.entities[i] == entity_id:
            return self._kind(self._entity_kind[i])
        return None


class EntityKinds(Mapping[str, str]):
    """entity id → kind, read from an ``AliasTable`` (a binary search, no dictionary)."""

    def __init__(self, table: AliasTable) -> None:
        self._table = table

    def __getitem__(self, entity_id: str) -> str:
        kind = self._table.kind_of(entity_id)
        if kind is None:
            raise KeyError(entity_id)
        return kind

    def __len__(self) -> int:
        return len(self._table.entities)

    def __iter__(self) -> Iterator[str]:
        return iter(self._table.entities)


class Postings:
    """Integer key → the integer items posted under it, in the order they were added.

    ``add`` appends to two flat arrays; the first read sorts them (stably) into one array of
    distinct keys, start offsets and items, and a lookup is a binary search. An ``add`` after
    a read is kept and merged at the next read (building, then reading, is the use)."""

    __slots__ = ("_items", "_keys", "_new_items", "_new_keys", "_starts")

    def __init__(self) -> None:
        self._new_keys = array("Q")
        self._new_items = array("I")
        self._keys = array("Q")
        self._starts = array("Q", [0])
        self._items = array("I")

    def add(self, key: int, item: int) -> None:
        self._new_keys.append(key)
        self._new_items.append(item)

    def get(self, key: int) -> Sequence[int]:
        if self._new_keys:
            self._freeze()
        i = bisect_left(self._keys, key)
        if i < len(self._keys) and self._keys[i] == key:
            return self._items[self._starts[i] : self._starts[i + 1]]
        return ()

    def __len__(self) -> int:
        if self._new_keys:
            self._freeze()
        return len(self._keys)

    def _freeze(self) -> None:
        keys = array("Q")
        for k, start, end in zip(self._keys, self._starts, self._starts[1:], strict=False):
            keys.extend([k] * (end - start))
        keys.extend(self._new_keys)
        items = self._items + self._new_items
        self._new_keys = array("Q")
        self._new_items = array("I")
        # a stable radix sort on the two 32-bit halves of the key, with counting passes over
        # arrays: ``sorted`` would hold an int object per posting (~100 MB at a million names)
        order = array("I", range(len(keys)))
        low = array("I", (k & 0xFFFFFFFF for k in keys))
        if any(k >> 32 for k in keys):
            order = _counting_sort(order, low)
            order = _counting_sort(order, array("I", (k >> 32 for k in keys)))
        else:
            order = _counting_sort(order, low)
        del low
        self._items = array("I", (items[o] for o in order))
        self._keys = array("Q")
        self._starts = array("Q")
        last = -1
        for pos, o in enumerate(order):
            if keys[o] != last:
                last = keys[o]
                self._keys.append(last)
                self._starts.append(pos)
        self._starts.append(len(order))


def _counting_sort(order: array[int], digits: array[int]) -> array[int]:
    """``order`` stably re-sorted by ``digits[i]`` (small non-negative numbers)."""
    counts = array("Q", bytes(8 * (max(digits, default=0) + 2)))
    for d in digits:
        counts[d + 1] += 1
    for d in range(1, len(counts)):
        counts[d] += counts[d - 1]
    out = array("I", bytes(4 * len(order)))
    for i in order:
        d = digits[i]
        out[counts[d]] = i
        counts[d] += 1
    return out


class AliasAutomaton:
    """Folded alias keys → alias numbers, found in folded text in one pass over its tokens
    (see the module docstring for why tokens, and why the hits are the same as a character
    Aho–Corasick automaton's on word boundaries).

    Not a trie: pyahocorasick scans a node's children one by one, and over tokens the root
    has one child per distinct first word (~10,000 at a million aliases), which made every
    text token cost thousands of comparisons. Instead each key is a 64-bit fingerprint of its
    token ids in an open-addressing table of two arrays; for every text token that begins
    some key, the fingerprints of the next 1 … n tokens are looked up (n: the longest key
    beginning with that token), and a hit is confirmed against the stored key (so a
    fingerprint collision can cost time, never a wrong hit)."""

    _BASIS = 0xCBF29CE484222325
    _PRIME = 0x100000001B3
    _MASK = 0xFFFFFFFFFFFFFFFF

    def __init__(self) -> None:
        self._vocab: dict[str, int] = {}  # token → id from 1 (0: a token no key has)
        self._longest = array("H", [0])  # token id → most tokens of a key it begins (0: none)
        self._keys = PackedStrings()  # key number → folded key
        self._length = array("H")  # key number → tokens
        self._fp = array("Q")  # key number → fingerprint (while building: to grow the table)
        self._table_fp = array("Q", bytes(8 * 1024))
        self._table_key = array("I", bytes(4 * 1024))  # key number + 1; 0: empty slot
        self._key_of = array("I")  # alias → key, while building
        self._starts = array("I", [0])  # key number → its aliases in ``_aliases``
        self._aliases = array("I")

    @classmethod
    def _fingerprint(cls, ids: Iterable[int]) -> int:
        h = cls._BASIS
        for t in ids:
            h = ((h ^ t) * cls._PRIME) & cls._MASK
        return h

    def _slot(self, fp: int, key: str) -> tuple[int, int]:
        """(slot, key number) of ``key``, or (the empty slot where it goes, -1)."""
        mask = len(self._table_key) - 1
        i = (fp ^ (fp >> 29)) & mask
        while True:
            n = self._table_key[i]
            if not n:
                return i, -1
            if self._table_fp[i] == fp and self._keys[n - 1] == key:
                return i, n - 1
            i = (i + 1) & mask

    def _grow(self) -> None:
        size = 2 * len(self._table_key)
        self._table_fp = array("Q", bytes(8 * size))
        self._table_key = array("I", bytes(4 * size))
        mask = size - 1
        for n, fp in enumerate(self._fp):
            i = (fp ^ (fp >> 29)) & mask
            while self._table_key[i]:
                i = (i + 1) & mask
            self._table_fp[i] = fp
            self._table_key[i] = n + 1

    def add(self, key: str) -> None:
        """Post the next alias (numbered from 0 in the order added) under folded ``key``."""
        ids = []
        for t in _TOKEN.findall(key):
            n = self._vocab.get(t)
            if n is None:
                n = self._vocab[t] = len(self._vocab) + 1
                self._longest.append(0)
            ids.append(n)
        fp = self._fingerprint(ids)
        slot, n = self._slot(fp, key)
        if n < 0:
            n = len(self._length)
            self._keys.append(key)
            self._length.append(len(ids))
            self._fp.append(fp)
            self._table_fp[slot] = fp
            self._table_key[slot] = n + 1
            self._longest[ids[0]] = max(self._longest[ids[0]], len(ids))
            if 2 * len(self._length) > len(self._table_key):
                self._grow()
        self._key_of.append(n)

    def freeze(self) -> None:
        """The key → aliases arrays (a counting sort, aliases in the order added); drop the
        building arrays."""
        counts = array("I", bytes(4 * len(self._length)))
        for n in self._key_of:
            counts[n] += 1
        total = 0
        for c in counts:
            total += c
            self._starts.append(total)
        fill = self._starts[:-1]
        self._aliases = array("I", bytes(4 * len(self._key_of)))
        for alias, n in enumerate(self._key_of):
            self._aliases[fill[n]] = alias
            fill[n] += 1
        self._key_of = array("I")
        self._fp = array("Q")

    def _ids(self, n: int) -> Sequence[int]:
        return self._aliases[self._starts[n] : self._starts[n + 1]]

    def get(self, key: str) -> Sequence[int] | None:
        """The aliases whose folded form is exactly ``key``, or ``None``."""
        ids = [self._vocab.get(t, 0) for t in _TOKEN.findall(key)]
        if not ids or 0 in ids:
            return None
        n = self._slot(self._fingerprint(ids), key)[1]
        return None if n < 0 else self._ids(n)

    def iter(self, norm: str) -> Iterator[tuple[int, tuple[int, Sequence[int]]]]:
        """``(end index, (length, alias numbers))`` of every key occurring in folded text
        ``norm`` on token boundaries (in the form ``ahocorasick.Automaton.iter`` gave)."""
        tokens = _TOKEN.findall(norm)
        ids = list(map(self._vocab.get, tokens, repeat(0, len(tokens))))
        longest = self._longest
        table_fp, table_key = self._table_fp, self._table_key
        mask = len(table_key) - 1
        basis, prime, m64 = self._BASIS, self._PRIME, self._MASK
        starts: list[int] | None = None
        for i, t in enumerate(ids):
            most = longest[t]
            if not most:
                continue
            h = basis
            for j in range(i, min(i + most, len(ids))):
                if not ids[j]:
                    break
                h = ((h ^ ids[j]) * prime) & m64
                slot = (h ^ (h >> 29)) & mask
                while n := table_key[slot]:
                    if table_fp[slot] == h:
                        if starts is None:
                            starts = _token_starts(tokens)
                        end = starts[j] + len(tokens[j])
                        if norm[starts[i] : end] == self._keys[n - 1]:
                            yield end - 1, (end - starts[i], self._ids(n - 1))
                    slot = (slot + 1) & mask


def _token_starts(tokens: list[str]) -> list[int]:
    """Where each token of folded text starts, without a Python loop per token: the lengths
    before it, plus one for the space left out between two alphanumeric runs."""
    alnum = list(map(str.isalnum, tokens))
    return list(
        accumulate(map(add, map(len, tokens[:-1]), map(and_, alnum[:-1], alnum[1:])), initial=0)
    )
