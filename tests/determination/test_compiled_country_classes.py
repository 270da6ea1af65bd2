"""Countries the rules tell apart only by name share one compiled row, and every line still gets the engine's answer.

The compiled table keys a line's destination and headquarters countries by class (``DecisionTable.canonical``): the
first country seen in the period whose answers to every country set of the rules are the same, texts included. Here
every country and region of the geography is decided, as a destination and as a headquarters country, on dates in
each state of the rules (before the group data's coverage, when memberships are unknown, too), with the same items
for every member of a class so that members really share rows; each decision must equal ``determine()``'s. The last
test shows the comparison fails when the classes are too coarse.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from tests.determination.test_compiled_equivalence import _check, items

from chipclear.catalog import load_catalog
from chipclear.decision import OrderLine, ParentLink, Party
from chipclear.determination.compiled import DecisionTable, TableKey
from chipclear.geography import load_geography
from chipclear.models import load_models
from chipclear.rules import load_rules

# Before the group data's coverage (2019-01-01: memberships unknown), the Oct 2022 and Nov 2023 rules, the Jan 2025
# rules, after the May 2025 rescission, and the newest data.
DATES = [
    dt.date(2018, 6, 1),
    dt.date(2023, 1, 10),
    dt.date(2024, 3, 1),
    dt.date(2025, 3, 1),
    dt.date(2025, 9, 15),
    dt.date(2026, 11, 20),
]
ITEMS_PER_CLASS = 5


def _table() -> DecisionTable:
    return DecisionTable(load_rules(), load_catalog(), load_geography(), "enforced", load_models())


@pytest.fixture(scope="module")
def table() -> DecisionTable:
    return _table()


def _codes(table: DecisionTable) -> list[str]:
    return [*sorted(table.geography.countries), *sorted(table.geography.regions)]


def _class_items(ids: list[str], rep: str, j: int) -> list[str]:
    """The same items for every member of a class on a date (so they share rows), rotating with the class."""
    start = (sum(map(ord, rep)) * 7 + j * 13) % len(ids)
    return [ids[(start + k * 11) % len(ids)] for k in range(ITEMS_PER_CLASS)]


def _representative(table: DecisionTable, code: str, day: dt.date, role: str) -> str:
    key = TableKey("x", code, table.period_of(day), ((code,),), False, False, False, None, ())
    canon, _ = table.canonical(key)
    return canon.destination if role == "destination" else canon.hq[0][0]  # type: ignore[return-value]


@pytest.mark.slow
def test_every_country_as_destination(table: DecisionTable) -> None:
    ids = items(table)
    failures: list[str] = []
    shared = Counter[dt.date]()
    for j, day in enumerate(DATES):
        for code in _codes(table):
            rep = _representative(table, code, day, "destination")
            shared[day] += rep != code
            for item in _class_items(ids, rep, j):
                problem = _check(table, OrderLine(item=item, destination=code, ship_date=day))
                if problem:
                    failures.append(problem)
        assert len(failures) < 3, "\n".join(failures)
    assert not failures, "\n".join(failures)
    # the classes are real: on every date with group data, many countries are decided from another's rows
    assert all(shared[day] >= 50 for day in DATES[1:]), shared
    assert len(table.rows) < sum(1 for _ in DATES) * len(_codes(table)) * ITEMS_PER_CLASS // 2


@pytest.mark.slow
def test_every_country_as_headquarters(table: DecisionTable) -> None:
    """The headquartered rule's sets: every country as the end user's headquarters, alone, with an ultimate parent
    elsewhere, and twice under one name (equal texts are merged by the engine, so the placeholders must be too)."""
    advanced = ["nvidia-h100-sxm5-80gb", "nvidia-h20", "amd-mi308x"]
    ids = [i for i in advanced if i in set(items(table))] or items(table)[:3]
    codes = _codes(table)
    failures: list[str] = []
    for j, day in enumerate(DATES[1:]):
        for k, code in enumerate(codes):
            other = codes[(k * 37 + j) % len(codes)]
            dest = ("AE", "CN", "NL", "SG", "MO")[(k + j) % 5]
            item = ids[(k + j) % len(ids)]
            parties = [
                [Party(name="Acme", role="end_user", headquarters_country=code)],
                [
                    Party(
                        name="Acme",
                        role="end_user",
                        headquarters_country=code,
                        parents=[ParentLink(name="Holdco", headquarters_country=other)],
                    )
                ],
                [
                    Party(name="Acme", role="end_user", headquarters_country=code),
                    Party(name="Acme", role="ultimate_consignee", headquarters_country=code),
                    Party(name="Acme", role="purchaser", headquarters_country=other),
                ],
            ]
            for group in parties:
                line = OrderLine(item=item, destination=dest, ship_date=day, parties=group)
                problem = _check(table, line)
                if problem:
                    failures.append(problem)
        assert len(failures) < 3, "\n".join(failures)
    assert not failures, "\n".join(failures)


def test_classes_that_ignore_a_country_set_are_caught() -> None:
    """With the headquartered sets and all but one destination set left out of the classes, countries the rules do
    tell apart share rows, and the comparison with the engine finds it."""
    coarse = _table()
    coarse._sets = {"destination": coarse._sets["destination"][:1], "hq": []}
    day = dt.date(2026, 11, 20)
    found = 0
    for code in ("NL", "CN", "AE", "SG", "US", "MO", "RU", "IN", "JP", "VN"):
        for hq in ("US", "CN", "NL"):
            line = OrderLine(
                item="nvidia-h20",
                destination=code,
                ship_date=day,
                parties=[Party(name="Acme", role="end_user", headquarters_country=hq)],
            )
            found += _check(coarse, line) is not None
    assert found > 0


def test_batch_classes_name_each_class_by_its_least_code(table: DecisionTable) -> None:
    """``classes`` (batch keys): every code maps to the least code of the given ones with its signature, whatever
    the order they come in; a class of its own and a code the geography cannot answer map to themselves; codes that
    map together get one row from ``canonical``, codes that do not get two."""
    period = table.period_of(dt.date(2026, 11, 20))
    codes = ["FR", "DE", "MX", "SG", "CN", "HK", "PL", "IN", "RU"]
    for role in ("destination", "hq"):
        got = table.classes(role, codes, period)
        assert got == table.classes(role, list(reversed(codes)), period)
        assert set(got) == set(codes)
        for code, klass in got.items():
            assert klass <= code and got[klass] == klass
            same = table._signature(role, code, period) == table._signature(role, klass, period)
            assert same or klass == code
    got = table.classes("destination", codes, period)
    assert got["FR"] == got["DE"] == "DE" and got["CN"] != got["DE"]
    assert table.classes("destination", ["ZZ"], period) == {"ZZ": "ZZ"}
    own = table.classes("destination", ["DE", "FR"], table.period_of(dt.date(2018, 6, 1)))
    assert own == {"DE": "DE", "FR": "FR"}  # memberships unknown before the group data's coverage
