"""Mark the newest version of each article, so search can show one result per article.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN, not a batch operation: on SQLite a batch rebuilds the table and
    # would drop the triggers that keep the full-text index in step
    op.add_column("documents", sa.Column("latest", sa.Boolean, nullable=False, server_default=sa.true()))
    op.execute(
        "UPDATE documents SET latest = false WHERE EXISTS (SELECT 1 FROM documents newer "
        "WHERE newer.canonical_url = documents.canonical_url AND newer.version > documents.version)"
    )


def downgrade() -> None:
    op.drop_column("documents", "latest")
