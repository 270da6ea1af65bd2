"""Compiled decision tables: ``determine()`` without party screening, decided once per key and looked up.

The rules change a few times a year and a verdict depends on few inputs, so for one rules version, layer, catalog,
model catalog and geography the engine's answer is a table keyed by (``KEY_FIELDS``):

* ``item``: the line's item id as given (catalog id or alias, model id, user spec id);
* ``destination`` and ``export_from``: normalised country codes;
* ``period``: the index of the date among ``period_boundaries()`` (``bisect_right``; Polars:
  ``boundaries.search_sorted(dates, side="right")``). Boundaries are every date named in the rule, geography,
  catalog and model data or in the engine's own text, and the day after each, so inside a period of several days
  nothing can change a decision and no text names one of its days except the as-of date;
* ``hq``: per party the headquartered rule looks at (roles end_user, ultimate_consignee, purchaser), the
  headquarters countries it sees: its own and, if it has parents, its ultimate parent's (``None`` = unknown);
  the names are not in the key (they appear only in text and are patched in);
* ``name_order``: with two or more party labels (names, "parent (ultimate parent of name)"), each label's rank
  among the distinct labels, because the engine sorts texts naming parties and merges equal ones; ``()`` for one
  label or none; ``None`` for names a placeholder cannot stand for (such a line is decided by the engine);
* ``supercomputer``, ``advanced_node_ic_production``, ``military``: the end-use flags;
* ``certifications``: sorted codes;
* ``located``: each party of ``hq`` that receives the item (end user, ultimate consignee) and is located in a
  country other than the destination, as (its index in ``hq``, its role, that country's code): where a recipient is
  located is tested by the exceptions' ``located_in``/``located_not_in`` and by the engine's location conflicts
  (``engine.locations``), which name the role; ``()`` for none. The country is keyed by class as a headquarters
  country is (its signature over the destination and location sets: the location conflicts test it as a
  destination), written as ``LOCATED_PLACEHOLDER``, or as itself where it is a class of its own or the row's
  destination.

For a vectorised key (batch): ``period`` is ``search_sorted(period_boundaries(), side="right")`` of the as-of
date; an order-book line whose only party is an end user with headquarters country H (normalised, None when not
given; no parents) has ``hq == ((H,),)``, a line without such a party ``hq == ()``; ``certifications`` ``()`` when
none; ``name_order`` ``()`` (one label at most).

Country codes are keyed by class: in each period, the destination (and, apart, each headquarters country) is
replaced in the key by the first country seen whose answers to every country set the rules test it against
(``destination_in``/``destination_not_in``; the ``headquartered_*`` sets) are the same, texts included, with the
code written as a placeholder (``_signature``); a country with a group membership unknown on the date is a class of
its own. A row's texts write the line's codes as placeholders (``conditions.CodeLabels``), replaced by the line's
own codes as the party names are, so countries the rules tell apart only by name share one row (on 2026-11-11,
the 34 destinations of the ``bench/batch`` book fall into 19 classes as destinations and 7 as headquarters).

Everything else ``determine`` reads enters only per line: the import entry (duty, computed per line and appended),
the input echo, and screening. A row holds the verdict, review policy, exceptions, classification, missing and the
reasons before and after the point where screening reasons go, decided on the period's representative date with
placeholder party names; a lookup replaces the representative date by the line's date and the placeholders by the
names, so the answer is identical to ``determine()`` (``tests/determination/test_compiled_equivalence.py``).

A key's row is shared with the same key in other periods when every dated input the engine reads is the same there
(the licensing rules in force, the coverage notes, the item's classification, the countries' group memberships,
and the policies, exceptions and events that concern the requirements that applied; see ``row``): over the 46
periods of the bundled data from 2025-07 to 2026-12, the requirements in force and coverage notes take 4 states,
so about half of an order book's keys are not compiled at all (``tests/determination/test_compiled_sharing.py``
compares shared rows with rows compiled per period, in every period of the data).

Lines with parties are screened per line with the engine's own ``screen``; a clean check (no finding) only adds its
reasons between the row's two halves (``apply_parties``); a check with findings decides the line through the engine
(``prepare`` + ``conclude``), as ``determine`` does.

Public API (stable)::

    table = DecisionTable.for_current(layer="enforced")            # bundled data, disk cache
    table = DecisionTable.for_current(rules, catalog, geography, layer, models=None, cache=True)
    table.decide(line, as_of=None, *, screener=None, reviews=None) -> Decision   # same as determine()
    table.key_of(line, as_of=None) -> TableKey                      # validates like determine(); codes by class
    table.canonical(key, names=None) -> (TableKey, names)           # a hand-made key's codes by class
    table.classes(role, codes, period) -> {code: class's least code} # codes one row serves (batch keys)
    table.data_state(period, items, codes) -> hashable              # periods that decide those keys alike
    table.row(key) -> Row                                           # compiled lazily (memo)
    table.compile_period(period, items=None, destinations=None)     # eager: every item x destination
    table.period_boundaries() -> list[date]; table.period_of(date) -> int; table.representative(period) -> date
    table.save()                                                    # write the disk cache
    KEY_FIELDS, NAME_PLACEHOLDER, Row.patch(...)

The disk cache is one pickle file per table under ``<data dir>/cache/decision-tables/``, named by a hash of the
rules version, the catalog, model catalog and geography contents, the layer, the engine code and ``FORMAT``: a
change to any of them selects another file (a draft overlay or a user spec gets its own table). The file is a
pickle: it is trusted as the rest of the user's data directory is (the ledger database).

A table may be shared by threads (the HTTP API): rows are added to dicts under the GIL, at worst a key is compiled
twice with the same result; the tokens of shared rows are numbered from a count, so two states worked out at once
never get the same token.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import os
import pickle
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from chipclear.catalog import Catalog, load_catalog
from chipclear.decision import (
    Decision,
    EndUse,
    LicenseExceptionUse,
    OrderLine,
    ParentLink,
    Party,
    Reason,
    ReviewPolicy,
    Verdict,
)
from chipclear.determination import engine
from chipclear.determination.certified import asks, exception_asks
from chipclear.determination.conditions import CodeLabels, Evaluator, Facts, PartyHQ
from chipclear.determination.merge import (
    MergedLicensing,
    certification_codes,
    country_sets,
    licensing_at,
    validate,
)
from chipclear.determination.parties import PartyCheck, Reviews, Screener
from chipclear.errors import ChipclearError, InputError
from chipclear.geography import Geography, load_geography
from chipclear.models import ModelCatalog, load_models
from chipclear.rules import RuleSet, load_rules
from chipclear.rules.schema import Layer

FORMAT = 5  # bump when a Row or the key changes shape (3: country codes as placeholders; 4: ``located``;
# 5: review policies cited as renumbered)
MAX_SAVED_ROWS = 100_000  # rows written to the disk cache at most (about 60 MB, a few seconds to load)
KEY_FIELDS = [
    "item",
    "destination",
    "period",
    "hq",
    "supercomputer",
    "advanced_node_ic_production",
    "military",
    "export_from",
    "certifications",
    "name_order",
    "code_order",
    "located",
]
PLACEHOLDER_MARK = "⟦"
NAME_PLACEHOLDER = "⟦{:03d}⟧"  # the party names a row is decided with (the label's rank; at most 200 labels)
CODE_MARK = "⟦@"  # the country codes a row's texts are written with
DESTINATION_PLACEHOLDER = "⟦@d⟧"
HQ_PLACEHOLDER = "⟦@h{}⟧"  # one per distinct headquarters country of a line, in order of appearance
LOCATED_PLACEHOLDER = "⟦@l{}⟧"  # one per distinct country a recipient is located in, in order of appearance
_DATE_RE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# Modules whose text can reach a decision (dates typed there are period boundaries; their bytes are in the cache
# key, so a code change invalidates the cache).
_ENGINE_SOURCES = (
    "classification.py",
    "metrics.py",
    "decision.py",
    "logic.py",
    "determination",
    "rules",
    "geography",
    "catalog",
    "models",
)


class TableKey(NamedTuple):
    item: str
    destination: str
    period: int
    hq: tuple[tuple[str | None, ...], ...]
    supercomputer: bool
    advanced_node_ic_production: bool
    military: bool
    export_from: str | None
    certifications: tuple[str, ...]
    name_order: tuple[tuple[int, ...], ...] | None = ()  # () for one label; None: decided by the engine
    # How the row's texts write the codes: the destination (0: as its placeholder, -1: as itself), then each
    # headquarters in ``hq`` order (n: as the n-th placeholder, one per distinct country of the line, -1: as
    # itself); () for a key not made by ``canonical`` (every code as itself).
    code_order: tuple[int, ...] = ()
    # (index in ``hq``, role, country by class) of each recipient located somewhere other than the destination
    located: tuple[tuple[int, str, str], ...] = ()


class Outcome(NamedTuple):
    """What a decision concludes, without its texts: ``DecisionTable.outcome``."""

    verdict: Verdict
    review_policy: ReviewPolicy | None
    license_exceptions: list[LicenseExceptionUse]


@dataclass(frozen=True)
class Row:
    """One compiled decision, with the representative date and placeholder party names in its text."""

    rep: dt.date
    verdict: Verdict
    review_policy: ReviewPolicy | None
    license_exceptions: list[LicenseExceptionUse]
    classification: dict[str, Any]
    before: list[Reason]  # reasons before the screening reasons
    after: list[Reason]  # reasons after them (verdict, events)
    missing: list[str]

    def patch(
        self,
        on: dt.date,
        names: list[tuple[str, str]],
        memo: dict[tuple[int, dt.date], tuple[dict[str, Any], dict[str, Any]]] | None = None,
        texts: dict[int, tuple[dict[str, Any], str]] | None = None,
    ) -> Row:
        """This row for the date ``on`` and the (placeholder, name) pairs (``memo``: patched classifications, by
        the identity of the row's classification and the date; ``texts``: each classification's JSON text, by its
        identity; names never appear in a classification)."""
        dated = [(self.rep.isoformat(), on.isoformat())] if on != self.rep else []
        subs = dated + names
        if not subs:
            return self
        classification = self.classification
        if dated:
            mkey = (id(self.classification), on)
            held = memo.get(mkey) if memo is not None else None
            if held is None or held[0] is not self.classification:
                held = (self.classification, _sub_classification(self.classification, dated, texts))
                if memo is not None:
                    memo[mkey] = held
            classification = held[1]
        return Row(
            rep=on,
            verdict=self.verdict,
            review_policy=self.review_policy,
            license_exceptions=[
                e.model_copy(update={"conditions": [substitute(c, subs) for c in e.conditions]})
                for e in self.license_exceptions
            ],
            classification=classification,
            before=[_sub_reason(r, subs) for r in self.before],
            after=[_sub_reason(r, subs) for r in self.after],
            missing=[substitute(m, subs) for m in self.missing],
        )


DATE_MARK = "⟦as-of⟧"
_UNSET = object()


def _renumbered_on(rule: Any, day: dt.date) -> tuple[int, ...]:
    """Which of a requirement's or review policy's ``renumbered`` entries cover ``day`` (the paragraphs that then
    hold it, ``engine._cited_as``): part of the state two periods must share to share a row."""
    return tuple(i for i, c in enumerate(rule.renumbered) if c.covers(day))


def _undated(text: str, rep: dt.date) -> str:
    """``text`` with the representative date replaced by a mark (what a state compares across periods)."""
    return text.replace(rep.isoformat(), DATE_MARK)


def substitute(text: str, subs: list[tuple[str, str]]) -> str:
    """``text`` with each (old, new) pair of ``subs`` replaced, in order."""
    for old, new in subs:
        if old in text:
            text = text.replace(old, new)
    return text


def _sub_reason(r: Reason, subs: list[tuple[str, str]]) -> Reason:
    rule, citation, detail = substitute(r.rule, subs), substitute(r.citation, subs), substitute(r.detail, subs)
    if (rule, citation, detail) == (r.rule, r.citation, r.detail):
        return r
    return r.model_copy(update={"rule": rule, "citation": citation, "detail": detail})


def _sub_classification(
    value: dict[str, Any], subs: list[tuple[str, str]], texts: dict[int, tuple[dict[str, Any], str]] | None
) -> dict[str, Any]:
    """``_sub_json`` of a classification, through its JSON text (kept in ``texts``): a classification's keys are
    field and metric names, so a date can occur only in its string values, and JSON's C codec is ~3x faster than
    walking the dict."""
    if texts is None:
        return _sub_json(value, subs)
    held = texts.get(id(value))
    if held is None or held[0] is not value:
        held = texts[id(value)] = (value, json.dumps(value, ensure_ascii=False))
    patched = substitute(held[1], subs)
    return value if patched is held[1] else json.loads(patched)


def _sub_json(value: Any, subs: list[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        return substitute(value, subs)
    if isinstance(value, dict):
        return {k: _sub_json(v, subs) for k, v in value.items()}
    if isinstance(value, list):
        return [_sub_json(v, subs) for v in value]
    return value


# -- periods ------------------------------------------------------------------------------------------------------
def walk_dates(value: Any, out: set[dt.date]) -> None:
    """Add to ``out`` every date in ``value``: date fields, ISO dates in text, nested in dicts, lists and models."""
    if isinstance(value, dt.datetime):
        out.add(value.date())
    elif isinstance(value, dt.date):
        out.add(value)
    elif isinstance(value, str):
        _text_dates(value, out)
    elif isinstance(value, dict):
        for v in value.values():
            walk_dates(v, out)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            walk_dates(v, out)
    elif hasattr(value, "model_dump"):
        walk_dates(value.model_dump(), out)


def _text_dates(text: str, out: set[dt.date]) -> None:
    for y, m, d in _DATE_RE.findall(text):
        try:
            out.add(dt.date(int(y), int(m), int(d)))
        except ValueError:
            continue


def _source_files() -> list[Path]:
    root = Path(__file__).resolve().parent.parent
    files: list[Path] = []
    for name in _ENGINE_SOURCES:
        path = root / name
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.suffix in (".py", ".yaml", ".yml", ".json"))
        elif path.exists():
            files.append(path)
    return files


@lru_cache(maxsize=1)
def _code_state() -> tuple[frozenset[dt.date], str]:
    """Dates named in the engine's code and bundled data, and a digest of those files."""
    found: set[dt.date] = set()
    digest = hashlib.sha256()
    for path in _source_files():
        data = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + data)
        _text_dates(data.decode("utf-8", errors="replace"), found)
    return frozenset(found), digest.hexdigest()[:16]


def data_dates(
    rules: RuleSet,
    geography: Geography,
    catalog: Catalog | None = None,
    models: ModelCatalog | None = None,
    extra: Any = (),
) -> list[dt.date]:
    """Every date named in the rule, geography, catalog and model data (fields and text), in the engine's code, and
    ``extra``."""
    found: set[dt.date] = set(extra)
    for action in rules.actions:
        walk_dates(action, found)
    found.add(rules.data_date)
    walk_dates(geography.groups_file, found)
    walk_dates(list(geography.countries.values()), found)
    walk_dates(list(geography.regions.values()), found)
    if catalog is not None:
        walk_dates(catalog.items(), found)
    if models is not None:
        walk_dates(_model_items(models), found)
    found |= _code_state()[0]
    return sorted(found)


def epoch_boundaries(dates: Any) -> list[dt.date]:
    """Sorted boundaries: each named date d and d + 1 start a new period."""
    out: set[dt.date] = set()
    for d in dates:
        out.add(d)
        if d < dt.date.max:
            out.add(d + dt.timedelta(days=1))
    return sorted(out)


def _model_items(models: ModelCatalog) -> list[Any]:
    for name in ("items", "models"):
        value = getattr(models, name, None)
        if callable(value):
            return list(value())
        if isinstance(value, dict):
            return list(value.values())
        if value is not None:
            return list(value)
    return []


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def catalog_version(catalog: Catalog) -> str:
    return _digest([i.model_dump(mode="json") for i in catalog.items()])


def models_version(models: ModelCatalog) -> str:
    return _digest([m.model_dump(mode="json") for m in _model_items(models)])


def geography_version(geo: Geography) -> str:
    return _digest(
        [
            geo.groups_file.model_dump(mode="json"),
            {k: c.model_dump(mode="json") for k, c in geo.countries.items()},
            {k: r.model_dump(mode="json") for k, r in geo.regions.items()},
        ]
    )


def cache_dir() -> Path:
    from chipclear.settings import get_settings

    return Path(get_settings().data_dir) / "cache" / "decision-tables"


# -- party names --------------------------------------------------------------------------------------------------
def _placeholder(rank: int) -> str:
    return NAME_PLACEHOLDER.format(rank)


def _name_order(seen: list[tuple[Party, PartyHQ]]) -> tuple[tuple[tuple[int, ...], ...] | None, list[tuple[str, str]]]:
    """The order of the party labels the engine builds (a name, or "parent (ultimate parent of name)") and the
    (placeholder, name) pairs. The engine sorts texts naming parties (what is missing), and equal labels are one
    text, so the key holds each label's rank among the distinct labels and the placeholders sort and coincide as the
    names do. None: names the placeholders cannot stand for (a name holding a placeholder, or a party's name equal
    to another's parent label); such a line is decided by the engine."""
    labels = [[label for label, _ in hq.headquarters] for _, hq in seen]
    flat = [label for group in labels for label in group]
    if any(PLACEHOLDER_MARK in label for label in flat):
        return None, []
    if len(flat) <= 1:
        return (), [(_placeholder(0), seen[0][0].name)] if seen else []
    own = {group[0] for group in labels}
    parents = {label for group in labels for label in group[1:]}
    if own & parents:
        return None, []
    rank = {label: r for r, label in enumerate(sorted(set(flat)))}
    order = tuple(tuple(rank[label] for label in group) for group in labels)
    by_placeholder: dict[str, str] = {}
    for (party, _), ranks in zip(seen, order, strict=True):
        by_placeholder[_placeholder(ranks[0])] = party.name
        if len(ranks) > 1:
            by_placeholder[_placeholder(ranks[1])] = party.parents[-1].name
    return order, list(by_placeholder.items())


def _engine_only(line: OrderLine, seen: list[tuple[Party, PartyHQ]]) -> bool:
    """Lines whose parties carry what a row's placeholder party cannot (decided by the engine): owners read for the
    ultimate parent (no parent given), or a party the headquartered rule does not look at (an exception's
    every-party scope reads it; such a party may also be a recipient located elsewhere)."""
    if any(hq.owners is not None or len(hq.headquarters) > len(p.parents[-1:]) + 1 for p, hq in seen):
        return True
    return any(p.role not in engine.PARTY_ROLES_FOR_HQ for p in line.parties)


def _located(seen: list[tuple[Party, PartyHQ]], destination: str, geo: Geography) -> tuple[tuple[int, str, str], ...]:
    """``TableKey.located``: the recipients among ``seen`` located elsewhere than ``destination``, as
    ``engine.locations`` reads them (the codes were validated by ``engine._party_hq``)."""
    out = []
    for n, (party, _) in enumerate(seen):
        if party.role in engine.RECIPIENT_ROLES and party.country:
            country = geo.normalize(party.country, field="parties.country")
            if country != destination:
                out.append((n, party.role, country))
    return tuple(out)


# -- the table ----------------------------------------------------------------------------------------------------
class DecisionTable:
    """The compiled ``determine()`` for one rules version, layer, catalog, model catalog and geography."""

    def __init__(
        self,
        rules: RuleSet,
        catalog: Catalog,
        geography: Geography,
        layer: Layer = "enforced",
        models: ModelCatalog | None = None,
    ) -> None:
        self.rules, self.catalog, self.geography, self.layer = rules, catalog, geography, layer
        self.models = models or load_models()
        validate(rules, geography)
        self.certifications = certification_codes(rules)
        dates = data_dates(rules, geography, catalog, self.models)
        self.boundaries = epoch_boundaries(dates)
        self._named = frozenset(dates)  # a period whose first day is one of these is that day alone
        self.rows: dict[TableKey, Row] = {}
        self._merged: dict[int, MergedLicensing] = {}
        self._items: dict[str, Any] = {}
        self._prepared: dict[TableKey, tuple[OrderLine, engine.Prepared]] = {}  # ``with_findings``, per key
        self._finding_outcomes: dict[tuple[Any, ...], Outcome] = {}  # ``_findings_outcome``
        self._classified: dict[tuple[str, dt.date], Any] = {}  # classification per item and representative date
        # ``_classify``: the classification sections in force per day, and per item and sections the first clean
        # day classified on and its classification
        self._cls_sections: dict[dt.date, tuple[int, ...]] = {}
        self._cls_state: dict[tuple[str, tuple[int, ...]], tuple[dt.date, Any]] = {}
        self._item_tok_state: dict[tuple[str, tuple[int, ...]], int] = {}  # ``_item_token`` per item and sections
        self._memo: dict[tuple[object, ...], Any] = {}  # the evaluator's memo (destination-set answers)
        self._cls_json: dict[tuple[str, dt.date], dict[str, Any]] = {}
        self._cls_on: dict[
            tuple[int, dt.date], tuple[dict[str, Any], dict[str, Any]]
        ] = {}  # a row's classification patched to a date
        self._cls_text: dict[int, tuple[dict[str, Any], str]] = {}  # a row's classification as JSON text
        self.compiled = 0  # rows compiled by this object (not loaded from disk)
        # Rows shared between periods (``_dated_inputs``): a row compiled on a clean representative day, by the key
        # without its period and the tokens of every dated input the decision reads.
        self.share_rows = True
        self.shared = 0  # rows taken from another period's compiled row
        # key without its period -> (period, requirements that applied, ``_applied_state``, row) per clean period
        self._shared: dict[TableKey, list[tuple[int, frozenset[str], tuple[Any, ...], Row]]] = {}
        self._applied_tok: dict[tuple[int, frozenset[str]], tuple[Any, ...]] = {}
        self._tokens: dict[Any, int] = {}
        self._numbers = itertools.count()
        self._period_tok: dict[int, int] = {}
        self._item_tok: dict[tuple[str, int], int] = {}
        self._geo_tok: dict[tuple[str, int], int] = {}
        self._geo_span_tok: dict[tuple[str, int, str], int] = {}  # ``_geo_token`` per code, span and note
        self._inputs: dict[TableKey, tuple[int, ...] | None] = {}  # ``_dated_inputs`` per key
        # Country classes (``_signature``): the sets each role's code is tested against, the signature per code and
        # geography token, the first code seen per signature in a period, and each code's representative.
        self.share_codes = True
        self._sets = country_sets(rules)
        self._sigs: dict[tuple[str, int], Any] = {}
        self._answers: dict[tuple[int, int], Any] = {}  # ``Evaluator.answer`` per set and geography token
        self._reps: dict[tuple[str, int, Any], str] = {}
        self._rep_of: dict[tuple[str, str, int], str | None] = {}
        self._sig_pairs: dict[int, frozenset[tuple[Any, Any]]] = {}  # ``_signature_pairs`` per period
        self.cache_path: Path | None = None
        self._saved = 0  # ``compiled`` when last saved

    # -- construction -----------------------------------------------------------------------------------------
    @classmethod
    def for_current(
        cls,
        rules: RuleSet | None = None,
        catalog: Catalog | None = None,
        geography: Geography | None = None,
        layer: Layer = "enforced",
        models: ModelCatalog | None = None,
        cache: bool = True,
    ) -> DecisionTable:
        """The table for these data (default: the bundled ones), loaded from the disk cache when ``cache``.
        One table per data versions and ``cache`` is kept in memory for the process (a batch's table, in memory
        only, does not replace the API's, loaded from disk)."""
        given = (rules, catalog, geography, models)
        fast = (*map(id, given), layer, cache)
        same = _BY_OBJECTS.get(fast)
        if (
            same is not None
            and all(a is b for a, b in zip(same[0], given, strict=True))
            and _LIVE.get((same[1].version, cache)) is same[1]
        ):
            return same[1]  # the same objects as last time (None = the bundled data, loaded once per process)
        rules, catalog, geography = rules or load_rules(), catalog or load_catalog(), geography or load_geography()
        models = models or load_models()
        token = cls.version_of(rules, catalog, geography, layer, models)
        found = _LIVE.get((token, cache))
        if found is not None:
            return found
        table = cls(rules, catalog, geography, layer, models)
        table.version = token
        if cache:
            table.cache_path = cache_dir() / f"table-{token}.pickle"
            table._load()
        while len(_LIVE) >= MAX_LIVE:  # drafts come and go: keep the most recent tables only
            _LIVE.pop(next(iter(_LIVE)))
        _LIVE[(token, cache)] = table
        _BY_OBJECTS[fast] = (given, table)
        return table

    @staticmethod
    def version_of(
        rules: RuleSet, catalog: Catalog, geography: Geography, layer: Layer, models: ModelCatalog | None = None
    ) -> str:
        """The hash that names a table: rules, catalog, model catalog and geography versions, layer, engine code."""
        parts = [
            str(FORMAT),
            rules.version,
            _cached_version(catalog, catalog_version),
            _cached_version(models or load_models(), models_version),
            _cached_version(geography, geography_version),
            layer,
            _code_state()[1],
        ]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]

    version: str = ""

    def _load(self) -> None:
        assert self.cache_path is not None
        try:
            with self.cache_path.open("rb") as fh:
                stored = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return
        if isinstance(stored, dict) and stored.get("format") == FORMAT and stored.get("version") == self.version:
            self.rows.update(stored["rows"])

    def save(self) -> Path | None:
        """Write the rows to the disk cache (atomically); None when the table has no cache file."""
        if self.cache_path is None:
            return None
        if self.compiled == self._saved and self.cache_path.exists():
            return self.cache_path  # nothing new since loaded or saved
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.cache_path.parent, suffix=".tmp")
        rows = self.rows
        if len(rows) > MAX_SAVED_ROWS:  # the most recently compiled rows: loading must stay cheaper than compiling
            rows = dict(list(rows.items())[-MAX_SAVED_ROWS:])
        with os.fdopen(fd, "wb") as fh:
            pickle.dump({"format": FORMAT, "version": self.version, "rows": rows}, fh, protocol=5)
        os.replace(tmp, self.cache_path)
        self._saved = self.compiled
        return self.cache_path

    # -- periods ----------------------------------------------------------------------------------------------
    def period_boundaries(self) -> list[dt.date]:
        return list(self.boundaries)

    def period_of(self, day: dt.date) -> int:
        return bisect.bisect_right(self.boundaries, day)

    def representative(self, period: int) -> dt.date:
        """The day a period's rows are decided on: its first day (the day before the first boundary for 0)."""
        if period == 0:
            return self.boundaries[0] - dt.timedelta(days=1)
        return self.boundaries[period - 1]

    # -- keys -------------------------------------------------------------------------------------------------
    def _check_certifications(self, line: OrderLine) -> None:
        unknown = sorted(set(line.certifications) - self.certifications)
        if unknown:
            known = ", ".join(sorted(self.certifications)) or "none"
            raise InputError(f"certifications: unknown code {unknown[0]!r} (known: {known})", field="certifications")

    def _key_and_names(self, line: OrderLine, on: dt.date) -> tuple[TableKey, list[tuple[str, str]]]:
        geo = self.geography
        seen: list[tuple[Party, PartyHQ]] = []
        for i, party in enumerate(line.parties):
            if party.role in engine.PARTY_ROLES_FOR_HQ:
                seen.append((party, engine._party_hq(party, i, geo)))  # validates the codes as determine() does
        destination = geo.normalize(line.destination, field="destination")
        order, names = (None, []) if _engine_only(line, seen) else _name_order(seen)
        end_use = line.end_use
        key = TableKey(
            item=line.item,
            destination=destination,
            period=self.period_of(on),
            hq=tuple(tuple(country for _, country in hq.headquarters) for _, hq in seen),
            supercomputer=end_use.supercomputer,
            advanced_node_ic_production=end_use.advanced_node_ic_production,
            military=end_use.military,
            export_from=geo.normalize(line.export_from, field="export_from") if line.export_from else None,
            certifications=tuple(sorted(set(line.certifications))),
            name_order=order,
            located=_located(seen, destination, geo),
        )
        if order is None:  # decided by the engine: no row
            return key, names
        return self.canonical(key, names)

    def canonical(
        self, key: TableKey, names: list[tuple[str, str]] | None = None
    ) -> tuple[TableKey, list[tuple[str, str]]]:
        """``key`` with each country code replaced by its class's representative in the key's period and written
        as a placeholder (``code_order``), and ``names`` with the (placeholder, code) pairs added. A code that is a
        class of its own is kept and written as itself (its texts may be sorted or split into cases). Without
        ``share_codes``, ``key`` and ``names`` as they are (every code as itself)."""
        if not self.share_codes:
            return key, list(names or [])
        period = key.period
        pairs = list(names or [])
        dest = self._representative("destination", key.destination, period)
        if dest is not None and any(dest == c for _, _, c in key.located):
            dest = None  # the class's representative is where a recipient is located: the destination as itself
        line_dest = dest or key.destination
        order = [-1 if dest is None else 0]
        if dest is not None:
            pairs.append((DESTINATION_PLACEHOLDER, key.destination))
        seen: dict[str, int] = {}
        hq = []
        for countries in key.hq:
            reps = []
            for c in countries:
                rep = None if c is None else self._representative("hq", c, period)
                if c is None or rep is None:
                    order.append(-1)
                    reps.append(c)
                    continue
                if c not in seen:
                    seen[c] = len(seen)
                    pairs.append((HQ_PLACEHOLDER.format(seen[c]), c))
                order.append(seen[c])
                reps.append(rep)
            hq.append(tuple(reps))
        located = []
        places: dict[str, int] = {}
        for n, role, c in key.located:
            rep = self._representative("located", c, period)
            if rep is None or rep == line_dest:  # a class of its own, or the row's destination: as itself
                order.append(-1)
                located.append((n, role, c))
                continue
            if c not in places:
                places[c] = len(places)
                pairs.append((LOCATED_PLACEHOLDER.format(places[c]), c))
            order.append(places[c])
            located.append((n, role, rep))
        canon = key._replace(destination=line_dest, hq=tuple(hq), code_order=tuple(order), located=tuple(located))
        return canon, pairs

    def classes(self, role: str, codes: Iterable[str], period: int) -> dict[str, str]:
        """Each of ``codes`` (normalised) -> the least of ``codes`` with its signature for ``role``
        (``"destination"`` or ``"hq"``) in ``period``: codes mapped to one code have one decision but for the code
        in its texts, which the row writes as a placeholder (``canonical``). A code that is a class of its own, or
        that the geography cannot answer for, maps to itself; so does every code without ``share_codes``. The
        least code, not the first seen, so that two order books name a class alike (their batch keys meet in the
        decision cache)."""
        out: dict[str, str] = {}
        groups: dict[Any, str] = {}
        for code in sorted(set(codes)):
            sig = self._signature_or_none(role, code, period) if self.share_codes else None
            out[code] = code if sig is None else groups.setdefault(sig, code)
        return out

    def located_classes(self, pairs: Iterable[tuple[str, str]], period: int) -> dict[tuple[str, str], str | None]:
        """For each (destination, country where the recipient is located) pair (normalised codes, the two
        different), the least of the pairs' countries with the country's signature for ``"located"``, where a line
        of the pair can be keyed by the class of both codes; None where it cannot. ``canonical`` writes the
        destination as itself where its class's representative is the located country, and the located country as
        itself where its representative is the row's destination: which of the two happens depends on the codes
        first seen, not on the classes. Neither can happen where no code at all has both the destination's
        signature for ``"destination"`` and the country's for ``"located"`` (the two classes share no code): then
        every line of the two classes gets the same canonical key (``tests/batch/test_class_keys.py``)."""
        pairs = sorted(set(pairs))
        least = self.classes("located", [c for _, c in pairs], period)
        both = self._signature_pairs(period)
        out: dict[tuple[str, str], str | None] = {}
        for dest, country in pairs:
            ok = self.share_codes and dest != country
            if ok:
                d, c = (
                    self._signature_or_none("destination", dest, period),
                    self._signature_or_none("located", country, period),
                )
                ok = d is not None and c is not None and (d, c) not in both
            out[(dest, country)] = least[country] if ok else None
        return out

    def _signature_or_none(self, role: str, code: str, period: int) -> Any:
        try:
            return self._signature(role, code, period)
        except ChipclearError:
            return None

    def _signature_pairs(self, period: int) -> frozenset[tuple[Any, Any]]:
        """Each code's (signature for ``"destination"``, signature for ``"located"``) in ``period``, over every
        country and region of the geography (a class's representative may be any code seen); codes of a class of
        their own in either role left out (never a representative)."""
        found = self._sig_pairs.get(period)
        if found is None:
            out = set()
            for code in [*self.geography.countries, *self.geography.regions]:
                d = self._signature_or_none("destination", code, period)
                c = self._signature_or_none("located", code, period)
                if d is not None and c is not None:
                    out.add((d, c))
            found = self._sig_pairs[period] = frozenset(out)
        return found

    def _labels(self, key: TableKey) -> CodeLabels | None:
        """How ``key``'s row writes its codes (``TableKey.code_order``)."""
        if not key.code_order:
            return None
        it = iter(key.code_order)
        dest = DESTINATION_PLACEHOLDER if next(it) >= 0 else None
        hq = tuple(tuple(HQ_PLACEHOLDER.format(n) if (n := next(it)) >= 0 else None for _ in hq) for hq in key.hq)
        located = tuple(LOCATED_PLACEHOLDER.format(n) if (n := next(it)) >= 0 else None for _ in key.located)
        return CodeLabels(dest, hq, located)

    def _representative(self, role: str, code: str, period: int) -> str | None:
        """The first code seen in ``period`` with the signature of ``code`` for ``role``; None for a code that is a
        class of its own."""
        memo_key = (role, code, period)
        if memo_key in self._rep_of:
            return self._rep_of[memo_key]
        sig = self._signature(role, code, period)
        found = None if sig is None else self._reps.setdefault((role, period, sig), code)
        self._rep_of[memo_key] = found
        return found

    def _signature(self, role: str, code: str, period: int) -> Any:
        """What the engine answers and writes for ``code`` in each country set the rules test a ``role`` code
        against, on the period's date, the code written as a placeholder (``Evaluator.answer``); None (a class
        of its own) when a group membership is unknown (the engine then splits cases naming the code). Two codes
        with the same signature give the same decision but for the code in its texts. Kept per code and
        geography token: the answers read nothing else of the date."""
        token = self._geo_token(code, period)
        memo_key = (role, token)
        if memo_key in self._sigs:
            return self._sigs[memo_key]
        ev: Evaluator | None = None
        answers = []
        for dset in self._sets[role]:
            # per set and token, not per role: the sets a location is tested against include the destination's
            found = self._answers.get((id(dset), token))
            if found is None:
                ev = ev or Evaluator(_bare_facts(self.representative(period), code), self.geography)
                found = self._answers[(id(dset), token)] = ev.answer(code, dset, CODE_MARK + "⟧")  # any mark will do
            answers.append(found)
        sig = None if any(unknown for *_, unknown in answers) else tuple(a[:3] for a in answers)
        self._sigs[memo_key] = sig
        return sig

    def key_of(self, line: OrderLine, as_of: dt.date | None = None) -> TableKey:
        """The row a line is decided by (raises the InputError ``determine`` raises for a bad code)."""
        self._check_certifications(line)
        return self._key_and_names(line, as_of or line.ship_date or dt.date.today())[0]

    # -- compiling --------------------------------------------------------------------------------------------
    def line_of(self, key: TableKey, on: dt.date | None = None) -> OrderLine:
        """The line a row is decided on: the key's inputs, placeholder party names, the representative date."""
        parties = []
        located = {n: (role, country) for n, role, country in key.located}
        for n, countries in enumerate(key.hq):
            ranks = key.name_order[n] if key.name_order else (0,)
            parents = [ParentLink(name=_placeholder(ranks[1]), headquarters_country=c) for c in countries[1:]]
            role, country = located.get(n, ("end_user", None))
            parties.append(
                Party(
                    name=_placeholder(ranks[0]),
                    role=role,
                    country=country,
                    headquarters_country=countries[0],
                    parents=parents,
                )
            )
        return OrderLine(
            item=key.item,
            destination=key.destination,
            ship_date=on or self.representative(key.period),
            parties=parties,
            end_use=EndUse(
                supercomputer=key.supercomputer,
                advanced_node_ic_production=key.advanced_node_ic_production,
                military=key.military,
            ),
            export_from=key.export_from,
            certifications=list(key.certifications),
        )

    def _prepare(self, key: TableKey) -> tuple[OrderLine, engine.Prepared]:
        """The line a row of ``key`` is decided on and its prepared determination (before screening), on the
        period's representative day, with placeholder party names and the code placeholders in its texts."""
        rep = self.representative(key.period)
        line = self.line_of(key, rep)
        prep = engine.prepare(
            line,
            rep,
            self.layer,
            self.rules,
            self.catalog,
            self.geography,
            self.models,
            cls=self.classification_on(key.item, rep),
            merged=self._merged_for(key.period),
            memo=self._memo,
            labels=self._labels(key),
        )
        self._items.setdefault(key.item, prep.cls.item)
        return line, prep

    def _prepared_copy(self, key: TableKey, keep: bool) -> tuple[OrderLine, engine.Prepared]:
        """``_prepare`` of ``key`` with a state of its own to conclude: a copy of the one kept for ``with_findings``
        if any (a key's lines with findings come before its row in a batch: their names sort before the
        placeholder's), else prepared now, and kept (a copy returned) with ``keep``."""
        held = self._prepared.get(key)
        if held is None:
            held = self._prepare(key)
            if not keep:
                return held
            self._prepared[key] = held
        line, prep = held
        kept = prep.st  # never changed: a copy, its lists too, is concluded
        st = dataclasses.replace(
            kept,
            reasons=list(kept.reasons),
            missing=list(kept.missing),
            required=list(kept.required),
            policies=list(kept.policies),
        )
        return line, dataclasses.replace(prep, st=st)

    def _compile(self, key: TableKey) -> tuple[Row, frozenset[str]]:
        """The row of ``key`` and the ids of the license requirements that applied (what ``engine._events`` reads)."""
        line, prep = self._prepared_copy(key, keep=False)
        rep = prep.on
        split = len(prep.st.reasons)
        verdict, review, exceptions = engine.conclude_state(line, prep, self.geography)
        self.compiled += 1
        applied = frozenset(r.id for r, _ in prep.st.required) | prep.not_enforced
        row = Row(
            rep=rep,
            verdict=verdict,
            review_policy=review,
            license_exceptions=exceptions,
            classification=self._classification_json(key.item, rep, prep.cls),
            before=prep.st.reasons[:split],
            after=prep.st.reasons[split:],
            missing=list(prep.st.missing),
        )
        return row, applied

    def _classification_json(self, item: str, rep: dt.date, cls: Any) -> dict[str, Any]:
        found = self._cls_json.get((item, rep))
        if found is None:
            found = self._cls_json[(item, rep)] = cls.to_json()
        return found

    def row(self, key: TableKey) -> Row:
        """The compiled row of ``key`` (compiled on first use, or the row of the same key in another period whose
        every dated input is the same, see ``_dated_inputs``). A key whose ``name_order`` is None has no row: its
        line is decided by ``decide`` through the engine."""
        if key.name_order is None:
            raise ValueError("a line with these party names is not tabulated: use decide()")
        found = self.rows.get(key)
        if found is None:
            base = key._replace(period=-1)
            sources = self._shared.get(base) if self.share_rows else None
            if sources:  # the same key compiled in another period: share its row if the dated inputs are equal
                mine = self._dated_inputs(key)
                for period, applied, state, row in sources:
                    if (
                        mine is not None
                        and self._dated_inputs(key._replace(period=period)) == mine
                        and self._applied_state(key.period, applied) == state
                    ):
                        found = row
                        self.shared += 1
                        break
            if found is None:
                found, applied = self._compile(key)
                if self.share_rows and self.clean(key.period):
                    entry = (key.period, applied, self._applied_state(key.period, applied), found)
                    self._shared.setdefault(base, []).append(entry)
            self.rows[key] = found
        return found

    # -- rows shared between periods --------------------------------------------------------------------------
    # A row depends on its period only through what the engine reads on the as-of date: the license requirements
    # in force within their since/until, the rule data's coverage notes and the ECCN's named carve-outs
    # (``engine.dated_notes``), the item's classification, the destination's and each headquarters country's
    # resolution and group memberships (``Geography.resolve`` / ``member``) (all in ``_dated_inputs``), and the
    # review policies, exceptions and dated events passed that concern a requirement that applied (the engine reads
    # them for those requirements only: ``_applied_state``); everything else is the key's. Each of those is reduced
    # per period to a token, with the period's representative date in its text replaced by a mark. Two keys equal
    # but for the period, whose tokens and applied states are equal, have the same decision but for the as-of date
    # in its text; a row is shared only from a period whose representative day is named nowhere in the data
    # (``clean``), so that the date's only occurrences in its text are the as-of date, which ``Row.patch``
    # replaces.
    # (``tests/determination/test_compiled_sharing.py`` compares every shared row with one compiled for its own
    # period.)
    def clean(self, period: int) -> bool:
        """Whether the period's representative day is a date named nowhere in the data (a multi-day period)."""
        return self.representative(period) not in self._named

    def _token(self, state: Any) -> int:
        # A fresh number per call (``next`` on a count is atomic under the GIL), so two states worked out at once
        # by two threads (the HTTP API) never get the same token; the same state keeps the first one stored.
        return self._tokens.setdefault(state, next(self._numbers))

    def classification_on(self, item: str, rep: dt.date) -> Any:
        found = self._classified.get((item, rep))
        if found is None:
            found = self._classified[(item, rep)] = self._classify(item, rep)
        return found

    def _classify(self, item: str, rep: dt.date) -> Any:
        """The classification of ``item`` on ``rep``. A catalog item's reads the date only through the
        classification sections in force and the as-of date in its text (``classification.classify``): on a day
        with the same sections in force as a clean day (named nowhere in the data) already classified on, it is
        that classification dated anew. The clean day's date is in its texts only as the as-of date, so this holds
        on a day the data names too, whose own date may also be in the texts as data, as it is in the clean
        day's (``tests/determination/test_compiled_classification.py``)."""
        sections = self._sections(item, rep)
        if sections is None:
            return engine.classify_item(item, rep, self.layer, self.rules, self.catalog, self.models)
        held = self._cls_state.get((item, sections))
        if held is None:
            cls = engine.classify_item(item, rep, self.layer, self.rules, self.catalog, self.models)
            if rep not in self._named:  # only a clean day's classification is dated anew for others
                self._cls_state[(item, sections)] = (rep, cls)
            return cls
        return _redated(held[1], held[0], rep)

    def _sections(self, item: str, rep: dt.date) -> tuple[int, ...] | None:
        """The classification sections in force on ``rep``, which with a catalog item decide its classification
        but for the date (``_classify``); None for an AI model."""
        if self.models.find(item) is not None:
            return None
        sections = self._cls_sections.get(rep)
        if sections is None:
            in_force = self.rules.in_force(rep, "classification", self.layer)
            sections = self._cls_sections[rep] = tuple(id(a) for a in in_force)
        return sections

    def _period_token(self, period: int) -> int:
        found = self._period_tok.get(period)
        if found is None:
            rep = self.representative(period)
            merged = self._merged_for(period)
            notes, carve_outs = engine.dated_notes(self.rules, rep, self.layer, self._memo)
            state = (
                tuple(
                    # with the paragraphs that then hold it (``engine._cited_as``)
                    (k, id(r), id(a), _renumbered_on(r, rep))
                    for k, (r, a) in merged.requirements.items()
                    if not ((r.since and rep < r.since) or (r.until and rep >= r.until))
                ),
                _undated(json.dumps([n.model_dump(mode="json") for n in notes], sort_keys=True), rep),
                tuple(sorted(carve_outs)),
                # the codified requirements this layer does not enforce on the day, and the periods why
                # (``engine._deferred`` cites them for a line no enforced requirement catches)
                tuple(
                    (id(r), id(a), tuple(id(p) for p in periods))
                    for r, a, periods in engine.deferred_requirements(self.rules, rep, self.layer, merged, self._memo)
                ),
            )
            found = self._period_tok[period] = self._token(("period", state))
        return found

    def _applied_state(self, period: int, applied: frozenset[str]) -> tuple[Any, ...]:
        """What the engine reads in ``period`` only for the license requirements that applied (``applied``), in its
        order: the review policies for them (``engine._policy_for``), the exceptions that overcome them
        (``engine._exceptions``) and the dated events passed that concern them (``engine._events``)."""
        found = self._applied_tok.get((period, applied))
        if found is None:
            rep, merged = self.representative(period), self._merged_for(period)
            found = (
                # each policy with the paragraphs that then hold it (``engine._cited_as``)
                tuple(
                    (k, id(p), id(a), _renumbered_on(p, rep))
                    for k, (p, a) in merged.policies.items()
                    if applied & set(p.applies_to)
                ),
                tuple((k, id(e), id(a)) for k, (e, a) in merged.exceptions.items() if applied & set(e.overcomes)),
                tuple((id(e), id(a)) for e, a in merged.events if e.date <= rep and applied & set(e.affects)),
            )
            self._applied_tok[(period, applied)] = found
        return found

    def _item_token(self, item: str, period: int) -> int:
        found = self._item_tok.get((item, period))
        if found is None:
            rep = self.representative(period)
            # Days with the classification sections of a clean day have its classification dated anew
            # (``_classify``): its token, worked out once per state from a clean day (whose date is in the text
            # only as the as-of date).
            state = self._sections(item, rep)
            found = self._item_tok_state.get((item, state)) if state is not None else None
            if found is None:
                cls = self.classification_on(item, rep)
                text = json.dumps(self._classification_json(item, rep, cls), sort_keys=True, default=str)
                found = self._token(("item", item, id(cls.item), _undated(text, rep)))
                if state is not None and rep not in self._named:
                    self._item_tok_state[(item, state)] = found
            self._item_tok[(item, period)] = found
        return found

    def _geo_token(self, code: str, period: int) -> int:
        found = self._geo_tok.get((code, period))
        if found is None:
            rep, geo = self.representative(period), self.geography
            resolved, note = geo.resolve(code, rep)
            # Between two of the code's change dates every answer below is the same: worked out once per span
            # (and per note as the texts write it on the day: it holds a date that may be the day's)
            undated = _undated(note or "", rep)
            span = (code, bisect.bisect_right(geo.change_dates(code), rep), undated)
            found = self._geo_span_tok.get(span)
            if found is None:
                answers = tuple(geo.member(code, group, rep) for group in sorted(geo.groups))
                state = ("geo", code, resolved, undated, answers)
                found = self._geo_span_tok[span] = self._token(state)
            self._geo_tok[(code, period)] = found
        return found

    def data_state(self, period: int, items: list[str], codes: list[str]) -> tuple[Any, ...]:
        """Everything a decision about ``items`` and ``codes`` reads on the period's date, whatever the rest of
        its key: what ``_dated_inputs`` reads for each of them, and every review policy, exception and dated event
        passed (``_applied_state`` reads those that concern the requirements that applied). Two periods with the
        same state decide every such key alike but for the as-of date in the texts (batch: ``plan.epoch_groups``).
        An item that does not classify is part of the state as its error."""
        rep, merged = self.representative(period), self._merged_for(period)
        tokens: list[Any] = []
        for item in items:
            try:
                tokens.append(self._item_token(item, period))
            except ChipclearError as exc:
                tokens.append(("error", item, str(exc)))
        return (
            self._period_token(period),
            tuple(tokens),
            tuple(self._geo_token(code, period) for code in codes),
            tuple((k, id(p), id(a)) for k, (p, a) in merged.policies.items()),
            tuple((k, id(e), id(a)) for k, (e, a) in merged.exceptions.items()),
            tuple((id(e), id(a)) for e, a in merged.events if e.date <= rep),
        )

    def _dated_inputs(self, key: TableKey) -> tuple[int, ...] | None:
        """The tokens of what ``key``'s decision reads on its period's date, apart from ``_applied_state`` (None:
        the item does not classify; ``_compile`` raises the same error). Worked out only for a key whose other
        periods were compiled, so a key seen in one period costs nothing; kept per key (a row shared from another
        period compares that period's tokens too, for every key of its base)."""
        found = self._inputs.get(key, _UNSET)
        if found is _UNSET:
            found = self._inputs[key] = self._work_out_inputs(key)
        return found  # type: ignore[return-value]

    def _work_out_inputs(self, key: TableKey) -> tuple[int, ...] | None:
        try:
            item = self._item_token(key.item, key.period)
        except ChipclearError:
            return None
        codes = sorted(
            {key.destination, *(c for hq in key.hq for c in hq if c is not None), *(c for *_, c in key.located)}
        )
        certified = (self._certified_token(key.period, key.certifications),) if key.certifications else ()
        return (self._period_token(key.period), item, *(self._geo_token(c, key.period) for c in codes), *certified)

    def _certified_token(self, period: int, codes: tuple[str, ...]) -> int:
        """The exceptions and review policies in force in ``period`` that ask for one of ``codes``: a certification
        none of them reads is explained from them (``certified.certification_reasons``), whatever applied."""
        merged = self._merged_for(period)
        state = (
            "certified",
            codes,
            tuple((k, id(e)) for k, (e, _) in merged.exceptions.items() if any(exception_asks(e, c) for c in codes)),
            tuple((k, id(p)) for k, (p, _) in merged.policies.items() if any(asks(p.when, c) for c in codes)),
        )
        return self._token(state)

    def compile_period(self, period: int, items: list[str] | None = None, destinations: list[str] | None = None) -> int:
        """Compile every item x destination of one period (no parties, no flags); returns the rows compiled."""
        before = self.compiled
        ids = items if items is not None else [i.id for i in self.catalog.items()]
        dests = destinations if destinations is not None else sorted(self.geography.countries)
        for item in ids:
            for dest in dests:
                self.row(self.canonical(TableKey(item, dest, period, (), False, False, False, None, ()))[0])
        return self.compiled - before

    def _merged_for(self, period: int) -> MergedLicensing:
        found = self._merged.get(period)
        if found is None:
            found = self._merged[period] = licensing_at(self.rules, self.representative(period), self.layer)
        return found

    def _item(self, item: str) -> Any:
        found = self._items.get(item)
        if found is None:
            model = self.models.find(item)
            found = self._items[item] = model if model is not None else self.catalog.get(item)
        return found

    # -- deciding ---------------------------------------------------------------------------------------------
    def decide(
        self,
        line: OrderLine,
        as_of: dt.date | None = None,
        *,
        screener: Screener | None = None,
        reviews: Reviews | None = None,
    ) -> Decision:
        """The decision ``determine(line, as_of, layer, rules, catalog, screener, geography, models, reviews)``
        gives, from the table (parties are screened per line, as the engine does)."""
        on, key, names, check = self.lookup(line, as_of, screener=screener, reviews=reviews)
        if not self.tabulated(key, check):
            return self.untabulated(line, on, key, names, check)
        return self.decision_from(line, on, key, self.row(key), names, check)

    def outcome(
        self,
        line: OrderLine,
        as_of: dt.date | None = None,
        *,
        screener: Screener | None = None,
        reviews: Reviews | None = None,
    ) -> Outcome:
        """The verdict, review policy and license exceptions of ``decide(line, as_of, ...)``, without building the
        Decision where the line is tabulated: they are the key's row's (the same on every day of its period; the
        screening of a line without findings adds reasons, not an outcome), as ``engine.decision_of`` reads them
        (``engine.unscreened``). A line with findings, or names no placeholder stands for, is decided in full.
        The exceptions' codes are exact; their conditions' texts may still hold the row's placeholders. (What a
        what-if needs for its unchanged lines, which are nearly all of them.)"""
        on, key, names, check = self.lookup(line, as_of, screener=screener, reviews=reviews)
        if not self.tabulated(key, check):
            found = self._findings_outcome(on, key, check)
            if found is not None:
                return found
            d = self.untabulated(line, on, key, names, check)
            return Outcome(d.verdict, d.review_policy, d.license_exceptions)
        row = self.row(key)
        (verdict, review, exceptions), _ = engine.unscreened(
            (row.verdict, row.review_policy, row.license_exceptions), row.missing, check
        )
        return Outcome(verdict, review, exceptions)

    def _findings_outcome(self, on: dt.date, key: TableKey, check: PartyCheck | None) -> Outcome | None:
        """``outcome`` of a line with screening findings where ``with_findings`` would decide it: the key's prepared
        determination concluded with what the findings add to the outcome (a prohibition, a hold, each listed
        party's requirement and policy; their texts change no outcome), kept per key and such findings. None where
        ``with_findings`` would not decide it."""
        if key.name_order is None or check is None:
            return None
        if on != self.representative(key.period) and not self.clean(key.period):
            return None
        party = engine.State()
        engine.apply_parties(check, party)
        memo_key = (
            key,
            party.prohibited,
            party.hold,
            party.unknown,
            tuple((r.id, r.policy, r.confidence) for r, _ in party.required),
            tuple(repr(p) for p in party.policies),
        )
        found = self._finding_outcomes.get(memo_key)
        if found is None:
            key_line, prep = self._prepared_copy(key, keep=True)
            _add_outcomes(prep.st, party)
            found = self._finding_outcomes[memo_key] = Outcome(*engine.conclude_state(key_line, prep, self.geography))
        return found

    def untabulated(
        self, line: OrderLine, on: dt.date, key: TableKey, names: list[tuple[str, str]], check: PartyCheck | None
    ) -> Decision:
        """The decision of a line no row holds (``tabulated`` is False): from its key's prepared determination
        where ``with_findings`` can, else through the engine (``by_engine``)."""
        found = self.with_findings(line, on, key, names, check)
        return found if found is not None else self.by_engine(line, on, check)

    def with_findings(
        self, line: OrderLine, on: dt.date, key: TableKey, names: list[tuple[str, str]], check: PartyCheck | None
    ) -> Decision | None:
        """The decision of a line whose screening check has findings (which change the outcome, so no row holds
        it), from the key's prepared determination (``_prepare``, kept per key): the findings applied and the
        determination concluded as ``engine.conclude`` does, its texts then dated and named as a row's are
        (``Row.patch``), the screening's own texts left as they are. None where a row could not be used either
        (names a placeholder cannot stand for, or another day of a period whose first day the data names): decide
        it through the engine."""
        if key.name_order is None or check is None:
            return None
        if on != self.representative(key.period) and not self.clean(key.period):
            return None
        key_line, prep = self._prepared_copy(key, keep=True)
        st = prep.st
        party = engine.State()  # the findings' reasons, missing facts and outcomes, as ``apply_parties`` makes them
        engine.apply_parties(check, party)
        _add_outcomes(st, party)
        split, needs = len(st.reasons), len(st.missing)
        verdict, review, exceptions = engine.conclude_state(key_line, prep, self.geography)
        row = Row(
            rep=prep.on,
            verdict=verdict,
            review_policy=review,
            license_exceptions=exceptions,
            classification=self._classification_json(key.item, prep.on, prep.cls),
            before=st.reasons[:split],
            after=st.reasons[split:],
            missing=st.missing,
        ).patch(on, names, self._cls_on, self._cls_text)
        # What is missing in the order ``State.need`` records it on the line (each once): before the screening,
        # the findings', after them.
        missing = list(dict.fromkeys([*row.missing[:needs], *party.missing, *row.missing[needs:]]))
        return self._decision(line, on, key, row, check, [*row.before, *party.reasons, *row.after], missing)

    def by_engine(self, line: OrderLine, on: dt.date, check: PartyCheck | None) -> Decision:
        """A line that is not ``tabulated``, decided through the engine with its screening check, as
        ``determine()`` does (a finding changes the outcome). The classification is the table's, dated anew
        (``_classify``), not kept. (Keeping the classification, rules and memo on the line's date was tried
        earlier: no faster, and 0.4 GB more for a screened 1M-line book.)"""
        cls = self._classify(line.item, on)  # not kept: lines have many dates
        prep = engine.prepare(line, on, self.layer, self.rules, self.catalog, self.geography, self.models, cls=cls)
        return engine.conclude(line, prep, check, self.geography)

    def lookup(
        self,
        line: OrderLine,
        as_of: dt.date | None = None,
        *,
        screener: Screener | None = None,
        reviews: Reviews | None = None,
    ) -> tuple[dt.date, TableKey, list[tuple[str, str]], PartyCheck | None]:
        """What ``decide`` answers ``line`` from: the date, the key, the (placeholder, name) pairs and the
        screening check (None for a line without parties)."""
        self._check_certifications(line)
        on = as_of or line.ship_date or dt.date.today()
        key, names = self._key_and_names(line, on)
        check = engine.screen(line, self._merged_for(key.period), screener, on, reviews) if line.parties else None
        return on, key, names, check

    @staticmethod
    def tabulated(key: TableKey, check: PartyCheck | None) -> bool:
        """Whether ``decide`` answers from the key's row (else through the engine: names a placeholder cannot
        stand for, or a screening finding, which changes the outcome)."""
        return key.name_order is not None and not (check is not None and check.findings)

    def decision_from(
        self,
        line: OrderLine,
        on: dt.date,
        key: TableKey,
        row: Row,
        names: list[tuple[str, str]],
        check: PartyCheck | None,
    ) -> Decision:
        """The decision of a tabulated line (``lookup``, ``tabulated``) from ``row``, dated ``on``."""
        row, reasons = self.outcome_from(on, row, names, check)
        return self._decision(line, on, key, row, check, reasons, row.missing)

    def _decision(
        self,
        line: OrderLine,
        on: dt.date,
        key: TableKey,
        row: Row,
        check: PartyCheck | None,
        reasons: list[Reason],
        missing: list[str],
    ) -> Decision:
        """The Decision of ``line`` with the outcome of ``row`` (dated and named for it) and these texts."""
        return engine.decision_of(
            line,
            on,
            self.layer,
            self.rules.version,
            self._item(key.item),
            (row.verdict, row.review_policy, row.license_exceptions),
            check,
            row.classification,
            reasons,
            missing,
        )

    def outcome_from(
        self, on: dt.date, row: Row, names: list[tuple[str, str]], check: PartyCheck | None
    ) -> tuple[Row, list[Reason]]:
        """What ``decision_from`` decides a line from: ``row`` dated ``on`` with the party names put in, and its
        reasons with the screening's between the row's halves (the import duty's, if any, come after them)."""
        row = row.patch(on, names, self._cls_on, self._cls_text)
        middle = engine.State()
        engine.apply_parties(check, middle)
        return row, [*row.before, *middle.reasons, *row.after]


def _add_outcomes(st: engine.State, party: engine.State) -> None:
    """What the screening findings (``party``, as ``engine.apply_parties`` makes it) add to a prepared state's
    outcome, as ``engine.conclude`` adds them (the texts are the caller's)."""
    st.prohibited = st.prohibited or party.prohibited
    st.hold = st.hold or party.hold
    st.unknown = st.unknown or party.unknown
    st.required += party.required
    st.policies += party.policies


def _redated(cls: Any, day: dt.date, rep: dt.date) -> Any:
    """A classification made on the clean day ``day`` as made on ``rep`` (its as-of date and the texts naming it)."""
    old, new = day.isoformat(), rep.isoformat()
    trace = [r.model_copy(update={"detail": r.detail.replace(old, new)}) if old in r.detail else r for r in cls.trace]
    return cls.model_copy(update={"as_of": rep, "trace": trace})


def _bare_facts(on: dt.date, code: str) -> Facts:
    """Facts with only a date and a destination: all ``Evaluator.answer`` reads."""
    return Facts(
        as_of=on,
        destination=code,
        item_ids=frozenset(),
        eccn=None,
        status="indeterminate",
        candidates=(),
        classification_missing=(),
        datacenter=None,
        metrics={},
        parties=(),
        end_use=frozenset(),
        export_from=None,
        certifications=frozenset(),
    )


MAX_LIVE = 8  # tables kept in memory per process
_LIVE: dict[tuple[str, bool], DecisionTable] = {}
_BY_OBJECTS: dict[tuple[Any, ...], tuple[tuple[Any, ...], DecisionTable]] = {}
_VERSIONS: dict[int, tuple[Any, str]] = {}


def _cached_version(obj: Any, fn: Any) -> str:
    """A content hash per loaded object (held with the object, so an id is never reused for another)."""
    found = _VERSIONS.get(id(obj))
    if found is not None and found[0] is obj:
        return found[1]
    value: str = fn(obj)
    _VERSIONS[id(obj)] = (obj, value)
    return value


__all__ = [
    "FORMAT",
    "KEY_FIELDS",
    "NAME_PLACEHOLDER",
    "DecisionTable",
    "Outcome",
    "Row",
    "TableKey",
    "cache_dir",
    "catalog_version",
    "data_dates",
    "epoch_boundaries",
    "geography_version",
    "models_version",
    "substitute",
]
