"""A screening score does not depend on the process: a misspelt word equally close to several listed words takes
the weight of the rarest of them, not of whichever the lookup found first (the lookup walks sets of strings, whose
order changes with Python's hash seed; a batch run found 27-45 names scored differently from one run to the next)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from chipclear.screening import ListEntry
from chipclear.screening.index import NameIndex


def test_a_typo_equally_close_to_two_listed_words_weighs_the_rarer_whatever_the_order() -> None:
    index = NameIndex(
        [
            ListEntry(entry_id="a", source="EL", name="Sher Qadir"),
            ListEntry(entry_id="b", source="EL", name="Qaid Trading"),
            ListEntry(entry_id="c", source="EL", name="Qaid Export"),
        ]
    )
    qadir, qaid = index.vocab["qadir"], index.vocab["qaid"]
    rarer = max(float(index.token_weight[qadir]), float(index.token_weight[qaid]))
    assert float(index.token_weight[qadir]) != float(index.token_weight[qaid])
    weights = []
    for order in ({qadir: 0.85, qaid: 0.85}, {qaid: 0.85, qadir: 0.85}):
        index.fuzzy_matches = lambda text, max_edits=2, found=order: dict(found)  # type: ignore[method-assign]
        weights.append(index._token("qaidr", ("qaidr",)).weight)
    assert weights == [rarer, rarer]


SCRIPT = """
import json
from chipclear.screening import default_screener
out = []
for name, country in [("Sher Qaidr", "PK"), ("Sam Jonhson", "MY"), ("Avtion", "RU"), ("Russian Cagro Oy", "FI")]:
    result = default_screener().search(name, country=country).to_json()
    result.pop("screened_at", None)
    out.append(result)
print(json.dumps(out, sort_keys=True, default=str))
"""


def test_the_same_names_score_the_same_under_other_hash_seeds(tmp_path: Path) -> None:
    answers = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "CHIPCLEAR_DATA_DIR": str(tmp_path)}
        done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
        answers.append(json.loads(done.stdout))
    assert answers[0] == answers[1] == answers[2]
    assert any(result["hits"] for result in answers[0])  # the names do reach the listed entries
