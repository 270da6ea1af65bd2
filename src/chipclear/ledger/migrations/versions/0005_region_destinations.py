"""shipment lines: a destination may be a region the geography data names (UA-43 Crimea, UA-14 Donetsk ...)

``chipclear check --to UA-43`` decided Crimea under the Part 746 embargo, but the ledger took only two-letter codes,
so a shipment to Crimea could be recorded only as "UA", which ships an A10 NLR (a door audit, 2026-12-07). The column
widens from 2 to 8 characters (ISO 3166-2 codes have at most 6).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 02:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _retype(old: int, new: int) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite does not enforce a VARCHAR's length, and changing it would copy the table, which other tables'
        # foreign keys refer to: the declared type is rewritten in place (the schema SQLAlchemy reflects)
        op.execute("PRAGMA writable_schema = ON")
        op.execute(
            f"UPDATE sqlite_master SET sql = replace(sql, 'destination VARCHAR({old}) NOT NULL',"
            f" 'destination VARCHAR({new}) NOT NULL') WHERE type = 'table' AND name = 'shipment_lines'"
        )
        version = op.get_bind().exec_driver_sql("PRAGMA schema_version").scalar_one()
        op.execute(f"PRAGMA schema_version = {int(version) + 1}")  # every connection re-reads the schema
        op.execute("PRAGMA writable_schema = OFF")
        return
    op.alter_column(
        "shipment_lines",
        "destination",
        existing_type=sa.String(length=old),
        type_=sa.String(length=new),
        existing_nullable=False,
    )


def upgrade() -> None:
    _retype(2, 8)


def downgrade() -> None:
    _retype(8, 2)
