"""Stories: documents grouped by the event they report.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("first_published", sa.String(10)),
        sa.Column("last_published", sa.String(10)),
        sa.Column("documents", sa.Integer, nullable=False),
        sa.Column("reports", sa.Integer, nullable=False),
        sa.Column("sources", sa.Integer, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.Text, nullable=False),
    )
    op.create_index("ix_stories_last_published", "stories", ["last_published"])
    op.create_table(
        "story_documents",
        sa.Column("document_id", sa.String(16), sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("story_id", sa.String(16), sa.ForeignKey("stories.id"), nullable=False),
        sa.Column("report_key", sa.String(16), nullable=False),
        sa.Column("joined", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_story_documents_story_id", "story_documents", ["story_id"])
    op.create_table(
        "story_features",
        sa.Column("feature", sa.String(255), primary_key=True),
        sa.Column("reports", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("story_features")
    op.drop_index("ix_story_documents_story_id", "story_documents")
    op.drop_table("story_documents")
    op.drop_index("ix_stories_last_published", "stories")
    op.drop_table("stories")
