"""The ledger's schema revision, in a module that imports nothing: a command that only reads the ledger's SQLite file
(``chipclear.ledger.quick_reviews``) checks it without loading SQLAlchemy."""

# The newest migration in ``migrations/versions``; opening a ledger needs no Alembic import (it is slow to load).
# tests/ledger/test_migrations.py checks it against the migrations directory.
SCHEMA_REVISION = "0007"

__all__ = ["SCHEMA_REVISION"]
