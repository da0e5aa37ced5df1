"""Claims per document, and which analysis pass ran on which document at which version.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("document_id", sa.String(16), sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("n", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("extractor", sa.String(64), nullable=False),
    )
    op.create_index("ix_claims_type", "claims", ["type"])
    op.create_table(
        "analysis_runs",
        sa.Column("document_id", sa.String(16), sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("pass_name", sa.String(32), primary_key=True),
        sa.Column("version", sa.String(255), nullable=False),
        sa.Column("status", sa.Text),
        sa.Column("analysed", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("analysis_runs")
    op.drop_index("ix_claims_type", "claims")
    op.drop_table("claims")
