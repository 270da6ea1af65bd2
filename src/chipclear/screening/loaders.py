"""Loaders for the published restricted-party list formats, each parsed by column or field name.

Supported: the trade.gov Consolidated Screening List (JSON ``results`` file, CSV in the current 29-column and
the 2019 28-column layouts, and the compact projection embedded in chipclear), the BIS Entity List / MEU / DPL
parse of the eCFR supplements (``{list_id, entities: [...]}``), OFAC's SDN and consolidated non-SDN CSV sets
(``sdn.csv``/``add.csv``/``alt.csv``, ``cons_prim.csv``/``cons_add.csv``/``cons_alt.csv``; OFAC ships them
without a header, so the column names of OFAC's published specification are assigned before reading by name),
the BIS Denied Persons List tab-delimited export, and OpenSanctions FollowTheMoney JSON lines.

Every loader validates as it reads: a missing required column, a short row (a truncated file), text that is not
UTF-8, JSON nested past the recursion limit or a file with no entries raises ``DataFileError`` naming the file, row
and field. A list update loads ``strict`` (``check_entries``: name lengths, NUL, duplicate ids). Loading does no
network I/O.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from chipclear.bounds import ID_LENGTH, no_nul
from chipclear.errors import DataFileError
from chipclear.screening.model import ListEntry, LoadedList, source_code
from chipclear.userfiles import input_file

# OFAC SDN/consolidated CSV column names from OFAC's specification (dat_spec.txt) of the positional files.
OFAC_MAIN_COLUMNS = [
    "ent_num", "sdn_name", "sdn_type", "program", "title", "call_sign",
    "vess_type", "tonnage", "grt", "vess_flag", "vess_owner", "remarks",
]  # fmt: skip
OFAC_ADD_COLUMNS = ["ent_num", "add_num", "address", "city_state_postal", "country", "add_remarks"]
OFAC_ALT_COLUMNS = ["ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks"]
CSL_REQUIRED_COLUMNS = ("source", "name")
DPL_REQUIRED_COLUMNS = ("Name", "Street_Address", "City", "Country", "FR_Citation")

# Non-SDN OFAC programs and the CSL list each belongs to.
_NON_SDN_SOURCES = {"UKRAINE-EO13662": "SSI", "NS-PLC": "PLC", "CMIC-EO13959": "CMIC"}
_FTM_NAME_PROPS = ("name", "alias", "weakAlias", "previousName")
_FTM_SCHEMAS = {"Person", "Company", "Organization", "LegalEntity", "PublicBody", "Vessel", "Airplane"}
_ISO2 = re.compile(r"^[A-Z]{2}$")
# A list update whose name or alias is longer than this is refused. The longest name of the embedded CSL (July 2026)
# is 381 characters, an Entity List entry that names its subordinate bodies ("Ministry of Defence of the Russian
# Federation, including the ..."); 1,000 leaves room for longer ones, while a name of millions of characters is no
# listed party but a file that would cost minutes of CPU and memory to index and to explain in every hit.
MAX_LISTED_NAME_LENGTH = 1000


def _text(raw: bytes, origin: str, encoding: str = "utf-8-sig") -> str:
    """``raw`` decoded, or a ``DataFileError`` naming the line of the first byte that is not UTF-8."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        hint = " (it is UTF-16: save it as UTF-8)" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else ""
        raise DataFileError(
            f"{origin}: line {line}: not UTF-8 text{hint}: byte {exc.start} ({raw[exc.start : exc.start + 1]!r}) "
            f"is {exc.reason}"
        ) from None


def _json(data: str | bytes, origin: str) -> Any:
    """``json.loads``, with a document nested deeper than Python's recursion limit a ``DataFileError`` (no list
    nests more than a few levels); a malformed one raises ``ValueError`` for the caller to word."""
    try:
        return json.loads(data)
    except RecursionError:
        raise DataFileError(f"{origin}: JSON nested too deeply to be a list file") from None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _split(value: str | None, sep: str = ";") -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(part.strip() for part in value.split(sep) if part.strip())


def split_aliases(values: Iterable[str]) -> tuple[str, ...]:
    """A list's alias values, each alias on its own: the CSL writes some Entity List aliases joined by ";" into one
    value ('CETC 24;Sichuan Solid Circuit Research Institute;CETC 44;...', 10 entries in July 2026), and a joined
    value is no name anyone writes, so none of its parts could be found. A value without ";" is kept as written
    (stripped), so the entries without a joined alias keep their content hash (and their reviews)."""
    return tuple(part.strip() for value in values for part in value.split(";") if part.strip())


def _null(value: str | None) -> str | None:
    """OFAC writes ``-0-`` for an empty field."""
    if value is None:
        return None
    value = value.strip()
    return None if value in ("", "-0-") else value


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _unique_ids(entries: Iterable[ListEntry]) -> tuple[ListEntry, ...]:
    """Give duplicate entry ids a ``-2``, ``-3`` suffix so every entry is addressable."""
    seen: Counter[str] = Counter()
    out: list[ListEntry] = []
    for entry in entries:
        seen[entry.entry_id] += 1
        if seen[entry.entry_id] > 1:
            entry = _replace_id(entry, f"{entry.entry_id}-{seen[entry.entry_id]}")
        out.append(entry)
    return tuple(out)


def _replace_id(entry: ListEntry, new_id: str) -> ListEntry:
    from dataclasses import replace

    return replace(entry, entry_id=new_id)


# Country headings of the Entity List that ISO 3166 spells differently.
_COUNTRY_HEADINGS = {"Burma": "MM", "Russia": "RU", "Turkey": "TR", "Crimea Region of Ukraine": "UA"}


@lru_cache(maxsize=512)
def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-2 code of a country heading ("China" -> "CN"), or None when it is not a country."""
    name = " ".join(name.split())
    if not name:
        return None
    if name in _COUNTRY_HEADINGS:
        return _COUNTRY_HEADINGS[name]
    import pycountry

    try:
        return str(pycountry.countries.lookup(name).alpha_2)
    except LookupError:
        return None


@lru_cache(maxsize=512)
def list_country(value: str) -> str:
    """A list's country value as an ISO 3166-1 code where the geography data knows the name ("TURKIYE" -> "TR",
    "PRC" -> "CN", "REGION: RUSSIA" -> "RU", "MAN, ISLE OF" -> "IM"), so that a party's country matches it; a value
    it does not know (e.g. "REGION: WEST BANK") is kept as written."""
    text = " ".join(value.split())
    if _ISO2.match(text):
        return text
    from chipclear.errors import InputError
    from chipclear.geography import load_geography

    name = text.removeprefix("REGION:").strip()
    candidates = [name]
    if "," in name:  # "MAN, ISLE OF" -> "ISLE OF MAN"
        head, tail = name.split(",", 1)
        candidates.append(f"{tail.strip()} {head.strip()}")
    for candidate in candidates:
        try:
            return str(load_geography().normalize(candidate, field="country"))
        except InputError:
            continue
    return text


def _hash_id(source: str, *parts: object) -> str:
    digest = hashlib.sha1("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:10]
    return f"{source}-{digest}"


def _shown(text: str, limit: int = 60) -> str:
    """A value quoted for an error line, cut to ``limit`` characters (a hostile name may be millions long)."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored or shown (a NUL, a lone surrogate: ``chipclear.bounds.no_nul``), or None."""
    try:
        no_nul(text)
    except ValueError as exc:
        return str(exc)
    return None


def check_entries(entries: Sequence[ListEntry], origin: str) -> None:
    """Refuse a list update whose entries cannot be screened or addressed (see ``MAX_LISTED_NAME_LENGTH``): one
    ``DataFileError`` naming the first bad entry by its position, id and name, and the field."""
    first_seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        where = f"{origin}: entry {number} (id {_shown(entry.entry_id)})"
        if not entry.entry_id.strip():
            raise DataFileError(f"{where}: the entry id is empty", field="id")
        if len(entry.entry_id) > ID_LENGTH:
            raise DataFileError(
                f"{where}: the entry id is {len(entry.entry_id):,} characters, more than {ID_LENGTH}", field="id"
            )
        if (problem := _unstorable(entry.entry_id)) is not None:
            raise DataFileError(f"{where}: the entry id {problem}", field="id")
        for name in entry.names:
            if len(name) > MAX_LISTED_NAME_LENGTH:
                raise DataFileError(
                    f"{where}: a name or alias is {len(name):,} characters ({_shown(name)}), more than "
                    f"{MAX_LISTED_NAME_LENGTH:,}: not a listed name",
                    field="name",
                )
            if (problem := _unstorable(name)) is not None:
                raise DataFileError(f"{where}: the name or alias {_shown(name)} {problem}", field="name")
        earlier = first_seen.setdefault(entry.entry_id, number)
        if earlier != number:
            raise DataFileError(
                f"{where}: the id is also that of entry {earlier}: each entry needs its own id "
                f"(a review or a hit names one entry)",
                field="id",
            )


def _finish(
    entries: Iterable[ListEntry],
    raw: bytes,
    fmt: str,
    origin: str,
    list_date: dt.date | None,
    *,
    strict: bool = False,
) -> LoadedList:
    """The load, entry ids made unique. ``strict`` (a list update, ``ListStore.update``): entries that
    ``check_entries`` refuses refuse the file; a list already stored loads as it did when it was accepted."""
    if strict:
        entries = list(entries)
        check_entries(entries, origin)
    unique = _unique_ids(entries)
    if not unique:
        raise DataFileError(f"{origin}: no list entries found (format {fmt})")
    counts = Counter(e.source for e in unique)
    return LoadedList(
        entries=unique,
        list_date=list_date,
        content_sha256=_sha256(raw),
        format=fmt,
        origin=origin,
        counts_by_source=dict(sorted(counts.items())),
    )


# --- CSL ---------------------------------------------------------------------------------------------------


def _countries_from_addresses(addresses: Iterable[str]) -> tuple[str, ...]:
    """The CSL CSV writes each address as ``street, city, state, postal, CC``: the last part is the country."""
    found: list[str] = []
    for address in addresses:
        last = address.rsplit(",", 1)[-1].strip()
        if _ISO2.match(last) and last not in found:
            found.append(last)
    return tuple(found)


def parse_csl_projection(raw: bytes, origin: str, *, strict: bool = False) -> LoadedList:
    """The compact CSL projection embedded in chipclear (``{tables, entries}`` with short keys)."""
    try:
        doc = _json(raw, origin)
        tables = doc["tables"]
        rows = doc["entries"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataFileError(f"{origin}: not a complete CSL projection file ({exc})") from None
    expected = doc.get("entryCount")
    if isinstance(expected, int) and expected != len(rows):
        raise DataFileError(f"{origin}: entryCount says {expected} entries but the file holds {len(rows)}")

    def table(name: str, index: object) -> str | None:
        if index is None:
            return None
        try:
            return str(tables[name][int(index)])  # type: ignore[call-overload]
        except (IndexError, KeyError, ValueError, TypeError):
            raise DataFileError(f"{origin}: entry references missing {name}[{index}]") from None

    entries: list[ListEntry] = []
    for row_no, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not row.get("n") or "s" not in row:
            raise DataFileError(f"{origin}: entry {row_no}: missing field 'n' (name) or 's' (source)")
        source_name = table("sources", row["s"]) or ""
        code = source_code(source_name)
        number = row.get("e")
        entry_id = f"{code}-{number}" if number else _hash_id(code, row["n"], row.get("c"), row.get("fr"))
        entries.append(
            ListEntry(
                entry_id=entry_id,
                source=code,
                source_name=source_name,
                name=str(row["n"]).strip(),
                aliases=split_aliases(str(a) for a in row.get("a") or ()),
                entity_type=row.get("t"),
                countries=tuple(dict.fromkeys(list_country(str(c)) for c in row.get("c") or ())),
                programs=_split(table("programmes", row.get("pg"))),
                federal_register_notice=row.get("fr"),
                license_requirement=table("licenceRequirements", row.get("lr")),
                license_policy=table("licencePolicies", row.get("lp")),
                source_list_url=table("urls", row.get("u")),
            )
        )
    return _finish(entries, raw, "csl-projection", origin, _date(doc.get("sourceGeneratedAt")), strict=strict)


def _csl_entry(record: dict[str, Any], addresses: tuple[str, ...], countries: tuple[str, ...]) -> ListEntry:
    source_name = str(record.get("source") or "").strip()
    code = source_code(source_name)
    name = str(record.get("name") or "").strip()
    number = str(record.get("entity_number") or "").strip()
    csl_id = str(record.get("_id") or record.get("id") or "").strip()
    if number:
        entry_id = f"{code}-{number}"
    elif csl_id:
        entry_id = f"{code}-{csl_id[:16]}"
    else:
        entry_id = _hash_id(code, name, addresses, record.get("federal_register_notice"))
    alt = record.get("alt_names")
    aliases = split_aliases(a for a in alt if a) if isinstance(alt, list) else _split(alt)
    programs = record.get("programs")
    return ListEntry(
        entry_id=entry_id,
        source=code,
        source_name=source_name,
        name=name,
        aliases=aliases,
        entity_type=(str(record.get("type")).strip() or None) if record.get("type") else None,
        countries=countries,
        addresses=addresses,
        programs=tuple(programs) if isinstance(programs, list) else _split(programs),
        federal_register_notice=(str(record.get("federal_register_notice") or "").strip() or None),
        license_requirement=(str(record.get("license_requirement") or "").strip() or None),
        license_policy=(str(record.get("license_policy") or "").strip() or None),
        source_list_url=(str(record.get("source_list_url") or "").strip() or None),
        remarks=(str(record.get("remarks") or "").strip() or None),
    )


def parse_csl_json(raw: bytes, origin: str, *, strict: bool = False) -> LoadedList:
    """The trade.gov CSL JSON (``{"results": [...], "search_performed_at": ...}``)."""
    try:
        doc = _json(raw, origin)
    except ValueError as exc:
        raise DataFileError(f"{origin}: not complete JSON, the file may be truncated ({exc})") from None
    results = doc.get("results") if isinstance(doc, dict) else doc
    if not isinstance(results, list):
        raise DataFileError(f"{origin}: no 'results' array in the CSL JSON")
    total = doc.get("total") if isinstance(doc, dict) else None
    if isinstance(total, int) and total != len(results):
        raise DataFileError(f"{origin}: 'total' says {total} entries but the file holds {len(results)}")
    entries: list[ListEntry] = []
    for row_no, record in enumerate(results, start=1):
        if not isinstance(record, dict) or not record.get("name") or not record.get("source"):
            raise DataFileError(f"{origin}: result {row_no}: missing field 'name' or 'source'")
        addresses: list[str] = []
        countries: list[str] = []
        for address in record.get("addresses") or []:
            if not isinstance(address, dict):
                continue
            parts = [address.get(k) for k in ("address", "city", "state", "postal_code", "country")]
            addresses.append(", ".join(str(p) for p in parts if p))
            country = str(address.get("country") or "").strip()
            if _ISO2.match(country) and country not in countries:
                countries.append(country)
        entries.append(_csl_entry(record, tuple(addresses), tuple(countries)))
    list_date = _date(doc.get("search_performed_at")) if isinstance(doc, dict) else None
    return _finish(entries, raw, "csl-json", origin, list_date, strict=strict)


def _read_csv(text: str, origin: str, required: Iterable[str], delimiter: str = ",") -> Iterator[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip() for h in reader.fieldnames or []]
    except csv.Error as exc:
        raise DataFileError(f"{origin}: line 1: not a CSV header ({exc})") from None
    reader.fieldnames = header
    missing = [c for c in required if c not in header]
    if missing:
        shown = header if len(str(header)) <= 300 else f"{str(header)[:300]}..."
        raise DataFileError(f"{origin}: missing required column(s) {', '.join(missing)}; header is {shown}")
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:  # a field over the csv module's limit (128 KiB), a NUL ...
            line = reader.reader.line_num  # the line being read (DictReader's own count lags a row)
            raise DataFileError(f"{origin}: line {line}: not a CSV row ({exc})") from None
        row_no = reader.line_num
        if None in row or any(row.get(c) is None for c in header):
            raise DataFileError(
                f"{origin}: row {row_no}: expected {len(header)} columns, found a different number "
                "(truncated or malformed file)"
            )
        yield row


def parse_csl_csv(raw: bytes, origin: str, *, strict: bool = False) -> LoadedList:
    """The trade.gov CSL CSV, current 29-column layout (with ``_id``) or the 2019 28-column layout."""
    text = _text(raw, origin)
    entries: list[ListEntry] = []
    for row in _read_csv(text, origin, CSL_REQUIRED_COLUMNS):
        if not row["name"].strip() or not row["source"].strip():
            continue
        addresses = _split(row.get("addresses"))
        entries.append(_csl_entry(dict(row), addresses, _countries_from_addresses(addresses)))
    return _finish(entries, raw, "csl-csv", origin, None, strict=strict)


# --- BIS -----------------------------------------------------------------------------------------------------


def parse_bis_parse_json(raw: bytes, origin: str, *, strict: bool = False) -> LoadedList:
    """The eCFR parse of BIS Supp. 4 (Entity List), Supp. 7 (MEU) and the DPL: ``{list_id, entities}``."""
    try:
        doc = _json(raw, origin)
        list_id = str(doc["list_id"])
        rows = doc["entities"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataFileError(f"{origin}: not a complete BIS list parse ({exc})") from None
    code = {"bis-entity-list": "EL", "bis-meu": "MEU", "bis-dpl": "DPL"}.get(list_id, list_id.upper())
    if isinstance(doc.get("count"), int) and doc["count"] != len(rows):
        raise DataFileError(f"{origin}: count says {doc['count']} entities but the file holds {len(rows)}")
    entries: list[ListEntry] = []
    for row_no, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not row.get("name"):
            raise DataFileError(f"{origin}: entity {row_no}: missing field 'name'")
        address = " ".join(str(row.get("address") or "").split())
        notice = " ".join(str(row.get("federal_register") or "").split()) or None
        code_2 = country_code(str(row.get("country") or ""))
        entries.append(
            ListEntry(
                entry_id=_hash_id(code, row["name"], row.get("country"), address),
                source=code,
                source_name=code,
                name=str(row["name"]).strip(),
                aliases=split_aliases(str(a) for a in row.get("aliases") or ()),
                countries=(code_2,) if code_2 else (),
                addresses=(address,) if address else (),
                federal_register_notice=notice,
                license_requirement=(str(row.get("notes") or "").strip() or None) if code == "EL" else None,
            )
        )
    return _finish(entries, raw, f"bis-{code.lower()}-parse", origin, _date(doc.get("extracted")), strict=strict)


def parse_dpl_txt(raw: bytes, origin: str, *, strict: bool = False) -> LoadedList:
    """BIS Denied Persons List, the tab-delimited export with a header row."""
    text = raw.decode("utf-8-sig", errors="replace")
    entries: list[ListEntry] = []
    latest: dt.date | None = None
    days: list[dt.date | None] = []  # each entry's Effective_Date, in entry order
    for row in _read_csv(text, origin, DPL_REQUIRED_COLUMNS, delimiter="\t"):
        name = row["Name"].strip()
        if not name:
            continue
        parts = [row.get(k, "").strip() for k in ("Street_Address", "City", "State", "Postal_Code", "Country")]
        address = ", ".join(p for p in parts if p)
        country = row["Country"].strip()
        effective = row.get("Effective_Date", "").strip()
        day: dt.date | None = None
        try:
            day = dt.datetime.strptime(effective, "%m/%d/%Y").date()
            latest = day if latest is None or day > latest else latest
        except ValueError:
            pass
        days.append(day)
        entries.append(
            ListEntry(
                entry_id=_hash_id("DPL", name, address, effective),
                source="DPL",
                source_name="Denied Persons List (DPL) - Bureau of Industry and Security",
                name=name,
                countries=(country,) if _ISO2.match(country) else (),
                addresses=(address,) if address else (),
                federal_register_notice=row["FR_Citation"].strip() or None,
            )
        )
    loaded = _finish(entries, raw, "bis-dpl-txt", origin, latest, strict=strict)
    # the list's own date each denial order took effect (``_finish`` keeps the entries in order, ids made unique)
    stated = {e.entry_id: day for e, day in zip(loaded.entries, days, strict=True) if day is not None}
    return dataclasses.replace(loaded, stated_effective=stated)


# --- OFAC ----------------------------------------------------------------------------------------------------


def _ofac_rows(path: Path, columns: list[str]) -> Iterator[tuple[int, dict[str, str | None]]]:
    text = path.read_bytes().decode("latin-1").replace("\x1a", "")
    for row_no, values in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not values or all(not v.strip() for v in values):
            continue
        if len(values) != len(columns):
            raise DataFileError(
                f"{path}: row {row_no}: expected {len(columns)} OFAC columns, found {len(values)} "
                "(truncated or not an OFAC file)"
            )
        yield row_no, {c: _null(v) for c, v in zip(columns, values, strict=True)}


def parse_ofac_dir(folder: Path, *, strict: bool = False) -> LoadedList:
    """An OFAC CSV set: ``sdn.csv`` (+``add.csv``, ``alt.csv``) or ``cons_prim.csv`` (+``cons_add/alt``)."""
    if (folder / "sdn.csv").exists():
        prefix, main, default_code = "", "sdn.csv", "SDN"
    elif (folder / "cons_prim.csv").exists():
        prefix, main, default_code = "cons_", "cons_prim.csv", "NON-SDN"
    else:
        raise DataFileError(f"{folder}: no sdn.csv or cons_prim.csv in this folder")
    raw = b"".join(
        (folder / name).read_bytes()
        for name in (main, f"{prefix}add.csv", f"{prefix}alt.csv")
        if (folder / name).exists()
    )
    addresses: dict[str, list[str]] = {}
    add_path = folder / f"{prefix}add.csv"
    if add_path.exists():
        for _, row in _ofac_rows(add_path, OFAC_ADD_COLUMNS):
            parts = [row["address"], row["city_state_postal"], row["country"]]
            text = ", ".join(p for p in parts if p)
            if text:
                addresses.setdefault(str(row["ent_num"]), []).append(text)
    aliases: dict[str, list[str]] = {}
    alt_path = folder / f"{prefix}alt.csv"
    if alt_path.exists():
        for _, row in _ofac_rows(alt_path, OFAC_ALT_COLUMNS):
            if row["alt_name"]:
                aliases.setdefault(str(row["ent_num"]), []).append(row["alt_name"])
    entries: list[ListEntry] = []
    for row_no, row in _ofac_rows(folder / main, OFAC_MAIN_COLUMNS):
        number, name = row["ent_num"], row["sdn_name"]
        if not number or not name:
            raise DataFileError(f"{folder / main}: row {row_no}: missing field ent_num or sdn_name")
        programs = tuple(p.strip() for p in re.split(r"\]\s*\[|;", (row["program"] or "").strip("[] ")) if p)
        code = default_code
        if default_code == "NON-SDN":
            code = next((_NON_SDN_SOURCES[p] for p in programs if p in _NON_SDN_SOURCES), default_code)
        entries.append(
            ListEntry(
                entry_id=f"{code}-{number}",
                source=code,
                source_name=f"OFAC {code}",
                name=name,
                aliases=tuple(aliases.get(number, ())),
                entity_type=row["sdn_type"] or "Entity",
                addresses=tuple(addresses.get(number, ())),
                programs=programs,
                remarks=row["remarks"],
            )
        )
    return _finish(
        entries, raw, f"ofac-{'sdn' if not prefix else 'consolidated'}-csv", str(folder), None, strict=strict
    )


# --- OpenSanctions -------------------------------------------------------------------------------------------


# chipclear's own FtM export (``chipclear.screening.ftm``) writes each entry's kind as an FtM schema: read back
_TYPE_OF_SCHEMA = {"Person": "Individual", "Vessel": "Vessel", "Airplane": "Aircraft"}
_AS_LISTED = "Country as listed: "  # a country the export could not write as a code, kept in the notes
_FR_PREFIX = "Federal Register: "
_PROVISIONS = {"License requirement: ": "license_requirement", "License review policy: ": "license_policy"}


def _first(props: dict[str, Any], name: str) -> str | None:
    values = props.get(name) or []
    return str(values[0]) if values else None


def _chipclear_sanctions(objs: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Party id -> the properties of the Sanction entity that chipclear's export wrote for it (its ``entity`` and
    its ``recordId`` both the party's id: ``ftm.sanction_entity``)."""
    out: dict[str, dict[str, Any]] = {}
    for obj in objs:
        props = obj.get("properties") or {}
        if obj.get("schema") == "Sanction" and isinstance(props, dict):
            party = _first(props, "entity")
            if party is not None and _first(props, "recordId") == party:
                out[party] = props
    return out


def _exported_entry(obj: dict[str, Any], sanction: dict[str, Any], source: str) -> ListEntry:
    """An entry of chipclear's own FtM export, read back as the entry it was: its id, its list (``source``), the
    list's title, kind, Federal Register citation (from which its listing date is derived again), license
    requirement and review policy, and the countries the export kept in the notes."""
    props = obj.get("properties") or {}
    names = [n for prop in _FTM_NAME_PROPS for n in props.get(prop, [])]
    notes = [str(n) for n in props.get("notes", [])]
    kept = [n[len(_AS_LISTED) :] for n in notes if n.startswith(_AS_LISTED)]
    terms: dict[str, str | None] = dict.fromkeys(_PROVISIONS.values())
    for text in sanction.get("provisions", []):
        for prefix, field in _PROVISIONS.items():
            if str(text).startswith(prefix):
                terms[field] = str(text)[len(prefix) :]
    notice = next(
        (str(d)[len(_FR_PREFIX) :] for d in sanction.get("description", []) if str(d).startswith(_FR_PREFIX)), None
    )
    return ListEntry(
        entry_id=str(obj["id"]),
        source=source,
        source_name=_first(sanction, "authority") or source,
        name=names[0],
        aliases=tuple(dict.fromkeys(names[1:])),
        entity_type=_TYPE_OF_SCHEMA.get(str(obj.get("schema")), "Entity"),
        countries=tuple(dict.fromkeys([*(c.upper() for c in props.get("country", []) if len(c) == 2), *kept])),
        addresses=tuple(props.get("address", [])),
        programs=tuple(props.get("program", [])),
        federal_register_notice=notice,
        license_requirement=terms["license_requirement"],
        license_policy=terms["license_policy"],
        source_list_url=_first(props, "sourceUrl"),
        remarks="; ".join(n for n in notes if not n.startswith(_AS_LISTED)) or None,
    )


def parse_ftm_jsonl(raw: bytes, origin: str, *, strict: bool = False) -> LoadedList:
    """OpenSanctions / FollowTheMoney entities, one JSON object per line; only party-like schemas are kept.

    A party of chipclear's own export (``chipclear lists export --format ftm``: its Sanction entity in the file,
    its dataset one of chipclear's lists) is read back as the entry it was, its list, license requirement and
    policy and Federal Register citation with it (``_exported_entry``); any other party is source ``FTM``."""
    from chipclear.screening.ftm import TOPICS_OF_SOURCE, dataset_name

    sources = {dataset_name(code): code for code in TOPICS_OF_SOURCE}
    objs: list[dict[str, Any]] = []
    for line_no, line in enumerate(_text(raw, origin, "utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = _json(line, f"{origin}: line {line_no}")
        except ValueError:
            raise DataFileError(f"{origin}: line {line_no}: not a JSON object (truncated file?)") from None
        if isinstance(obj, dict):
            objs.append(obj)
    sanctions = _chipclear_sanctions(objs)
    entries: list[ListEntry] = []
    for obj in objs:
        if obj.get("schema") not in _FTM_SCHEMAS:
            continue
        props = obj.get("properties") or {}
        names = [n for prop in _FTM_NAME_PROPS for n in props.get(prop, [])]
        if not names or not obj.get("id"):
            continue
        datasets = obj.get("datasets") or []
        source = sources.get(str(datasets[0])) if len(datasets) == 1 else None
        if source is not None and str(obj["id"]) in sanctions:
            entries.append(_exported_entry(obj, sanctions[str(obj["id"])], source))
            continue
        entries.append(
            ListEntry(
                entry_id=f"FTM-{obj['id']}",
                source="FTM",
                source_name=", ".join(datasets) or "OpenSanctions",
                name=names[0],
                aliases=tuple(dict.fromkeys(names[1:])),
                entity_type=obj.get("schema"),
                countries=tuple(c.upper() for c in props.get("country", []) if len(c) == 2),
                addresses=tuple(props.get("address", [])),
                programs=tuple(props.get("program", [])),
                remarks="; ".join(props.get("notes", [])) or None,
            )
        )
    return _finish(entries, raw, "ftm-jsonl", origin, None, strict=strict)


# --- dispatch ------------------------------------------------------------------------------------------------


def sniff_format(raw: bytes, name: str) -> str:
    """Guess the format of a list file from its name and first bytes."""
    head = raw[:4096].lstrip()
    lower = name.lower()
    if lower.endswith((".jsonl", ".ndjson", ".ftm.json")):
        return "ftm-jsonl"
    if head.startswith((b"{", b"[")):
        text = raw[:200_000].decode("utf-8", errors="ignore")
        if '"tables"' in text and '"entries"' in text:
            return "csl-projection"
        if '"list_id"' in text and '"entities"' in text:
            return "bis-parse"
        if head.startswith(b"{") and b'"schema"' in head.split(b"\n", 1)[0] and b'"results"' not in head:
            return "ftm-jsonl"
        return "csl-json"
    first_line = head.split(b"\n", 1)[0]
    if b"\t" in first_line and b"Name" in first_line:
        return "dpl-txt"
    return "csl-csv"


_PARSERS = {
    "csl-projection": parse_csl_projection,
    "csl-json": parse_csl_json,
    "csl-csv": parse_csl_csv,
    "bis-parse": parse_bis_parse_json,
    "dpl-txt": parse_dpl_txt,
    "ftm-jsonl": parse_ftm_jsonl,
}
FORMATS = (*_PARSERS, "ofac-dir")


def parse_list_bytes(raw: bytes, origin: str, fmt: str | None = None, *, strict: bool = False) -> LoadedList:
    """Parse list content already in memory (a download or a file); ``strict`` for an update (``_finish``)."""
    fmt = fmt or sniff_format(raw, origin)
    if fmt not in _PARSERS:
        raise DataFileError(f"{origin}: unknown list format {fmt!r}; known: {', '.join(FORMATS)}")
    try:
        return _PARSERS[fmt](raw, origin, strict=strict)
    except (TypeError, AttributeError, KeyError, IndexError, ValueError, RecursionError, csv.Error) as exc:
        # a value of the wrong shape somewhere the parser did not check (a number for a name list ...)
        raise DataFileError(f"{origin}: not a valid {fmt} list file ({type(exc).__name__}: {exc})") from None


def load_list(path: Path | str, fmt: str | None = None, *, strict: bool = False) -> LoadedList:
    """Load and validate a list file (or an OFAC CSV folder); ``strict`` for an update (``_finish``)."""
    path = input_file(Path(path), "list file", folder_ok=True)
    if path.is_dir():
        try:
            return parse_ofac_dir(path, strict=strict)
        except csv.Error as exc:
            raise DataFileError(f"{path}: not a valid OFAC CSV set ({exc})") from None
    if not path.exists():
        raise DataFileError(f"{path}: list file not found")
    return parse_list_bytes(path.read_bytes(), str(path), fmt, strict=strict)
