"""Trust policies: which keys a verifier accepts as the publisher's. Pure.

A bundle proves that its item was signed by a key its own publisher document (or a later key
event) lists, and that the item is in a log under a signed checkpoint. It cannot prove *whose*
key that is: anyone can write a publisher document with any name and origin. An origin is a
name, not an identity. So verification is anchored in keys the verifier already trusts, given
as a policy — shaped like sigstore-python's ``verify(…, policy)``:

- ``PinnedKey(kid)``: a key id obtained out of band (``amanat keys list`` on the publisher's
  node, a partner's pinned key).
- ``KnownPublisher(history, anchor)``: the keys of a log the verifier's own store holds — its
  own publishers, or a partner it follows, verified at sync as of a log index.
- ``Origin(origin)``: a constraint (the item must come from this log), never an anchor alone.
- ``AllOf(...)`` / ``AnyOf(...)`` compose them.
- ``TrustOnFirstUse()``: accepts the bundle's own keys; explicit, and it always warns.

A trusted key vouches for the keys it introduced: the other keys of a publisher document it
signed, and keys added by key events it signed (a rotation), and so on down the chain
(``KeyRecord.added_by``). Keys a publisher document merely lists — anyone can list anyone's
public key — are vouched for by nobody but the document's signer.

A policy's ``vouch`` returns what vouched for the signing key (one line for the report), or
None for a constraint that holds but anchors nothing; it raises ``VerificationError`` when the
bundle falls outside the policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from amanat.errors import VerificationError
from amanat.provenance.entries import KeyHistory, KeyRecord


@dataclass(frozen=True)
class Signed:
    """What the bundle established, before any policy: the log's key history as the bundle
    shows it, the item's index and the key that signed it."""

    history: KeyHistory
    index: int
    kid: str


class Unvouched(str):
    """The anchor line of a policy that accepted a key nothing vouched for: the report warns."""


class Policy(Protocol):
    """Decides whether the key that signed an item is one the verifier trusts."""

    def vouch(self, signed: Signed) -> str | None: ...


def vouched_keys(history: KeyHistory, trusted: Iterable[str]) -> set[str]:
    """The keys of ``history`` that a trusted key introduced, directly or down a chain of
    key events, with the trusted keys themselves."""
    vouched = {kid for kid in trusted if kid in history.keys}
    for rec in sorted(history.keys.values(), key=lambda r: r.added_at):
        if rec.added_by in vouched:
            vouched.add(rec.kid)
    return vouched


def _outside(signed: Signed, anchor: str) -> VerificationError:
    return VerificationError(
        f"item at log index {signed.index} of {signed.history.origin} is signed by key {signed.kid}, "
        f"which {anchor} does not vouch for"
    )


@dataclass(frozen=True)
class PinnedKey:
    """A key id the verifier obtained out of band (RFC 7638 thumbprint)."""

    kid: str

    def vouch(self, signed: Signed) -> str:
        anchor = f"pinned key {self.kid}"
        if signed.kid not in vouched_keys(signed.history, [self.kid]):
            raise _outside(signed, anchor)
        if signed.kid == self.kid:
            return anchor
        return f"{anchor}, which introduced {signed.kid} in the log"


@dataclass(frozen=True)
class KnownPublisher:
    """The keys of a log this verifier holds and verified itself (its store's own publisher,
    or a followed partner as of the last verified sync).

    The bundle must come from the same log (origin and checkpoint key), and the signing key
    must be one the held history knows or one it introduced later; a key the held history
    shows revoked before the item's index does not verify, whatever the bundle says.
    """

    history: KeyHistory
    anchor: str  # e.g. "this store's publisher 'X' (log as of index 41)"

    def vouch(self, signed: Signed) -> str:
        bundle = signed.history
        if bundle.origin != self.history.origin:
            raise VerificationError(f"item comes from log {bundle.origin!r}, {self.anchor} is {self.history.origin!r}")
        if bundle.checkpoint_vkey != self.history.checkpoint_vkey:
            raise VerificationError(
                f"bundle's log {bundle.origin} has another checkpoint key than {self.anchor}: "
                "not the log this verifier knows (a forgery or a fork)"
            )
        if signed.kid not in vouched_keys(bundle, self.history.keys):
            raise _outside(signed, self.anchor)
        known: KeyRecord | None = self.history.keys.get(signed.kid)
        if known is not None and known.revoked_at is not None and signed.index >= known.revoked_at:
            raise VerificationError(
                f"key {signed.kid} was revoked at log index {known.revoked_at - 1} in the log {self.anchor} "
                f"holds; the item at index {signed.index} comes after"
            )
        return self.anchor


@dataclass(frozen=True)
class Origin:
    """The item must come from this log origin. A constraint only: it anchors nothing."""

    origin: str

    def vouch(self, signed: Signed) -> None:
        if signed.history.origin != self.origin:
            raise VerificationError(f"item comes from log {signed.history.origin!r}, not the expected {self.origin!r}")
        return None


@dataclass(frozen=True)
class TrustOnFirstUse:
    """Accept the bundle's own keys. Nothing vouches for them: the report always warns."""

    def vouch(self, signed: Signed) -> Unvouched:
        return Unvouched(f"nothing: the bundle's own publisher document (trust on first use of key {signed.kid})")


class AllOf:
    """Every policy must hold; the anchors of those that anchor are joined."""

    def __init__(self, *policies: Policy) -> None:
        if not policies:
            raise ValueError("AllOf needs at least one policy")
        self.policies = policies

    def vouch(self, signed: Signed) -> str | None:
        anchors = [a for a in (p.vouch(signed) for p in self.policies) if a]
        joined = "; ".join(anchors) or None
        if joined and any(isinstance(a, Unvouched) for a in anchors):
            return Unvouched(joined)
        return joined


class AnyOf:
    """The first policy that holds and anchors; fails with every reason when none does."""

    def __init__(self, *policies: Policy) -> None:
        if not policies:
            raise ValueError("AnyOf needs at least one policy")
        self.policies = policies

    def vouch(self, signed: Signed) -> str:
        reasons = []
        for policy in self.policies:
            try:
                anchor = policy.vouch(signed)
            except VerificationError as exc:
                reasons.append(exc.message)
                continue
            if anchor:
                return anchor
        raise VerificationError("; ".join(reasons) if reasons else "no policy vouched for the signing key")


