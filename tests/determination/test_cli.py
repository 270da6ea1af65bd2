"""``chipclear check``, ``timeline`` and ``diff`` as a user runs them (a real subprocess), plus engine invariants."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest
from typer.testing import CliRunner

from chipclear.catalog import load_catalog
from chipclear.decision import OrderLine, Party
from chipclear.determination import determine, diff, timeline
from chipclear.determination.history import NoScreening
from chipclear.errors import DataFileError
from chipclear.geography import load_geography
from chipclear.rules import load_rules
from chipclear.rules.loader import parse_rule_text

CLI = [sys.executable, "-m", "chipclear"]


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


def run(*args: str) -> Done:
    """The command in-process (the Typer app with the same error handling as the console script)."""
    from chipclear.cli import app

    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    code = result.exit_code if result.exit_code is not None else 0
    return Done(code, result.stdout, result.stderr)


def check_json(*args: str) -> dict[str, Any]:
    done = run("check", *args, "--json")
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def test_check_as_a_real_process() -> None:
    """One end-to-end run of the installed entry point: JSON on stdout, one-line error and exit 2 on bad input."""
    env = {**os.environ, "COLUMNS": "200"}
    ok = subprocess.run(
        [*CLI, "check", "--item", "H100", "--to", "CN", "--date", "2023-12-01", "--end-user-hq", "CN", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["review_policy"] == "presumption_of_denial"
    bad = subprocess.run(
        [*CLI, "check", "--item", "H100", "--to", "XX"], capture_output=True, text=True, env=env, timeout=120
    )
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0 and "XX" in bad.stderr


def test_check_json_keys_and_h20_letter() -> None:
    data = check_json("--item", "H20", "--to", "CN", "--date", "2025-04-09", "--end-user-hq", "CN")
    for key in (
        "verdict",
        "review_policy",
        "license_exceptions",
        "classification",
        "reasons",
        "rules_version",
        "as_of",
    ):
        assert key in data
    assert data["verdict"] == "LICENSE_REQUIRED"
    assert data["as_of"] == "2025-04-09"
    assert data["classification"]["item"]["id"] == "nvidia-h20"
    assert any("is-informed-nvidia-h20" in r["rule"] and r["citation"] for r in data["reasons"])
    assert all(set(r) >= {"rule", "citation", "detail"} for r in data["reasons"])


def test_check_json_nac_conditions() -> None:
    args = ("--item", "RTX 4090", "--to", "CN", "--date", "2023-12-01", "--end-user-hq", "CN")
    data = check_json(*args, "--certify", "nac-740.8-notification")
    assert data["verdict"] == "LICENSE_EXCEPTION"
    assert data["license_exceptions"][0]["code"] == "NAC"
    assert any("25 calendar days" in c for c in data["license_exceptions"][0]["conditions"])
    # the notification not certified (a door audit shipped such a line the day it was booked): license required, and
    # the reasons say what would make NAC apply
    data = check_json(*args)
    assert data["verdict"] == "LICENSE_REQUIRED" and data["license_exceptions"] == []
    assert any("once the exporter certifies nac-740.8-notification" in r["detail"] for r in data["reasons"])


def test_check_layer_codified_differs_from_enforced() -> None:
    args = ("--item", "H100", "--to", "BR", "--date", "2025-06-01", "--end-user-hq", "BR")
    assert check_json(*args)["verdict"] == "NLR"
    codified = check_json(*args, "--layer", "codified")
    assert codified["verdict"] == "LICENSE_REQUIRED" and codified["layer"] == "codified"


def test_check_without_end_user_holds_naming_the_headquarters() -> None:
    data = check_json("--item", "H100", "--to", "SG", "--date", "2024-06-01")
    assert data["verdict"] == "HOLD"
    assert any("headquarters" in m for m in data["missing"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--item", "H100", "--to", "XX"], "unknown country 'XX'"),
        (["--item", "no-such-chip", "--to", "CN"], "unknown item"),
        (["--item", "H100", "--to", "CN", "--date", "2025-13-01"], "not a date"),
        (["--item", "H100", "--to", "CN", "--layer", "draft"], "layer"),
        (["--item", "H100", "--to", "CN", "--end-user-hq", "Chinaa"], "end-user-hq: unknown country 'Chinaa'"),
        (["--item", "H200", "--to", "CN", "--certify", "r10"], "unknown code 'r10'"),
    ],
)
def test_check_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    done = run("check", *args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_diff_dates_in_the_wrong_order_are_an_input_error() -> None:
    done = run("diff", "--from", "2024-01-01", "--to", "2023-01-01")
    assert done.returncode == 2 and "before" in done.stderr


def test_timeline_h20_cli() -> None:
    done = run("timeline", "H20", "--to", "CN", "--until", "2026-11-29", "--json")
    assert done.returncode == 0, done.stderr
    periods = json.loads(done.stdout)["periods"]
    # NLR for three sets of reasons (before the October 2022 rule, under it, under the November 2023 rule): a
    # period's reasons are those of each of its days (door audit 5, 2026-12-07)
    assert [(p["start"], p["verdict"]) for p in periods] == [
        ("2022-01-01", "NLR"),
        ("2022-10-07", "NLR"),
        ("2023-11-17", "NLR"),
        ("2025-04-09", "LICENSE_REQUIRED"),
    ]
    assert periods[2]["end"] == "2025-04-08"
    assert periods[3]["caused_by"][0]["rule"] == "2025-04-09_nvidia-8k_h20-is-informed"
    assert periods[3]["events"] and not any(e["lifts_requirement"] for e in periods[3]["events"])
    text = run("timeline", "H20", "--to", "CN", "--until", "2026-11-29")
    assert "LICENSE_REQUIRED" in text.stdout and "744.23(b)" in text.stdout


def test_diff_cli_2023() -> None:
    done = run("diff", "--from", "2023-06-01", "--to", "2023-12-01", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    by_key = {(c["item"], c["destination"]): c for c in result["changes"]}
    a800 = by_key[("nvidia-a800-sxm4-80gb", "CN")]
    assert (a800["before"]["verdict"], a800["after"]["verdict"]) == ("NLR", "LICENSE_REQUIRED")
    assert any("742.6(a)(6)(iii)" in w["rule"] and "73458" in w["citation"] for w in a800["why"])
    rtx = by_key[("nvidia-rtx-4090", "CN")]  # NAC needs the notification certified (diff assumes none)
    assert (rtx["before"]["verdict"], rtx["after"]["verdict"]) == ("NLR", "LICENSE_REQUIRED")
    assert ("nvidia-h100-sxm5-80gb", "DE") not in by_key  # A:5: no change
    assert any(c["rule"].startswith("2023-11-17_88FR73458") for c in result["actions_between"])


# -- invariants ---------------------------------------------------------------------------------------------------
EMBARGOED = ["IR", "KP", "CU", "SY", "RU", "BY", "UA-43"]


@pytest.mark.parametrize("destination", EMBARGOED)
def test_never_nlr_for_any_item_to_an_embargoed_destination(destination: str) -> None:
    cat = load_catalog()
    for item in cat.items():
        for day in (dt.date(2023, 1, 2), dt.date(2024, 6, 1), dt.date(2026, 3, 1)):
            line = OrderLine(item=item.id, destination=destination, ship_date=day)
            decision = determine(line, catalog=cat, screener=NoScreening())
            # Part 746 words these as license requirements with a review policy (not prohibitions): never NLR or an
            # exception; a license requirement (HOLD only where another step, e.g. GP10 review, holds the line).
            assert decision.verdict.value in ("LICENSE_REQUIRED", "HOLD"), (item.id, destination, day)
            assert any(r.rule.split("#")[-1].startswith("746.") for r in decision.reasons), (item.id, destination)


def test_3a090_never_nlr_to_china_after_2022_10_07() -> None:
    cat = load_catalog()
    for item in cat.items():
        for day in (dt.date(2022, 10, 7), dt.date(2023, 11, 17), dt.date(2025, 6, 1), dt.date(2026, 2, 1)):
            line = OrderLine(
                item=item.id, destination="CN", ship_date=day, parties=[Party(name="x", headquarters_country="CN")]
            )
            d = determine(line, catalog=cat, screener=NoScreening())
            if d.classification["status"] == "controlled":
                assert d.verdict.value != "NLR", (item.id, day, d.verdict)


def test_every_reason_is_cited_and_the_record_reproduces() -> None:
    line = OrderLine(
        item="H100",
        destination="SG",
        ship_date=dt.date(2024, 6, 1),
        parties=[Party(name="x", country="SG", headquarters_country="CN")],
    )
    first = determine(line, screener=NoScreening())
    again = determine(OrderLine.model_validate(first.input), as_of=first.as_of, screener=NoScreening())
    assert first.verdict == again.verdict and first.reasons == again.reasons
    assert all(r.rule and r.citation for r in first.reasons)


def test_hong_kong_is_china_and_macau_is_not_d5() -> None:
    geo = load_geography()
    on = dt.date(2024, 1, 1)
    assert geo.member("HK", "D:5", on).value is True
    assert geo.member("MO", "D:5", on).value is False
    assert geo.member("MO", "D:1", on).value is True


def test_membership_windows() -> None:
    geo = load_geography()
    assert geo.member("NI", "D:5", dt.date(2024, 3, 14)).value is False
    assert geo.member("NI", "D:5", dt.date(2024, 3, 15)).value is True
    assert geo.member("CY", "D:5", dt.date(2024, 5, 29)).value is True
    assert geo.member("CY", "D:5", dt.date(2024, 5, 30)).value is False
    assert geo.member("KH", "D:5", dt.date(2025, 11, 6)).value is True
    # out of D:5 in effect when State removed it from ITAR 126.1 (country-groups.md 2025-11-07, M)
    assert geo.member("KH", "D:5", dt.date(2025, 11, 7)).value is False
    assert geo.member("KH", "D:5", dt.date(2025, 12, 1)).value is False
    assert geo.member("KH", "D:5", dt.date(2026, 2, 3)).value is False


def test_licensing_data_naming_an_unknown_country_is_rejected() -> None:
    from chipclear.determination.merge import validate

    bad = parse_rule_text(
        "id: bad\ntitle: t\ncitation: c\neffective: 2024-01-01\nconfidence: H\nsource: s\n"
        "licensing:\n  citation: c\n  confidence: H\n  requirements:\n  - id: r\n    kind: destination\n"
        "    text: t\n    citation: c\n    confidence: H\n    when: {destination_in: {countries: [ZZ]}}\n",
        "bad.yaml",
    )
    with pytest.raises(DataFileError, match=re.escape("bad.yaml: licensing: unknown country code 'ZZ'")):
        validate(load_rules().with_overlay([bad]), load_geography())


def test_timeline_and_diff_services_match_determine() -> None:
    t = timeline("H100", "SG", end_user_hq="CN", end=dt.date(2026, 11, 29))
    # a period per set of cited rules and paragraphs: the 2024-12-02 rule re-cites 744.23 under its own action, the
    # 2025-01-13 renumbering (90 FR 4544) cites it and its policy as 742.6(a)(6)(iii)(A) and (b)(10)(iii)(A)(1), the
    # H20 letter's bandwidth criterion from 2025-04-09 (door audit 5); 2023-10-23 to 2023-11-16: whether the
    # acceleration made the headquartered rule immediate is not stated (HOLD; outside audit A4)
    assert [p.verdict for p in t.periods] == ["NLR", "NLR", "HOLD"] + ["LICENSE_REQUIRED"] * 5
    assert [p.review_policy for p in t.periods] == [None, None, None, "case_by_case"] + ["presumption_of_denial"] * 4
    assert [p.start for p in t.periods][6] == dt.date(2025, 1, 13)
    result = diff(dt.date(2025, 4, 1), dt.date(2025, 6, 1), items=["H20"], destinations=["CN", "DE"])
    assert [(c["item"], c["destination"]) for c in result["changes"]] == [("nvidia-h20", "CN")]


HBM_FILE = """
parts:
- id: example-hbm3e-stack
  vendor: Example Memory
  name: Example HBM3E 12-high stack (test spec)
  kind: hbm
  memory_bandwidth_tbs: 1.2
  package_area_mm2: 110
  sources: [test fixture, not a real product]
  confidence: L
"""


@pytest.mark.parametrize(
    ("destination", "hq", "day", "verdict", "rule"),
    [
        ("CN", "CN", "2024-12-01", "NLR", None),  # the day before 3A090.c existed
        # 89 FR 96790: effective 2024-12-02, HBM compliance date 2024-12-31 (enforced from then, as the diffusion
        # rule's compliance date is applied); the codified layer has it from 2024-12-02 (test below).
        ("CN", "CN", "2024-12-30", "NLR", None),
        ("CN", "CN", "2024-12-31", "LICENSE_REQUIRED", "742.6(a)(6)(i)(B)"),
        ("VN", "VN", "2025-02-01", "NLR", None),  # D:1 but not D:5: 3A090.c is NLR there
        ("DE", "CN", "2025-02-01", "LICENSE_REQUIRED", "744.23(a)(3)(i)(B)"),
        ("DE", "DE", "2025-02-01", "NLR", None),
    ],
)
def test_hbm_3a090c_from_a_user_catalog_file(
    tmp_path: Any, destination: str, hq: str, day: str, verdict: str, rule: str | None
) -> None:
    spec = tmp_path / "hbm.yaml"
    spec.write_text(HBM_FILE, encoding="utf-8")
    cat = load_catalog([spec])
    line = OrderLine(
        item="example-hbm3e-stack",
        destination=destination,
        ship_date=dt.date.fromisoformat(day),
        parties=[Party(name="x", headquarters_country=hq)],
    )
    d = determine(line, catalog=cat, screener=NoScreening())
    assert d.verdict.value == verdict, [r.detail for r in d.reasons]
    if rule:
        assert d.classification["eccn"] == "3A090.c"
        assert any(r.rule.endswith(rule) for r in d.reasons)


def test_hbm_3a090c_codified_from_the_effective_date(tmp_path: Any) -> None:
    spec = tmp_path / "hbm.yaml"
    spec.write_text(HBM_FILE, encoding="utf-8")
    cat = load_catalog([spec])
    line = OrderLine(
        item="example-hbm3e-stack",
        destination="CN",
        ship_date=dt.date(2024, 12, 2),
        parties=[Party(name="x", headquarters_country="CN")],
    )
    codified = determine(line, layer="codified", catalog=cat, screener=NoScreening())
    enforced = determine(line, layer="enforced", catalog=cat, screener=NoScreening())
    assert (codified.verdict.value, enforced.verdict.value) == ("LICENSE_REQUIRED", "NLR")
    # the paragraph is law from 2024-12-02 in both layers; only its license requirements wait for the compliance
    # date (2024-12-31), which the enforced NLR cites (an audit, 2026-12-07)
    assert codified.classification["eccn"] == "3A090.c" and enforced.classification["eccn"] == "3A090.c"
    assert any(r.rule.endswith("#not-enforced-2024-12-02") for r in enforced.reasons)


def test_end_user_parent_option_feeds_the_affiliates_and_headquartered_rules() -> None:
    owner = "Shanghai Biren Intelligent Technology Co., Ltd.,60,CN"  # the name itself contains a comma
    data = check_json(
        "--item", "L20", "--to", "DE", "--date", "2025-10-15", "--end-user-hq", "DE", "--end-user-parent", owner
    )
    assert data["verdict"] == "LICENSE_REQUIRED"
    assert any(r["rule"].endswith("#affiliates-50") for r in data["reasons"])
    assert data["input"]["parties"][0]["parents"][0]["share"] == 60
    bad = run("check", "--item", "L20", "--to", "DE", "--end-user-parent", "Acme,sixty,CN")
    assert bad.returncode == 2 and "not a number" in bad.stderr


def test_end_user_owner_option_adds_listed_owners_shares() -> None:
    """Ownership in aggregate (FR Doc 2025-19001): two Entity List owners of 30 % and 25 % make an affiliate."""
    owners = [
        "Shanghai Biren Intelligent Technology Co., Ltd.,30,CN",
        "Moore Threads Intelligent Technology (Beijing) Co., Ltd.,25,CN",
    ]
    args = ["--item", "L20", "--to", "DE", "--date", "2025-10-15", "--end-user", "Example Joint Venture GmbH"]
    args += ["--end-user-hq", "DE", "--end-user-owner", owners[0], "--end-user-owner", owners[1]]
    data = check_json(*args)
    assert data["verdict"] == "LICENSE_REQUIRED"
    assert any(r["rule"].endswith("#affiliates-50") and "55 % in aggregate" in r["detail"] for r in data["reasons"])
    assert [o["share"] for o in data["input"]["parties"][0]["owners"]] == [30, 25]
    one = check_json(*args[:-2])  # one owner of 30 %: below the threshold
    assert one["verdict"] == "NLR"
    bad = run("check", "--item", "L20", "--to", "DE", "--end-user-owner", "Acme,150,CN")
    assert bad.returncode == 2 and "end-user-owner" in bad.stderr


def test_licensing_ids_referenced_by_policies_exceptions_and_removals_exist() -> None:
    """A typo in an id would silently drop a policy or an exception: every reference must name a real item."""
    rules = load_rules()
    requirements: set[str] = set()
    defined: dict[str, str] = {}
    for action in rules.actions:  # oldest first
        lic = action.licensing
        if lic is None:
            continue
        for removed in lic.remove:
            assert removed in defined, f"{action.origin}: remove {removed!r} names nothing defined earlier"
        for r in lic.requirements:
            requirements.add(r.id)
            defined[r.id] = action.id
        for p in lic.review_policies:
            defined[p.id] = action.id
        for e in lic.license_exceptions:
            defined[e.id] = action.id
        for a in lic.affiliates:
            defined[a.id] = action.id
        for s in lic.suspend:
            assert set(s.ids) <= set(defined), f"{action.origin}: suspend names unknown ids {s.ids}"
    for action in rules.actions:
        lic = action.licensing
        for p in lic.review_policies if lic else []:
            assert set(p.applies_to) <= requirements, f"{action.origin}: {p.id} applies to unknown {p.applies_to}"
        for e in lic.license_exceptions if lic else []:
            assert set(e.overcomes) <= requirements, f"{action.origin}: {e.id} overcomes unknown {e.overcomes}"
        for ev in lic.events if lic else []:
            assert set(ev.affects) <= set(defined), f"{action.origin}: event {ev.date} affects unknown {ev.affects}"


def test_chipclear_determine_is_the_function_and_no_module_shadows_it() -> None:
    import importlib.util

    import chipclear
    import chipclear.determination  # importing the engine's package must not rebind the public name

    assert importlib.util.find_spec("chipclear.determine") is None
    assert importlib.util.find_spec("chipclear.classify") is None
    assert chipclear.determine is chipclear.determination.determine
    line = OrderLine(item="H20", destination="CN", ship_date=dt.date(2025, 4, 8))
    assert chipclear.determine(line, screener=NoScreening()).verdict.value == "NLR"


def test_random_lines_keep_the_contract() -> None:
    """Random lines (fixed seed) over every item, country, region, date, layer and party shape: no crash, HOLD
    always names what is missing, exceptions carry their code, every reason is cited, embargoes never pass."""
    import random

    from chipclear.decision import EndUse, ParentLink

    rnd = random.Random(7)
    cat, geo = load_catalog(), load_geography()
    items = [i.id for i in cat.items()]
    codes = sorted(geo.countries) + sorted(geo.regions) + ["CN", "HK", "MO", "SG", "AE", "DE", "VN"] * 20
    seen = set()
    for _ in range(400):
        day = dt.date(2019, 1, 1) + dt.timedelta(days=rnd.randrange(0, 2900))
        dest = rnd.choice(codes)
        parents = [
            ParentLink(name="P", share=rnd.choice([None, 30, 60]), headquarters_country=rnd.choice([None, "CN"]))
        ]
        party = Party(
            name="x",
            country=geo.country_of(dest),
            headquarters_country=rnd.choice([None, "CN", "US", dest]),
            parents=parents if rnd.random() < 0.3 else [],
        )
        line = OrderLine(
            item=rnd.choice(items),
            destination=dest,
            ship_date=day,
            parties=[] if rnd.random() < 0.15 else [party],
            end_use=EndUse(supercomputer=rnd.random() < 0.05, military=rnd.random() < 0.03),
            export_from=rnd.choice([None, "US"]),
            certifications=rnd.choice([[], ["r10-conditions"]]),
        )
        d = determine(line, layer=rnd.choice(["enforced", "codified"]), catalog=cat, screener=NoScreening())
        seen.add(d.verdict.value)
        assert d.verdict.value != "HOLD" or d.missing
        assert d.verdict.value != "LICENSE_EXCEPTION" or all(e.code for e in d.license_exceptions)
        assert d.reasons and all(r.rule and r.citation for r in d.reasons)
        if geo.country_of(dest) in ("IR", "KP", "CU", "SY", "RU", "BY") and day >= dt.date(2022, 4, 9):
            assert d.verdict.value in ("LICENSE_REQUIRED", "PROHIBITED", "HOLD"), (line, d.verdict)
    assert seen >= {"NLR", "LICENSE_REQUIRED", "HOLD"}


@pytest.mark.parametrize(
    ("bandwidth", "certified", "verdict"),
    [
        (0.3, True, "LICENSE_EXCEPTION"),  # 0.3 TB/s / 110 mm2 = 2.7 GB/s/mm2: below 3.3, certified
        (0.3, False, "LICENSE_REQUIRED"),  # terms not certified
        (0.4, True, "LICENSE_REQUIRED"),  # 3.6 GB/s/mm2: not below 3.3
    ],
)
def test_license_exception_hbm(tmp_path: Any, bandwidth: float, certified: bool, verdict: str) -> None:
    spec = tmp_path / "hbm.yaml"
    spec.write_text(HBM_FILE.replace("memory_bandwidth_tbs: 1.2", f"memory_bandwidth_tbs: {bandwidth}"), "utf-8")
    cat = load_catalog([spec])
    line = OrderLine(
        item="example-hbm3e-stack",
        destination="CN",
        ship_date=dt.date(2025, 2, 1),
        parties=[Party(name="x", headquarters_country="CN")],
        certifications=["hbm-740.25-conditions"] if certified else [],
    )
    d = determine(line, catalog=cat, screener=NoScreening())
    assert d.verdict.value == verdict, [r.detail for r in d.reasons]
    if verdict == "LICENSE_EXCEPTION":
        assert d.license_exceptions[0].code == "HBM" and any("60 days" in c for c in d.license_exceptions[0].conditions)


def test_check_to_a_region_leaves_an_end_users_country_unknown_unless_given() -> None:
    """`--to UA-43` (Crimea) with an end user and no --end-user-country: the party's country is unknown (not
    "UA-43", and since 2026-12-07 not the destination's country either: an assumed country lowered possible
    matches under the review threshold); --end-user-country gives it."""
    data = check_json("--item", "A100", "--to", "UA-43", "--date", "2023-01-01", "--end-user", "Example Co")
    assert data["verdict"] == "LICENSE_REQUIRED"
    assert data["input"]["parties"][0]["country"] is None
    given = ("--end-user", "Example Co", "--end-user-country", "Ukraine")
    data = check_json("--item", "A100", "--to", "UA-43", "--date", "2023-01-01", *given)
    assert data["input"]["parties"][0]["country"] == "UA"


def test_timeline_with_an_end_user_shows_its_listing() -> None:
    done = run(
        "timeline",
        "L20",
        "--to",
        "CN",
        "--until",
        "2025-06-01",
        "--json",
        "--end-user",
        "Qingdao Sophgo Technology Co., Ltd.",
        "--end-user-country",
        "CN",
    )
    assert done.returncode == 0, done.stderr
    periods = json.loads(done.stdout)["periods"]
    assert any(p["start"] == "2025-01-16" and any(c["rule"] == "lists#EL" for c in p["caused_by"]) for p in periods)
