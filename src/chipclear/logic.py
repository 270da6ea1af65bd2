"""Three-valued (Kleene) logic for tests whose facts may be unknown: True, False or None (unknown).

AND is False if any part is False, OR is True if any part is True; otherwise an unknown part makes the answer
unknown. Shared by the classification of items and of AI models and by the determination's conditions."""

from __future__ import annotations

Tri = bool | None


def t_and(values: list[Tri]) -> Tri:
    unknown = False
    for v in values:  # a plain loop: called about twenty times per determination
        if v is False:
            return False
        if v is None:
            unknown = True
    return None if unknown else True


def t_or(values: list[Tri]) -> Tri:
    unknown = False
    for v in values:
        if v is True:
            return True
        if v is None:
            unknown = True
    return None if unknown else False


def t_not(value: Tri) -> Tri:
    return None if value is None else not value


__all__ = ["Tri", "t_and", "t_not", "t_or"]
