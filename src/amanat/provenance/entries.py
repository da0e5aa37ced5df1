"""What a publisher's log contains, and how key validity follows log order. Pure.

A log is a sequence of compact JWS tokens (the *entries*); leaf ``i`` of the Merkle tree is
the ASCII bytes of entry ``i``. Three kinds, told apart by the JWS ``typ``:

- **publisher document** (``amanat-publisher+jws``), always entry 0: the publisher's name,
  its log origin, its first item-signing key(s) and its checkpoint key; signed by one of
  those keys.
- **key event** (``amanat-key-event+jws``): ``add`` a key (a rotation: signed by a key
  already valid) or ``revoke`` one (signed by any valid key, including itself).
- **item version** (``amanat-item+jws``): a ninjs item — first publication, correction,
  translation or withdrawal — signed by a key valid at that index.

``KeyHistory.replay`` walks the entries in order and records, for every key, the index at
which it became valid and the index at which it was revoked. An entry verifies only under
a key valid *at its index*: log order decides, never clocks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from amanat.errors import InputError
from amanat.provenance import jws
from amanat.provenance.errors import BadPayload, UnknownKey
from amanat.provenance.keys import b64url_decode, key_id, public_key_from_jwk
from amanat.provenance.merkle import leaf_hash
from amanat.provenance.ninjs import validate_item

PUBLISHER_TYPE = "amanat.publisher/v1"
KEY_EVENT_TYPE = "amanat.key-event/v1"
KINDS = {jws.TYP_PUBLISHER: "publisher", jws.TYP_KEY_EVENT: "key-event", jws.TYP_ITEM: "item"}


def entry_kind(token: str) -> str | None:
    """``publisher``, ``key-event`` or ``item`` from the token's typ (unverified), else None."""
    typ = jws.normal_typ(str(jws.peek_header(token).get("typ", "")))
    return next((kind for known, kind in KINDS.items() if jws.normal_typ(known) == typ), None)


def entry_leaf_hash(token: str) -> bytes:
    """The Merkle leaf hash of a log entry: SHA-256(0x00 || ASCII bytes of the compact JWS)."""
    return leaf_hash(token.encode("ascii"))


def publisher_document(name: str, origin: str, jwks: list[dict[str, str]], checkpoint_vkey: str) -> dict[str, Any]:
    return {
        "type": PUBLISHER_TYPE,
        "name": name,
        "origin": origin,
        "keys": jwks,
        "checkpointKey": checkpoint_vkey,
    }


def key_event(origin: str, event: str, *, jwk: dict[str, str] | None = None, kid: str | None = None,
              reason: str | None = None, time: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": KEY_EVENT_TYPE, "origin": origin, "event": event}
    if jwk is not None:
        body["jwk"] = jwk
    if kid is not None:
        body["kid"] = kid
    if reason:
        body["reason"] = reason
    if time:
        body["time"] = time
    return body


@dataclass
class KeyRecord:
    """One item-signing key and the part of the log in which it may sign."""

    kid: str
    key: Ed25519PublicKey
    added_at: int
    revoked_at: int | None = None
    revoke_reason: str | None = None
    # the key whose signature introduced this one (the publisher document's signer, or the
    # signer of the ``add`` event); None for the key that signed the publisher document
    # itself. A trust policy follows this chain from a key it trusts (amanat.provenance.policy).
    added_by: str | None = None

    def valid_at(self, index: int) -> bool:
        """Valid for entries after the one that added it and up to the one that revoked it."""
        return self.added_at <= index and (self.revoked_at is None or index < self.revoked_at)


@dataclass
class KeyHistory:
    """The publisher document and every key's validity, from replaying the log in order."""

    name: str
    origin: str
    checkpoint_vkey: str
    keys: dict[str, KeyRecord] = field(default_factory=dict)
    last_index: int = 0  # the index of the last publisher/key entry replayed
    signer: str = ""  # the key that signed the publisher document: the only one it proves

    def registry_at(self, index: int) -> dict[str, Ed25519PublicKey]:
        """The keys an entry at ``index`` may be signed with."""
        return {kid: rec.key for kid, rec in self.keys.items() if rec.valid_at(index)}

    def verify_entry(self, index: int, token: str) -> jws.Verified:
        """Verify one entry under the keys valid at its index; raises VerificationError."""
        typ = jws.peek_header(token).get("typ")
        if entry_kind(token) is None or not isinstance(typ, str):
            raise BadPayload(f"log entry {index} has an unknown typ {typ!r}")
        registry = self.registry_at(index)
        try:
            return jws.verify(token, registry, typ=typ)
        except UnknownKey:
            kid = jws.peek_header(token).get("kid")
            rec = self.keys.get(kid) if isinstance(kid, str) else None
            if rec is not None and rec.revoked_at is not None and index >= rec.revoked_at:
                raise UnknownKey(
                    f"log entry {index} is signed by key {kid}, revoked at log index {rec.revoked_at}"
                ) from None
            if rec is not None and index < rec.added_at:
                raise UnknownKey(
                    f"log entry {index} is signed by key {kid}, not added before log index {rec.added_at}"
                ) from None
            raise

    @classmethod
    def replay(cls, entries: Iterable[tuple[int, str]]) -> KeyHistory:
        """Build the key history from (index, token) pairs of the publisher document and key
        events, in log order; every one must verify under the keys valid at its index."""
        history: KeyHistory | None = None
        for index, token in entries:
            kind = entry_kind(token)
            if history is None:
                if index != 0 or kind != "publisher":
                    raise BadPayload("a log must begin with its publisher document at index 0")
                history = cls._from_publisher(token)
                continue
            if kind == "publisher":
                raise BadPayload(f"log entry {index}: a second publisher document")
            if kind != "key-event":
                continue  # items do not change keys
            verified = history.verify_entry(index, token)
            history._apply(index, verified.payload, signer=verified.kid)
            history.last_index = index
        if history is None:
            raise BadPayload("the log has no publisher document")
        return history

    @classmethod
    def _from_publisher(cls, token: str) -> KeyHistory:
        # the document introduces its own keys: verify it with the key it names among them
        try:
            doc = json.loads(b64url_decode(token.split(".")[1]))
        except (ValueError, IndexError):
            raise BadPayload("publisher document payload is not JSON") from None
        if not isinstance(doc, dict) or doc.get("type") != PUBLISHER_TYPE:
            raise BadPayload("entry 0 is not an Amanat publisher document")
        keys = {}
        for jwk in doc.get("keys") or []:
            key = public_key_from_jwk(jwk)
            keys[key_id(key)] = key
        if not keys:
            raise BadPayload("publisher document lists no keys")
        verified = jws.verify(token, keys, typ=jws.TYP_PUBLISHER)
        signer, doc = verified.kid, verified.payload
        for field_name in ("name", "origin", "checkpointKey"):
            if not isinstance(doc.get(field_name), str) or not doc[field_name]:
                raise BadPayload(f"publisher document has no {field_name}")
        history = cls(doc["name"], doc["origin"], doc["checkpointKey"], signer=signer)
        for kid, key in keys.items():
            history.keys[kid] = KeyRecord(kid, key, 0, added_by=None if kid == signer else signer)
        return history

    def _apply(self, index: int, event: Mapping[str, Any], signer: str | None = None) -> None:
        if event.get("type") != KEY_EVENT_TYPE or event.get("origin") != self.origin:
            raise BadPayload(f"log entry {index} is not a key event of {self.origin}")
        kind = event.get("event")
        if kind == "add":
            key = public_key_from_jwk(event.get("jwk") or {})
            kid = key_id(key)
            if kid in self.keys:
                raise BadPayload(f"log entry {index} adds key {kid}, which the log already has")
            self.keys[kid] = KeyRecord(kid, key, index + 1, added_by=signer)
        elif kind == "revoke":
            revoked = event.get("kid")
            rec = self.keys.get(revoked) if isinstance(revoked, str) else None
            if rec is None or rec.revoked_at is not None:
                raise BadPayload(f"log entry {index} revokes key {revoked!r}, which is not a valid key")
            rec.revoked_at = index + 1
            rec.revoke_reason = event.get("reason")
        else:
            raise BadPayload(f"log entry {index}: unknown key event {kind!r}")


def check_payload(history: KeyHistory, index: int, kind: str, payload: Mapping[str, Any],
                  signer: str | None = None) -> None:
    """What a verified entry says must fit its kind: a key event is applied to ``history``
    (so it must be a valid event), an item must be a valid ninjs item."""
    if kind == "key-event":
        history._apply(index, payload, signer)
    elif kind == "item":
        try:
            validate_item(dict(payload))
        except InputError as exc:
            raise BadPayload(f"log entry {index}: {exc.message}") from None
