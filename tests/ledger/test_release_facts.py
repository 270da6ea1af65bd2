"""What a release's facts may do to the held line (``shipments._answer``): fill what it left open, never change
what it states (a door audit of 2026-12-06 released a Denied Persons line by replacing its parties, a China line
by moving it to Germany, and 100 units against 10 by lowering the quantity)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chipclear.decision import Decision, OrderLine, Party, Verdict
from chipclear.errors import InputError
from chipclear.ledger.shipments import _answer

HELD_LINE = OrderLine(
    item="H100",
    quantity=8,
    destination="CN",
    ship_date=dt.date(2025, 5, 1),
    parties=[Party(name="Example Co", role="end_user", country="CN")],
    certifications=["r10-conditions"],
).model_dump(mode="json")


def _held(*missing: str) -> Decision:
    return Decision(verdict=Verdict.HOLD, as_of=dt.date(2025, 5, 1), missing=list(missing))


def test_open_fields_are_filled_by_index_or_by_list() -> None:
    for facts in ({"parties": [{"headquarters_country": "CN"}]}, {"parties": {"0": {"headquarters_country": "CN"}}}):
        out = OrderLine.model_validate(_answer(HELD_LINE, facts, _held()))
        assert out.parties[0].headquarters_country == "CN"
        assert (out.parties[0].name, out.destination, out.quantity) == ("Example Co", "CN", 8)


def test_parties_and_certifications_are_added_never_taken_away() -> None:
    extra = {"name": "Acme Pte", "role": "ultimate_consignee", "country": "SG"}
    out = _answer(HELD_LINE, {"parties": {"1": extra}, "certifications": ["other", "r10-conditions"]}, _held())
    assert [p["name"] for p in out["parties"]] == ["Example Co", "Acme Pte"]
    assert out["certifications"] == ["r10-conditions", "other"]
    with pytest.raises(InputError, match=r"facts.parties\[3\]: the held line has 1"):
        _answer(HELD_LINE, {"parties": {"3": extra}}, _held())


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"destination": "DE"}, "facts.destination"),
        ({"quantity": 1}, "facts.quantity"),
        ({"item": "L20"}, "facts.item"),
        ({"ship_date": "2025-04-01"}, "facts.ship_date"),
        ({"import_entry": {"hts": "8471.50", "origin": "CN"}}, "facts.import_entry"),
        ({"parties": [{"name": "Example GmbH"}]}, "facts.parties[0].name"),
        ({"parties": [{"role": "purchaser"}]}, "facts.parties[0].role"),
        ({"parties": [{"country": None}]}, "facts.parties[0].country"),
        ({"parties": {"0": {"name": "Other"}}}, "facts.parties[0].name"),
        ({"parties": "Example GmbH"}, "facts.parties"),
        ({"end_use": {"supercomputer": False}}, "facts.end_use.supercomputer"),
        ({"end_use": {"military": False}}, "facts.end_use.military"),
    ],
)
def test_a_stated_fact_cannot_be_changed(facts: dict[str, Any], field: str) -> None:
    line = dict(
        HELD_LINE, end_use={"text": "", "supercomputer": True, "advanced_node_ic_production": False, "military": True}
    )
    with pytest.raises(InputError) as err:
        _answer(line, facts, _held("review under x"))
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}: ")


def test_the_military_flag_is_cleared_only_as_the_review_the_hold_asks_for() -> None:
    line = dict(
        HELD_LINE, end_use={"text": "", "supercomputer": False, "advanced_node_ic_production": False, "military": True}
    )
    held = _held("military end use/user review (744.21/744.22 are not modelled)")
    assert _answer(line, {"end_use": {"military": False}}, held)["end_use"]["military"] is False
    # setting a flag is only more to check
    assert _answer(HELD_LINE, {"end_use": {"supercomputer": True}}, _held())["end_use"]["supercomputer"] is True


def test_a_restated_fact_in_another_spelling_is_not_a_change_and_an_empty_value_is_filled() -> None:
    # a regression check (2026-12-06): "Singapore" for SG, "EXAMPLE CO" for "Example Co" and a value the held
    # line left empty were refused
    line = dict(HELD_LINE, parties=[dict(HELD_LINE["parties"][0], country="SG")], destination="CN")
    facts = {"destination": "China", "parties": [{"name": "EXAMPLE CO.", "country": "Singapore"}], "value_usd": 6e4}
    out = _answer(line, facts, _held())
    assert (out["destination"], out["parties"][0]["name"], out["parties"][0]["country"]) == ("CN", "Example Co", "SG")
    assert out["value_usd"] == 6e4
    with pytest.raises(InputError, match=r"facts.value_usd"):
        _answer(dict(line, value_usd=100.0), {"value_usd": 1.0}, _held())


def test_the_latest_ship_day_is_tomorrow_on_the_servers_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    from chipclear.ledger import shipments

    monkeypatch.undo()  # the autouse fixture pins it for the flows recorded in 2025
    monkeypatch.setattr(shipments, "today", lambda: dt.date(2026, 12, 6))
    assert shipments.latest_ship_day() == dt.date(2026, 12, 7)


def test_a_stated_ownership_chain_is_filled_never_extended() -> None:
    """A door audit (2026-12-07) released a line held under the headquartered rule (ultimate parent in CN) by
    appending a US parent to the chain: the new last link became the ultimate parent and the line went NLR."""
    chained = {
        **HELD_LINE,
        "destination": "MY",
        "parties": [
            {
                "name": "Zorblax Widgets Sdn Bhd",
                "role": "end_user",
                "country": "MY",
                "headquarters_country": "MY",
                "parents": [{"name": "Qux Holdings Ltd", "share": 100, "headquarters_country": None}],
            }
        ],
    }
    us_parent = {"name": "Big US Parent Inc", "share": 100, "headquarters_country": "US"}
    for facts in (
        {"parties": [{"parents": [{"name": "Qux Holdings Ltd"}, us_parent]}]},
        {"parties": {"0": {"parents": {"1": us_parent}}}},
    ):
        with pytest.raises(InputError, match=r"facts.parties\[0\].parents.*extending it names another ultimate parent"):
            _answer(chained, facts, _held())
    # the stated link's open details are filled
    out = _answer(chained, {"parties": {"0": {"parents": {"0": {"headquarters_country": "CN"}}}}}, _held())
    assert out["parties"][0]["parents"] == [{"name": "Qux Holdings Ltd", "share": 100, "headquarters_country": "CN"}]
    # a party that stated no chain may be given one
    bare = {**chained, "parties": [{k: v for k, v in chained["parties"][0].items() if k != "parents"}]}
    out = _answer(bare, {"parties": [{"parents": [us_parent]}]}, _held())
    assert out["parties"][0]["parents"] == [us_parent]


def _screened(*hits: tuple[str, str, Any]) -> Decision:
    screening = [
        {"party": "Huawei", "party_country": "CN", "entry_id": e, "entry_hash": hh, "suppressed_by": by, "source": "EL"}
        for e, hh, by in hits
    ]
    return Decision(verdict=Verdict.HOLD, as_of=dt.date(2025, 5, 1), screening=screening)


def test_a_possible_match_the_new_decision_no_longer_raises_needs_an_answer() -> None:
    from chipclear.errors import Conflict
    from chipclear.ledger.shipments import ReleaseAnswers, ReviewAnswer, _check_hits_answered

    held = _screened(("EL-1", "h1", None), ("EL-2", "h2", {"review_id": 1}))
    gone = _screened()  # a fact lowered the score under the threshold: no hit at all
    with pytest.raises(Conflict, match=r"EL-1.*is not answered"):
        _check_hits_answered(held, gone, ReleaseAnswers())
    answer = ReviewAnswer("Huawei", "EL-1", "", "not_a_match", "other company")
    _check_hits_answered(held, gone, ReleaseAnswers([answer]))  # answered: no refusal
    _check_hits_answered(held, _screened(("EL-1", "h1", {"review_id": 2})), ReleaseAnswers())  # a review on file
    # an answer about the entry as held, which today's lists give another text: about another text, refused
    with pytest.raises(Conflict, match="changed since the line was held"):
        _check_hits_answered(held, _screened(("EL-1", "h9", None)), ReleaseAnswers([answer]))
