"""Two covering indexes for the entity page at 100k documents: documents by (id, published),
so dating the thousands of documents that name a well-known entity reads the index, not
each 2 KB row; findings by (id, current, first_seen), so counting and paging an entity's
findings through ``finding_entities`` reads the index, not each finding's row (its JSON
evidence and facts). Each halved or better what it replaces (bench pages).

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_documents_id_published", "documents", ["id", "published"])
    op.create_index("ix_findings_id_current_first_seen", "findings", ["id", "current", "first_seen"])


def downgrade() -> None:
    op.drop_index("ix_findings_id_current_first_seen", "findings")
    op.drop_index("ix_documents_id_published", "documents")
