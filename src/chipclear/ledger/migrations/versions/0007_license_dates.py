"""licenses: the day each was issued, and the effective dates of its suspensions, revocation and reinstatements

A license granted before one of its parties was added to the Entity List covered lines dated after the listing
with no flag (door audit 2026-12-07): coverage needs the day the license was issued, which was kept only on the
application (``decided_on``); the grant now keeps it here (``issued_on``). The licenses on file keep it empty
and coverage reads it as their ``valid_from``, which a grant may not precede: filling it from the applications here
would change rows the audit log holds as they were, and ``audit verify`` would report them changed. A suspension took effect when it was recorded, so a
line dated inside a suspension window the agency set, recorded after the reinstatement, shipped: ``status_changes``
keeps each change with the day it took effect (empty for the licenses on file: their changes have no recorded
effective date).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (no batch copy): other tables' foreign keys refer to licenses
    op.add_column("licenses", sa.Column("issued_on", sa.Date(), nullable=True))
    op.add_column("licenses", sa.Column("status_changes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.drop_column("status_changes")
        batch_op.drop_column("issued_on")
