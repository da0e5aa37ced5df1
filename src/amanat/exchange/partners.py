"""The follower's records: partners it follows, what it found wrong, cosignatures, subscribers.

Everything here is plain reads and writes of the exchange tables; the verification that
decides what may be written lives in ``sync`` and ``witness``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from amanat.errors import InputError, NotFound
from amanat.store import schema as t
from amanat.store.db import Store


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Partner:
    """A followed node and the last state of its log that this node verified."""

    origin: str
    url: str
    checkpoint_vkey: str
    pinned_kid: str | None
    tofu: bool
    witness_vkey: str | None
    verified_size: int
    verified_root: str | None
    verified_note: str | None
    verified_at: datetime | None
    last_sync: datetime | None
    last_status: str | None
    last_error: str | None
    push_secret: str | None

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d.pop("push_secret")
        for k in ("verified_at", "last_sync"):
            d[k] = d[k].isoformat() if d[k] else None
        return d


def _partner(row: Any) -> Partner:
    m = row._mapping
    return Partner(**{k: m[k] for k in Partner.__dataclass_fields__})


def add_partner(store: Store, *, origin: str, url: str, checkpoint_vkey: str, pinned_kid: str | None,
                tofu: bool, witness_vkey: str | None = None) -> Partner:
    with store.engine.begin() as conn:
        if conn.execute(sa.select(t.partners.c.origin).where(t.partners.c.origin == origin)).first():
            raise InputError(f"already following {origin} (see `amanat partners`)")
        conn.execute(sa.insert(t.partners).values(
            origin=origin, url=url, checkpoint_vkey=checkpoint_vkey, pinned_kid=pinned_kid, tofu=tofu,
            witness_vkey=witness_vkey, verified_size=0, created=now()))
    return get_partner(store, origin)


def get_partner(store: Store, origin: str) -> Partner:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(t.partners).where(t.partners.c.origin == origin)).first()
    if row is None:
        raise NotFound(f"not following {origin!r} (see `amanat partners`)")
    return _partner(row)


def list_partners(store: Store) -> list[Partner]:
    with store.engine.connect() as conn:
        return [_partner(r) for r in conn.execute(sa.select(t.partners).order_by(t.partners.c.origin))]


def update_partner(store: Store, origin: str, **values: Any) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.update(t.partners).where(t.partners.c.origin == origin).values(**values))


def remove_partner(store: Store, origin: str) -> None:
    get_partner(store, origin)
    with store.engine.begin() as conn:
        conn.execute(sa.delete(t.partners).where(t.partners.c.origin == origin))


# --- problems ---------------------------------------------------------------------------------


def record_problem(store: Store, origin: str, kind: str, message: str, *, index: int | None = None,
                   size: int | None = None) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.insert(t.exchange_problems).values(
            origin=origin, at=now(), kind=kind, message=message, entry_index=index, size=size))


def problems(store: Store, origin: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    p = t.exchange_problems
    query = sa.select(p).order_by(p.c.id.desc()).limit(limit)
    if origin is not None:
        query = query.where(p.c.origin == origin)
    with store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for r in rows:
        r["at"] = r["at"].isoformat()
    return rows


# --- cosignatures -----------------------------------------------------------------------------


def save_cosignature(store: Store, *, origin: str, size: int, cosigner: str, vkey: str, timestamp: int,
                     line: str, made: bool) -> bool:
    """Keep a verified cosignature; False when that cosigner's one for this size is kept already."""
    c = t.cosignatures
    with store.engine.begin() as conn:
        if conn.execute(sa.select(c.c.size).where(c.c.origin == origin, c.c.size == size,
                                                  c.c.cosigner == cosigner)).first():
            return False
        conn.execute(sa.insert(c).values(origin=origin, size=size, cosigner=cosigner, vkey=vkey,
                                         timestamp=timestamp, line=line, made=made, created=now()))
    return True


def cosignatures(store: Store, origin: str, size: int | None = None) -> list[dict[str, Any]]:
    c = t.cosignatures
    query = sa.select(c).where(c.c.origin == origin).order_by(c.c.size, c.c.cosigner)
    if size is not None:
        query = query.where(c.c.size == size)
    with store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for r in rows:
        r["created"] = r["created"].isoformat()
    return rows


# --- push subscribers (publisher side) ---------------------------------------------------------


def subscribe(store: Store, origin: str, callback: str, secret: str, size: int) -> None:
    s = t.subscriptions
    with store.engine.begin() as conn:
        conn.execute(sa.delete(s).where(s.c.origin == origin, s.c.callback == callback))
        conn.execute(sa.insert(s).values(origin=origin, callback=callback, secret=secret, notified_size=size,
                                         created=now()))


def unsubscribe(store: Store, origin: str, callback: str) -> None:
    s = t.subscriptions
    with store.engine.begin() as conn:
        conn.execute(sa.delete(s).where(s.c.origin == origin, s.c.callback == callback))


def subscribers(store: Store) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(t.subscriptions))]


def mark_notified(store: Store, origin: str, callback: str, size: int) -> None:
    s = t.subscriptions
    with store.engine.begin() as conn:
        conn.execute(sa.update(s).where(s.c.origin == origin, s.c.callback == callback).values(notified_size=size))
