"""Self-contained bundles of a published item, and their offline verification.

A bundle (``application/vnd.amanat.bundle.v1+json``) carries everything needed to verify an
item with no store and no network, in the manner of a Sigstore bundle::

    {
      "mediaType": "application/vnd.amanat.bundle.v1+json",
      "origin": "<log origin>",
      "checkpoint": "<signed checkpoint note, with any cosignature lines>",
      "item": <log index of the item version this bundle is about>,
      "entries": [{"index": i, "token": "<compact JWS>", "proof": ["<base64 hash>", …]}, …]
    }

``entries`` holds the publisher document (index 0), every key event up to the checkpoint,
and every version of the item, each with its inclusion proof against the checkpoint.
Verification replays the key events in log order, so it knows which keys were valid at the
item's index, and it reports later versions (corrections, a withdrawal) and a later
revocation of the signing key. *Whose* key signed is a matter of policy
(``amanat.provenance.policy``): ``verify`` requires one, anchored in a key the verifier
already trusts, because a bundle's publisher document can name any publisher and origin.

A bundle is a snapshot: it shows the log as of its checkpoint. It proves what was logged up
to there, not that nothing came after; the report says so, with the checkpoint it holds.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

from amanat.errors import InputError, VerificationError
from amanat.provenance import jcs, merkle, note
from amanat.provenance.entries import KeyHistory, check_payload, entry_kind, entry_leaf_hash
from amanat.provenance.errors import BadPayload, BadProof, BadSignature
from amanat.provenance.log import Log
from amanat.provenance.policy import Policy, Signed, Unvouched

MEDIA_TYPE = "application/vnd.amanat.bundle.v1+json"


def make_bundle(log: Log, uri: str, version: int | None = None) -> dict[str, Any]:
    """The bundle of one item version (default: its latest) against the latest checkpoint."""
    checkpoint_note = log.checkpoint()
    checkpoint = note.parse_checkpoint(note.open_note(checkpoint_note, [log.verifier()]).text, origin=log.origin)
    versions = [e for e in log.item_versions(uri) if e.index < checkpoint.size]
    if not versions:
        raise InputError(f"no item {uri} in the log of {log.origin}")
    chosen = versions[-1] if version is None else next((e for e in versions if e.item_version == version), None)
    if chosen is None:
        raise InputError(f"item {uri} has no version {version}")
    wanted = [e for e in log.entries(0, checkpoint.size) if e.kind != "item"] + versions
    wanted.sort(key=lambda e: e.index)
    return {
        "mediaType": MEDIA_TYPE,
        "origin": log.origin,
        "checkpoint": checkpoint_note,
        "item": chosen.index,
        "entries": [
            {"index": e.index, "token": e.token,
             "proof": [base64.b64encode(h).decode() for h in log.inclusion_proof(e.index, checkpoint.size)]}
            for e in wanted
        ],
    }


@dataclass
class Report:
    """What a successful verification established.

    ``anchor`` says what vouched for the signing key (the trust policy's line); ``vouched`` is
    False only under an explicit trust-on-first-use policy. ``checkpoint_size`` and
    ``root_hash`` are the log state the bundle is a snapshot of: later versions of the item,
    or a later revocation, may exist beyond it.
    """

    publisher: str
    origin: str
    kid: str
    index: int
    checkpoint_size: int
    root_hash: str
    item: dict[str, Any]
    anchor: str
    vouched: bool
    later_versions: list[dict[str, Any]] = field(default_factory=list)
    withdrawn: dict[str, Any] | None = None
    key_revoked_at: int | None = None
    key_revoke_reason: str | None = None
    cosignatures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _proof(entry: dict[str, Any]) -> list[bytes]:
    try:
        return [base64.b64decode(h, validate=True) for h in entry.get("proof", [])]
    except (binascii.Error, TypeError, ValueError):
        raise BadPayload(f"bundle entry {entry.get('index')}: proof is not base64") from None


def load_bundle(data: bytes | str, *, where: str = "bundle") -> dict[str, Any]:
    """Parse bundle JSON strictly (I-JSON) and check its shape; InputError when it is not one."""
    try:
        bundle = jcs.parse(data)
    except InputError as exc:
        raise InputError(f"not a valid bundle: {exc.message}", where=where) from None
    if not isinstance(bundle, dict) or bundle.get("mediaType") != MEDIA_TYPE:
        raise InputError(f"not an Amanat bundle (mediaType must be {MEDIA_TYPE})", where=where)
    entries = bundle.get("entries")
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("index"), int) and isinstance(e.get("token"), str) for e in entries
    ):
        raise InputError("bundle entries must be objects with an integer index and a token", where=where)
    if not isinstance(bundle.get("item"), int) or not isinstance(bundle.get("checkpoint"), str):
        raise InputError("bundle needs an item index and a checkpoint", where=where)
    return bundle


TAMPERED = "the content of this bundle does not match what was signed and logged (it was changed after signing)"


def verify(bundle: dict[str, Any], policy: Policy) -> Report:
    """Verify a bundle offline under ``policy``; raise VerificationError (one line) at the
    first failure, including a signing key the policy does not vouch for."""
    entries = sorted(bundle["entries"], key=lambda e: e["index"])
    indices = [e["index"] for e in entries]
    if len(set(indices)) != len(indices):
        raise BadPayload("bundle lists a log index twice")
    if not entries or entries[0]["index"] != 0:
        raise BadPayload("bundle lacks the publisher document (log entry 0)")
    history = KeyHistory.replay((e["index"], e["token"]) for e in entries if entry_kind(e["token"]) != "item")
    if bundle.get("origin") != history.origin:
        raise BadPayload("bundle origin differs from its publisher document")
    verifier = note.parse_verifier_key(history.checkpoint_vkey)
    checkpoint, opened = note.verify_checkpoint(bundle["checkpoint"], verifier, origin=history.origin)
    target = next((e for e in entries if e["index"] == bundle["item"]), None)
    if target is None or entry_kind(target["token"]) != "item":
        raise BadPayload(f"bundle has no item at log index {bundle['item']}")
    try:
        for entry in entries:
            if entry["index"] >= checkpoint.size:
                raise BadPayload(f"bundle entry {entry['index']} lies beyond the checkpoint (size {checkpoint.size})")
            merkle.verify_inclusion(entry_leaf_hash(entry["token"]), entry["index"], checkpoint.size,
                                    _proof(entry), checkpoint.root_hash)
        verified = history.verify_entry(target["index"], target["token"])
    except (BadProof, BadSignature) as exc:
        # what a reader needs first: the bytes were changed after signing; then the detail
        raise type(exc)(f"{TAMPERED}; technically: {exc.message}", where=exc.where) from None
    item = verified.payload
    check_payload(history, target["index"], "item", item)
    anchor = policy.vouch(Signed(history, target["index"], verified.kid))
    if not anchor:
        raise VerificationError(
            f"nothing vouches for key {verified.kid}: an origin names a log, not an identity; "
            "anchor the policy in a key the verifier trusts"
        )
    report = Report(
        publisher=history.name, origin=history.origin, kid=verified.kid, index=target["index"],
        checkpoint_size=checkpoint.size, root_hash=base64.b64encode(checkpoint.root_hash).decode(), item=item,
        anchor=str(anchor), vouched=not isinstance(anchor, Unvouched),
        # witnesses' cosignatures are listed here; checking them against pinned witness keys
        # is the exchange layer's policy (amanat.exchange)
        cosignatures=[s.name for s in opened.unverified],
    )
    record = history.keys[verified.kid]
    if record.revoked_at is not None:
        report.key_revoked_at, report.key_revoke_reason = record.revoked_at - 1, record.revoke_reason
    for entry in entries:
        if entry["index"] <= target["index"] or entry_kind(entry["token"]) != "item":
            continue
        later = history.verify_entry(entry["index"], entry["token"]).payload
        if later.get("uri") != item.get("uri"):
            continue
        summary = {"index": entry["index"], "version": later.get("version"), "pubStatus": later.get("pubStatus", "usable")}
        report.later_versions.append(summary)
        if later.get("pubStatus") == "canceled":
            report.withdrawn = {**summary, "reason": later.get("edNote")}
    if item.get("pubStatus") == "canceled":
        report.withdrawn = {"index": target["index"], "version": item.get("version"), "reason": item.get("edNote")}
    return report
