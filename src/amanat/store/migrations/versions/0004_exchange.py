"""Exchange: followed partners, cosignatures, sync problems, push subscriptions, witness key.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("origin", sa.String(255), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("checkpoint_vkey", sa.Text, nullable=False),
        sa.Column("pinned_kid", sa.String(64)),
        sa.Column("tofu", sa.Boolean, nullable=False),
        sa.Column("witness_vkey", sa.Text),
        sa.Column("verified_size", sa.BigInteger, nullable=False),
        sa.Column("verified_root", sa.String(64)),
        sa.Column("verified_note", sa.Text),
        sa.Column("verified_at", TZ),
        sa.Column("last_sync", TZ),
        sa.Column("last_status", sa.String(16)),
        sa.Column("last_error", sa.Text),
        sa.Column("push_secret", sa.String(128)),
        sa.Column("created", TZ, nullable=False),
    )
    op.create_table(
        "cosignatures",
        sa.Column("origin", sa.String(255), primary_key=True),
        sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("cosigner", sa.String(255), primary_key=True),
        sa.Column("vkey", sa.Text, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("line", sa.Text, nullable=False),
        sa.Column("made", sa.Boolean, nullable=False),
        sa.Column("created", TZ, nullable=False),
    )
    op.create_table(
        "exchange_problems",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("origin", sa.String(255), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("entry_index", sa.BigInteger),
        sa.Column("size", sa.BigInteger),
    )
    op.create_index("ix_exchange_problems_origin", "exchange_problems", ["origin"])
    op.create_table(
        "subscriptions",
        sa.Column("origin", sa.String(255), primary_key=True),
        sa.Column("callback", sa.Text, primary_key=True),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("notified_size", sa.BigInteger, nullable=False),
        sa.Column("created", TZ, nullable=False),
    )
    op.create_table(
        "witness_keys",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("vkey", sa.Text, nullable=False),
        sa.Column("created", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_index("ix_exchange_problems_origin", "exchange_problems")
    for table in ("witness_keys", "subscriptions", "exchange_problems", "cosignatures", "partners"):
        op.drop_table(table)
