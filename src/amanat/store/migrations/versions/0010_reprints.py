"""Reprints of signed items found in the stored documents, with their fidelity; which
knowledge-base entity a publisher (own or followed) speaks for.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reprints",
        sa.Column("item_uri", sa.String(512), primary_key=True),
        sa.Column("document_id", sa.String(16), sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("origin", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("classes", sa.String(128), nullable=False),
        sa.Column("share", sa.Float, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("current", sa.Boolean, nullable=False),
    )
    op.create_index("ix_reprints_document_id", "reprints", ["document_id"])
    op.create_table(
        "reprint_matched",
        sa.Column("origin", sa.String(255), primary_key=True),
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("documents_seq", sa.BigInteger, nullable=False),
        sa.Column("matched", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("publishers") as batch:
        batch.add_column(sa.Column("speaks_for", sa.String(255)))
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("speaks_for", sa.String(255)))


def downgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("speaks_for")
    with op.batch_alter_table("publishers") as batch:
        batch.drop_column("speaks_for")
    op.drop_table("reprint_matched")
    op.drop_index("ix_reprints_document_id", "reprints")
    op.drop_table("reprints")
