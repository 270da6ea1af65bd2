"""One-off migration of the data files to the one provenance vocabulary (chipclear.provenance), issue 15 part 3.

- catalog: ``confidence`` / ``die_area_confidence`` high/medium/low -> H/M/L;
- tariffs: a period's ``to`` -> ``until``;
- rules: a requirement's ``since`` -> ``from``;
- the same catalog spelling in the test fixtures and docs that hold catalog entries;
- the AI-model catalog (``models/data``): a compute figure's ``confidence`` high/medium/low -> H/M/L.

Edits only the matched keys/values in place (no reformatting), then checks each YAML data file: the migrated file
loads to exactly the old content with the keys and marks renamed, so every citation, source and date is kept.
Run once from the project root: ``python scripts/migrate_provenance.py`` (idempotent: a second run changes nothing).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

MARKS = {"high": "H", "medium": "M", "low": "L"}
CATALOG_MARK = re.compile(r"((?:\\n|\b)(?:die_area_)?confidence\"?:\s*\"?)(high|medium|low)\b")
TARIFF_TO = re.compile(r"^(\s*(?:- )?)to:", re.M)
RULE_SINCE = re.compile(r"^(\s*(?:- )?)since:", re.M)

CATALOG_FIXTURES = [
    "tests/scenarios/whatif/tpp-threshold-2400.yaml",
    "tests/scenarios/whatif/h20-class-bandwidth.yaml",
    "tests/whatif/conftest.py",
    "tests/determination/test_cli.py",
    "tests/foundation/test_cli.py",
    "tests/foundation/test_classify.py",
    "tests/foundation/test_metrics.py",
    "tests/foundation/test_catalog.py",
    "docs/catalog.md",
    "tests/models/fixtures/example-lab.yaml",
]


def _renamed(node: Any, keys: dict[str, str], marks: bool) -> Any:
    """The old YAML content as the migration should have made it."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            new_key = keys.get(key, key)
            if marks and key in ("confidence", "die_area_confidence") and value in MARKS:
                out[new_key] = MARKS[value]
            else:
                out[new_key] = _renamed(value, keys, marks)
        return out
    if isinstance(node, list):
        return [_renamed(v, keys, marks) for v in node]
    return node


def _migrate(path: Path, subs: list[tuple[re.Pattern[str], str]], keys: dict[str, str], marks: bool) -> int:
    old = path.read_text(encoding="utf-8")
    new = old
    count = 0
    for pattern, repl in subs:
        new, n = pattern.subn(repl, new)
        count += n
    if path.suffix == ".yaml" and new != old:
        before, after = yaml.safe_load(old), yaml.safe_load(new)
        if _renamed(before, keys, marks) != after:
            raise SystemExit(f"{path}: migrated content differs from the old content beyond the renames")
    if new != old:
        path.write_text(new, encoding="utf-8")
    return count


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    mark_sub = [(CATALOG_MARK, lambda m: m.group(1) + MARKS[m.group(2)])]
    total = 0
    for path in sorted((root / "src/chipclear/catalog/data").glob("*.yaml")):
        total += _migrate(path, mark_sub, {}, marks=True)  # type: ignore[arg-type]
    for path in sorted((root / "src/chipclear/tariffs/data").rglob("*.yaml")):
        total += _migrate(path, [(TARIFF_TO, r"\1until:")], {"to": "until"}, marks=False)
    for path in sorted((root / "src/chipclear/rules/data").glob("*.yaml")):
        total += _migrate(path, [(RULE_SINCE, r"\1from:")], {"since": "from"}, marks=False)
    for path in sorted((root / "src/chipclear/models/data").glob("*.yaml")):
        total += _migrate(path, mark_sub, {}, marks=True)  # type: ignore[arg-type]
    for name in CATALOG_FIXTURES:
        total += _migrate(root / name, mark_sub, {}, marks=True)  # type: ignore[arg-type]
    print(f"{total} keys or marks migrated", file=sys.stderr)


if __name__ == "__main__":
    main()
