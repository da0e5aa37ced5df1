"""Two indexes for ``GET /api/v1/findings``, which pages the current findings oldest first,
all of them or one type's, and says how many match in all: ordered by (current, first_seen,
id), and by type before them, so the page is a walk along the index and the total a count
of its entries, neither reading a finding's row (its JSON evidence and facts). Before, both
read every matching finding and sorted them: ~80 ms a page at 24k findings (bench http).

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_findings_current_first_seen_id", "findings", ["current", "first_seen", "id"])
    op.create_index("ix_findings_type_current_first_seen_id", "findings", ["type", "current", "first_seen", "id"])


def downgrade() -> None:
    op.drop_index("ix_findings_type_current_first_seen_id", "findings")
    op.drop_index("ix_findings_current_first_seen_id", "findings")
