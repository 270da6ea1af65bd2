"""The compiled decision table answers exactly as the interpreter (``determine``), reasons included.

Default sweep (CI): every catalog item and AI model, on both sides of every period boundary (the day before and
the day itself) and in the middle of every multi-day period, to destination classes (countries whose group
memberships, treatment and naming in the rules are the same; half of them on each date, alternating, so both sides
of a boundary cover all), the class's member and the item rotating with the date so every destination in the
geography and every item is decided too; then every eighth item on every boundary day. The full product (every
item x every destination x every sweep date, 8.2 million lines a layer; about 23 minutes a layer with two processes
on 2 cores) runs with CHIPCLEAR_FULL_SWEEP=1, or one shard of its items with CHIPCLEAR_FULL_SWEEP=K/N (one process
per core: ``run_full_product``). Then lines with headquarters, parents, end uses, export_from, certifications and
parties (clean and listed names, screened with the embedded lists), and the cache's invalidation.
``test_a_wrong_key_is_caught`` shows the sweep fails on a table whose key drops an input.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from chipclear.catalog import load_catalog
from chipclear.decision import Decision, EndUse, OrderLine, ParentLink, Party
from chipclear.determination import compiled
from chipclear.determination.compiled import DecisionTable, TableKey
from chipclear.determination.engine import determine
from chipclear.determination.history import NoScreening
from chipclear.geography import Geography, load_geography
from chipclear.models import load_models
from chipclear.rules import load_rules
from chipclear.screening import Screener, default_screener


def _plain(d: Decision) -> dict[str, Any]:
    out = d.model_dump(mode="json")
    out.pop("decided_at")
    return out


def _diff(a: dict[str, Any], b: dict[str, Any]) -> str:
    return "; ".join(f"{k}: {a[k]!r} != {b[k]!r}" for k in a if a[k] != b[k])[:2000]


def _table(layer: str) -> DecisionTable:
    return DecisionTable(load_rules(), load_catalog(), load_geography(), layer, load_models())


@pytest.fixture(scope="module")
def table() -> DecisionTable:
    return _table("enforced")


@pytest.fixture(scope="module")
def screener() -> Iterator[Screener]:
    yield default_screener()


def destination_classes(geo: Geography, rules_text: str) -> list[list[str]]:
    """Destinations the rules cannot tell apart except by name, grouped (regions each on their own)."""
    classes: dict[str, list[str]] = {}
    for code in [*sorted(geo.countries), *sorted(geo.regions)]:
        base = geo.country_of(code)
        country = geo.countries.get(base)
        seen = {base, *([country.treated_as] if country and country.treated_as else [])}
        sig = {
            "region": code if code in geo.regions else None,
            "treated": country.model_dump(mode="json", exclude={"code", "name", "ear_name"}) if country else None,
            "groups": {
                g: [m.model_dump(mode="json") for m in group.members if m.country in seen]
                for g, group in geo.groups.items()
            },
            "named": sorted(c for c in seen if f'"{c}"' in rules_text),
        }
        classes.setdefault(json.dumps(sig, sort_keys=True, default=str), []).append(code)
    return list(classes.values())


def table_classes(table: DecisionTable) -> list[list[str]]:
    """``destination_classes`` of the table's geography and rules."""
    rules_text = json.dumps([a.model_dump(mode="json") for a in table.rules.actions], default=str)
    return destination_classes(table.geography, rules_text)


def all_destinations(table: DecisionTable) -> list[str]:
    return [c for group in table_classes(table) for c in group]


def sweep_dates(table: DecisionTable) -> list[dt.date]:
    days: set[dt.date] = set()
    b = table.period_boundaries()
    for i, day in enumerate(b):
        days |= {day - dt.timedelta(days=1), day}
        if i + 1 < len(b) and (b[i + 1] - day).days > 2:
            days.add(day + (b[i + 1] - day) // 2)
    days.add(b[-1] + dt.timedelta(days=400))
    return sorted(days)


def items(table: DecisionTable) -> list[str]:
    return [i.id for i in table.catalog.items()] + sorted(table.models.models)


def _check(table: DecisionTable, line: OrderLine, screener: Any = None) -> str | None:
    scr = screener or NoScreening()
    want = _plain(
        determine(
            line,
            layer=table.layer,
            rules=table.rules,
            catalog=table.catalog,
            screener=scr,
            geography=table.geography,
            models=table.models,
        )
    )
    got = _plain(table.decide(line, screener=scr))
    if want != got:
        return f"{line.model_dump(mode='json', exclude_defaults=True)}: {_diff(want, got)}"
    outcome = table.outcome(line, screener=scr)  # the what-if's unchanged lines: the outcome alone, no texts
    summary = (outcome.verdict.value, outcome.review_policy, [e.code for e in outcome.license_exceptions])
    expected = (want["verdict"], want["review_policy"], [e["code"] for e in want["license_exceptions"]])
    return None if summary == expected else f"{line.model_dump(mode='json')}: outcome {summary} != {expected}"


def run_sweep(table: DecisionTable, limit: int | None = None) -> list[str]:
    classes = table_classes(table)
    ids = items(table)
    failures: list[str] = []
    for j, day in enumerate(sweep_dates(table)):
        # half the classes on each date (alternating), one item (rotating)
        dests = [g[j % len(g)] for n, g in enumerate(classes) if (n + j) % 2 == 0]
        for item in [ids[(j * 7) % len(ids)]]:
            for dest in dests:
                problem = _check(table, OrderLine(item=item, destination=dest, ship_date=day))
                if problem:
                    failures.append(problem)
                    if limit and len(failures) >= limit:
                        return failures
    # every destination of the geography at least once (date and item rotating)
    all_days = sweep_dates(table)
    for k, dest in enumerate(c for group in classes for c in group):
        line = OrderLine(item=ids[k % len(ids)], destination=dest, ship_date=all_days[(k * 7) % len(all_days)])
        problem = _check(table, line)
        if problem:
            failures.append(problem)
            if limit and len(failures) >= limit:
                return failures
    # every item on every boundary day, to one destination class each (rotating)
    for k, day in enumerate(table.period_boundaries()):
        group = classes[k % len(classes)]
        for n, item in enumerate(ids):
            if (n + k) % 8 == 0:
                problem = _check(table, OrderLine(item=item, destination=group[n % len(group)], ship_date=day))
                if problem:
                    failures.append(problem)
                    if limit and len(failures) >= limit:
                        return failures
    return failures


@pytest.mark.slow
def test_every_item_destination_and_boundary(table: DecisionTable) -> None:
    failures = run_sweep(table, limit=5)
    assert not failures, "\n".join(failures)
    assert len(table.rows) > 5000  # the sweep really compiled rows


def run_full_product(
    layer: str, shard: int = 0, shards: int = 1, limit: int | None = None
) -> tuple[int, int, int, list[str]]:
    """Every item (of the shard: every ``shards``-th from ``shard``) x every destination x every sweep date, on one
    table (so rows are shared between all the periods, as in production). Returns (lines checked, lines in the
    shard's product, rows shared between periods, failures)."""
    table = _table(layer)
    dests = all_destinations(table)
    ids, days = items(table)[shard::shards], sweep_dates(table)
    checked = 0
    failures: list[str] = []
    for day in days:
        for item in ids:
            for dest in dests:
                checked += 1
                problem = _check(table, OrderLine(item=item, destination=dest, ship_date=day))
                if problem:
                    failures.append(problem)
                    if limit and len(failures) >= limit:
                        return checked, len(ids) * len(dests) * len(days), table.shared, failures
    return checked, len(ids) * len(dests) * len(days), table.shared, failures


def _full_sweep_shard(value: str) -> tuple[int, int]:
    """CHIPCLEAR_FULL_SWEEP: "1" (the whole product) or "K/N" (shard K of N, 0 <= K < N)."""
    if "/" not in value:
        return 0, 1
    k, n = (int(part) for part in value.split("/", 1))
    if not 0 <= k < n:
        raise ValueError(f"CHIPCLEAR_FULL_SWEEP={value!r}: want K/N with 0 <= K < N")
    return k, n


def test_full_sweep_shard_setting() -> None:
    assert _full_sweep_shard("1") == (0, 1)
    assert _full_sweep_shard("1/2") == (1, 2)
    with pytest.raises(ValueError):
        _full_sweep_shard("2/2")


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("CHIPCLEAR_FULL_SWEEP"), reason="full product: set CHIPCLEAR_FULL_SWEEP=1")
@pytest.mark.parametrize("layer", ["enforced", "codified"])
def test_full_product(layer: str) -> None:
    shard, shards = _full_sweep_shard(os.environ["CHIPCLEAR_FULL_SWEEP"])
    checked, product, shared, failures = run_full_product(layer, shard, shards, limit=5)
    assert not failures, "\n".join(failures)
    assert checked == product > 1_000_000 // shards  # every line of the shard was decided both ways
    assert shared > 0  # rows were taken from another period, and held to the interpreter too


def _party_lines() -> list[OrderLine]:
    days = [dt.date(2023, 10, 1), dt.date(2023, 11, 17), dt.date(2025, 1, 16), dt.date(2025, 5, 13)]
    days += [dt.date(2026, 1, 20), dt.date(2026, 9, 1)]
    lines = []
    hqs = [
        [Party(name="Acme Compute Ltd", role="end_user", country="MY", headquarters_country="CN")],
        [Party(name="Blue Sky GmbH", role="end_user", country="DE", headquarters_country="DE")],
        [Party(name="No HQ Given", role="end_user", country="AE")],
        [
            Party(
                name="Sub Co",
                role="ultimate_consignee",
                country="SG",
                headquarters_country="SG",
                parents=[ParentLink(name="Mid Co", headquarters_country="HK"), ParentLink(name="Top Co")],
            ),
            Party(name="Buyer Inc", role="purchaser", country="US", headquarters_country="MO"),
            Party(name="Forwarder", role="intermediate_consignee", country="NL"),
        ],
        # unknown headquarters: the engine sorts the texts naming them, and merges equal ones
        [Party(name="Zeta Labs", role="end_user", parents=[ParentLink(name="Alpha Holdings")])],
        [
            Party(name="Same Name", role="end_user"),
            Party(name="Same Name", role="purchaser"),
            Party(name="Acme", role="ultimate_consignee", parents=[ParentLink(name="Acme", headquarters_country="CN")]),
        ],
        [Party(name="odd ⟦000⟧ name", role="end_user"), Party(name="B", role="purchaser", headquarters_country="CN")],
    ]
    uses = [
        EndUse(),
        EndUse(supercomputer=True),
        EndUse(advanced_node_ic_production=True, text="fab tools"),
        EndUse(military=True),
    ]
    for i, day in enumerate(days):
        for j, parties in enumerate(hqs):
            for k, dest in enumerate(["CN", "MY", "AE", "US", "VN", "RU"]):
                lines.append(
                    OrderLine(
                        item=[
                            "nvidia-h100-sxm5-80gb",
                            "H20",
                            "amd-mi300x",
                            "nvidia-b200",
                            "intel-gaudi-3",
                            "nvidia-hgx-h20-8gpu",
                        ][(i + j + k) % 6],
                        destination=dest,
                        ship_date=day,
                        parties=parties,
                        end_use=uses[(i + k) % len(uses)],
                        export_from=[None, "US", "TW"][(j + k) % 3],
                        quantity=3,
                        value_usd=1000.0,
                    )
                )
    return lines


def test_lines_with_headquarters_end_uses_and_parties(table: DecisionTable, screener: Screener) -> None:
    lines = _party_lines()
    problems = [p for line in lines for p in [_check(table, line)] if p]
    assert not problems, "\n".join(problems[:5])
    # screened with the embedded lists: clean names (lists reasons between the row's halves) and listed names
    screened = [
        line.model_copy(update={"parties": [Party(name=name, role="end_user", country="CN", headquarters_country=hq)]})
        for line, name, hq in zip(
            lines[::7],
            ["Huawei Technologies Co., Ltd.", "Acme Compute Ltd", "SMIC", "Blue Sky GmbH"] * 40,
            ["CN", None, "CN", "DE"] * 40,
            strict=False,
        )
    ]
    problems = [p for line in screened for p in [_check(table, line, screener)] if p]
    assert not problems, "\n".join(problems[:5])
    decided = [table.decide(line, screener=screener) for line in screened]
    assert any(d.screening for d in decided)  # a listed name really went through the engine's party path
    assert any(d.list_version for d in decided)


# Listed names whose findings require a license (Entity List), prohibit (SDN) or hold (possible matches), with
# parents and end uses, on both sides of rule dates.
FINDING_PARTIES = [
    [Party(name="Huawei Technologies Co., Ltd.", role="end_user", country="CN", headquarters_country="CN")],
    [Party(name="Moore Threads", role="end_user", country="CN")],
    [Party(name="Rosoboronexport", role="end_user", country="RU", headquarters_country="RU")],
    [Party(name="Islamic Revolutionary Guard Corps", role="end_user", country="IR")],
    [Party(name="Inspur Group", role="end_user", country="CN", headquarters_country="CN")],
    [
        Party(
            name="Sugon",
            role="end_user",
            headquarters_country="SG",
            parents=[ParentLink(name="Sugon Holdings", headquarters_country="CN")],
        ),
        Party(name="Blue Sky Compute GmbH", role="ultimate_consignee", country="DE", headquarters_country="DE"),
    ],
]


def test_lines_with_findings_from_the_prepared_key(table: DecisionTable, screener: Screener) -> None:
    """Lines whose screening finds listed parties are decided from their key's prepared determination
    (``DecisionTable.with_findings``), every outcome of a finding among them, as ``determine()`` decides them."""
    days = [
        dt.date(2023, 11, 16),
        dt.date(2023, 11, 17),
        dt.date(2024, 6, 3),
        dt.date(2025, 1, 15),
        dt.date(2026, 2, 2),
    ]
    uses = [EndUse(), EndUse(supercomputer=True), EndUse(military=True)]
    items_ = ["H20", "nvidia-h100-sxm5-80gb", "amd-mi308x", "nvidia-hgx-h20-8gpu", "L20", "deepseek-v3"]
    used = []
    outcomes: list[tuple[bool, list[bool]]] = []
    found = table.with_findings

    def spy(*args: Any) -> Any:
        got = found(*args)
        used.append(got is not None)
        return got

    table.with_findings = spy  # type: ignore[method-assign]
    try:
        problems = []
        for n, (day, item, dest) in enumerate(itertools.product(days, items_, ["CN", "MY", "RU", "AE", "DE"])):
            parties = FINDING_PARTIES[n % len(FINDING_PARTIES)]
            line = OrderLine(
                item=item,
                destination=dest,
                ship_date=day,
                parties=parties,
                end_use=uses[n % len(uses)],
                export_from=[None, "US"][n % 2],
            )
            before = len(used)
            problems.append(_check(table, line, screener))
            outcomes.append((any(p.country not in (None, dest) for p in parties), used[before:]))
    finally:
        del table.with_findings
    failed = [p for p in problems if p]
    assert not failed, "\n".join(failed[:5])
    from_key = [u for _, got in outcomes for u in got]
    assert len(from_key) > 20 and all(from_key)  # every line had findings, each decided from its key
    # a line whose party is located outside the destination too (``TableKey.located``)
    assert sum(len(got) for located, got in outcomes if located) > 20


def test_every_item_certified_for_the_case_by_case_review(table: DecisionTable) -> None:
    """Every item exported from the US to China with the certification of the H200 rule, on dates before and after
    it, in one table: the review policy tests each item's own TPP and DRAM bandwidth (no other test of this file
    decides a certified line)."""
    problems = []
    for day in (dt.date(2026, 1, 14), dt.date(2026, 1, 15), dt.date(2026, 9, 1)):
        for item in items(table):
            for dest, hq in (("CN", "CN"), ("MO", None), ("MY", "CN")):
                parties = [Party(name="Acme", role="end_user", headquarters_country=hq)] if hq else []
                line = OrderLine(
                    item=item,
                    destination=dest,
                    ship_date=day,
                    parties=parties,
                    export_from="US",
                    certifications=["r10-conditions"],
                )
                problems.append(_check(table, line))
    found = [p for p in problems if p]
    assert not found, "\n".join(found[:5])


def test_input_errors_are_the_engines(table: DecisionTable) -> None:
    from chipclear.errors import InputError

    bad = [
        OrderLine(item="H100", destination="CN", certifications=["NOPE"]),
        OrderLine(item="no such chip", destination="CN"),
    ]
    for line in bad:
        with pytest.raises(InputError) as want:
            determine(line, rules=table.rules, catalog=table.catalog, geography=table.geography)
        with pytest.raises(InputError) as got:
            table.decide(line)
        assert str(got.value) == str(want.value)


class _WrongPeriod(DecisionTable):
    """Off by one day at every boundary (a key that does not separate the day a rule starts from the day before)."""

    def period_of(self, day: dt.date) -> int:
        return super().period_of(day - dt.timedelta(days=1))


class _NoMilitary(DecisionTable):
    """A key without the military flag."""

    def _key_and_names(self, line: OrderLine, on: dt.date) -> tuple[TableKey, list[tuple[str, str]]]:
        key, names = super()._key_and_names(line, on)
        return key._replace(military=False), names


class _NoNameOrder(DecisionTable):
    """A key without the sort order of the party names: placeholders numbered in the order the parties come."""

    def _key_and_names(self, line: OrderLine, on: dt.date) -> tuple[TableKey, list[tuple[str, str]]]:
        key, names = super()._key_and_names(line, on)
        if not key.name_order:
            return key, names
        real, positional, renamed, k = dict(names), [], [], 0
        for ranks in key.name_order:
            pos = tuple(range(k, k + len(ranks)))
            k += len(ranks)
            positional.append(pos)
            renamed += [
                (compiled.NAME_PLACEHOLDER.format(p), real[compiled.NAME_PLACEHOLDER.format(r)])
                for r, p in zip(ranks, pos, strict=True)
            ]
        return key._replace(name_order=tuple(positional)), renamed


def test_a_wrong_key_is_caught() -> None:
    data = (load_rules(), load_catalog(), load_geography(), "enforced", load_models())
    assert run_sweep(_WrongPeriod(*data), limit=1)  # type: ignore[arg-type]
    for wrong in (_NoMilitary(*data), _NoNameOrder(*data)):  # type: ignore[arg-type]
        assert any(_check(wrong, line) for line in _party_lines())


def test_disk_cache_is_reused_and_invalidated(tmp_path: Any) -> None:
    rules, cat, geo = load_rules(), load_catalog(), load_geography()
    compiled._LIVE.clear()
    first = DecisionTable.for_current(rules, cat, geo)
    line = OrderLine(item="H20", destination="CN", ship_date=dt.date(2025, 6, 1))
    want = _plain(first.decide(line))
    path = first.save()
    assert path is not None and path.exists() and path.parent == compiled.cache_dir()
    compiled._LIVE.clear()
    again = DecisionTable.for_current(rules, cat, geo)
    assert again is not first and again.cache_path == path
    assert again.rows and again.compiled == 0
    assert _plain(again.decide(line)) == want and again.compiled == 0  # answered from the disk cache
    # any version change selects another table: rules (an overlay), catalog, geography, layer
    from chipclear.whatif import load_draft

    drafted = load_draft("tpp-threshold-2400", rules).apply(rules)
    others = [
        DecisionTable.version_of(drafted, cat, geo, "enforced"),
        DecisionTable.version_of(rules, cat, geo, "codified"),
    ]
    assert first.version not in others and len(set(others)) == 2
    changed_geo = Geography(dict(list(geo.countries.items())[:-1]), geo.regions, geo.groups_file, geo.names)
    assert DecisionTable.version_of(rules, cat, changed_geo, "enforced") != first.version
    from chipclear.catalog import Catalog

    fewer = Catalog([])
    assert DecisionTable.version_of(rules, fewer, geo, "enforced") != first.version
    compiled._LIVE.clear()
    fresh = DecisionTable.for_current(drafted, cat, geo)
    assert fresh.cache_path != path and not fresh.rows


def test_whatif_and_timeline_from_tables_equal_the_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    """The what-if decides each world from its own table (the draft is another rules version); its answer is the
    one the interpreter gives. The timeline likewise."""
    from chipclear.determination import history
    from chipclear.whatif import load_draft, verdicts

    rules, cat = load_rules(), load_catalog()
    draft = load_draft("tpp-threshold-2400", rules)
    drafted = draft.apply(rules)
    day = dt.date(2027, 1, 1)
    compiled._LIVE.clear()
    from_tables = verdicts.destination_impact(rules, drafted, draft.actions, cat, day)
    versions = {t.rules.version: t for t in compiled._LIVE.values()}
    assert {rules.version, drafted.version} <= set(versions)  # one table per world
    assert versions[drafted.version].rows and versions[rules.version].rows
    timeline_tables = history.timeline("H20", "CN", end=dt.date(2026, 11, 29)).to_json()

    def interpreted(line: OrderLine, on: dt.date, table: DecisionTable) -> Decision:
        return determine(
            line,
            as_of=on,
            layer=table.layer,
            rules=table.rules,
            catalog=table.catalog,
            screener=NoScreening(),
            geography=table.geography,
            models=table.models,
        )

    class Interpreter:
        def __init__(self, rules: Any, cat: Any, geo: Any, layer: Any, cache: bool = True) -> None:
            self.args = (rules, cat, geo, layer)

        @classmethod
        def for_current(cls, rules: Any, cat: Any, geo: Any, layer: Any, cache: bool = True) -> Any:
            return cls(rules, cat, geo, layer)

        def decide(
            self, line: OrderLine, as_of: dt.date | None = None, *, screener: Any = None, reviews: Any = None
        ) -> Decision:
            rules, cat, geo, layer = self.args
            return determine(
                line,
                as_of=as_of,
                layer=layer,
                rules=rules,
                catalog=cat,
                screener=screener,
                geography=geo,
                reviews=reviews,
            )

    monkeypatch.setattr(verdicts, "_decide", interpreted)
    monkeypatch.setattr(history, "DecisionTable", Interpreter)
    assert verdicts.destination_impact(rules, drafted, draft.actions, cat, day) == from_tables
    assert history.timeline("H20", "CN", end=dt.date(2026, 11, 29)).to_json() == timeline_tables


def test_random_lines_with_awkward_names(table: DecisionTable) -> None:
    """Seeded random lines: several parties of every role, unknown headquarters, parents, equal names and names that
    sort awkwardly (a prefix of another, case, a date, a parent-like label)."""
    import random

    rng = random.Random(16)
    pool = ["Acme", "Acme Ltd", "acme", "Zeta", "Alpha (ultimate parent of Zeta)", "Beta", "2025-01-15 Corp", "a"]
    dests = ["CN", "US", "MO", "AE", "SG", "MY", "DE", "VN", "RU", "HK"]
    days, ids = sweep_dates(table), items(table)

    def party() -> Party:
        parents = [
            ParentLink(name=rng.choice(pool), headquarters_country=rng.choice([None, "CN", "DE"]))
            for _ in range(rng.choice([0, 0, 1, 2]))
        ]
        role = rng.choice(["end_user", "ultimate_consignee", "purchaser", "intermediate_consignee"])
        hq = rng.choice([None, None, "CN", "US", "MO"])
        return Party(name=rng.choice(pool), role=role, headquarters_country=hq, parents=parents)

    problems = []
    for _ in range(1200):
        line = OrderLine(
            item=rng.choice(ids),
            destination=rng.choice(dests),
            ship_date=rng.choice(days) + dt.timedelta(days=rng.choice([0, 0, 1, 3, 40])),
            parties=[party() for _ in range(rng.choice([1, 2, 3]))],
            end_use=EndUse(supercomputer=rng.random() < 0.1, military=rng.random() < 0.05),
            export_from=rng.choice([None, "US", "TW"]),
        )
        problem = _check(table, line)
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems[:3])


@pytest.mark.slow
@pytest.mark.parametrize("layer", ["enforced", "codified"])
def test_random_lines_with_listed_names(layer: str, table: DecisionTable, screener: Screener) -> None:
    """Seeded random lines screened with the embedded lists: 1-3 parties of every role, most named as a list entry
    (some upper-cased, some with a listed or clean parent), any country and headquarters, every item, destination and
    sweep date, both layers. (Run for 7 minutes a layer on 12-06, about 280,000 lines each, none differed.)"""
    import random

    rng = random.Random(1206)
    if layer != table.layer:
        table = _table(layer)
    dests = all_destinations(table)
    days, ids, countries = sweep_dates(table), items(table), sorted(table.geography.countries)
    listed = rng.sample(sorted({e.name for e in screener.entries if e.name}), 400)
    clean = ["Acme Compute Ltd", "Blue Sky GmbH", "Northwind Traders", "Example Pte Ltd"]
    roles = ["end_user", "ultimate_consignee", "purchaser", "intermediate_consignee"]
    uses = [EndUse(), EndUse(supercomputer=True), EndUse(advanced_node_ic_production=True), EndUse(military=True)]

    def name() -> str:
        chosen = rng.choice(listed) if rng.random() < 0.6 else rng.choice(clean)
        return chosen.upper() if rng.random() < 0.2 else chosen

    lines = []
    for _ in range(1500):
        parties = [
            Party(
                name=name(),
                role=roles[k],
                country=rng.choice(countries),
                headquarters_country=rng.choice([*countries, None]),
                parents=[ParentLink(name=name(), headquarters_country=rng.choice([*countries, None]))]
                if rng.random() < 0.15
                else [],
            )
            for k in range(rng.choice([1, 1, 2, 3]))
        ]
        lines.append(
            OrderLine(
                item=rng.choice(ids),
                destination=rng.choice(dests),
                ship_date=rng.choice(days),
                parties=parties,
                end_use=rng.choice(uses),
            )
        )
    problems = [p for line in lines for p in [_check(table, line, screener)] if p]
    assert not problems, "\n".join(problems[:3])
    verdicts = {table.decide(line, screener=screener).verdict for line in lines[:200]}
    assert "PROHIBITED" in verdicts and "NLR" in verdicts  # listed names found, clean ones not


def test_outcome_of_unscreened_parties_is_held_as_decide_holds_it(table: DecisionTable) -> None:
    """A run without screening (batch ``--no-screening``): the outcome alone holds an NLR line whose party was not
    screened, as the full decision does (``engine.unscreened``)."""
    from chipclear.batch.engine import NoHits

    class Unscreened:
        list_version = NoHits().list_version

        def search(self, name: str, country: str | None = None) -> NoHits:
            return NoHits()

    party = Party(name="Blue Sky GmbH", role="end_user", country="DE", headquarters_country="DE")
    line = OrderLine(item="H20", destination="DE", ship_date=dt.date(2025, 6, 2), parties=[party])
    decided = table.decide(line, screener=Unscreened())
    outcome = table.outcome(line, screener=Unscreened())
    assert decided.verdict.value == outcome.verdict.value == "HOLD"
    assert table.outcome(line, screener=NoScreening()).verdict.value == "NLR"  # screened, no hits: not held


@pytest.mark.parametrize("layer", ["enforced", "codified"])
def test_recipients_located_elsewhere_are_rows(layer: str) -> None:
    """An end user or ultimate consignee located in another country than the destination is decided from a row
    (``TableKey.located``, the country by class), as ``determine()`` decides it: location conflicts, the exceptions'
    ``located_in`` / ``located_not_in`` (AIA for chips and for 4E091), a located country that is its destination
    class's representative (the destination is then written as itself), every item and sweep date."""
    import random

    rng = random.Random(1207)
    table = _table(layer)  # a fresh one: no class representative seen yet (the trap below seeds them)
    days, ids = sweep_dates(table), items(table)
    classes = [c for c in table_classes(table) if len(c) > 1]
    places = ["CN", "MO", "IR", "RU", "GB", "DE", "FR", "JP", "MY", "SG", "AE", "IN", "FI", "CA", "US", "VN"]
    roles = ["end_user", "ultimate_consignee", "purchaser"]
    everywhere = sorted(table.geography.countries)
    certs = sorted(table.certifications)
    problems, keys, traps = [], [], []
    for n in range(1000):
        if n % 4 == 0:  # a destination and a recipient located in another country of its class
            dest, where = rng.sample(rng.choice(classes), 2)
        else:  # a place the rules name, or any country or region
            dest, where = rng.choice(places), rng.choice(places if n % 2 else everywhere)
        parties = [
            Party(
                name=rng.choice(["Acme", "Zeta Labs", "Blue Sky GmbH"]) + f" {k}",
                role=roles[k] if n % 3 else "ultimate_consignee",
                country=where if k == 0 else rng.choice([None, dest, *places]),
                headquarters_country=rng.choice([None, "CN", "GB", "US", where]),
                parents=[ParentLink(name="Top Co", headquarters_country=rng.choice([None, "CN", "DE"]))]
                if rng.random() < 0.2
                else [],
            )
            for k in range(rng.choice([1, 1, 2, 3]))
        ]
        line = OrderLine(
            item=rng.choice(ids),
            destination=dest,
            ship_date=rng.choice(days),
            parties=parties,
            end_use=EndUse(supercomputer=rng.random() < 0.1),
            export_from=rng.choice([None, "US"]),
            certifications=rng.sample(certs, rng.choice([0, 1, 2])),  # exceptions (AIA, ACM) the location may bar
        )
        if n % 4 == 0:  # ``where`` seen first as a destination: its class's representative in the period
            table.key_of(line.model_copy(update={"destination": where, "parties": []}))
            if table.key_of(line.model_copy(update={"parties": []})).destination == where:
                traps.append(len(keys))
        keys.append(table.key_of(line))
        problem = _check(table, line)
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems[:3])
    located = [k for k in keys if k.located]
    assert len(located) > 300 and all(k.name_order is not None for k in located)  # rows, not the engine
    # most located countries written as their class's placeholder (``code_order``'s last entries)
    assert sum(max(k.code_order[-len(k.located) :]) >= 0 for k in located) > len(located) // 2
    # the representative trap: the destination written as itself, not as the class of the located country
    trapped = [keys[i] for i in traps if keys[i].located[0][2] == keys[i].destination or keys[i].located]
    assert len(trapped) > 50 and all(k.code_order[0] == -1 and k.destination != k.located[0][2] for k in trapped)


def test_outcome_with_findings_is_kept_per_key_and_findings(screener: Screener) -> None:
    """The what-if's outcome of a line with findings (``DecisionTable._findings_outcome``) is kept per key and what
    the findings add to the outcome: two listed parties with findings of one kind share it, and each outcome is the
    interpreter's."""
    table = _table("enforced")
    names = ["Huawei Technologies Co., Ltd.", "Inspur Group", "Sugon", "Moore Threads", "Rosoboronexport"]
    problems, calls = [], 0
    for day in [dt.date(2024, 6, 3), dt.date(2026, 2, 2)]:
        for item in ["H20", "nvidia-h100-sxm5-80gb"]:
            for dest in ["CN", "DE"]:
                for name in names:
                    party = Party(name=name, role="end_user", country=dest, headquarters_country="CN")
                    line = OrderLine(item=item, destination=dest, ship_date=day, parties=[party])
                    problems.append(_check(table, line, screener))
                    calls += 1
    assert not [p for p in problems if p]
    kept = table._finding_outcomes
    assert 0 < len(kept) < calls  # kept, and shared by parties whose findings are alike


def test_exceptions_a_location_bars_are_written_by_class() -> None:
    """The texts a recipient's location writes (an exception "not available: location of ...", a location conflict)
    name the located country, written in a row as its class's placeholder: the codified layer's AIA and ACM for
    chips and weights certified for them, to a Tier 1 destination, each recipient located in a country of a class
    of several, as ``determine()`` writes them."""
    table = _table("codified")
    classes = [c for c in table_classes(table) if len(c) > 1]
    where = sorted({c for group in classes for c in group if c in table.geography.countries})
    certs = ["aia-740.27-ic-designer", "acm-740.28-conditions", "aia-4e091-storage"]
    problems, texts = [], 0
    for n, country in enumerate(where):
        for item in ["nvidia-h100-sxm5-80gb", "grok-3"]:
            role = "end_user" if n % 2 else "ultimate_consignee"
            party = Party(name="Acme UK Ltd", role=role, country=country, headquarters_country="GB")
            line = OrderLine(
                item=item, destination="GB", ship_date=dt.date(2025, 3, 3), parties=[party], certifications=certs
            )
            if country == "GB" or table.key_of(line).name_order is None:
                continue
            problems.append(_check(table, line))
            d = table.decide(line)
            texts += any(f"location of Acme UK Ltd ({role.replace('_', ' ')}) {country}" in r.detail for r in d.reasons)
    assert not [p for p in problems if p]
    assert texts > 5  # the located country reached the texts, written as the line's own
