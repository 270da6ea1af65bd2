"""Docs as a new user reads them: README tables render, console.md quotes what the server prints, and the
walk-through runs on a machine without the virtualenv active (Debian has python3, not python)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_table_rows_sit_in_their_table() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|") and not (i and lines[i - 1].startswith("|")):
            assert i + 1 < len(lines) and re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", lines[i + 1]), (
                f"README.md line {i + 1}: a table row outside a table (no header and separator): {line[:60]}"
            )


def test_console_doc_quotes_the_server_banner() -> None:
    serve = (ROOT / "src/chipclear/cli/serve.py").read_text(encoding="utf-8")
    said = re.search(r"\((API [a-z]+): \{url\}/docs\)", serve)
    assert said, "serve.py no longer prints the API reference link"
    assert f"({said.group(1)}: http://127.0.0.1:8000/docs)" in (ROOT / "docs/console.md").read_text(encoding="utf-8")


def test_walkthrough_commands_need_no_bare_python() -> None:
    text = (ROOT / "docs/walkthrough-h20.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n(.*?)```", text, re.S)
    commands = [ln[2:] for block in blocks for ln in block.splitlines() if ln.startswith("$ ")]
    assert not [c for c in commands if re.match(r"python\b(?!3)", c)]


def test_docs_say_where_a_user_meets_the_stale_list_hold() -> None:
    """A fresh install holds every shipment on the bundled (stale) lists: each page where a user first ships says
    so, with the limit, the bundled lists' real date and the update command."""
    from chipclear.screening.store import embedded_manifest
    from chipclear.settings import Settings

    bundled = str(embedded_manifest()["lists"]["csl"]["list_date"])
    assert Settings.model_fields["list_max_age_days"].default == 30
    for page in ("README.md", "docs/user-guide.md", "docs/console.md", "docs/walkthrough-h20.md"):
        text = " ".join((ROOT / page).read_text(encoding="utf-8").split())
        for said in ("CHIPCLEAR_LIST_MAX_AGE_DAYS", "30 days" if page != "README.md" else "30-day", bundled):
            assert said in text, f"{page} does not say {said!r}"
        assert "`chipclear lists update`" in text or "`chipclear lists update" in text, page
