"""``chipclear.screening`` loads its parts on first use: the engine (which reads the Entity List's history through
``chipclear.screening.listing``) does not import the name index, its numpy or the list loaders, so a decision
without parties (``chipclear check``, ``classify``) starts without them; and every public name still resolves to
what it names, never to a submodule of the same name."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import types

import chipclear.screening as screening


def test_the_engine_does_not_import_the_name_index() -> None:
    code = (
        "import sys, chipclear.determination;"
        "print(sorted(m for m in sys.modules if m in ('chipclear.screening.index', 'chipclear.screening.loaders',"
        " 'chipclear.screening.store', 'numpy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_public_name_is_what_it_names_once_every_submodule_is_imported() -> None:
    for module in pkgutil.iter_modules(screening.__path__):
        importlib.import_module(f"chipclear.screening.{module.name}")
    for name in screening.__all__:
        value = getattr(screening, name)
        assert not isinstance(value, types.ModuleType), name
    assert callable(screening.rescreen) and screening.Screener.__name__ == "Screener"
    assert screening.MATCH == "match"
