"""A followed partner's log kept in the local store: verified entries, the partner's own notes.

``Log.append`` signs a checkpoint with the local checkpoint key; a follower holds no key for
the partner's log, so it appends *foreign* entries differently: a batch of entries already
verified (signature under the keys valid at each index, payload kind) is written together
with the partner's signed checkpoint note, and only if the root recomputed from the stored
entries equals that checkpoint's root. Entries, subtree hashes and note are one transaction:
nothing is stored that the checkpoint does not commit to. Built on ``Log``'s own helpers so
the mirror serves the same proofs as the original; the batch is written with multi-row
inserts and its subtree hashes and root computed in memory (``Log._extend``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from amanat.errors import StoreError, VerificationError
from amanat.provenance import note
from amanat.provenance.documents import store_items
from amanat.provenance.log import Log
from amanat.store import schema as t
from amanat.store.db import Store


class MirrorMoved(StoreError):
    """The local copy grew while a sync was verifying what to append: another sync of the
    same partner stored entries meanwhile. Nothing is wrong with the partner."""


class MirrorLog(Log):
    """The local copy of a partner's log (``publishers.local`` false)."""

    @staticmethod
    def open_or_create(store: Store, *, name: str, origin: str, checkpoint_vkey: str) -> MirrorLog:
        with store.engine.connect() as conn:
            row = conn.execute(sa.select(t.publishers).where(t.publishers.c.origin == origin)).first()
        if row is None:
            Log.create(store, name=name, origin=origin, checkpoint_vkey=checkpoint_vkey, local=False)
        elif row.local:
            raise VerificationError(f"{origin} is a local publisher of this node; it cannot follow itself")
        elif row.checkpoint_vkey != checkpoint_vkey:
            raise VerificationError(f"the stored log of {origin} has another checkpoint key")
        return MirrorLog(store, origin)

    def extend(self, start: int, verified: Sequence[tuple[str, str, dict[str, Any]]],
               checkpoint_note: str, checkpoint: note.Checkpoint) -> dict[str, int]:
        """Append ``verified`` (token, kind, payload) at indices ``start``… and keep the note,
        if the resulting tree's root is the checkpoint's; else raise and store nothing
        (``MirrorMoved`` when the copy no longer ends at ``start``). Returns what became of
        the items' documents (``store_items``)."""
        with self.store.engine.begin() as conn:
            size = self._take_indices(conn, len(verified))
            if size - len(verified) != start:
                raise MirrorMoved(f"log {self.origin}: the local copy has {size - len(verified)} entries, not "
                                  f"{start}: another sync of this partner stored entries meanwhile")
            _, root = self._extend(conn, start, [(kind, token, payload) for token, kind, payload in verified])
            if size != checkpoint.size:
                raise VerificationError(f"log {self.origin}: {size} entries for a checkpoint of size {checkpoint.size}")
            if root != checkpoint.root_hash:
                raise VerificationError(f"log {self.origin}: the entries do not reproduce the root of the "
                                        f"checkpoint at size {size} (an entry was altered, dropped or added)")
            c = t.checkpoints
            if not conn.execute(sa.select(c.c.size).where(c.c.origin == self.origin, c.c.size == size)).first():
                conn.execute(sa.insert(c).values(origin=self.origin, size=size, note=checkpoint_note,
                                                 created=datetime.now(UTC)))
            # verified official items become searchable documents in the same transaction: a sync
            # killed between two commits left entries whose documents no later round stored
            return store_items(self.store, self.origin, [(start + i, token, payload)
                                                         for i, (token, kind, payload) in enumerate(verified)
                                                         if kind == "item"], connection=conn)

