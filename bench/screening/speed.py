"""Screening speed on one core against the full embedded CSL: index build, resident memory, queries/s for
top-10 searches with explanations, and nomenklatura logic-v1 scoring the same queries in the same run.

    .venv/bin/python bench/screening/speed.py [--queries 3000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).parent))

from chipclear.screening import Screener, load_embedded


def main(n_queries: int) -> None:
    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    t = time.perf_counter()
    lists = load_embedded()
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    cpu = time.process_time()
    screener = Screener(lists)
    build_s = time.perf_counter() - t
    build_cpu = time.process_time() - cpu
    rss = proc.memory_info().rss
    from cases import build_cases

    cases = build_cases(lists, screener, n_entries=max(50, n_queries // 10), seed=11)
    queries = [c.query for c in cases]
    random.Random(3).shuffle(queries)
    queries = (queries * (n_queries // len(queries) + 1))[:n_queries]
    screener.search("warm up")
    screener.search("北京算能科技有限公司")  # loads the pinyin tables (imported on the first Chinese name)
    t = time.perf_counter()
    cpu = time.process_time()
    hits = 0
    for q in queries:
        hits += len(screener.search(q, limit=10).hits)
    ours = time.perf_counter() - t
    ours_cpu = time.process_time() - cpu
    qps = n_queries / ours

    from followthemoney import model
    from nomenklatura.matching import LogicV1

    config = LogicV1.default_config()
    sample = queries[:200]
    candidates = [screener.search(q, limit=10, min_score=0.05).hits for q in sample]
    by_id = {e.entry_id: e for e in lists.entries}
    ents = {}
    for hs in candidates:
        for h in hs:
            if h.entry_id not in ents:
                e = by_id[h.entry_id]
                ent = model.make_entity("Person" if (e.entity_type or "").lower() == "individual" else "Organization")
                ent.id = e.entry_id
                ent.add("name", e.name)
                ent.add("alias", list(e.aliases))
                ents[h.entry_id] = ent
    pairs = 0
    t = time.perf_counter()
    cpu = time.process_time()
    for q, hs in zip(sample, candidates, strict=True):
        query = model.make_entity("LegalEntity")
        query.id = "q"
        query.add("name", q)
        for h in hs:
            LogicV1.compare(query, ents[h.entry_id], config)
            pairs += 1
    lv = time.perf_counter() - t
    lv_cpu = time.process_time() - cpu
    lv_qps = len(sample) / lv
    print(
        f"list {lists.version}: {len(lists.entries)} entries, {len(screener.index.alias_text)} names, "
        f"{len(screener.index.vocab)} distinct tokens"
    )
    print(
        f"load {load_s:.2f} s, index build {build_s:.2f} s wall ({build_cpu:.2f} s CPU), RSS after build {rss / 2**20:.0f} MiB "
        f"(+{(rss - rss0) / 2**20:.0f} MiB for lists and index)"
    )
    print(
        f"chipclear: {n_queries} searches (top 10, explained) in {ours:.2f} s = {qps:,.0f} queries/s wall "
        f"({ours / n_queries * 1e3:.3f} ms/query), {n_queries / ours_cpu:,.0f} queries/s CPU time; {hits} hits"
    )
    print(
        f"nomenklatura logic-v1: {len(sample)} queries x {pairs / len(sample):.1f} candidates (given, retrieval "
        f"not counted) in {lv:.2f} s = {lv_qps:,.1f} queries/s wall, {len(sample) / lv_cpu:,.1f} CPU time; "
        f"{pairs / lv:,.0f} pairs/s"
    )
    print(
        f"ratio chipclear / logic-v1 (queries/s): {qps / lv_qps:,.1f}x wall, "
        f"{(n_queries / ours_cpu) / (len(sample) / lv_cpu):,.1f}x CPU time"
    )
    print(f"load average during the run: {psutil.getloadavg()} on {psutil.cpu_count()} cores")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=3000)
    main(parser.parse_args().queries)
