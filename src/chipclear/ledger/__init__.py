"""The license and shipment ledger: applications, licenses, shipments, holds, roles and a tamper-evident audit
log, on SQLite (default) or PostgreSQL.

Typical use::

    from chipclear.ledger import checks, open_ledger, users

    ledger = open_ledger()                      # settings' database, migrated on first use
    with ledger.session() as s:                 # one transaction
        actor = users.authenticate(s, api_key)
        decision = checks.check_line(s, line, actor)

One module per group: ``checks`` (ledger-aware checks), ``licenses`` (applications and licenses), ``shipments``
(shipments, holds, releases), ``parties`` (the parties table).
"""

from __future__ import annotations

from chipclear.lazy import exports

# Names are imported on first use, so a command that only reads one table (``chipclear screen`` reading the
# review store) does not load the services and the determination engine.
_EXPORTS: dict[str, tuple[str, str | None]] = {
    "audit": ("chipclear.ledger.audit", None),
    "checks": ("chipclear.ledger.checks", None),
    "licenses": ("chipclear.ledger.licenses", None),
    "parties": ("chipclear.ledger.parties", None),
    "shipments": ("chipclear.ledger.shipments", None),
    "users": ("chipclear.ledger.users", None),
    "LicenseTerms": ("chipclear.ledger.coverage", "LicenseTerms"),
    "apply_coverage": ("chipclear.ledger.coverage", "apply_coverage"),
    "find_covering_license": ("chipclear.ledger.coverage", "find_covering_license"),
    "Ledger": ("chipclear.ledger.db", "Ledger"),
    "open_ledger": ("chipclear.ledger.db", "open_ledger"),
    "Role": ("chipclear.ledger.roles", "Role"),
    "check_line": ("chipclear.ledger.checks", "check_line"),
    "release_hold": ("chipclear.ledger.shipments", "release_hold"),
    "ship": ("chipclear.ledger.shipments", "ship"),
    "authenticate": ("chipclear.ledger.users", "authenticate"),
    "create_user": ("chipclear.ledger.users", "create_user"),
}


__getattr__ = exports(globals(), _EXPORTS)


__all__ = [
    "Ledger",
    "LicenseTerms",
    "Role",
    "apply_coverage",
    "audit",
    "authenticate",
    "check_line",
    "checks",
    "create_user",
    "find_covering_license",
    "licenses",
    "open_ledger",
    "parties",
    "release_hold",
    "ship",
    "shipments",
    "users",
]
