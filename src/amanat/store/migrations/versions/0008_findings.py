"""Findings of the checks, and reviewers' decisions on them.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "findings",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("document_id", sa.String(16), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("check_name", sa.String(64), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("sentence", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("judged_at", sa.String(10)),
        sa.Column("date_source", sa.Text),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("current", sa.Boolean, nullable=False),
    )
    op.create_index("ix_findings_document_id", "findings", ["document_id"])
    op.create_index("ix_findings_status", "findings", ["status"])
    op.create_table(
        "finding_reviews",
        sa.Column("finding_id", sa.String(16), primary_key=True),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("reviewer", sa.String(255), nullable=False),
        sa.Column("decided", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("finding_reviews")
    op.drop_index("ix_findings_status", "findings")
    op.drop_index("ix_findings_document_id", "findings")
    op.drop_table("findings")
