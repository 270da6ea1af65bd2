"""The 4E091 audit (2026-12-07) through the HTTP API: AIA and the ultimate parent's headquarters, model specs that
take a chip's name, and the enforced layer's wording for weights whose license requirement is not enforced."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from .conftest import Keys, h, sign_in


@pytest.mark.parametrize("item", ["grok-3", "nvidia-h100-sxm5-80gb"])
def test_aia_refused_when_the_ultimate_parent_is_headquartered_outside_supp5a(
    client: TestClient, keys: Keys, item: str
) -> None:
    # 740.27(a): not for an entity that "has an ultimate parent company headquartered outside of" Supp. 5 para. (a).
    line = {
        "item": item,
        "destination": "GB",
        "ship_date": "2025-06-01",
        "certifications": ["aia-4e091-storage"],
        "parties": [
            {
                "name": "Example UK Ltd",
                "role": "end_user",
                "headquarters_country": "GB",
                "parents": [{"name": "Pqrst", "share": 100, "headquarters_country": "CN"}],
            }
        ],
    }
    r = client.post("/api/check?layer=codified", json=line, headers=h(keys.analyst))
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["verdict"] == "LICENSE_REQUIRED" and d["review_policy"] == "presumption_of_denial"
    assert d["license_exceptions"] == []


def test_models_api_and_console_say_4e091_in_the_codified_text_when_not_enforced(
    client: TestClient, keys: Keys
) -> None:
    r = client.get("/api/models?as_of=2026-06-01", headers=h(keys.viewer))
    assert r.status_code == 200, r.text
    grok = next(m for m in r.json() if m["item"]["id"] == "grok-3")
    assert grok["status"] == "not_controlled"  # no requirement applies in the enforced layer
    assert grok["codified_text"].startswith("4E091 in the codified text")
    assert "not enforced since 2025-05-13" in grok["codified_text"]
    sign_in(client, keys.viewer)
    page = client.get("/models?as_of=2026-06-01")
    assert page.status_code == 200 and "4E091 in the codified text; not enforced" in page.text
