"""``--fail-on``: exit codes a script can act on (docs/user-guide.md, "Exit codes").

A command that completes exits 0 unless ``--fail-on`` names an outcome that occurred; then it exits with that
outcome's code, the highest one when several occurred. 2 stays "bad input" (the command did not complete).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

import typer

from chipclear.errors import InputError

# Higher is more severe; distinct from 0 (completed), 1 (unexpected error) and 2 (bad input).
EXIT_CODES: dict[str, int] = {
    "stale": 9,  # a line's parties were screened on lists older than CHIPCLEAR_LIST_MAX_AGE_DAYS (screening#stale)
    "bad_rows": 10,  # batch: some rows went to the bad-rows file
    "hold": 11,  # a line is HOLD
    "match": 12,  # a restricted-party hit at or above the review threshold
    "license_required": 13,  # a line needs a license (LICENSE_REQUIRED)
    "prohibited": 14,  # a line may not ship at all (PROHIBITED)
}
VERDICT_OUTCOMES = {"HOLD": "hold", "LICENSE_REQUIRED": "license_required", "PROHIBITED": "prohibited"}

FailOnOpt = Annotated[
    str | None,
    typer.Option(
        "--fail-on",
        help="Exit non-zero when an outcome occurs, comma-separated: "
        + ", ".join(f"{name} ({code})" for name, code in EXIT_CODES.items())
        + ". The highest code wins; default: exit 0 when the command completes.",
        show_default=False,
    ),
]


def parse_fail_on(value: str | None, allowed: Iterable[str] = EXIT_CODES) -> set[str]:
    """The outcomes named in ``--fail-on`` (bad input, exit 2, for an unknown one)."""
    if value is None:
        return set()
    names = {part.strip().lower().replace("-", "_") for part in value.split(",") if part.strip()}
    allowed = list(allowed)
    unknown = sorted(names - set(allowed))
    if unknown or not names:
        raise InputError(
            f"--fail-on: unknown outcome(s) {', '.join(unknown) or repr(value)} (choose from {', '.join(allowed)})",
            field="fail_on",
        )
    return names


def outcomes_of(verdicts: Iterable[str], *, matched: bool = False, bad_rows: int = 0, stale: bool = False) -> set[str]:
    found = {VERDICT_OUTCOMES[v] for v in verdicts if v in VERDICT_OUTCOMES}
    if matched:
        found.add("match")
    if stale:
        found.add("stale")
    if bad_rows:
        found.add("bad_rows")
    return found


def screening_matched(screening: Iterable[dict[str, Any]]) -> bool:
    """True when a decision's screening has a hit ("match" or "possible", i.e. at or above the review threshold).
    An item is a hit (a decision's ``screening`` list) or a screening result with ``hits``."""
    return any(item.get("hits") or item.get("determination") in ("match", "possible") for item in screening)


def exit_for(fail_on: set[str], occurred: set[str]) -> None:
    """Exit with the highest code among the outcomes that occurred and were asked for; else return (exit 0)."""
    hit = fail_on & occurred
    if hit:
        raise typer.Exit(max(EXIT_CODES[name] for name in hit))


__all__ = ["EXIT_CODES", "FailOnOpt", "exit_for", "outcomes_of", "parse_fail_on", "screening_matched"]
