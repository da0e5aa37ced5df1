"""Knowledge-base imports and per-document mentions.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_imports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("imported", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entities", sa.Integer, nullable=False),
        sa.Column("facts", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "mentions",
        sa.Column("document_id", sa.String(16), sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("n", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.String(255)),
        sa.Column("candidates", sa.Text, nullable=False),
        sa.Column("role", sa.Text),
        sa.Column("role_start", sa.Integer),
        sa.Column("role_end", sa.Integer),
        sa.Column("marker", sa.String(16)),
        sa.Column("score", sa.Float),
        sa.Column("method", sa.String(16)),
        sa.Column("nested", sa.Boolean, nullable=False),
        sa.Column("kb_version", sa.String(64), nullable=False),
    )
    op.create_index("ix_mentions_entity_id", "mentions", ["entity_id"])


def downgrade() -> None:
    op.drop_table("mentions")
    op.drop_table("kb_imports")
