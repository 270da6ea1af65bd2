"""Screening quality on the bundled lists themselves (not generated variants): every listed alias against its
own entry, hard negatives from the lists, chipclear beside nomenklatura logic-v1 and a rapidfuzz baseline.

    .venv/bin/python bench/screening/real_lists.py [--sample 600] [--seed 5] [--no-peers]

Positives (the list's own aliases; entries of every source, vessels and aircraft included):
  A. whole index: each alias of an entry with aliases is searched over the full index (the alias itself is
     listed, so this checks that every written form survives normalization, blocking and ranking);
  B. held out: the same alias searched over an index where every entry keeps only its main name, so the alias
     must be matched to a differently written name of its entry (many aliases are other names altogether, e.g.
     "Ninth Academy" for the Chinese Academy of Engineering Physics: no name matcher can find those).
A hit counts as correct when it is the alias's entry or an entry listing a name with the same tokens.
Hard negatives:
  C. sibling entries: a hit on another entry that does not share a name with the target, for the same queries
     (the entries sharing tokens with it: "Moore Thread ... (Shanghai)" when searching "(Beijing)");
  D. ordinary companies: the 28 well-known unlisted company names of bench/screening/cases.py (hand-checked
     against the list, not generated), each sharing words with listed names; any hit is a false alarm.
Peers see the same queries: rapidfuzz token-set ratio >= 90 over all names (full scan), and logic-v1 >= 0.7 on
the candidates from rapidfuzz's top 20 by WRatio plus chipclear's top 20.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from cases import UNLISTED
from quality import equivalent_entries
from rapidfuzz import fuzz, process, utils

from chipclear.screening import LoadedList, Screener, load_embedded, normalize_name

LOGIC_V1_THRESHOLD = 0.7
TOKEN_SET_THRESHOLD = 90.0
THRESHOLDS = [0.6, 0.65, 0.7, 0.72, 0.75, 0.78, 0.8, 0.85, 0.88]


def alias_pairs(lists: LoadedList) -> list[tuple[str, int]]:
    pairs: list[tuple[str, int]] = []
    for e_no, entry in enumerate(lists.entries):
        seen = {tuple(sorted(normalize_name(entry.name).tokens))}
        for alias in entry.aliases:
            key = tuple(sorted(normalize_name(alias).tokens))
            if key and key not in seen:
                seen.add(key)
                pairs.append((alias, e_no))
    return pairs


def main(sample: int, seed: int, peers: bool) -> None:
    t0 = time.perf_counter()
    lists = load_embedded()
    full = Screener(lists)
    main_only = Screener(replace(lists, entries=tuple(replace(e, aliases=()) for e in lists.entries)))
    equivalent = equivalent_entries(full)
    ids = [e.entry_id for e in lists.entries]
    pairs = alias_pairs(lists)
    chosen = random.Random(seed).sample(pairs, min(sample, len(pairs))) if sample else pairs
    print(
        f"list {lists.version}: {len(lists.entries)} entries, {sum(1 for e in lists.entries if e.aliases)} with "
        f"aliases, {len(pairs)} distinct alias forms; {len(chosen)} sampled (seed {seed}); "
        f"two indexes built in {time.perf_counter() - t0:.1f} s"
    )
    # per query: (target score on A, rank-1 correct on A, target score on B, rank-1 B, best wrong score on A)
    rows: list[tuple[float, bool, float, bool, float]] = []
    for alias, e_no in chosen:
        correct = equivalent.get(ids[e_no], set()) | {ids[e_no]}
        out = []
        wrong = 0.0
        for screener in (full, main_only):
            hits = screener.search(alias, limit=50, min_score=0.5).hits
            best = max((h.score for h in hits if h.entry_id in correct), default=0.0)
            top = bool(hits) and hits[0].entry_id in correct
            if screener is full:
                wrong = max((h.score for h in hits if h.entry_id not in correct), default=0.0)
            out.append((best, top))
        rows.append((out[0][0], out[0][1], out[1][0], out[1][1], wrong))
    ordinary = [max((h.score for h in full.search(q, limit=5, min_score=0.5).hits), default=0.0) for q in UNLISTED]
    arr = np.array(rows, dtype=float)
    n = len(rows)
    review = full.review_threshold
    print(f"\nchipclear (review threshold {review}, match threshold {full.match_threshold})")
    print(f"A whole index: recall@1 {arr[:, 1].mean():.3f}, recall at review {np.mean(arr[:, 0] >= review):.3f}")
    print(f"B held out:    recall@1 {arr[:, 3].mean():.3f}, recall at review {np.mean(arr[:, 2] >= review):.3f}")
    print("\nthreshold sweep (A and B recall; C: share of queries with a sibling entry flagged; precision over")
    print("A queries = correct / (correct + queries with a sibling flagged); D: ordinary names flagged)")
    print(f"{'threshold':>9s} {'R(A)':>6s} {'R(B)':>6s} {'C FA':>6s} {'P(A)':>6s} {'D FA':>6s}")
    for th in THRESHOLDS:
        ra = np.mean(arr[:, 0] >= th)
        rb = np.mean(arr[:, 2] >= th)
        fa = np.mean(arr[:, 4] >= th)
        found = np.sum(arr[:, 0] >= th)
        prec = found / (found + np.sum(arr[:, 4] >= th))
        d = np.mean(np.array(ordinary) >= th)
        print(f"{th:9.2f} {ra:6.3f} {rb:6.3f} {fa:6.3f} {prec:6.3f} {d:6.3f}")
    if not peers:
        return

    from followthemoney import model
    from nomenklatura.matching import LogicV1

    config = LogicV1.default_config()
    names = [utils.default_process(a) for a in full.index.alias_text]
    alias_entry = full.index.alias_entry
    cache: dict[int, object] = {}

    def entity(e_no: int) -> object:
        if e_no not in cache:
            entry = lists.entries[e_no]
            schema = "Person" if (entry.entity_type or "").lower() == "individual" else "Organization"
            ent = model.make_entity(schema)
            ent.id = entry.entry_id
            ent.add("name", entry.name)
            ent.add("alias", list(entry.aliases))
            cache[e_no] = ent
        return cache[e_no]

    no_of = {e.entry_id: i for i, e in enumerate(lists.entries)}
    stats = {"token-set": [0, 0, 0], "logic-v1": [0, 0, 0]}  # found, wrong flagged, rank-1 correct
    queries = [(a, e) for a, e in chosen] + [(q, -1) for q in UNLISTED]
    ordinary_flags = {"token-set": 0, "logic-v1": 0}
    t = time.perf_counter()
    for alias, e_no in queries:
        correct = (equivalent.get(ids[e_no], set()) | {ids[e_no]}) if e_no >= 0 else set()
        processed = utils.default_process(alias)
        ts = process.extract(processed, names, scorer=fuzz.token_set_ratio, processor=None, limit=10)
        ts_ids = [ids[int(alias_entry[i])] for _, s, i in ts if s >= TOKEN_SET_THRESHOLD]
        wr = process.extract(processed, names, scorer=fuzz.WRatio, processor=None, limit=20)
        cand = {int(alias_entry[i]) for _, _, i in wr}
        cand |= {no_of[h.entry_id] for h in full.search(alias, limit=20, min_score=0.2).hits}
        query = model.make_entity("LegalEntity")
        query.id = "query"
        query.add("name", alias)
        scored = sorted(((LogicV1.compare(query, entity(c), config).score, ids[c]) for c in cand), reverse=True)
        lv_ids = [i for s, i in scored if s >= LOGIC_V1_THRESHOLD]
        for system, flagged in (("token-set", ts_ids), ("logic-v1", lv_ids)):
            if e_no < 0:
                ordinary_flags[system] += bool(flagged)
                continue
            stats[system][0] += bool(set(flagged) & correct)
            stats[system][1] += bool(set(flagged) - correct)
            stats[system][2] += bool(flagged) and flagged[0] in correct
    print(f"\npeers on the A queries (whole index; {time.perf_counter() - t:.0f} s):")
    th = review
    ours_found = np.sum(arr[:, 0] >= th)
    ours_wrong = np.sum(arr[:, 4] >= th)
    print(
        f"{'chipclear@' + str(th):18s} recall {ours_found / n:.3f}  sibling FA {ours_wrong / n:.3f}  "
        f"P {ours_found / (ours_found + ours_wrong):.3f}  recall@1 {arr[:, 1].mean():.3f}  "
        f"ordinary FA {np.mean(np.array(ordinary) >= th):.3f}"
    )
    for system, (found, wrong, top) in stats.items():
        print(
            f"{system:18s} recall {found / n:.3f}  sibling FA {wrong / n:.3f}  P {found / max(found + wrong, 1):.3f}"
            f"  recall@1 {top / n:.3f}  ordinary FA {ordinary_flags[system] / len(UNLISTED):.3f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sample", type=int, default=600, help="alias queries (0: all)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--no-peers", action="store_true")
    args = parser.parse_args()
    main(args.sample, args.seed, not args.no_peers)
