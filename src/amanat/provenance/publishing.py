"""Publishing operations of a node that holds a publisher's keys: create the publisher,
rotate and revoke keys, publish, correct, translate and withdraw items.

Each operation signs one object and appends it to the publisher's log (one transaction,
with a new signed checkpoint). Private keys come from the key store (``keystore``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from amanat.errors import InputError, NotFound
from amanat.provenance import entries, items, jws, note
from amanat.provenance.entries import KeyHistory
from amanat.provenance.keys import generate, key_id, public_jwk
from amanat.provenance.keystore import PublisherKeys, publisher_keys
from amanat.provenance.log import Entry, Log
from amanat.store.db import Store


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def default_origin(name: str) -> str:
    """``localhost/amanat/<name-slug>``: a C2SP origin (schema-less URL) for a local node."""
    return "localhost/amanat/" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "publisher")


@dataclass(frozen=True)
class Statement:
    """What a new item says: its headline, body and language (and body type, stated time)."""

    headline: str
    body: str
    language: str
    content_type: str = "text/plain"
    when: str | None = None


@dataclass
class Publisher:
    """A local publisher: its log and its keys."""

    log: Log
    keys: PublisherKeys

    @classmethod
    def open(cls, store: Store, name_or_origin: str, keys_dir: str | None = None) -> Publisher:
        log = Log.find(store, name_or_origin)
        if not log.info()["local"]:
            raise InputError(f"{name_or_origin}: this node follows that publisher, it cannot sign for it")
        return cls(log, publisher_keys(log.origin, keys_dir))

    @property
    def name(self) -> str:
        return str(self.log.info()["name"])

    def signing_key(self, history: KeyHistory | None = None) -> tuple[str, Any]:
        """The newest valid item key whose private half this node holds."""
        history = history or self.log.key_history()
        valid = [rec for rec in history.keys.values() if rec.valid_at(self.log.size)]
        for rec in sorted(valid, key=lambda r: r.added_at, reverse=True):
            try:
                return rec.kid, self.keys.item_key(rec.kid)
            except InputError:
                continue
        raise InputError(f"{self.name}: no valid signing key on this node (all revoked or missing)")

    def _append(self, obj: dict[str, Any], typ: str) -> Entry:
        history = self.log.key_history()
        kid, key = self.signing_key(history)
        token = jws.sign(obj, key, typ=typ, kid=kid)
        return self.log.append(token, self.keys.checkpoint_signer(), history=history)

    # --- keys -------------------------------------------------------------------------------

    def rotate(self) -> tuple[str, Entry]:
        """Add a new key, announced with a signature by the current one."""
        new = generate()
        self.keys.save_item_key(new)
        event = entries.key_event(self.log.origin, "add", jwk=public_jwk(new), time=_now())
        return key_id(new), self._append(event, jws.TYP_KEY_EVENT)

    def revoke(self, kid: str, reason: str) -> Entry:
        history = self.log.key_history()
        rec = history.keys.get(kid)
        if rec is None or not rec.valid_at(self.log.size):
            raise NotFound(f"{self.name} has no valid key {kid}")
        if len(history.registry_at(self.log.size + 1)) <= 1:
            raise InputError(f"{kid} is {self.name}'s last valid key: rotate first (`amanat keys new`)")
        event = entries.key_event(self.log.origin, "revoke", kid=kid, reason=reason or "unspecified", time=_now())
        # sign with another key where possible, so a compromised key is not the only witness
        others = [r for r in history.keys.values() if r.kid != kid and r.valid_at(self.log.size)]
        signer_kid = others[-1].kid if others else kid
        token = jws.sign(event, self.keys.item_key(signer_kid), typ=jws.TYP_KEY_EVENT, kid=signer_kid)
        return self.log.append(token, self.keys.checkpoint_signer())

    # --- items ------------------------------------------------------------------------------

    def publish(self, *, headline: str, body: str, language: str, content_type: str = "text/plain",
                when: str | None = None) -> Entry:
        """Sign and log a new item; ``when`` is the time it states it was created (default now:
        the demo dates its synthetic statement with its synthetic coverage)."""
        item = items.make_item(uri=items.new_item_uri(self.log.origin), headline=headline, body=body,
                               language=language, publisher=self.name, content_type=content_type, when=when)
        return self._append(item, jws.TYP_ITEM)

    def publish_many(self, statements: Sequence[Statement]) -> list[Entry]:
        """Sign and log many new items as one batch: one transaction, one checkpoint (what
        ``amanat publish FOLDER`` does per batch); all or none are logged."""
        history = self.log.key_history()
        kid, key = self.signing_key(history)
        name = self.name  # a query: once, not per item
        tokens = []
        for st in statements:
            item = items.make_item(uri=items.new_item_uri(self.log.origin), headline=st.headline, body=st.body,
                                   language=st.language, publisher=name, content_type=st.content_type,
                                   when=st.when)
            tokens.append(jws.sign(item, key, typ=jws.TYP_ITEM, kid=kid))
        return self.log.append_many(tokens, self.keys.checkpoint_signer(), history=history)

    def latest(self, uri: str) -> dict[str, Any]:
        versions = self.log.item_versions(uri)
        if not versions:
            raise NotFound(f"{self.name} has published no item {uri}")
        if versions[-1].pub_status == "canceled":
            raise InputError(f"item {uri} was withdrawn at log index {versions[-1].index}")
        return jws.verify(versions[-1].token, self.log.key_history().registry_at(versions[-1].index),
                          typ=jws.TYP_ITEM).payload

    def correct(self, uri: str, *, body: str, headline: str | None = None) -> Entry:
        return self._append(items.correction_of(self.latest(uri), headline=headline, body=body, publisher=self.name),
                            jws.TYP_ITEM)

    def withdraw(self, uri: str, *, reason: str) -> Entry:
        return self._append(items.withdrawal_of(self.latest(uri), reason=reason, publisher=self.name), jws.TYP_ITEM)

    def translate(self, uri: str, *, headline: str, body: str, language: str) -> Entry:
        original = self.latest(uri)
        item = items.translation_of(original, uri=items.new_item_uri(self.log.origin), headline=headline,
                                    body=body, language=language, publisher=self.name)
        return self._append(item, jws.TYP_ITEM)


def create_publisher(store: Store, name: str, *, origin: str | None = None, keys_dir: str | None = None) -> Publisher:
    """A new publisher: item key, checkpoint key, log, and the publisher document at entry 0."""
    if not name.strip():
        raise InputError("a publisher needs a name")
    origin = origin or default_origin(name)
    if any(c.isspace() or c == "+" for c in origin):
        raise InputError(f"origin {origin!r} may not contain spaces or '+'")
    keys = publisher_keys(origin, keys_dir)
    item_key = generate()
    signer = note.NoteSigner(origin, generate())
    log = Log.create(store, name=name, origin=origin, checkpoint_vkey=signer.verifier().vkey(), local=True)
    keys.save_checkpoint_signer(signer)
    keys.save_item_key(item_key)
    document = entries.publisher_document(name, origin, [public_jwk(item_key)], signer.verifier().vkey())
    log.append(jws.sign(document, item_key, typ=jws.TYP_PUBLISHER), signer)
    return Publisher(log, keys)
