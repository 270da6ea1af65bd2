"""screening reviews: not-a-match decisions tied to a list entry's content hash

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 12:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screening_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_name", sa.String(length=300), nullable=False),
        sa.Column("party_key", sa.String(length=300), nullable=False),
        sa.Column("entry_id", sa.String(length=200), nullable=False),
        sa.Column("entry_hash", sa.String(length=128), nullable=False),
        sa.Column("decision", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("screening_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screening_reviews_party_key"), ["party_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("screening_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_reviews_party_key"))
    op.drop_table("screening_reviews")
