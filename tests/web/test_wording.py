"""Console wording: trace lines as sentences with their numbers, footnote marks set apart, open questions listed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from chipclear.web.pages_ledger import waits_for
from chipclear.web.render import footnotes
from chipclear.web.wording import trace_sentence


def test_exclusion_trace_reads_as_a_sentence_with_its_numbers() -> None:
    line = "Note 2 to 3A090: datacenter yes == no: no AND tpp 2,368 < 4,800: yes -> does not apply"
    assert trace_sentence(line) == (
        "Note 2 to 3A090: does not apply, as designed for datacenters is yes, not no; and TPP 2,368 is below 4,800."
    )


def test_paragraph_trace_names_each_alternative() -> None:
    line = "3A090.a: (tpp 2,368 >= 4,800: no) OR (tpp 2,368 >= 1,600: yes AND performance_density 2.91 >= 5.92: no) -> not met"
    said = trace_sentence(line)
    assert said.startswith("3A090.a: not met, as (1) TPP 2,368 is below 4,800; or (2) TPP 2,368 is at least 1,600")
    assert "performance density 2.91 is below 5.92" in said and "->" not in said and "==" not in said


def test_other_lines_are_left_alone() -> None:
    line = "TPP 2,368 = 2 x MacTOPS x bit length, set by BF16 148 x 16 bits = 2,368"
    assert trace_sentence(line) == line


def test_footnote_marks_become_superscripts() -> None:
    text = "For all items subject to the EAR, see §§ 734.9(e)1 and 744.11 of the EAR2"
    assert str(footnotes(text)) == (
        'For all items subject to the EAR, see §§ 734.9(e)<sup class="fn">1</sup> and 744.11 of the '
        'EAR<sup class="fn">2</sup>'
    )
    assert str(footnotes("Huawei <H100>")) == "Huawei &lt;H100&gt;"  # escaped, model numbers untouched


def test_open_questions_are_a_list() -> None:
    line = {"verdict": "HOLD", "decision": {"missing": ["datacenter: unknown", "screening: possible match"]}}
    who, what, questions = waits_for(line)
    assert who == "approver" and what == "review 2 open questions, then release or cancel"
    assert questions == ["datacenter: unknown", "screening: possible match"]


def test_item_page_shows_sentences_and_says_which_bit_length_tf32_assumes(console: TestClient) -> None:
    page = console.get("/items/nvidia-h20?as_of=2026-01-01").text
    assert "designed for datacenters is yes, not no; and TPP 2,368 is below 4,800" in page
    table = page.split('id="precision-table"')[1].split("</table>")[0]
    assert 'TF32 <span class="hint">counted at 32 bits</span>' in table
    assert 'TF32 <span class="hint">counted at 19 bits</span>' in table
    assert 'id="precision-ambiguous"' in page


def test_holds_page_lists_each_open_question(console: TestClient) -> None:
    line = {"item": "H20", "quantity": 2, "destination": "VN", "ship_date": "2025-06-01"}
    r = console.post(
        "/api/shipments", json={"lines": [line], "reference": "PO-Q"}, headers={"X-API-Key": console.api_key}
    )
    assert r.status_code == 201, r.text
    missing = r.json()["lines"][0]["decision"]["missing"]
    assert r.json()["lines"][0]["status"] == "held" and missing
    cell = console.get("/holds").text.split('class="waiting-for"')[1].split("</td>")[0]
    assert cell.count("<li>") == len(missing)
    assert "; " not in cell.split('<ul class="waits">')[0]  # no wall of semicolon-joined text before the list


def test_catalog_and_item_pages_flag_low_confidence_figures(console: TestClient) -> None:
    """Audit 2026-12-07 item 5: L-graded figures carry a visible mark in the console as in the traces."""
    page = console.get("/items?as_of=2025-06-01").text
    row = page.split('href="/items/huawei-ascend-910c"')[1].split("</tr>")[0]
    assert row.count(">[L]</span>") == 2  # TPP and ECCN (its spec data is graded low)
    mi250x = page.split('href="/items/amd-mi250x"')[1].split("</tr>")[0]
    assert "(or 8.46)" in mi250x and mi250x.count(">[L]</span>") == 1  # density: low-confidence die area
    item = console.get("/items/huawei-ascend-910c?as_of=2025-06-01").text
    assert 'id="low-confidence"' in item and "Ascend 910C spec data (graded low confidence)" in item
    assert "1,448 or 724 [LOW CONFIDENCE]" in console.get("/items/amd-mi250x").text
