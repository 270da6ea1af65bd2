"""The license and shipment ledger: applications, licenses, shipments, holds, roles and a tamper-evident audit
log, on SQLite (default) or PostgreSQL.

Typical use::

    from chipclear.ledger import open_ledger, services, users

    ledger = open_ledger()                      # settings' database, migrated on first use
    with ledger.session() as s:                 # one transaction
        actor = users.authenticate(s, api_key)
        decision = services.check_line(s, line, actor)
"""

from __future__ import annotations

from chipclear.ledger import audit, services, users
from chipclear.ledger.coverage import LicenseTerms, apply_coverage, find_covering_license
from chipclear.ledger.db import Ledger, open_ledger
from chipclear.ledger.roles import Role
from chipclear.ledger.services import check_line, release_hold, ship
from chipclear.ledger.users import authenticate, create_user

__all__ = [
    "Ledger",
    "LicenseTerms",
    "Role",
    "apply_coverage",
    "audit",
    "authenticate",
    "check_line",
    "create_user",
    "find_covering_license",
    "open_ledger",
    "release_hold",
    "services",
    "ship",
    "users",
]
