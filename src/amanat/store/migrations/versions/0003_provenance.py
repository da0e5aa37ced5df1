"""Publishers, their append-only logs, complete-subtree hashes and checkpoints.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "publishers",
        sa.Column("origin", sa.String(255), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("checkpoint_vkey", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("local", sa.Boolean, nullable=False),
        sa.Column("created", TZ, nullable=False),
    )
    op.create_table(
        "log_entries",
        sa.Column("origin", sa.String(255), sa.ForeignKey("publishers.origin"), primary_key=True),
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("token", sa.Text, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary, nullable=False),
        sa.Column("item_uri", sa.Text),
        sa.Column("item_version", sa.Integer),
        sa.Column("pub_status", sa.String(16)),
        sa.Column("created", TZ, nullable=False),
    )
    op.create_index("ix_log_entries_item_uri", "log_entries", ["item_uri"])
    op.create_table(
        "log_subtrees",
        sa.Column("origin", sa.String(255), primary_key=True),
        sa.Column("level", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "checkpoints",
        sa.Column("origin", sa.String(255), primary_key=True),
        sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created", TZ, nullable=False),
    )


def downgrade() -> None:
    for table in ("checkpoints", "log_subtrees", "log_entries", "publishers"):
        op.drop_table(table)
