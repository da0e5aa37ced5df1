"""Sources, raw payloads, document versions, the seen-list, and full-text search.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("country", sa.String(8)),
        sa.Column("language", sa.String(16)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("first_seen", TZ, nullable=False),
    )
    op.create_table(
        "raw",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("codec", sa.String(16), nullable=False),
        sa.Column("data", sa.LargeBinary),
        sa.Column("ref_path", sa.Text),
        sa.Column("ref_offset", sa.BigInteger),
        sa.Column("ref_length", sa.BigInteger),
        sa.Column("ref_digest", sa.String(100)),
    )
    op.create_table(
        "documents",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(16), nullable=False, unique=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("canonical_url", sa.Text, nullable=False),
        sa.Column("source", sa.String(255), sa.ForeignKey("sources.key"), nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("byline", sa.Text),
        sa.Column("published", sa.String(32)),
        sa.Column("published_precision", sa.String(16)),
        sa.Column("published_source", sa.String(16)),
        sa.Column("language", sa.String(16)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("fetched", TZ),
        sa.Column("ingested", TZ, nullable=False),
        sa.Column("raw_digest", sa.String(64), sa.ForeignKey("raw.digest")),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("previous_id", sa.String(16)),
    )
    for column in ("canonical_url", "content_hash", "source", "published", "language"):
        op.create_index(f"ix_documents_{column}", "documents", [column])
    op.create_table(
        "seen",
        sa.Column("url", sa.Text, primary_key=True),
        sa.Column("raw_digest", sa.String(64), primary_key=True),
        sa.Column("document_id", sa.String(16)),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("at", TZ, nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_fts()
    else:
        _postgres_fts()


def _sqlite_fts() -> None:
    # External-content FTS5 index kept in step by triggers, in the same transaction as the
    # row: the database stays the one source of truth and a crash cannot leave them apart.
    op.execute(
        "CREATE VIRTUAL TABLE documents_fts USING fts5(title, text, content='documents', "
        "content_rowid='seq', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER documents_fts_ai AFTER INSERT ON documents BEGIN "
        "INSERT INTO documents_fts(rowid, title, text) VALUES (new.seq, new.title, new.text); END"
    )
    op.execute(
        "CREATE TRIGGER documents_fts_ad AFTER DELETE ON documents BEGIN "
        "INSERT INTO documents_fts(documents_fts, rowid, title, text) "
        "VALUES ('delete', old.seq, old.title, old.text); END"
    )
    op.execute(
        "CREATE TRIGGER documents_fts_au AFTER UPDATE OF title, text ON documents BEGIN "
        "INSERT INTO documents_fts(documents_fts, rowid, title, text) "
        "VALUES ('delete', old.seq, old.title, old.text); "
        "INSERT INTO documents_fts(rowid, title, text) VALUES (new.seq, new.title, new.text); END"
    )


def _postgres_fts() -> None:
    # 'simple' configuration: no stemming, so both backends match the same tokens. The text
    # is capped because a tsvector cannot exceed 1 MB.
    op.execute(
        "ALTER TABLE documents ADD COLUMN search tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
        "setweight(to_tsvector('simple', left(text, 200000)), 'B')) STORED"
    )
    op.execute("CREATE INDEX ix_documents_search ON documents USING gin (search)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS documents_fts")
    for table in ("seen", "documents", "raw", "sources"):
        op.drop_table(table)
