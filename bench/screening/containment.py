"""A listed name inside a longer name: recall on the real lists, false alarms on real company names, both with the
code on PYTHONPATH (run it once with the old code and once with the new to compare).

    PYTHONPATH=src .venv/bin/python bench/screening/containment.py [--sample 1500] [--seed 7] [--json OUT]

Recall: ``--sample`` list names and aliases drawn (seeded) from the embedded CSL, each wrapped four ways as an order
line might carry them ("<name> Shenzhen Branch", "<name> Beijing Office", "<name> c/o Global Logistics",
"Procurement Dept of <name>"); a query counts as found when its entry (or an entry listing a name with the same
tokens) scores at or above the review threshold. Also counted: the names the containment rule declines (one common
word, two generic words), which stay found only if the old score reaches the threshold.

False alarms: every name of ``data/exchange_company_names.txt`` (8,584 names of companies traded on US and Hong Kong
exchanges, not written for chipclear), screened without a country and with CN; every hit at or above the review
threshold is printed with ``--show``, so the added ones can be read by hand (some of these companies are listed).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from quality import equivalent_entries

from chipclear.screening import Screener, load_embedded

WRAPS = ("{} Shenzhen Branch", "{} Beijing Office", "{} c/o Global Logistics", "Procurement Dept of {}")
NAMES = Path(__file__).parent / "data" / "exchange_company_names.txt"


def recall(screener: Screener, sample: int, seed: int) -> dict[str, object]:
    equivalent = equivalent_entries(screener)
    pairs = sorted({(name, e_no) for e_no, entry in enumerate(screener.entries) for name in entry.names})
    chosen = random.Random(seed).sample(pairs, min(sample, len(pairs)))
    found = {w: 0 for w in WRAPS}
    plain = 0
    for name, e_no in chosen:
        target = screener.entries[e_no].entry_id
        correct = equivalent.get(target, set()) | {target}
        plain += any(h.entry_id in correct for h in screener.search(name).hits)
        for wrap in WRAPS:
            found[wrap] += any(h.entry_id in correct for h in screener.search(wrap.format(name)).hits)
    n = len(chosen)
    return {
        "names": n,
        "plain_found": plain,
        "wrapped_queries": n * len(WRAPS),
        "wrapped_found": sum(found.values()),
        "by_wrap": found,
    }


def false_alarms(screener: Screener, country: str | None, show: bool) -> dict[str, object]:
    names = [line.strip() for line in NAMES.read_text("utf-8").splitlines() if line.strip() and line[0] != "#"]
    flagged: dict[str, list[str]] = {}
    t = time.perf_counter()
    for name in names:
        hits = screener.search(name, country=country).hits
        if hits:
            flagged[name] = [f"{h.score:.2f} {h.source} {h.matched_name}" for h in hits[:3]]
    elapsed = time.perf_counter() - t
    if show:
        for name, hits in flagged.items():
            print(f"  [{country or '-'}] {name!r}: {hits}")
    return {"names": len(names), "flagged": len(flagged), "flagged_names": sorted(flagged), "seconds": elapsed}


def main(sample: int, seed: int, out: str | None, show: bool) -> None:
    screener = Screener(load_embedded())
    screener.search("warm up")
    screener.search("北京算能科技有限公司")
    result = {
        "list_version": screener.list_version,
        "review_threshold": screener.review_threshold,
        "recall": recall(screener, sample, seed),
        "false_alarms": {c or "none": false_alarms(screener, c, show) for c in (None, "CN")},
    }
    r = result["recall"]
    assert isinstance(r, dict)
    print(
        f"recall: {r['plain_found']}/{r['names']} names as listed; wrapped {r['wrapped_found']}/{r['wrapped_queries']} "
        f"({r['by_wrap']})"
    )
    for c, fa in result["false_alarms"].items():  # type: ignore[union-attr]
        print(f"false alarms (country {c}): {fa['flagged']}/{fa['names']} names flagged, {fa['seconds']:.1f} s")
    if out:
        Path(out).write_text(json.dumps(result, indent=1, ensure_ascii=False), "utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", dest="out")
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    main(args.sample, args.seed, args.out, args.show)
