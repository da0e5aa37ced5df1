"""Which entities each finding's facts name, indexed: the entity page reads its findings
through this instead of searching every finding's facts. Filled from the stored findings.
Findings indexed by first seen, so the lists and feeds page newest first without sorting
every finding, and by type, status and current, so the dashboard's tally reads an index (not led by
``current``, which a planner without statistics would take for selective and then sort
every current finding for a page).

Revision ID: 0012
Revises: 0011
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

KEYS = ("subject", "object", "entity")  # as store.findings.entities_named reads them


def upgrade() -> None:
    table = op.create_table(
        "finding_entities",
        sa.Column("finding_id", sa.String(16), primary_key=True),
        sa.Column("entity_id", sa.String(255), primary_key=True),
    )
    op.create_index("ix_finding_entities_entity_id", "finding_entities", ["entity_id"])
    op.create_index("ix_findings_first_seen", "findings", ["first_seen", "id"])
    op.create_index("ix_findings_type_status_current", "findings", ["type", "status", "current"])
    conn = op.get_bind()
    rows = []
    for fid, facts in conn.execute(sa.text("SELECT id, facts FROM findings")):
        try:
            parsed = json.loads(facts)
        except ValueError:
            continue
        named = {str(f[k]) for f in parsed if isinstance(f, dict) for k in KEYS
                 if isinstance(f.get(k), str) and f[k] and len(f[k]) <= 255}
        rows += [{"finding_id": fid, "entity_id": e} for e in sorted(named)]
        if len(rows) >= 5000:
            op.bulk_insert(table, rows)
            rows = []
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index("ix_findings_type_status_current", "findings")
    op.drop_index("ix_findings_first_seen", "findings")
    op.drop_index("ix_finding_entities_entity_id", "finding_entities")
    op.drop_table("finding_entities")
