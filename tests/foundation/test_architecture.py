"""The package's layering holds: no import cycle between modules (imports inside functions count), the console
never imports the API routers, and every HTTP operation declares a typed success response.

The import graph is read from the source with ``ast`` (nothing is imported), so an import hidden in a function
body is an edge like any other. Importing ``a.b.c`` runs the package ``a.b`` first, so it
is an edge to ``a.b`` as well (the models.classify -> determination -> engine -> models.classify cycle hid there).
A package's ``__init__`` importing its own submodules is an edge; a submodule importing its own parent package
is not (Python loads the parent first either way)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import chipclear

ROOT = Path(chipclear.__file__).parent


def _modules() -> dict[str, Path]:
    mods: dict[str, Path] = {}
    for f in ROOT.rglob("*.py"):
        parts = list(f.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = f
    return mods


def _resolve(name: str, mods: dict[str, Path]) -> str | None:
    while name and name not in mods:
        name = name.rsplit(".", 1)[0] if "." in name else ""
    return name or None


def import_graph() -> dict[str, set[str]]:
    """Module -> the chipclear modules it imports (``from a import b`` counts ``a.b`` when that is a module)."""
    mods = _modules()
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    here = here[: len(here) - (node.level - 1)]
                    base = ".".join(here + ([base] if base else []))
                names = [base] + [f"{base}.{a.name}" for a in node.names]
            for name in names:
                if not name.startswith("chipclear"):
                    continue
                target = _resolve(name, mods)
                if target is None or target == mod:
                    continue
                # importing a.b.c runs the package a.b first: an edge to every enclosing package too
                parts = target.split(".")
                for end in range(2, len(parts) + 1):
                    step = ".".join(parts[:end])
                    if step == mod or step not in mods:
                        continue
                    if mod.startswith(step + "."):  # a module's own packages are loaded before it
                        continue
                    edges[mod].add(step)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_imports_inside_functions() -> None:
    # chipclear.api.app imports the console's routes inside create_app (the console is optional)
    assert "chipclear.web.routes" in import_graph()["chipclear.api.app"]


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_the_console_does_not_import_the_api_routers() -> None:
    offenders = {
        mod: sorted(t for t in targets if t.startswith("chipclear.api.routers"))
        for mod, targets in import_graph().items()
        if mod.startswith("chipclear.web")
    }
    assert {mod: t for mod, t in offenders.items() if t} == {}


def test_every_api_operation_declares_a_typed_success_response() -> None:
    from chipclear.api import create_app

    spec = create_app().openapi()
    untyped = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            ok = False
            for code, resp in op.get("responses", {}).items():
                if not str(code).startswith("2"):
                    continue
                if str(code) == "204":
                    ok = True
                for media in (resp.get("content") or {}).values():
                    schema = media.get("schema") or {}
                    if any(schema.get(k) for k in ("$ref", "properties", "items", "allOf", "anyOf", "oneOf")):
                        ok = True
            if not ok:
                untyped.append(f"{method.upper()} {path}")
    assert untyped == []


def _documented_modules() -> set[str]:
    """Module paths named in the module map of docs/architecture.md (``pkg/name.py`` or ``name.py``)."""
    text = (ROOT.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = text.split("## Module map", 1)[1].split("```")[1]
    found: set[str] = set()
    package = sub = ""
    for line in block.splitlines():
        words = line.split()
        if not words:
            continue
        indent = len(line) - len(line.lstrip())
        if indent == 2 and words[0].endswith("/"):
            package = words[0].rstrip("/")
            continue
        if indent == 2:
            package = ""
        if indent <= 4:
            sub = ""
        for word in words:
            word = word.strip(",;:()")
            if word.endswith("/") and indent == 4:
                sub = word.rstrip("/")
            if word.endswith(".py"):
                inner = f"{sub}/{word}" if sub and not package.endswith(sub) else word
                found.add(f"{package}/{inner}" if package else inner)
            if indent == 2 and not word.endswith(".py"):
                break
    return found


def test_the_module_map_in_docs_names_every_module() -> None:
    modules = {
        str(f.relative_to(ROOT)) for f in ROOT.rglob("*.py") if "migrations" not in f.parts and f.name != "__init__.py"
    }
    assert sorted(modules - _documented_modules()) == []


def _untyped(schema: dict[str, Any], schemas: dict[str, Any], path: str, seen: set[str]) -> list[str]:
    """Where ``schema`` (resolving ``$ref`` into ``schemas``) leaves an object's contents untyped: an ``object`` with
    neither properties nor typed values, or an item or value of any type."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return _untyped(schemas[name], schemas, path, seen | {name})
    found: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for i, part in enumerate(schema.get(key, [])):
            found += _untyped(part, schemas, f"{path}|{i}", seen)
    if schema.get("type") == "object" and not schema.get("properties"):
        extra = schema.get("additionalProperties")
        if not isinstance(extra, dict) or not extra:
            found.append(path)
    if schema.get("type") == "array":
        items = schema.get("items")
        found += [f"{path}[]"] if not items else _untyped(items, schemas, f"{path}[]", seen)
    for name, prop in schema.get("properties", {}).items():
        found += [f"{path}.{name}"] if not prop else _untyped(prop, schemas, f"{path}.{name}", seen)
    return found


def test_the_check_route_documents_the_decision_model() -> None:
    from chipclear.api import create_app

    spec = create_app().openapi()
    ok = spec["paths"]["/api/check"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/DecisionView"}
    assert {"verdict", "reasons", "missing"} <= set(spec["components"]["schemas"]["DecisionView"]["properties"])


def test_a_decision_and_the_answers_that_carry_one_type_every_nested_part() -> None:
    """A decision's classification, screening findings, license, duty and the line it decided are typed in the
    schema (each was an untyped ``object`` until 2026-12-08), and so are the shipment lines and the timeline and diff
    answers that carry decisions or their reasons, a system's components, a duty's outcomes and claims, and a
    screening hit's explanation and the query it answers."""
    from chipclear.api import create_app

    spec = create_app().openapi()
    schemas = spec["components"]["schemas"]
    names = ("DecisionView", "ShipmentLineView", "PeriodView", "VerdictChangeView", "DiffView", "LicenseView")
    for name in (*names, "ClassificationView", "DutyView", "ScreeningResultView", "ReviewAnswer"):
        assert _untyped({"$ref": f"#/components/schemas/{name}"}, schemas, name, set()) == [], name
