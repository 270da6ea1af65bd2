"""Input validation (bad rows by row number, never dropped, never stopping the run), the CLI and demo orders."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from chipclear.batch import generate_orders
from chipclear.cli import app

runner = CliRunner()

CSV = """Order,Item,Qty,Destination Country,Ship Date,Customer,Customer Country,HQ Country,End Use,Supercomputer
SO-1,H100 SXM5 80GB,8,DE,2024-03-01,Atlas Data Systems GmbH,DE,DE,training,no
SO-1,H1OO,8,DE,2024-03-01,Atlas Data Systems GmbH,DE,DE,training,no
SO-2,nvidia-h20,2,XX,2024-03-01,Atlas Data Systems GmbH,DE,DE,,
SO-2,nvidia-h20,two,CN,2024-03-01,Jade River Computing Co. Ltd.,CN,CN,,
SO-3,nvidia-h20,0,CN,2024-03-01,Jade River Computing Co. Ltd.,CN,CN,,
SO-3,nvidia-h20,1,CN,01/03/2024,Jade River Computing Co. Ltd.,CN,CN,,
SO-4,nvidia-h20,1,CN,2024-03-01,Jade River Computing Co. Ltd.,CN,QQ,,maybe
SO-4,,1,,2024-03-01,,,,,
SO-5,RTX 4090,1,SG,2025-01-10,Summit Gaming Pte. Ltd.,SG,CN,gaming,false
"""


def test_bad_rows_are_reported_by_row_number_and_good_rows_decided(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(CSV, encoding="utf-8")
    out = tmp_path / "d.parquet"
    result = runner.invoke(app, ["batch", str(orders), "--out", str(out), "--no-screening", "--quiet"])
    assert result.exit_code == 0, result.output
    decided = pl.read_parquet(out)
    assert decided["row"].to_list() == [1, 9]
    assert decided["order_id"].to_list() == ["SO-1", "SO-5"]
    assert decided["item_id"].to_list() == ["nvidia-h100-sxm5-80gb", "nvidia-rtx-4090"]
    bad = pl.read_csv(tmp_path / "d.bad-rows.csv", infer_schema=False)
    reasons = dict(zip(bad["row"].cast(pl.Int64), bad["reason"], strict=True))
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 8]
    assert reasons[2].startswith("item: unknown item 'H1OO'")
    assert reasons[3].startswith("destination: unknown country 'XX' (use an ISO 3166-1 code such as CN")
    assert reasons[4] == "quantity: 'two' is not a whole number"
    assert reasons[5] == "quantity: 0 must be at least 1"
    assert reasons[6] == "ship_date: '01/03/2024' is not a date in YYYY-MM-DD form"
    assert "end_user_headquarters_country: unknown country 'QQ'" in reasons[7]
    assert "supercomputer: 'maybe' is not true/false" in reasons[7]
    assert "item: empty" in reasons[8] and "destination: a country is required" in reasons[8]
    flat = " ".join(result.output.split())
    assert "2 decisions" in flat and "7 bad rows" in flat


def test_parquet_input_gives_the_same_decisions_as_csv(tmp_path: Path) -> None:
    book = generate_orders(40, seed=3)
    book.write_csv(tmp_path / "o.csv")
    book.write_parquet(tmp_path / "o.parquet")
    for name in ("o.csv", "o.parquet"):
        args = ["batch", str(tmp_path / name), "--out", str(tmp_path / f"{name}.parquet"), "--no-screening", "-q"]
        assert runner.invoke(app, args).exit_code == 0
    a = pl.read_parquet(tmp_path / "o.csv.parquet")
    b = pl.read_parquet(tmp_path / "o.parquet.parquet")
    assert a.equals(b)


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("order,quantity\nSO-1,1\n", [], "missing column(s) item, destination; found order, quantity\n"),
        (None, [], "no such file"),
        ("item,destination\nH100,DE\n", ["--date", "2024-13-01"], "date: '2024-13-01' is not a date"),
        ("item,destination\nH100,DE\n", ["--layer", "draft"], "--layer: 'draft' is not one of"),
    ],
)
def test_unusable_input_is_one_line_and_exit_2(
    tmp_path: Path, content: str | None, args: list[str], message: str
) -> None:
    orders = tmp_path / "orders.csv"
    if content is not None:
        orders.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["batch", str(orders), "--out", str(tmp_path / "d.parquet"), "-q", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "d.parquet").exists()


def test_out_must_be_parquet(tmp_path: Path) -> None:
    result = runner.invoke(app, ["batch", "x.csv", "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 2 and "must end in .parquet" in result.output


def test_demo_orders_writes_a_repeatable_realistic_book(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.parquet"
    assert runner.invoke(app, ["demo", "orders", "--rows", "400", "--out", str(a)]).exit_code == 0
    assert runner.invoke(app, ["demo", "orders", "--rows", "400", "--out", str(b)]).exit_code == 0
    first = pl.read_csv(a, try_parse_dates=True)
    second = pl.read_parquet(b)
    assert first.height == 400
    assert first["end_user_name"].to_list() == second["end_user_name"].to_list()
    assert first["ship_date"].to_list() == second["ship_date"].to_list()
    big = generate_orders(5000, seed=9)
    assert big["destination"].n_unique() > 20 and big["item"].n_unique() > 40
    assert big["end_user_name"].n_unique() < 400  # customers buy repeatedly
    assert {"CN", "US", "HK", "DE"} <= set(big["destination"])
    spoiled = generate_orders(2000, seed=9, bad_share=0.05)
    assert (
        spoiled.filter(pl.col("destination") == "XX").height + spoiled.filter(pl.col("item") == "H1OO-typo").height > 50
    )


def test_demo_without_subcommand_still_classifies() -> None:
    result = runner.invoke(app, ["demo", "--json"])
    assert result.exit_code == 0
    assert result.output.lstrip().startswith("[")


def test_the_python_example_in_docs_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (Path(__file__).parents[2] / "docs" / "batch.md").read_text(encoding="utf-8")
    example = text.split("```python", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "docs/batch.md", "exec"), {})
    assert (
        pl.read_parquet(tmp_path / "decisions.parquet").height + pl.read_csv(tmp_path / "decisions.bad-rows.csv").height
        == 200
    )


def test_progress_bar_shows_rate_and_time_left(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from chipclear.batch import BatchOptions, run_batch
    from chipclear.cli.batch import RichProgress

    generate_orders(60, seed=2).write_csv(tmp_path / "o.csv")
    buffer = io.StringIO()
    with RichProgress(Console(file=buffer, force_terminal=True, width=200)) as bar:
        run_batch(BatchOptions(orders=tmp_path / "o.csv", out=tmp_path / "d.parquet", screening=False), bar)
    shown = buffer.getvalue()
    assert "deciding" in shown and "lines/s" in shown and "left" in shown and "60/60" in shown


def test_since_lists_names_the_known_versions_when_unknown(tmp_path: Path) -> None:
    generate_orders(10, seed=2).write_csv(tmp_path / "o.csv")
    args = ["batch", str(tmp_path / "o.csv"), "--out", str(tmp_path / "d.parquet"), "--since-lists", "v0", "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "'v0' is not a list file or a known list version (known: embedded" in " ".join(result.output.split())


def test_since_lists_previous_on_a_fresh_install_says_there_is_none_yet(tmp_path: Path) -> None:
    generate_orders(10, seed=2).write_csv(tmp_path / "o.csv")
    args = ["batch", str(tmp_path / "o.csv"), "--out", str(tmp_path / "d.parquet"), "--since-lists", "previous", "-q"]
    result = runner.invoke(app, args)
    said = " ".join(result.output.split())
    assert result.exit_code == 2
    assert "there is no previous list yet: no `chipclear lists update` has replaced a list" in said
    assert "is not a list file or a known list version" not in said
    assert said.count("\n") == 0 and said.startswith("chipclear: error: --since-lists:"), said


def test_flag_words_in_any_case_are_read_and_others_are_bad_rows() -> None:
    from chipclear.batch.io import FLAGS, validate
    from chipclear.catalog import load_catalog
    from chipclear.geography import load_geography

    words = ["TRUE", "Yes", "y", "X", "1", "tRuE", "false", "No", "F", "0", "", "maybe", "2", "truee"]
    raw = pl.DataFrame(
        {
            "row": pl.Series(range(1, len(words) + 1), dtype=pl.UInt32),
            "item": "nvidia-h100-sxm5-80gb",
            "destination": "DE",
            "quantity": "1",
            "ship_date": "2025-07-01",
            **{c: "" for c in ("order_id", "line_id", "end_user_name", "end_user_country")},
            **{c: "" for c in ("end_user_headquarters_country", "end_user_owners", "end_use", "value_usd")},
            "supercomputer": words,
            "advanced_node_ic_production": list(reversed(words)),
            "military": "no",
            "parse_error": "",
        }
    )
    lines, bad = validate(raw, load_catalog(), load_geography())
    assert set(FLAGS) == {"supercomputer", "advanced_node_ic_production", "military"}
    assert bad["row"].to_list() == [1, 2, 3, 12, 13, 14]  # "maybe", "2", "truee" in one column or the other
    reasons = dict(zip(bad["row"], bad["reason"], strict=True))
    assert reasons[12] == "supercomputer: 'maybe' is not true/false"
    assert reasons[1] == "advanced_node_ic_production: 'truee' is not true/false"
    got = dict(zip(lines["row"], lines["supercomputer"], strict=True))
    assert [got[r] for r in range(4, 12)] == [True, True, True, False, False, False, False, False]
    assert not lines["military"].any()


def test_a_column_batch_does_not_read_is_refused_unless_named(tmp_path: Path) -> None:
    # a door audit (2026-12-06) decided both lines NLR: the military flag and the Denied Persons consignee were in
    # columns batch dropped without a word
    orders = tmp_path / "o.csv"
    orders.write_text(
        "item,destination,ship_date,end_user_name,end_user_headquarters_country,military_end_user,ultimate_consignee,"
        "notes,country\n"
        "H100,SG,2025-06-01,Acme Pte Ltd,SG,true,,rush,SG\n"
        "H100,SG,2025-06-01,Acme Pte Ltd,SG,,Kal Tek Labs,,SG\n",
        encoding="utf-8",
    )
    out = tmp_path / "d.parquet"
    args = ["batch", str(orders), "--out", str(out), "-q", "--no-screening"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    line = " ".join(result.output.split())
    assert "column(s) 'ultimate_consignee', 'notes', 'country' (a second destination column) not read" in line
    assert "--ignore-column" in line and not out.exists()
    # named as holding nothing a decision needs, the others are read; "military_end_user" is the military flag
    result = runner.invoke(app, [*args, "--ignore-column", "notes", "--ignore-column", "country"])
    assert result.exit_code == 2 and "'ultimate_consignee'" in result.output
    assert "'notes'" not in result.output
    orders.write_text(
        "item,destination,ship_date,end_user_name,end_user_headquarters_country,military_end_user,notes\n"
        "H100,SG,2025-06-01,Acme Pte Ltd,SG,true,rush\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, [*args, "--ignore-column", "Notes"])
    assert result.exit_code == 0, result.output
    decided = pl.read_parquet(out)
    assert decided["military"].to_list() == [True]
    assert decided["verdict"].to_list() == ["HOLD"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("d.csv", "item,destination,destination\nH20,CN,DE\n", "column(s) 'destination' given more than once"),
        ("n.csv", "item,destination,end_user_name,end_user_name\nH20,CN,A,B\n", "'end_user_name' given more than once"),
    ],
)
def test_a_column_named_twice_is_refused(tmp_path: Path, name: str, content: str, message: str) -> None:
    # found by a hostile-input audit (2026-12-06): the last copy was read, so the line went to DE, or was screened
    # for the second name only
    orders = tmp_path / name
    orders.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["batch", str(orders), "--out", str(tmp_path / "o.parquet"), "-q", "--no-screening"])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "o.parquet").exists()


def test_a_json_line_with_a_repeated_key_or_too_deep_is_a_bad_row(tmp_path: Path) -> None:
    orders = tmp_path / "o.jsonl"
    orders.write_text(
        '{"item": "H20", "destination": "CN", "ship_date": "2025-06-01"}\n'
        '{"item": "H20", "item": "H100", "destination": "CN"}\n' + "[" * 100_000 + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "o.parquet"
    result = runner.invoke(app, ["batch", str(orders), "--out", str(out), "-q", "--no-screening"])
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(out)["row"].to_list() == [1]
    bad = pl.read_csv(tmp_path / "o.bad-rows.csv", infer_schema=False)
    reasons = dict(zip(bad["row"].cast(pl.Int64), bad["reason"], strict=True))
    assert reasons[2] == "line 2: key 'item' is given more than once"
    assert reasons[3] == "line 3: not valid JSON (nested too deep)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "{tmp}/isdir.parquet"], "--out: {tmp}/isdir.parquet is a directory"),
        (
            ["--out", "{tmp}/afile/o.parquet"],
            "--out: cannot write {tmp}/afile/o.parquet: {tmp}/afile is not a directory",
        ),
        (["--out", "{tmp}/o.parquet", "--bad-rows", "{tmp}/afile/b.csv"], "--bad-rows: cannot write {tmp}/afile/b.csv"),
        (
            ["--out", "{tmp}/o.parquet", "--report", "{tmp}/isdir.parquet"],
            "--report: {tmp}/isdir.parquet is a directory",
        ),
        (["--out", "{tmp}/o.parquet", "--jsonl", "{tmp}/afile/r.jsonl"], "--jsonl: cannot write {tmp}/afile/r.jsonl"),
    ],
)
def test_an_output_that_cannot_be_written_is_refused_before_the_run(
    tmp_path: Path, args: list[str], message: str
) -> None:
    # found by a hostile-input audit (2026-12-06): tracebacks after the decisions file was written
    orders = tmp_path / "o.csv"
    orders.write_text("item,destination\nH20,CN\n", encoding="utf-8")
    (tmp_path / "isdir.parquet").mkdir()
    (tmp_path / "afile").write_text("x")
    given = [a.format(tmp=tmp_path) for a in args]
    result = runner.invoke(app, ["batch", str(orders), *given, "-q", "--no-screening"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("chipclear: error: " + message.format(tmp=tmp_path)), result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "isdir.parquet", "o.csv"]


def test_repeated_columns_that_are_ignored_and_empty_unnamed_columns_are_read_past(tmp_path: Path) -> None:
    # a regression check (2026-12-06): an ERP export with two "Notes" columns and trailing commas was refused
    orders = tmp_path / "erp.csv"
    orders.write_text(
        "Order,Item,Qty,Ship To Country,Customer,HQ Country,Notes,Notes,,\nSO1,H20,1,CN,Acme,CN,a,b,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "o.parquet"
    args = ["batch", str(orders), "--out", str(out), "-q", "--no-screening"]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2 and "'Notes' given more than once" in refused.output
    assert "''" not in refused.output  # the empty unnamed columns hold nothing
    result = runner.invoke(app, [*args, "--ignore-column", "notes"])
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(out)["end_user_headquarters_country"].to_list() == ["CN"]


def test_an_error_about_thousands_of_columns_stays_short(tmp_path: Path) -> None:
    # a hostile-input audit (2026-12-07): 10,000 unknown columns gave an 80 KB "one-line" error
    book = tmp_path / "wide.csv"
    names = [f"c{i}" for i in range(10_000)]
    book.write_text(",".join(["item", "destination", *names]) + "\n" + ",".join(["H20", "CN", *[""] * 10_000]) + "\n")
    result = CliRunner().invoke(app, ["batch", str(book), "--out", str(tmp_path / "o.parquet")])
    assert result.exit_code == 2
    assert "'c9' and 9990 more not read by chipclear" in result.output and len(result.output) < 1000
