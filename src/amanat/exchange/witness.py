"""Witnessing: a follower cosigns the checkpoints it verified; anyone can require k of them.

A node's cosigner key (C2SP tlog-cosignature, Ed25519, type 0x04) lives beside its publisher
keys, in ``<keys dir>/witness/cosigner.key`` (mode 0600); the store keeps only its public
verifier key, which the node serves so partners can pin it. A follower cosigns a partner's
checkpoint only after checking its signature *and* its consistency with the last one it
verified, so the cosignature says: "at this time, this witness saw this tree, and it
extends what the witness saw before". A publisher that showed two partners two histories
could not collect both partners' cosignatures on one history.

The timestamp inside a cosignature is signed, so the earliest cosignature on a checkpoint
that includes an item bounds when the item existed (``WitnessReport.earliest``).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from amanat.errors import InputError, VerificationError
from amanat.exchange import partners as records
from amanat.provenance import note
from amanat.provenance.bundle import Report, verify
from amanat.provenance.entries import KeyHistory
from amanat.provenance.keys import generate
from amanat.provenance.keystore import keys_dir
from amanat.provenance.policy import Policy
from amanat.store import schema as t
from amanat.store.db import Store

FOLDER = "witness"


def _key_path(directory: str | None) -> Any:
    return keys_dir(directory) / FOLDER / "cosigner.key"


def local_cosigner(store: Store, directory: str | None = None, *, name: str | None = None) -> note.NoteSigner:
    """This node's cosigner, created on first use (name ``amanat-witness-<random>`` by default:
    a cosignature does not sign the cosigner's name, so names must never be shared)."""
    path = _key_path(directory)
    if path.exists():
        if path.stat().st_mode & 0o077:
            raise InputError("cosigner key is readable by others; run chmod 600 on it", where=str(path))
        signer = note.parse_signer_key(path.read_text().strip())
    else:
        signer = note.CosignatureSigner(name or f"amanat-witness-{secrets.token_hex(4)}", generate())
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(signer.skey() + "\n")
    if not isinstance(signer, note.CosignatureSigner):
        raise InputError("not a cosignature (type 0x04) signer key", where=str(path))
    vkey = signer.verifier().vkey()
    with store.engine.begin() as conn:
        row = conn.execute(sa.select(t.witness_keys).where(t.witness_keys.c.name == signer.name)).first()
        if row is None:
            conn.execute(sa.insert(t.witness_keys).values(name=signer.name, vkey=vkey, created=datetime.now(UTC)))
        elif row.vkey != vkey:
            raise InputError(f"the store knows another key for witness {signer.name}", where=str(path))
    return signer


def existing_cosigner(store: Store, directory: str | None = None) -> note.NoteSigner | None:
    """This node's cosigner if its key exists (a server never creates one on its own)."""
    return local_cosigner(store, directory) if _key_path(directory).exists() else None


def served_witness(store: Store) -> dict[str, str] | None:
    """The cosigner this node announces (its newest), or None before it has cosigned."""
    w = t.witness_keys
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(w).order_by(w.c.created.desc()).limit(1)).first()
    return {"name": row.name, "vkey": row.vkey} if row else None


def cosign(store: Store, signer: note.NoteSigner, origin: str, checkpoint_note: str, size: int,
           when: int | None = None) -> str:
    """Cosign a verified checkpoint now; keep and return the signature line."""
    timestamp = int(datetime.now(UTC).timestamp()) if when is None else when
    timed = note.CosignatureSigner(signer.name, signer.private_key, timestamp=timestamp)
    line = note.add_signatures(checkpoint_note, [timed])[len(checkpoint_note):]
    records.save_cosignature(store, origin=origin, size=size, cosigner=signer.name,
                             vkey=signer.verifier().vkey(), timestamp=timestamp, line=line, made=True)
    return line


def signature_lines(checkpoint_note: str) -> list[str]:
    """The signature lines of a note, each with its final newline."""
    block = checkpoint_note[checkpoint_note.rfind("\n\n") + 2:]
    return [line + "\n" for line in block.splitlines()]


def attach(store: Store, origin: str, size: int, checkpoint_note: str) -> str:
    """The note with every kept cosignature on (origin, size) that it does not carry yet."""
    have = set(signature_lines(checkpoint_note))
    extra = [c["line"] for c in records.cosignatures(store, origin, size) if c["line"] not in have]
    return checkpoint_note + "".join(extra[: note.MAX_SIGNATURES - len(have)])


def check_cosignature(checkpoint_note: str, log_vkey: str, line: str, witness_vkey: str) -> int:
    """Verify one cosignature line on a checkpoint; return its timestamp (VerificationError if not)."""
    witness = note.parse_verifier_key(witness_vkey)
    if not isinstance(witness, note.CosignatureVerifier):
        raise VerificationError(f"witness key {witness.name} is not a cosignature (type 0x04) key")
    if not line.endswith("\n") or line.count("\n") != 1:
        raise VerificationError("a cosignature must be exactly one signature line")
    log_verifier = note.parse_verifier_key(log_vkey)
    base = checkpoint_note[: checkpoint_note.rfind("\n\n") + 2]
    own = [s for s in signature_lines(checkpoint_note) if s.startswith(f"\u2014 {log_verifier.name} ")]
    _, opened = note.verify_checkpoint(base + "".join(own) + line, log_verifier, cosigners=[witness])
    for sig in opened.verified:
        if sig.name == witness.name and sig.key_id == witness.key_id and sig.timestamp is not None:
            return sig.timestamp
    raise VerificationError(f"the line is not a cosignature by {witness.name}")


# --- policy -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WitnessPolicy:
    """Require at least ``k`` valid cosignatures by distinct pinned witness keys (vkeys)."""

    witnesses: tuple[str, ...] = ()
    k: int = 1


@dataclass
class WitnessReport:
    """Who cosigned the checkpoint, when; ``earliest`` bounds when its entries existed."""

    cosigners: list[dict[str, Any]] = field(default_factory=list)
    earliest: int | None = None

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["earliest_utc"] = (datetime.fromtimestamp(self.earliest, UTC).isoformat().replace("+00:00", "Z")
                             if self.earliest is not None else None)
        return d


def check_witnesses(checkpoint_note: str, log_vkey: str, policy: WitnessPolicy) -> WitnessReport:
    """Verify the cosignatures by pinned witnesses on a checkpoint; raise unless ``k`` verify."""
    verifiers = [note.parse_verifier_key(v) for v in policy.witnesses]
    log_verifier = note.parse_verifier_key(log_vkey)
    _, opened = note.verify_checkpoint(checkpoint_note, log_verifier, cosigners=verifiers)
    pinned = {(v.name, v.key_id) for v in verifiers}
    report = WitnessReport()
    for sig in opened.verified:
        if (sig.name, sig.key_id) in pinned and sig.timestamp is not None:
            report.cosigners.append({"name": sig.name, "timestamp": sig.timestamp})
    if len(report.cosigners) < policy.k:
        raise VerificationError(f"checkpoint has {len(report.cosigners)} cosignature(s) by pinned witnesses, "
                                f"the policy requires {policy.k}")
    if report.cosigners:
        report.earliest = min(c["timestamp"] for c in report.cosigners)
    return report


def verify_witnessed_bundle(bundle: dict[str, Any], policy: Policy, witnesses: WitnessPolicy) -> tuple[Report, WitnessReport]:
    """``verify`` (a bundle under a trust policy) and then the witness policy on the bundle's checkpoint."""
    report = verify(bundle, policy)
    first = next(e for e in bundle["entries"] if e["index"] == 0)
    history = KeyHistory.replay([(0, first["token"])])
    return report, check_witnesses(bundle["checkpoint"], history.checkpoint_vkey, witnesses)
