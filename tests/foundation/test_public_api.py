from __future__ import annotations

import datetime as dt

import chipclear


def test_public_api_is_explicit_and_importable() -> None:
    assert "classify" in chipclear.__all__ and "determine" in chipclear.__all__
    result = chipclear.classify("H20", dt.date(2025, 5, 1))
    assert isinstance(result, chipclear.Classification)
    assert result.status == "not_controlled"
    assert chipclear.Verdict.HOLD == "HOLD"
