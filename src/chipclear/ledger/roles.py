"""Roles and what each may do, enforced by the ledger services (so the CLI, the API and the console agree).

Each role includes the rights of the roles before it: viewer < analyst < approver < admin.
"""

from __future__ import annotations

from enum import StrEnum

from chipclear.errors import InputError, PermissionDenied


class Role(StrEnum):
    VIEWER = "viewer"  # read licenses, shipments, holds, the audit log
    ANALYST = "analyst"  # create parties and applications, screen, check and ship lines
    APPROVER = "approver"  # release holds, grant / deny / return applications, override with a reason
    ADMIN = "admin"  # users, keys, lists, backup and restore


_RANK = {Role.VIEWER: 0, Role.ANALYST: 1, Role.APPROVER: 2, Role.ADMIN: 3}

# The least role each action needs. Service functions name their action; unknown actions are refused.
ACTIONS: dict[str, Role] = {
    "read": Role.VIEWER,
    "audit.verify": Role.VIEWER,
    "audit.export": Role.VIEWER,
    "audit.export.secrets": Role.ADMIN,  # key hashes and prefixes in the export (redacted for other roles)
    "party.write": Role.ANALYST,
    "screen": Role.ANALYST,
    "check": Role.ANALYST,
    "ship": Role.ANALYST,
    "application.write": Role.ANALYST,
    "application.decide": Role.APPROVER,
    "license.write": Role.APPROVER,
    "hold.release": Role.APPROVER,
    "shipment.historical": Role.APPROVER,  # record a shipment whose ship date is already past
    "shipment.cancel": Role.APPROVER,
    "screening.review": Role.APPROVER,
    "user.write": Role.ADMIN,
    "lists.write": Role.ADMIN,
    "db.admin": Role.ADMIN,
}


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise InputError(f"role: {value!r} is not a role; valid roles: {valid}", field="role") from None


def allowed(role: str, action: str) -> bool:
    needed = ACTIONS.get(action)
    if needed is None:
        return False
    try:
        return _RANK[Role(role)] >= _RANK[needed]
    except ValueError:
        return False


def require(actor_name: str, role: str, action: str) -> None:
    """Raise PermissionDenied unless ``role`` may perform ``action``."""
    if not allowed(role, action):
        needed = ACTIONS.get(action)
        need = f"needs role {needed.value} or above" if needed else "is not a known action"
        raise PermissionDenied(f"{actor_name} (role {role}) may not {action}: it {need}")


__all__ = ["ACTIONS", "Role", "allowed", "parse_role", "require"]
