"""The console's check page shows the screening hits its decision has (issue 12: it once listed "...: no hits" rows
while the reasons named exact Entity List matches)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from .conftest import Keys, sign_in


def test_check_page_screening_table_lists_the_decisions_hits(client: TestClient, keys: Keys) -> None:
    sign_in(client, keys.analyst)
    form = {
        "item": "H20",
        "quantity": "1",
        "destination": "CN",
        "ship_date": "2025-05-01",
        "end_user": "Huawei Technologies Co., Ltd.",
        "end_user_country": "China",
    }
    r = client.post("/check", data=form, headers={"Origin": "http://testserver"})
    assert r.status_code == 200, r.text
    table = r.text.split("Restricted-party screening", 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td class=\"num\">(.*?)</td><td>(.*?)</td></tr>", table
    )
    assert "no hits" not in table
    assert any(
        source == "EL" and result == "match" and "Huawei Technologies" in entry for _, entry, source, _, result in rows
    ), table
    # The same hits as the decision's reasons name.
    assert "License required" in r.text or "LICENSE_REQUIRED" in r.text
