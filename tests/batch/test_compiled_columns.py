"""A batch key's decision columns built once per shared table row are the columns of its own decision.

``CompiledColumns`` builds the columns of keys that share a compiled row (``DecisionTable.row``) once, dated on the
row's day, and gives each key that day replaced by its own. Here every line (items, destinations, parties clean,
listed and absent, a name holding a date, end-use flags, headquarters, countries sharing a class; dates every 11 days over 2024-2027, each
item and destination on many of them) is compared with ``decision_columns`` of the decision of a table that
shares nothing, screened with the embedded lists. ``test_columns_without_the_date_replaced_are_caught`` shows
the comparison fails when the key's date is not put back.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import pytest

from chipclear.batch import engine as batch_engine
from chipclear.batch.engine import CompiledColumns, decision_columns
from chipclear.catalog import load_catalog
from chipclear.decision import EndUse, OrderLine, Party
from chipclear.determination.compiled import DecisionTable
from chipclear.geography import load_geography
from chipclear.models import load_models
from chipclear.rules import load_rules
from chipclear.screening import Screener, default_screener

ITEMS = ["nvidia-h20", "nvidia-h100-sxm5-80gb", "nvidia-rtx-4090-d", "amd-mi308x", "nvidia-l40s", "deepseek-v3"]
# Pairs the rules tell apart only by name (DE and FR, SG and MX, MY and TH, IN and PL): their keys share rows, whose
# columns carry the country codes as placeholders
DESTINATIONS = ["CN", "HK", "AE", "SG", "MY", "DE", "IN", "RU", "FR", "MX", "TH", "PL"]


def _parties(day: dt.date) -> list[list[Party]]:
    # The parties whose headquarters are keyed by class give no country: a party located outside the destination is
    # decided by the engine (the 4E091 audit A7: where a recipient is located can change the answer), and this
    # book's destinations never meet the parties' countries.
    return [
        [],
        [Party(name="Blue Sky Compute GmbH", role="end_user", headquarters_country="DE")],
        [Party(name="Acme Compute Ltd", role="end_user", headquarters_country="CN")],
        [Party(name="Huawei Technologies Co., Ltd.", role="end_user", country="CN", headquarters_country="CN")],
        [Party(name=f"Orchard Labs {day.isoformat()}", role="end_user", country="SG")],  # a date in a name
        [Party(name="Blue Sky Compute GmbH", role="end_user", headquarters_country="JP")],  # as DE
        [Party(name="Acme Compute Ltd", role="end_user", headquarters_country="IR")],  # as CN
    ]


def _lines() -> list[tuple[OrderLine, dt.date]]:
    out = []
    days = [dt.date(2024, 1, 3) + dt.timedelta(days=11 * n) for n in range(0, 120)]
    flags = [EndUse(), EndUse(supercomputer=True)]
    for n, (day, item, dest) in enumerate(itertools.product(days, ITEMS, DESTINATIONS)):
        if n % 3:
            continue  # a third of the product: every item and destination on many dates
        parties = _parties(day)[n % 7]
        end_use = flags[(n // 5) % 2]
        out.append((OrderLine(item=item, destination=dest, parties=parties, end_use=end_use), day))
    return out


@pytest.fixture(scope="module")
def screener() -> Iterator[Screener]:
    yield default_screener()


def _tables() -> tuple[DecisionTable, DecisionTable]:
    rules, catalog, geo, models = load_rules(), load_catalog(), load_geography(), load_models()
    sharing = DecisionTable(rules, catalog, geo, "enforced", models)
    alone = DecisionTable(rules, catalog, geo, "enforced", models)
    alone.share_rows = alone.share_codes = False
    return sharing, alone


def _compare(screener: Screener, limit: int = 5) -> tuple[list[str], CompiledColumns]:
    sharing, alone = _tables()
    columns = CompiledColumns(sharing)
    failures = []
    for line, day in _lines():
        got = columns(line, day, screener)
        want = decision_columns(alone.decide(line, as_of=day, screener=screener))
        if got != want:
            diff = {k: (got[k], want[k]) for k in want if got.get(k) != want[k]}
            failures.append(f"{line.item} to {line.destination} on {day}, {line.parties[:1]}: {str(diff)[:600]}")
            if len(failures) >= limit:
                break
    return failures, columns


@pytest.mark.slow
def test_columns_from_shared_rows_equal_each_keys_decision(screener: Screener) -> None:
    failures, columns = _compare(screener)
    assert not failures, "\n".join(failures)
    assert columns.reused > len(_lines()) // 10, columns.reused  # the comparison covers reused columns
    table = columns.table  # and lines answered from another country's row, as destination and as headquarters
    keys = [(line, table.key_of(line, day)) for line, day in _lines()]
    assert sum(key.destination != line.destination for line, key in keys) > 100
    assert sum(key.hq != tuple((p.headquarters_country,) for p in line.parties) for line, key in keys) > 100


@pytest.mark.slow
def test_columns_without_the_date_replaced_are_caught(screener: Screener, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_engine, "DATED_COLUMNS", ())
    failures, _ = _compare(screener, limit=1)
    assert failures, "columns dated on another day went unnoticed"


@pytest.mark.slow
def test_columns_with_another_countrys_codes_are_caught(screener: Screener, monkeypatch: pytest.MonkeyPatch) -> None:
    """Columns whose country placeholders are not replaced by the line's codes are caught."""
    replaced = batch_engine.substitute

    def dates_only(text: str, subs: list[tuple[str, str]]) -> str:
        return replaced(text, [(old, new) for old, new in subs if not old.startswith(batch_engine.CODE_MARK)])

    monkeypatch.setattr(batch_engine, "substitute", dates_only)
    failures, _ = _compare(screener, limit=1)
    assert failures, "columns holding another country's codes went unnoticed"
