"""A draft testing a metric the catalog lacks: the trace and the ``missing`` list name the same catalog field (the
trace said ``io_bandwidth_gbs unknown`` while ``missing`` said ``interconnect_gbs``)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from chipclear.cli import app


def test_unknown_io_bandwidth_names_interconnect_gbs_in_the_trace_and_missing() -> None:
    out = CliRunner().invoke(app, ["whatif", "h20-class-bandwidth", "--date", "2026-11-29", "--json"])
    assert out.exit_code == 0, out.output
    (l20,) = [c for c in json.loads(out.output)["classification"]["changes"] if c["item"]["id"] == "nvidia-l2"]
    assert l20["after"]["missing"] == ["interconnect_gbs"]
    details = " ".join(r["detail"] for r in l20["reasons"])
    assert "io_bandwidth_gbs unknown (no interconnect_gbs in the catalog) >= 900" in details, details
