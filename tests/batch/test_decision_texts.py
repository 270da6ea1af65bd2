"""The batch's decision texts (``engine.decision_columns``) are pydantic-core's JSON of the reasons, exceptions and
missing facts; they must be the very text ``json.dumps`` gave of ``model_dump(mode="json")`` (compact separators,
non-ASCII kept), since the decision cache, the checkpoint pieces and the output's texts are compared and stored as
text."""

from __future__ import annotations

import datetime as dt
import json

from chipclear.batch.engine import decision_columns
from chipclear.decision import Decision, EndUse, OrderLine, Party
from chipclear.determination import determine


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _expected(decision: Decision) -> dict[str, str]:
    return {
        "reasons": _dumps([r.model_dump(mode="json") for r in decision.reasons]),
        "license_exceptions": _dumps([e.model_dump(mode="json") for e in decision.license_exceptions]),
        "missing": _dumps(decision.missing),
    }


def test_texts_equal_json_dumps_of_the_models() -> None:
    lines = [
        # A license exception with its conditions (NAC, 15 CFR 740.8).
        OrderLine(
            item="nvidia-a30",
            destination="HK",
            ship_date=dt.date(2026, 3, 25),
            parties=[
                Party(
                    name="Jade River Sahara Networks 59 Limited",
                    role="end_user",
                    country="HK",
                    headquarters_country="HK",
                )
            ],
            certifications=["nac-740.8-notification"],
        ),
        # Non-ASCII, quotes, a backslash and a line separator in a party name that the reasons repeat; a HOLD with
        # missing facts (no headquarters country).
        OrderLine(
            item="H20",
            destination="CN",
            ship_date=dt.date(2026, 11, 20),
            parties=[Party(name='Société "Générale" \\ 中国\u2028 Ltd', role="end_user", country="CN")],
            end_use=EndUse(military=True),
        ),
    ]
    seen = set()
    for line in lines:
        decision = determine(line)
        got = decision_columns(decision)
        assert {k: got[k] for k in ("reasons", "license_exceptions", "missing")} == _expected(decision)
        seen |= {k for k in ("license_exceptions", "missing") if got[k] != "[]"}
        assert json.loads(got["reasons"])  # not empty
        seen |= {"name"} if "中国\u2028" in got["reasons"] and '\\"Générale\\"' in got["reasons"] else set()
    assert seen == {"license_exceptions", "missing", "name"}  # each kind of text compared non-empty
