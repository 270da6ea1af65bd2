"""The outside facts audit, issue 4 (items 2-4): the enforced layer's HBM control between the December 2024 rule's
effective and compliance dates, the step that decides an enforced-layer NLR under the diffusion rule, and Entity
List entries read as they stood on the decision date (test_entity_list_history.py). Each through ``determine()``
and the compiled table, and the timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chipclear.catalog import load_catalog
from chipclear.classification import classify
from chipclear.decision import Decision, OrderLine, Party
from chipclear.determination import determine
from chipclear.determination.compiled import DecisionTable
from chipclear.determination.history import timeline

from .test_cli import HBM_FILE


class NoHits:
    list_version = "test"
    hits: tuple[()] = ()

    def search(self, name: str, country: str | None = None, reviews: Any = None) -> Any:
        return self


def _both(line: OrderLine, catalog: Any = None) -> Decision:
    direct = determine(line, catalog=catalog, screener=NoHits())  # type: ignore[arg-type]
    if catalog is None:
        compiled = DecisionTable.for_current(cache=False).decide(line, screener=NoHits())  # type: ignore[arg-type]
        assert compiled.verdict == direct.verdict
        assert [r.detail for r in compiled.reasons] == [r.detail for r in direct.reasons]
    return direct


# -- item 2: 3A090.c from 2024-12-02, its license requirements enforced from the compliance date 2024-12-31 ------


def test_hbm_classifies_3a090c_in_the_enforced_layer_and_its_nlr_cites_the_compliance_date(tmp_path: Any) -> None:
    spec = tmp_path / "hbm.yaml"
    spec.write_text(HBM_FILE, encoding="utf-8")
    cat = load_catalog([spec])
    cls = classify(cat.get("example-hbm3e-stack"), dt.date(2024, 12, 15), layer="enforced", catalog=cat)
    assert cls.eccn == "3A090.c"
    line = OrderLine(
        item="example-hbm3e-stack",
        destination="CN",
        ship_date=dt.date(2024, 12, 15),
        parties=[Party(name="x", headquarters_country="CN")],
    )
    d = _both(line, cat)
    assert d.verdict.value == "NLR" and d.classification["eccn"] == "3A090.c"
    why = next(r for r in d.reasons if r.rule == "2024-12-02_89FR96790_fdp-hbm#not-enforced-2024-12-02")
    assert "2024-12-31" in why.citation and why.confidence == "M"
    codified = next(r for r in d.reasons if r.rule == "2024-12-02_89FR96790_fdp-hbm#742.6(a)(6)(i)(B)")
    assert "would apply" in codified.detail
    assert "742.6(a)(6)(i)(B)" in next(r for r in d.reasons if r.rule == "nlr").detail
    after = determine(line.model_copy(update={"ship_date": dt.date(2024, 12, 31)}), catalog=cat, screener=NoHits())
    assert after.verdict.value == "LICENSE_REQUIRED"


# -- item 3: the enforced-layer NLR of a 3A090.a item under the codified diffusion rule ----------------------------


@pytest.mark.parametrize(
    ("day", "destination", "periods", "confidence"),
    [
        ("2025-02-01", "BR", ["2025-01-13"], "H"),
        ("2025-05-14", "BR", ["2025-01-13", "2025-05-13"], "H"),
        ("2025-06-01", "DE", ["2025-05-13"], "H"),
        ("2026-06-01", "BR", ["2025-05-13"], "M"),  # the GAO decision of 2026-05-12 (M) puts it in doubt
    ],
)
def test_diffusion_nlr_cites_the_compliance_date_then_the_non_enforcement(
    day: str, destination: str, periods: list[str], confidence: str
) -> None:
    line = OrderLine(
        item="H100",
        destination=destination,
        ship_date=dt.date.fromisoformat(day),
        parties=[Party(name="x", headquarters_country=destination)],
    )
    d = _both(line)
    assert d.verdict.value == "NLR"
    rules = [r.rule for r in d.reasons]
    assert "2025-01-13_90FR4544_ai-diffusion#742.6(a)(6)(iii)(A)" in rules
    cited = [r for r in d.reasons if r.rule.startswith("2025-01-13_90FR4544_ai-diffusion#not-enforced-")]
    assert [r.rule.rsplit("-", 3)[-3:] for r in cited] == [p.split("-") for p in periods]
    assert cited[-1].confidence == confidence
    if "2025-01-13" in periods:
        assert "2025-05-15" in cited[0].citation  # the deferred compliance date
    # never a requirement: the worldwide license of the codified text is not required by the enforced layer
    assert not any(r.rule.startswith("party:") for r in d.reasons)


def test_diffusion_timeline_shows_the_compliance_and_non_enforcement_dates() -> None:
    result = timeline("H100", "BR", end_user_hq="BR", end=dt.date(2026, 1, 1))
    starts = [p.start.isoformat() for p in result.periods]
    assert {"2025-01-13", "2025-05-13", "2025-05-15"} <= set(starts)
    assert all(p.verdict == "NLR" for p in result.periods)
    later = next(p for p in result.periods if p.start == dt.date(2025, 5, 15))
    assert any(e["date"] == "2025-05-13" for e in later.events) or any(
        "2025-05-13" in c["what"] for p in result.periods for c in p.caused_by
    )


def test_hbm_timeline_changes_on_the_effective_and_compliance_dates(tmp_path: Any, monkeypatch: Any) -> None:
    spec = tmp_path / "hbm.yaml"
    spec.write_text(HBM_FILE, encoding="utf-8")
    result = timeline(
        "example-hbm3e-stack", "CN", end_user_hq="CN", end=dt.date(2025, 1, 10), catalog=load_catalog([spec])
    )
    by_start = {p.start.isoformat(): p for p in result.periods}
    assert by_start["2024-12-02"].verdict == "NLR"
    assert any(r["rule"].endswith("#not-enforced-2024-12-02") for r in by_start["2024-12-02"].reasons)
    assert by_start["2024-12-31"].verdict == "LICENSE_REQUIRED"
