"""The console's check page for AI model weights (ECCN 4E091): a model has no TPP or performance density, so its
verdict card shows the model's own figures (training operations and how they were obtained, parameters, when the
weights were published, the base model). The page answered 500 for `gpt-4` while the check was already in the
audit log (outside audit, December 2026)."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient


def _facts(html: str) -> str:
    found = re.search(r'<div class="facts">(.*?)</div>\s*<table', html, re.S)
    assert found, html[:2000]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


def _checks_audited(console: TestClient) -> int:
    key = console.api_key  # type: ignore[attr-defined]
    export = console.get("/api/audit/export", headers={"X-API-Key": key}).text.splitlines()
    return [json.loads(x)["record"]["action"] for x in export if x.strip()].count("check")


def _check(console: TestClient, item: str, day: str = "2025-06-01") -> str:
    form = {"item": item, "destination": "CN", "ship_date": day, "quantity": "1"}
    r = console.post("/check", data=form)
    assert r.status_code == 200, r.text[:500]
    return r.text


def test_a_closed_model_renders_with_its_training_compute(console: TestClient) -> None:
    before = _checks_audited(console)
    facts = _facts(_check(console, "gpt-4"))
    # not "not 3A090/4A090": the weights are tested against 4E091; in the enforced layer (not enforced since
    # 2025-05-13) the badge says what the codified text says of them (GPT-4: a low-confidence figure under the line)
    assert "ECCN could be 4E091 in the codified text; not enforced" in facts
    assert "Training operations 2e+25 (estimated, low confidence)" in facts
    assert "Parameters unknown" in facts and "Weights published no" in facts
    assert "TPP" not in facts and "density" not in facts
    assert _checks_audited(console) == before + 1  # the page seen is the check recorded


def test_a_derived_model_names_its_base_and_publication(console: TestClient) -> None:
    facts = _facts(_check(console, "deepseek-r1"))
    assert "Weights published 2025-01-20" in facts and "Derived from deepseek-v3" in facts
    assert "Training operations unknown" in facts and "Parameters 6.71e+11" in facts


def test_a_controlled_model_shows_its_eccn(console: TestClient) -> None:
    """The codified layer is not on the form; the enforced one never controlled a model, so the badge is checked
    on the models page, which renders both layers with the same macro."""
    html = console.get("/models?as_of=2025-03-01").text
    row = re.search(r'<tr id="grok-3">.*?</tr>', html, re.S)
    assert row and "4E091</span>" in row.group(0) and "4E091 in the codified text; not enforced" in row.group(0)


@pytest.mark.parametrize("item", ["H20", "DGX H100"])
def test_chips_and_systems_keep_tpp_and_density(console: TestClient, item: str) -> None:
    facts = _facts(_check(console, item))
    assert "TPP" in facts and "Perf. density" in facts and "Training operations" not in facts
