"""screening reviews: the party's country as reviewed

A review clears a hit for the party as reviewed. Before this revision a review was keyed on the party's name only, so
a not-a-match call on a German company cleared a Chinese company of the same name. Reviews recorded before this
revision have no country: they now clear the name only for a party that states no country (fail closed: a party
with a country is screened again and its hits come back for review).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 23:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("screening_reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("party_country", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("screening_reviews", schema=None) as batch_op:
        batch_op.drop_column("party_country")
