"""Regulation is data: no citation of the regulations (CFR sections, Federal Register pages) is typed into a Python
string of the engine; it lives in a data file with its confidence. Comments and docstrings may cite (they say why)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).parents[2] / "src" / "chipclear"
CITATION = re.compile(r"\b\d+ CFR\b|\b\d{2} FR \d+|Technical Note \d|Supp\. No\. \d")
# Interfaces whose labels are being moved to data by other work (web console pictures; CLI help text cites the
# paragraph an option stands for, as a comment would).
OUTSIDE = ("web/", "cli/")
PENDING: set[tuple[str, str]] = set()  # nothing left: the engine's own citations are in determination/data


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        (n.lineno, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]


def test_no_regulation_citation_in_python_strings() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith(OUTSIDE):
            continue
        for line, text in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            if CITATION.search(text) and (rel, text) not in PENDING:
                found.append(f"{rel}:{line}: {text[:80]!r}")
    assert not found, "citations typed into Python:\n" + "\n".join(found)


def test_the_check_catches_a_typed_citation() -> None:
    tree = ast.parse('x = "15 CFR Part 774, Supp. No. 1"\n')
    assert any(CITATION.search(t) for _, t in _strings(tree))
