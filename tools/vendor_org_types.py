"""Vendor OpenSanctions rigour's organisation-type table (MIT) as src/chipclear/screening/data/org_types.json.

    .venv/bin/python tools/vendor_org_types.py path/to/rigour/resources/names/org_types.yml COMMIT

Keeps the types whose ``generic`` tag is a company legal form (LLC, JSC, LP, LLP, GP, SP) or that have no
generic tag, and writes each alias as the token sequence chipclear's normaliser produces (so "Gesellschaft mit
beschränkter Haftung" becomes "gesellschaft mit beschrankter haftung"). State-owned, non-profit, cooperative,
financial, religious and military descriptors are left out: they carry meaning in a name.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

from chipclear.screening.normalize import tokens_before_legal_forms

KEEP = {"LLC", "JSC", "LP", "LLP", "GP", "SP", None, ""}
# Left out (chipclear's choice): one- and two-letter forms (they collide with initials, Roman numerals and words
# such as "in", "et", "ii"; the hand table in normalization.json keeps the common ones at the edges of a name)
# and forms made of ordinary words that also name things.
EXCLUDE = {"unlimited", "national association", "public sector enterprise", "private enterprise", "partnership"}
OUT = Path(__file__).resolve().parents[1] / "src" / "chipclear" / "screening" / "data" / "org_types.json"


def main(path: str, commit: str) -> None:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    forms: dict[str, set[str]] = {}
    for entry in data["types"]:
        generic = entry.get("generic")
        if generic not in KEEP:
            continue
        klass = (generic or "other").lower()
        for alias in [entry.get("display"), entry.get("compare"), *entry.get("aliases", [])]:
            if not alias:
                continue
            tokens = tokens_before_legal_forms(str(alias))
            form = " ".join(tokens)
            if (len(tokens) == 1 and len(form) <= 2) or form in EXCLUDE:
                continue
            if tokens and not all(t.isdigit() for t in tokens):
                forms.setdefault(klass, set()).add(" ".join(tokens))
    out = {
        "$comment": (
            "Company legal forms from OpenSanctions rigour resources/names/org_types.yml (MIT License, "
            "Copyright (c) 2023-2025 OpenSanctions Datenbanken GmbH), types with generic LLC/JSC/LP/LLP/GP/SP or "
            "none; aliases written as chipclear's normalised tokens. Regenerate with tools/vendor_org_types.py."
        ),
        "source": "https://github.com/opensanctions/rigour/blob/main/resources/names/org_types.yml",
        "commit": commit,
        "license": "MIT",
        "legal_forms": {k: sorted(v) for k, v in sorted(forms.items())},
    }
    OUT.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{OUT}: {sum(len(v) for v in forms.values())} forms in {len(forms)} classes")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
