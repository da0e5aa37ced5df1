"""What one sync round reports: its status, its problems, and counts that add up.

Kept apart from ``sync`` (which fills them in) so the command line and the server can read a
result without the round's machinery. The counts follow the rule ingest's summary keeps
(issue 17): every entry the partner sent is in exactly one part, and so is every item stored:

    entries received = stored + refused + discarded
    entries stored   = items + other entries (the publisher document, key events)
    items            = new + new versions + same text at another URL + already stored
                       + withdrawals + empty bodies

*Discarded* entries verified but were not stored, because the round stopped before writing
(a later entry was refused, the root did not match, the partner broke off): a round stores
all of what it verified or none of it, so the next round fetches them again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Problem:
    kind: str
    message: str
    index: int | None = None
    size: int | None = None


@dataclass
class SyncCounts:
    """The parts of one round; each counted where it happens, so the sums are a check."""

    received: int = 0  # entries the partner served this round
    stored: int = 0  # entries appended to the local copy of its log
    refused: int = 0  # entries that failed verification (the round stops at the first)
    discarded: int = 0  # verified, not stored: the round stopped before its write
    items: int = 0  # item entries among those stored
    other: int = 0  # the publisher document and key events among those stored
    new: int = 0  # items whose document is new to this node
    new_versions: int = 0  # a correction: a new version of a stored item's document
    copies: int = 0  # the same text as a stored document at another URL
    same: int = 0  # the very document was stored already
    withdrawn: int = 0  # a withdrawal: the log records it, no document
    empty: int = 0  # an item with no body text: no document

    # (label, field, depth) in the order the command line prints them
    ROWS = (("entries received", "received", 0), ("stored", "stored", 1), ("refused", "refused", 1),
            ("discarded (round stopped)", "discarded", 1), ("items stored", "items", 0), ("new", "new", 1),
            ("new versions", "new_versions", 1), ("same text at another URL", "copies", 1),
            ("already stored", "same", 1), ("withdrawals (no document)", "withdrawn", 1),
            ("empty text (no document)", "empty", 1), ("publisher and key entries", "other", 0))

    def add_documents(self, outcomes: dict[str, int]) -> None:
        """Take the items' outcomes as ``store_items`` counts them."""
        self.new += outcomes.get("new", 0)
        self.new_versions += outcomes.get("version", 0)
        self.copies += outcomes.get("copy", 0)
        self.same += outcomes.get("same", 0)
        self.withdrawn += outcomes.get("withdrawn", 0)
        self.empty += outcomes.get("empty", 0)

    def unbalanced(self) -> list[str]:
        """The sums that do not hold (none, unless an entry was counted twice or lost)."""
        sums = [("received", self.received, self.stored + self.refused + self.discarded),
                ("stored", self.stored, self.items + self.other),
                ("items", self.items, self.new + self.new_versions + self.copies + self.same + self.withdrawn
                 + self.empty)]
        return [f"{name} {whole} ≠ sum of its parts {parts}" for name, whole, parts in sums if whole != parts]

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for _, name, _ in self.ROWS}


@dataclass
class SyncResult:
    """What one round established about one partner."""

    origin: str
    status: str = "ok"  # ok | problem | error | skipped (another round of this partner held the turn)
    before: int = 0
    after: int = 0
    items: int = 0
    problems: list[Problem] = field(default_factory=list)
    cosigned: int | None = None
    collected: int = 0
    waited: float = 0.0  # seconds spent waiting for another round of the same partner
    note: str | None = None  # why a round was skipped
    counts: SyncCounts = field(default_factory=SyncCounts)

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["problems"] = [p.__dict__ for p in self.problems]
        d["counts"] = self.counts.as_dict()
        return d
