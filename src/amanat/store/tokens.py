"""API access tokens: issued once, stored only as a digest, checked in constant time.

A token reads ``amanat_<id>_<secret>``: ``id`` (12 hex digits) is public and names the token
in lists and revocations; ``secret`` is 256 random bits. The store keeps SHA-256 of the
whole token, never the token itself, so a leaked database grants nothing.

Why SHA-256 and not a slow KDF (bcrypt, scrypt, Argon2): a slow KDF exists to make guessing
*low-entropy* passwords from a stolen hash expensive. A 256-bit random secret cannot be
guessed at any hash speed, so the slowness would buy nothing, while costing tens of
milliseconds of CPU on every API request (and handing an attacker a cheap way to load the
server). The digest is compared with ``hmac.compare_digest`` so timing does not reveal how
much of a presented token matched.

Scopes, from least to most: ``read`` (read private coverage: documents, search, export),
``ingest`` (add coverage; implies read), ``publish`` (publish official items; does *not*
imply reading the private corpus: a press office that publishes has no business in a
newsroom's archive), ``review`` (confirm or dismiss findings; implies read), ``admin``
(everything).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from amanat.errors import InputError, NotFound
from amanat.store import rawsql
from amanat.store import schema as t
from amanat.store.db import Store

SCOPES = ("read", "ingest", "publish", "review", "admin")
_IMPLIED = {"read": {"read"}, "ingest": {"ingest", "read"}, "publish": {"publish"}, "review": {"review", "read"},
            "admin": set(SCOPES)}
_PREFIX = "amanat_"
_SHAPE = re.compile(r"amanat_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
MAX_PUBLISHER = 200


@dataclass(frozen=True)
class Token:
    """What the store knows about a token: everything except the secret."""

    id: str
    publisher: str
    scope: str
    created: datetime
    revoked: datetime | None

    def allows(self, needed: str) -> bool:
        """True when this token is valid and its scope covers ``needed``."""
        return self.revoked is None and needed in _IMPLIED[self.scope]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "publisher": self.publisher,
            "scope": self.scope,
            "created": self.created.isoformat(),
            "revoked": self.revoked.isoformat() if self.revoked else None,
        }


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(store: Store, publisher: str, scope: str) -> tuple[Token, str]:
    """Create a token; return its record and the token text, which is never stored."""
    if scope not in SCOPES:
        raise InputError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    publisher = publisher.strip()
    if not publisher or len(publisher) > MAX_PUBLISHER:
        raise InputError(f"publisher must be a name of 1 to {MAX_PUBLISHER} characters")
    token_id = secrets.token_hex(6)
    text = f"{_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    record = Token(token_id, publisher, scope, datetime.now(UTC), None)
    with store.engine.begin() as conn:
        conn.execute(
            sa.insert(t.tokens).values(
                id=token_id, digest=digest(text), publisher=publisher, scope=scope,
                created=record.created, revoked=None,
            )
        )
    return record, text


# every API request checks a token: through the driver's cursor (``rawsql``)
_BY_ID = "SELECT id, digest, publisher, scope, created, revoked FROM tokens WHERE id = :id"


def check_token(store: Store, presented: str) -> Token | None:
    """The token record if ``presented`` is a token this store issued, else None.

    Revoked tokens are returned (``allows`` refuses them) so callers can say why.
    """
    match = _SHAPE.fullmatch(presented)
    if not match:
        return None
    rows = rawsql.fetch(store.engine, _BY_ID, {"id": match.group(1)})
    row = rows[0] if rows else None
    wanted = row[1] if row else "0" * 64
    if not hmac.compare_digest(digest(presented), wanted) or row is None:
        return None
    created = rawsql.timestamp(row[4])
    assert created is not None
    return Token(row[0], row[2], row[3], created, rawsql.timestamp(row[5]))


def list_tokens(store: Store) -> list[Token]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(t.tokens).order_by(t.tokens.c.created, t.tokens.c.id)).fetchall()
    return [_record(r) for r in rows]


def revoke_token(store: Store, token_id: str) -> Token:
    """Revoke a token by its public id (idempotent: revoking twice keeps the first time)."""
    with store.engine.begin() as conn:
        row = conn.execute(sa.select(t.tokens).where(t.tokens.c.id == token_id)).first()
        if row is None:
            raise NotFound(f"no token with id {token_id!r} (see `amanat tokens list`)")
        if row.revoked is None:
            conn.execute(
                sa.update(t.tokens).where(t.tokens.c.id == token_id).values(revoked=datetime.now(UTC))
            )
        row = conn.execute(sa.select(t.tokens).where(t.tokens.c.id == token_id)).one()
    return _record(row)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _record(row: Any) -> Token:
    created = _aware(row.created)
    assert created is not None
    return Token(row.id, row.publisher, row.scope, created, _aware(row.revoked))
