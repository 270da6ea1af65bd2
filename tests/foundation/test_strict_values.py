"""Values the models take as they are written, never converted, and data files whose values are impossible.

Outside audits (2026-12) found: a rule or draft with ``effective: 2027-02-30`` a 500 on the API and a traceback at
the CLI (PyYAML raises ValueError, not a YAMLError); ``value: .nan`` in a draft accepted (NaN compares false, so 20
items changed); ``1798761600`` read as the ship date 2027-01-01 and ``true`` as a quantity of 1; ``20250513`` and
``2025-W20-2`` taken by the CLI's date parser; party names of zero-width characters screened as "0 hits"."""

from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path
from typing import Any

import pydantic
import pytest
from pydantic import TypeAdapter, ValidationError

from chipclear.bounds import Day, Identifier, LicenseNumber, Name, Percent, Quantity, ValueUSD, iso_date
from chipclear.catalog.loader import load_catalog_file
from chipclear.datafiles import read_yaml
from chipclear.decision import EndUse, OrderLine, Party
from chipclear.errors import DataFileError
from chipclear.models.loader import parse_model_spec_text
from chipclear.rules import parse_rule_text

INVISIBLE = ["\u200b\u200b", "\u202e", "\u00ad", "\u2060", " ", "\u3000", "\t\n", "\u0301", ""]


def _draft(**changes: str) -> str:
    text = (Path(__file__).parents[2] / "src/chipclear/whatif/drafts/tpp-threshold-2400.yaml").read_text("utf-8")
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("effective: 2027-02-30\n", "'2027-02-30' is not a valid date (day is out of range for month)"),
        ("effective: 2026-13-01\n", "'2026-13-01' is not a valid date (month must be in 1..12)"),
        ("effective: 0000-01-01\n", "'0000-01-01' is not a valid date"),
        ("limit: !!int ten\n", "'ten' is not a valid int"),
        ("flag: !!bool maybe\n", "'maybe' is not a valid bool"),
    ],
)
def test_a_yaml_value_that_cannot_be_is_a_data_file_error_at_its_line(text: str, where: str) -> None:
    with pytest.raises(DataFileError) as err:
        read_yaml("id: x\n" + text, "my.yaml")
    assert str(err.value).startswith("my.yaml: not valid YAML: line 2, column ")
    assert where in str(err.value) and "\n" not in str(err.value)


def test_a_rule_file_with_an_impossible_date_names_the_file() -> None:
    with pytest.raises(DataFileError, match=r"^draft.yaml: not valid YAML: line \d+, column \d+: '2027-02-30'"):
        parse_rule_text(_draft(**{"effective: 2027-01-01": "effective: 2027-02-30"}), "draft.yaml")


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN", "1e999"])
def test_a_rule_threshold_must_be_finite(value: str) -> None:
    with pytest.raises(DataFileError) as err:
        parse_rule_text(_draft(**{"value: 2400": f"value: {value}"}), "draft.yaml")
    message = str(err.value)
    assert "field classification.paragraphs.0.any_of.0.0.value:" in message and "finite number" in message


def test_every_number_in_a_data_file_schema_must_be_finite() -> None:
    """Every model of the rule, catalog and AI model schemas refuses NaN and infinities (``allow_inf_nan=False``),
    so a number added to a schema later is covered too."""
    import chipclear.catalog.models
    import chipclear.models.schema
    import chipclear.provenance
    import chipclear.rules.licensing_schema
    import chipclear.rules.model_schema
    import chipclear.rules.schema

    modules = [
        chipclear.catalog.models,
        chipclear.models.schema,
        chipclear.provenance,
        chipclear.rules.licensing_schema,
        chipclear.rules.model_schema,
        chipclear.rules.schema,
    ]
    models = [
        cls
        for module in modules
        for cls in vars(module).values()
        if inspect.isclass(cls) and issubclass(cls, pydantic.BaseModel) and cls.__module__ == module.__name__
    ]
    assert len(models) > 20
    lax = [cls.__qualname__ for cls in models if cls.model_config.get("allow_inf_nan") is not False]
    assert lax == []


@pytest.mark.parametrize("value", [".inf", ".nan"])
def test_a_catalog_figure_must_be_finite(tmp_path: Path, value: str) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        f"id: acme-x1\nvendor: Acme\nname: X1\ndense_throughput: {{fp16: {value}}}\nsources: [x]\nconfidence: L\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match=r"'acme-x1': field dense_throughput.fp16: Input should be a finite"):
        load_catalog_file(path)


def test_a_catalog_file_with_an_impossible_date_or_not_utf8_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("id: acme-x1\nvendor: Acme\nname: X1\nlaunch: 2024-02-30\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"mine.yaml: not valid YAML: line 4, column 9: '2024-02-30'"):
        load_catalog_file(path)
    path.write_bytes(b"id: acme-\xff\n")
    with pytest.raises(Exception, match=r"mine.yaml: cannot read catalog file: not UTF-8 text"):
        load_catalog_file(path)


def test_a_model_spec_with_an_impossible_date_names_the_file() -> None:
    with pytest.raises(DataFileError, match=r"^spec.yaml: not valid YAML: line 3, .*'2025-02-29'"):
        parse_model_spec_text("name: M\ndeveloper: D\nweights_published: 2025-02-29\n", "spec.yaml")


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("2025-05-13", True),
        ("20250513", False),
        ("2025-W20-2", False),
        ("2025-133", False),
        ("2025-5-13", False),
        ("2025-05-13T00:00", False),
        (" 2025-05-13", False),
        ("2025-05-13\n", False),
        ("２０２５-05-13", False),  # fullwidth digits: Python's \d would take them
        ("2025-02-29", False),
    ],
)
def test_a_date_is_written_exactly_yyyy_mm_dd(text: str, ok: bool) -> None:
    if ok:
        assert iso_date(text) == dt.date(2025, 5, 13)
        assert TypeAdapter(Day).validate_python(text) == dt.date(2025, 5, 13)
        return
    with pytest.raises(ValueError, match="is not a date in YYYY-MM-DD form"):
        iso_date(text)
    with pytest.raises(ValidationError):
        TypeAdapter(Day).validate_python(text)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (Day, 1798761600),
        (Day, 0),
        (Day, dt.datetime(2025, 5, 13, 12, 0)),
        (Quantity, True),
        (Quantity, "3"),
        (ValueUSD, True),
        (ValueUSD, "3.5"),
        (Percent, False),
        (Percent, "50"),
    ],
)
def test_values_are_never_converted(kind: Any, value: Any) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(kind).validate_python(value)


def test_python_and_json_callers_still_give_their_own_types() -> None:
    line = OrderLine(item="H20", destination="CN", ship_date=dt.date(2025, 5, 1), quantity=3, value_usd=10)
    assert line.ship_date == dt.date(2025, 5, 1) and line.quantity == 3 and line.value_usd == 10.0
    again = OrderLine.model_validate(line.model_dump(mode="json"))  # the ledger reads its stored lines back so
    assert again == line
    for flag in ("yes", 1, "true"):
        with pytest.raises(ValidationError, match="must be true or false"):
            EndUse.model_validate({"military": flag})


@pytest.mark.parametrize("text", INVISIBLE)
@pytest.mark.parametrize("kind", [Name, Identifier, LicenseNumber])
def test_a_name_id_or_number_needs_a_visible_character(kind: Any, text: str) -> None:
    with pytest.raises(ValidationError, match=r"visible character|must not be empty|at least 1 character"):
        TypeAdapter(kind).validate_python(text)


@pytest.mark.parametrize("text", ["\u200bHuawei", "Ä", "华为", "-", "\u200cX", "e\u0301"])
def test_a_name_with_something_visible_is_kept_as_written(text: str) -> None:
    assert Party(name=text).name == text
