"""Every CLI error about an option's value names that option, in one line, with exit code 2 and nothing written to
the ledger (an audit of 2026-12-07: errors from the services shared with the API said ``export_from: unknown
country``, ``certifications: unknown code`` or ``end-user-parent: share ...`` instead of the options typed, and
some kept pydantic's "Value error, ").

To cover a new option: add a row to ``CASES`` (the command's words, a bad value, the option the error must name),
or, when the CLI does not check its value (free text, a file to read or write, a key), to ``NOT_CHECKED`` with the
reason. ``test_every_option_is_in_the_table`` fails for an option in neither.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from chipclear.cli import _COMMANDS, app

runner = CliRunner()

CHECK = ["check", "--item", "H100", "--to", "CN", "--date", "2025-06-01"]
IMPORT = [*CHECK, "--import-hts", "8473.30.1180", "--origin", "CN"]
TIMELINE = ["timeline", "H100", "--to", "CN"]
DIFF = ["diff", "--from", "2025-01-01", "--to", "2025-02-01"]
SHIP = ["ship", "--item", "H100", "--destination", "CN", "--ship-date", "2025-06-01"]
APPLY = ["license", "apply", "--item", "H100", "--destination", "CN", "--end-user", "Acme@CN"]
GRANT = ["license", "grant", "2", "--number", "L2", "--valid-from", "2025-02-01", "--valid-to", "2026-02-01"]
RELEASE = ["hold", "release", "1", "--reason", "checked"]
DUTY = ["duty", "--hts", "8473.30.1180", "--origin", "CN", "--date", "2025-06-01"]
DUTY_TIMELINE = ["duty", "timeline", "--hts", "8473.30.1180", "--origin", "CN"]
CHINA = ["duty", "china", "--hs", "8542.31", "--origin", "US", "--date", "2025-06-01"]
WHATIF = ["whatif", "tpp-threshold-2400", "--date", "2025-06-01"]
BATCH_OUT = ["--out", "decisions.parquet"]
REVIEW = ["reviews", "add", "--party", "Acme", "--reason", "different company"]

# (arguments, the option the error names): one bad value per option whose value the CLI or a service checks
CASES: list[tuple[list[str], str]] = [
    (["catalog", "--vendor", "Nobody"], "--vendor"),
    (["catalog", "--as-of", "2025-13-01"], "--as-of"),
    (["classify", "NOPE"], "ITEM"),
    (["classify", "H100", "--as-of", "2025-13-01"], "--as-of"),
    (["classify", "H100", "--layer", "draft"], "--layer"),
    (["classify", "--model", "no-such-model"], "--model"),
    (["classify", "--spec", "{spec}", "H100"], "--spec"),
    (["classify", "--model-spec", "{spec}"], "--model-spec"),
    (["check", "--item", "NOPE", "--to", "CN"], "--item"),
    (["check", "--item", "H100", "--to", "QQ"], "--to"),
    ([*CHECK, "--quantity", "0"], "--quantity"),
    ([*CHECK, "--quantity", "99999999999"], "--quantity"),
    (["check", "--item", "H100", "--to", "CN", "--date", "2025-13-01"], "--date"),
    (["check", "--item", "H100", "--to", "CN", "--date", "1990-01-01"], "--date"),
    ([*CHECK, "--end-user", "Acme", "--end-user-country", "QQ"], "--end-user-country"),
    ([*CHECK, "--end-user", "Acme", "--end-user-hq", "QQ"], "--end-user-hq"),
    ([*CHECK, "--end-user", "x" * 1000], "--end-user"),
    ([*CHECK, "--end-use", "x" * 100_000], "--end-use"),
    ([*CHECK, "--export-from", "QQ"], "--export-from"),
    ([*CHECK, "--certify", "nonsense"], "--certify"),
    ([*CHECK, "--end-user-parent", "Holding,abc,CN"], "--end-user-parent"),
    ([*CHECK, "--end-user-parent", "Holding,150,CN"], "--end-user-parent"),
    ([*CHECK, "--end-user-parent", "Holding,50,QQ"], "--end-user-parent"),
    ([*CHECK, "--end-user-owner", "Holding,50"], "--end-user-owner"),
    ([*CHECK, "--end-user-owner", "Holding,-5,CN"], "--end-user-owner"),
    ([*CHECK, "--import-hts", "8473", "--origin", "CN"], "--import-hts"),
    ([*CHECK, "--origin", "CN"], "--import-hts"),
    ([*CHECK, "--import-hts", "8473.30.1180"], "--origin"),
    ([*CHECK, "--import-hts", "8473.30.1180", "--origin", "QQ"], "--origin"),
    ([*IMPORT, "--entry-date", "2025-13-01"], "--entry-date"),
    ([*IMPORT, "--customs-value", "-5"], "--customs-value"),
    ([*IMPORT, "--customs-value", "1e30"], "--customs-value"),
    ([*IMPORT, "--duty-end-use", "nonsense"], "--duty-end-use"),
    ([*IMPORT, "--claim", "nonsense"], "--claim"),
    ([*IMPORT, "--entry-type", "nonsense"], "--entry-type"),
    ([*IMPORT, "--entry-type", "section321"], "--customs-value"),
    ([*CHECK, "--model-spec", "{spec}"], "--model-spec"),
    ([*CHECK, "--layer", "draft"], "--layer"),
    ([*CHECK, "--fail-on", "never"], "--fail-on"),
    (["timeline", "NOPE", "--to", "CN"], "ITEM"),
    (["timeline", "H100", "--to", "QQ"], "--to"),
    ([*TIMELINE, "--end-user-hq", "QQ"], "--end-user-hq"),
    ([*TIMELINE, "--until", "2025-13-01"], "--until"),
    ([*TIMELINE, "--layer", "draft"], "--layer"),
    ([*TIMELINE, "--end-user", "Acme", "--end-user-country", "QQ"], "--end-user-country"),
    ([*TIMELINE, "--end-user", "x" * 1000], "--end-user"),
    (["diff", "--from", "2025-1-1", "--to", "2025-02-01"], "--from"),
    (["diff", "--from", "2025-02-01", "--to", "2025-01-01"], "--to"),
    ([*DIFF, "--item", "NOPE"], "--item"),
    ([*DIFF, "--dest", "QQ"], "--dest"),
    ([*DIFF, "--layer", "draft"], "--layer"),
    (["screen", "x" * 1000], "NAME"),
    (["screen", "Acme", "--country", "QQ"], "--country"),
    (["screen", "Acme", "--address", "x" * 5000], "--address"),
    (["screen", "Acme", "--min-score", "2"], "--min-score"),
    (["screen", "Acme", "--limit", "0"], "--limit"),
    (["screen", "Acme", "--sources", "QQQ"], "--sources"),
    (["screen", "Acme", "--out", "hits.csv"], "--out"),
    (["screen", "Acme", "--fail-on", "hold"], "--fail-on"),
    (["ship", "--item", "NOPE", "--destination", "CN"], "--item"),
    (["ship", "--item", "H100", "--destination", "QQ"], "--destination"),
    ([*SHIP, "--quantity", "0"], "--quantity"),
    ([*SHIP, "--value", "-1"], "--value"),
    ([*SHIP, "--value", "1e30"], "--value"),
    (["ship", "--item", "H100", "--destination", "CN", "--ship-date", "20250601"], "--ship-date"),
    (["ship", "--item", "H100", "--destination", "CN", "--ship-date", "1990-01-01"], "--ship-date"),
    ([*SHIP, "--end-user", "Acme@QQ"], "--end-user"),
    ([*SHIP, "--ultimate-consignee", "Acme@QQ"], "--ultimate-consignee"),
    ([*SHIP, "--intermediate-consignee", "@CN"], "--intermediate-consignee"),
    ([*SHIP, "--purchaser", "x" * 1000], "--purchaser"),
    ([*SHIP, "--license", "NOPE"], "--license"),
    (["license", "apply", "--item", "NOPE", "--destination", "CN", "--end-user", "Acme"], "--item"),
    (["license", "apply", "--item", "H100", "--destination", "QQ", "--end-user", "Acme"], "--destination"),
    (["license", "apply", "--item", "H100", "--destination", "CN"], "--end-user"),
    (["license", "apply", "--item", "H100", "--destination", "CN", "--end-user", "Acme@QQ"], "--end-user"),
    ([*APPLY, "--ultimate-consignee", "Acme@QQ"], "--ultimate-consignee"),
    ([*APPLY, "--intermediate-consignee", "@CN"], "--intermediate-consignee"),
    ([*APPLY, "--purchaser", "Acme@QQ"], "--purchaser"),
    ([*APPLY, "--quantity", "0"], "--quantity"),
    ([*APPLY, "--value", "-1"], "--value"),
    ([*APPLY, "--value", "0.001"], "--value"),
    ([*APPLY, "--note", "x" * 100_000], "--note"),
    ([*APPLY, "--application-number", ""], "--application-number"),
    ([*APPLY, "--application-number", "A9", "--submitted-on", "2025-13-01"], "--submitted-on"),
    ([*APPLY, "--application-number", "A9", "--submitted-on", "2099-01-01"], "--submitted-on"),
    (["license", "submit", "3", "--application-number", ""], "--application-number"),
    (["license", "submit", "3", "--application-number", "A3", "--submitted-on", "2025-13-01"], "--submitted-on"),
    (["license", "submit", "3", "--application-number", "A3", "--submitted-on", "2099-01-01"], "--submitted-on"),
    (
        ["license", "grant", "0", "--number", "L2", "--valid-from", "2025-02-01", "--valid-to", "2026-02-01"],
        "APPLICATION_ID",
    ),
    (["license", "grant", "2", "--number", "", "--valid-from", "2025-02-01", "--valid-to", "2026-02-01"], "--number"),
    (["license", "grant", "2", "--number", "L1", "--valid-from", "2025-02-01", "--valid-to", "2026-02-01"], "--number"),
    (
        ["license", "grant", "2", "--number", "L2", "--valid-from", "2025-13-01", "--valid-to", "2026-02-01"],
        "--valid-from",
    ),
    (
        ["license", "grant", "2", "--number", "L2", "--valid-from", "2025-01-01", "--valid-to", "2026-02-01"],
        "--valid-from",
    ),
    (
        ["license", "grant", "2", "--number", "L2", "--valid-from", "2025-02-01", "--valid-to", "2025-01-15"],
        "--valid-to",
    ),
    ([*GRANT, "--quantity", "0"], "--quantity"),
    ([*GRANT, "--quantity", "11"], "--quantity"),
    ([*GRANT, "--value", "-1"], "--value"),
    ([*GRANT, "--value", "0.001"], "--value"),
    ([*GRANT, "--quantity-tolerance", "10"], "--quantity-tolerance"),
    ([*GRANT, "--value-tolerance", "500"], "--value-tolerance"),
    ([*GRANT, "--conditions", "x" * 100_000], "--conditions"),
    ([*GRANT, "--decided-on", "2025-13-01"], "--decided-on"),
    ([*GRANT, "--decided-on", "2099-01-01"], "--decided-on"),
    (["license", "deny", "2", "--reason", ""], "--reason"),
    (["license", "deny", "2", "--reason", "no", "--decided-on", "2025-13-01"], "--decided-on"),
    (["license", "withdraw", "2", "--reason", "no", "--decided-on", "2025-13-01"], "--decided-on"),
    (["license", "withdraw", "2", "--reason", ""], "--reason"),
    (["license", "revoke", "L1", "--reason", ""], "--reason"),
    (["license", "revoke", "L1", "--reason", "agency", "--effective", "2025-13-01"], "--effective"),
    (["license", "revoke", "L1", "--reason", "agency", "--effective", "2024-01-01"], "--effective"),
    (["license", "revoke", "L1", "--reason", "agency", "--effective", "2099-01-01"], "--effective"),
    (["hold", "release", "1", "--reason", ""], "--reason"),
    ([*RELEASE, "--ship-date", "2025-13-01"], "--ship-date"),
    ([*RELEASE, "--ship-date", "2025-01-01"], "--ship-date"),
    ([*RELEASE, "--fact", "nonsense"], "--fact"),
    ([*RELEASE, "--fact", "quantity=0"], "--fact quantity"),
    ([*RELEASE, "--fact", 'export_from="QQ"'], "--fact export_from"),  # its FIELD.PATH, as typed
    ([*RELEASE, "--not-a-match", "Acme::"], "--not-a-match"),
    ([*RELEASE, "--match", ""], "--match"),
    ([*RELEASE, "--license", "NOPE"], "--license"),
    (["hold", "cancel", "1", "--reason", ""], "--reason"),
    (["hold", "cancel", "1", "--reason", "\u200b"], "--reason"),  # shows nothing (bounds.blank)
    (["hold", "cancel", "1", "--reason", "x" * 4001], "--reason"),  # the API's bound of a reason
    (["hold", "release", "1", "--reason", "x" * 4001], "--reason"),
    ([*RELEASE, "--license", "L" * 61], "--license"),
    (["hold", "release", "0", "--reason", "x"], "LINE_ID"),
    ([*REVIEW, "--entry", "no-such-entry"], "--entry"),
    ([*REVIEW, "--entry", "no-such-entry", "--country", "QQ"], "--country"),
    (["reviews", "add", "--party", "", "--reason", "r", "--entry", "{entry}"], "--party"),
    (["reviews", "add", "--party", "Acme", "--reason", "", "--entry", "{entry}"], "--reason"),
    (["reviews", "add", "--party", "Acme", "--reason", "\u202e", "--entry", "{entry}"], "--reason"),
    (["reviews", "add", "--party", "Acme", "--reason", "r", "--entry", "{entry}", "--by", "someone"], "--by"),
    (["lists", "update", "--list-date", "2025-13-01"], "--list-date"),
    (["lists", "update", "--from", "{missing}"], "--from"),
    (["lists", "update", "--from", "{spec}", "--format", "nope"], "--format"),
    (["lists", "export", "--format", "csv"], "--format"),
    (["user", "add", "bob", "--role", "king"], "--role"),
    (["user", "add", "", "--role", "viewer"], "NAME"),
    (["duty", "--hts", "8473", "--origin", "CN"], "--hts"),
    (["duty", "--origin", "CN"], "--hts"),
    (["duty", "--hts", "8473.30.1180", "--origin", "QQ"], "--origin"),
    (["duty", "--hts", "8473.30.1180", "--origin", "CN", "--date", "2025-13-01"], "--date"),
    ([*DUTY, "--value", "-1"], "--value"),
    ([*DUTY, "--item", "NOPE"], "--item"),
    ([*DUTY, "--end-use", "nonsense"], "--end-use"),
    ([*DUTY, "--claim", "nonsense"], "--claim"),
    ([*DUTY, "--entry-type", "nonsense"], "--entry-type"),
    ([*DUTY, "--entry-type", "section321"], "--value"),
    (["duty", "timeline", "--hts", "abc", "--origin", "CN"], "--hts"),
    (["duty", "timeline", "--hts", "8473.30.1180", "--origin", "QQ"], "--origin"),
    ([*DUTY_TIMELINE, "--item", "NOPE"], "--item"),
    ([*DUTY_TIMELINE, "--end-use", "nonsense"], "--end-use"),
    ([*DUTY_TIMELINE, "--claim", "nonsense"], "--claim"),
    ([*DUTY_TIMELINE, "--value", "-1"], "--value"),
    ([*DUTY_TIMELINE, "--entry-type", "nonsense"], "--entry-type"),
    (["duty", "china", "--hs", "abc", "--origin", "US"], "--hs"),
    (["duty", "china", "--hs", "8542.31", "--origin", "QQ"], "--origin"),
    ([*CHINA, "--wafer-fab", "QQ"], "--wafer-fab"),
    (["duty", "china", "--hs", "8542.31", "--origin", "US", "--date", "2025-13-01"], "--date"),
    (["whatif", "no-such-draft"], "DRAFT"),
    (["whatif", "tpp-threshold-2400", "--date", "2025-13-01"], "--date"),
    ([*WHATIF, "--destinations", "QQ"], "--destinations"),
    ([*WHATIF, "--destinations", ","], "--destinations"),
    ([*WHATIF, "--layer", "draft"], "--layer"),
    ([*WHATIF, "--orders", "{missing}"], "--orders"),
    (["batch", "{orders}", "--out", "decisions.csv"], "--out"),
    (["batch", "{orders}", *BATCH_OUT, "--date", "2025-13-01"], "--date"),
    (["batch", "{orders}", *BATCH_OUT, "--workers", "-1"], "--workers"),
    (["batch", "{orders}", *BATCH_OUT, "--dask", "tcp://127.0.0.1:1"], "--dask"),
    (["batch", "{orders}", *BATCH_OUT, "--layer", "draft"], "--layer"),
    (["batch", "{orders}", *BATCH_OUT, "--since-rules", "2025-13-01"], "--since-rules"),
    (["batch", "{orders}", *BATCH_OUT, "--since-lists", "no-such-version"], "--since-lists"),
    (["batch", "{orders}", *BATCH_OUT, "--verify", "-1"], "--verify"),
    (["batch", "{orders}", *BATCH_OUT, "--batch-size", "0"], "--batch-size"),
    (["batch", "{orders}", *BATCH_OUT, "--format", "docx"], "--format"),
    (["batch", "{orders}", *BATCH_OUT, "--fail-on", "never"], "--fail-on"),
    (["demo", "orders", "--rows", "0"], "--rows"),
    (["demo", "orders", "--start", "2025-13-01"], "--start"),
    (["demo", "orders", "--end", "2025-13-01"], "--end"),
    (["demo", "orders", "--start", "2025-02-01", "--end", "2025-01-01"], "--end"),
    (["demo", "orders", "--bad-share", "2"], "--bad-share"),
    (["demo", "orders", "--seed", "x"], "--seed"),
    (["serve", "--port", "99999"], "--port"),
    (["serve", "--workers", "0"], "--workers"),
    (["audit", "verify", "--anchor", "1:zz"], "--anchor"),
    (["audit", "verify", "--anchor", "{spec}"], "--anchor"),
    (["db", "restore", "{missing}", "--anchor", "1:zz"], "--anchor"),
    (["audit", "export", "--output", "{folder}"], "--output"),
    (["audit", "checkpoint"], "--checkpoint-key"),
]

# Options the CLI takes as given (nothing about their value is checked before it is used), with why.
NOT_CHECKED = {
    "--api-key": "a key: a wrong one is 'API key is not valid' (tests/cli/test_check_through_ledger.py)",
    "--file": "a file to read: its rows' errors name the file, the row and the column",
    "--out": "a file to write (batch: checked above; lists export, demo orders: any path)",
    "--bad-rows": "a file to write",
    "--report": "a file to write",
    "--jsonl": "a file to write",
    "--plots": "a folder to write",
    "--output": "a file to write (audit export: checked above)",
    "--checkpoint-key": "a key file (audit checkpoint: checked above)",
    "--ignore-column": "a column name of the order book",
    "--order-id": "free text, the order's reference",
    "--acknowledge-listing": "a license number, looked up when the line is decided again",
    "--host": "an address for the server to listen on",
}


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A ledger with an admin, license L1 (application 1), a submitted application 2, a draft 3 and a held line 1."""
    where = tmp_path_factory.mktemp("ledger")
    env = {"CHIPCLEAR_DATABASE_URL": f"sqlite:///{where / 'ledger.db'}", "CHIPCLEAR_STALE_LISTS_ON_SHIP": "ship"}
    made = runner.invoke(app, ["user", "add", "officer", "--role", "admin", "--key-only"], env=env)
    assert made.exit_code == 0, made.output
    env["CHIPCLEAR_API_KEY"] = made.output.strip()
    setup = [
        ["license", "apply", "--item", "H100", "--destination", "AE", "--end-user", "Acme@AE", "--quantity", "10"],
        ["license", "submit", "1", "--application-number", "A1", "--submitted-on", "2025-01-02"],
        ["license", "grant", "1", "--number", "L1", "--valid-from", "2025-01-10", "--valid-to", "2026-01-01"],
        ["license", "apply", "--item", "H100", "--destination", "AE", "--end-user", "Acme@AE", "--quantity", "10",
         "--value", "1000", "--application-number", "A2", "--submitted-on", "2025-01-20"],
        ["license", "apply", "--item", "H100", "--destination", "AE", "--end-user", "Acme@AE", "--quantity", "10"],
        ["ship", "--item", "H20", "--destination", "CN", "--ship-date", "2025-06-01", "--end-user", "Acme@CN"],
    ]  # fmt: skip
    for args in setup:
        done = runner.invoke(app, args, env=env)
        assert done.exit_code in (0, 1), (args, done.output)
    yield {**env, "folder": str(where)}


def _rows(url: str) -> dict[str, int]:
    """Rows per table of the ledger: a refused command leaves every count as it was."""
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def _filled(args: list[str], tmp_path: Path, folder: str) -> list[str]:
    spec = tmp_path / "not-a-spec.txt"
    spec.write_text("this is not what the option takes\n", encoding="utf-8")
    orders = tmp_path / "orders.csv"
    orders.write_text("item,destination,ship_date\nH100,CN,2025-06-01\n", encoding="utf-8")
    names = {"spec": str(spec), "orders": str(orders), "missing": str(tmp_path / "missing.csv"), "folder": folder}
    names["entry"] = _an_entry_id() if "{entry}" in args else ""
    return [a.format(**names) if a.startswith("{") else a for a in args]


def _an_entry_id() -> str:
    from chipclear.screening import default_screener

    return default_screener().entries[0].entry_id


# An API field as a message's subject: snake_case (``export_from``) or a dotted path (``parties.0.country``)
_API_FIELD = re.compile(r"(?<![\w'-])[a-z]+(?:_[a-z]+)+(?=:)|(?<![\w'-])[a-z_]+\.\d+\.")


@pytest.mark.parametrize(("args", "option"), CASES, ids=lambda v: " ".join(v)[:70] if isinstance(v, list) else v)
def test_an_option_error_names_the_option(
    args: list[str], option: str, ledger: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {k: v for k, v in ledger.items() if k.startswith("CHIPCLEAR_")}
    before = _rows(env["CHIPCLEAR_DATABASE_URL"])
    out = runner.invoke(app, _filled(args, tmp_path, ledger["folder"]), env=env)
    text = out.output
    assert out.exit_code == 2, text[-600:]
    assert out.exception is None or isinstance(out.exception, SystemExit), repr(out.exception)
    assert len(text.strip().splitlines()) == 1, text
    assert text.startswith(f"chipclear: error: {option}: "), text
    assert "Value error" not in text and "Traceback" not in text, text
    unquoted = re.sub(r"'[^']*'", "''", text.removeprefix(f"chipclear: error: {option}: "))
    assert _API_FIELD.search(unquoted) is None, f"names an API field: {text}"
    assert _rows(env["CHIPCLEAR_DATABASE_URL"]) == before, "the refused command wrote to the ledger"


def test_every_option_is_in_the_table() -> None:
    """Each option that takes a value, of every command, has a bad-value case above or a reason it has none."""
    root = typer.main.get_command(app)
    covered = {(_command_of(root, args), option) for args, option in CASES}
    missing = []
    for name in _COMMANDS:
        for path, command in _commands(root.real_command(name), [name]):
            for param in command.params:
                if param.param_type_name != "option" or param.is_flag or param.hidden or param.name == "help":
                    continue
                option = max(param.opts, key=len)
                if (" ".join(path), option) not in covered and option not in NOT_CHECKED:
                    missing.append(f"{' '.join(path)} {option}")
    assert not missing, f"options with no bad-value case and no reason in NOT_CHECKED: {missing}"


def _command_of(root: typer.core.TyperGroup, args: list[str]) -> str:
    """The command words a case runs (``license grant``)."""
    command, words = root.real_command(args[0]), [args[0]]
    for word in args[1:]:
        subs = getattr(command, "commands", None) or {}
        if word not in subs:
            break
        command, words = subs[word], [*words, word]
    return " ".join(words)


def _commands(command: object, path: list[str]) -> Iterator[tuple[list[str], typer.core.TyperCommand]]:
    subs = getattr(command, "commands", None) or {}
    if getattr(command, "callback", None) is not None:
        yield path, command  # type: ignore[misc]
    for name, sub in subs.items():
        yield from _commands(sub, [*path, name])
