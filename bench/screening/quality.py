"""Screening quality: recall and precision per variant class, chipclear vs nomenklatura logic-v1 vs a rapidfuzz
token-set baseline, all against the full embedded CSL in the same run.

    .venv/bin/python bench/screening/quality.py [--entries 300] [--seed 7]

A positive case counts as found when its target entry (or an entry listing the same name) is among the hits
at/above the threshold; a case is a false alarm when it is flagged but the target is not among its hits, or
when it is a negative with any hit. Peers get the same candidates: rapidfuzz's top 20 names by WRatio over
all 53k names plus chipclear's top 20 candidates; logic-v1 then scores each candidate entity.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from cases import ADVERSARIAL, BENIGN, NEGATIVE, Case, build_cases
from rapidfuzz import fuzz, process, utils

from chipclear.screening import Screener, load_embedded

LOGIC_V1_THRESHOLD = 0.7  # yente's default match threshold
TOKEN_SET_THRESHOLD = 90.0


def equivalent_entries(screener: Screener) -> dict[str, set[str]]:
    """entry id -> entries that list a name with the same tokens (duplicates across lists)."""
    by_key: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for row, norm in enumerate(screener.index.alias_norm):
        entry = screener.entries[int(screener.index.alias_entry[row])]
        by_key[tuple(sorted(norm.tokens))].add(entry.entry_id)
    out: dict[str, set[str]] = defaultdict(set)
    for ids in by_key.values():
        for i in ids:
            out[i] |= ids
    return out


class Tally:
    def __init__(self) -> None:
        self.n = self.found = self.false_alarm = 0

    def add(self, case: Case, flagged_ids: set[str], equivalent: dict[str, set[str]]) -> None:
        self.n += 1
        if case.target is None:
            self.false_alarm += bool(flagged_ids)
            return
        correct = equivalent.get(case.target, set()) | {case.target}
        if flagged_ids & correct:
            self.found += 1
        elif flagged_ids:
            self.false_alarm += 1


def run(entries: int, seed: int, peers: bool = True) -> None:
    t0 = time.perf_counter()
    lists = load_embedded()
    screener = Screener(lists)
    build = time.perf_counter() - t0
    cases = build_cases(lists, screener, entries, seed)
    equivalent = equivalent_entries(screener)
    print(
        f"list {lists.version}: {len(lists.entries)} entries, {len(screener.index.alias_text)} names; "
        f"chipclear index build {build:.2f} s; {len(cases)} cases"
    )

    alias_strings = [utils.default_process(a) for a in screener.index.alias_text]
    alias_entry = screener.index.alias_entry
    ftm_cache: dict[int, object] = {}
    if peers:  # the peers' packages are needed only to score them
        from followthemoney import model
        from nomenklatura.matching import LogicV1

        logic_config = LogicV1.default_config()

    def ftm_entity(e_no: int) -> object:
        if e_no not in ftm_cache:
            entry = lists.entries[e_no]
            schema = "Person" if (entry.entity_type or "").lower() == "individual" else "Organization"
            ent = model.make_entity(schema)
            ent.id = entry.entry_id
            ent.add("name", entry.name)
            ent.add("alias", list(entry.aliases))
            ent.add("country", list(entry.countries))
            ftm_cache[e_no] = ent
        return ftm_cache[e_no]

    tallies: dict[str, dict[str, Tally]] = {
        s: defaultdict(Tally) for s in ("chipclear-review", "chipclear-match", "logic-v1", "token-set")
    }
    timing = defaultdict(float)
    for case in cases:
        t = time.perf_counter()
        result = screener.search(case.query, limit=10)
        timing["chipclear"] += time.perf_counter() - t
        review_ids = {h.entry_id for h in result.hits}
        match_ids = {h.entry_id for h in result.hits if h.is_match}
        tallies["chipclear-review"][case.klass].add(case, review_ids, equivalent)
        tallies["chipclear-match"][case.klass].add(case, match_ids, equivalent)

        if not peers:
            continue
        processed = utils.default_process(case.query)
        t = time.perf_counter()
        best = process.extract(
            processed,
            alias_strings,
            scorer=fuzz.token_set_ratio,
            processor=None,
            limit=10,
            score_cutoff=TOKEN_SET_THRESHOLD,
        )
        timing["token-set"] += time.perf_counter() - t
        ts_ids = {lists.entries[int(alias_entry[i])].entry_id for _, _, i in best}
        tallies["token-set"][case.klass].add(case, ts_ids, equivalent)

        # Candidates for logic-v1: rapidfuzz WRatio top 20 + chipclear top 20 at a low floor.
        wr = process.extract(processed, alias_strings, scorer=fuzz.WRatio, processor=None, limit=20)
        cand = {int(alias_entry[i]) for _, _, i in wr}
        low = screener.search(case.query, limit=20, min_score=0.2)
        id_to_no = {h.entry_id for h in low.hits}
        cand |= {e_no for e_no, e in enumerate(lists.entries) if e.entry_id in id_to_no} if id_to_no else set()
        target_schema = "Organization"
        query_ent = model.make_entity("LegalEntity")
        query_ent.id = "query"
        query_ent.add("name", case.query)
        del target_schema
        t = time.perf_counter()
        lv_ids = set()
        for e_no in cand:
            res = LogicV1.compare(query_ent, ftm_entity(e_no), logic_config)
            timing["logic-v1-pairs"] += 1
            if res.score >= LOGIC_V1_THRESHOLD:
                lv_ids.add(lists.entries[e_no].entry_id)
        timing["logic-v1"] += time.perf_counter() - t
        tallies["logic-v1"][case.klass].add(case, lv_ids, equivalent)

    if not peers:
        tallies = {k: v for k, v in tallies.items() if k.startswith("chipclear")}
    report(tallies, timing, len(cases))


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def report(tallies: dict[str, dict[str, Tally]], timing: dict[str, float], n_cases: int) -> None:
    systems = list(tallies)
    print("\nrecall per class (positives) / false-alarm rate (negatives); P = found / (found + false alarms)")
    header = f"{'class':26s}{'n':>5s} " + " ".join(f"{s:>22s}" for s in systems)
    print(header)
    totals = {s: Tally() for s in systems}
    kinds = {s: {k: Tally() for k in ("benign", "adversarial", "negative")} for s in systems}
    for klass in BENIGN + ADVERSARIAL + NEGATIVE:
        row = tallies[systems[0]].get(klass)
        if row is None:
            continue
        cells = []
        for s in systems:
            t = tallies[s][klass]
            kind = "negative" if klass in NEGATIVE else ("benign" if klass in BENIGN else "adversarial")
            for agg in (totals[s], kinds[s][kind]):
                agg.n += t.n
                agg.found += t.found
                agg.false_alarm += t.false_alarm
            if klass in NEGATIVE:
                cells.append(f"FA {t.false_alarm / t.n:.3f}".rjust(22))
            else:
                precision = t.found / (t.found + t.false_alarm) if t.found + t.false_alarm else None
                cells.append(f"R {t.found / t.n:.3f} P {_fmt(precision)}".rjust(22))
        print(f"{klass:26s}{row.n:5d} " + " ".join(cells))
    print()
    for s in systems:
        pos = [kinds[s]["benign"], kinds[s]["adversarial"]]
        found = sum(t.found for t in pos)
        n_pos = sum(t.n for t in pos)
        fa = totals[s].false_alarm
        recall = found / n_pos
        precision = found / (found + fa) if found + fa else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(
            f"{s:18s} benign R {kinds[s]['benign'].found / kinds[s]['benign'].n:.3f}  "
            f"adversarial R {kinds[s]['adversarial'].found / kinds[s]['adversarial'].n:.3f}  "
            f"overall R {recall:.3f}  P {precision:.3f}  F1 {f1:.3f}"
        )
    print(
        f"\ntime per query: chipclear {timing['chipclear'] / n_cases * 1e3:.2f} ms (top 10, explained); "
        f"token-set full scan {timing['token-set'] / n_cases * 1e3:.2f} ms; logic-v1 "
        f"{timing['logic-v1'] / n_cases * 1e3:.2f} ms for {timing['logic-v1-pairs'] / n_cases:.1f} "
        "candidates (retrieval not counted)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-peers", action="store_true", help="only chipclear (fast, for tuning)")
    args = parser.parse_args()
    run(args.entries, args.seed, peers=not args.no_peers)
