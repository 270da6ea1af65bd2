"""Every route and method of ``/openapi.json`` fuzzed with hostile input against a real ``chipclear serve``.

Requests are built from the schema the server publishes (its request models, query and path parameters), with
hostile values mixed in at every level: wrong JSON types, null, missing and extra fields, NaN / Infinity / 1e999 /
-0 / 2**64 / negative numbers, 10,000+ character strings, control characters, lone surrogates (``"\\ud800"``),
dates that do not exist, path parameters that are huge, negative, not numbers or percent-encoded slashes, raw bodies
that are not JSON (``NaN`` tokens, deep nesting, a 5,000-digit number) and the wrong Content-Type.

For every request: no 5xx; a 4xx is the JSON error body, and one about the input (400, 413, 422) names the field
in ``field`` and in its message; the answer comes within ``ANSWER_SECONDS``; and a refused request changes nothing
in the ledger (every table but the console sessions, read from the server's SQLite file before and after).

Bounded and deterministic (``derandomize=True``, ``EXAMPLES`` a route) so the module stays a CI test: about a
minute on two cores. ``test_every_route_is_fuzzed`` fails when a route is added to the schema and not here."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from tests.serving import Running, serving

ANSWER_SECONDS = 8.0  # a loaded two-core CI machine; a frozen server (the defect this guards) never answers
EXAMPLES = int(os.environ.get("CHIPCLEAR_FUZZ_EXAMPLES", "24"))  # more for a deeper run by hand
HEAD_BYTES = 16_000  # uvicorn refuses a request line longer than about this (h11's limit) as a bad request

OPERATIONS = [
    "GET /api/health",
    "POST /api/check",
    "GET /api/timeline/{item}",
    "GET /api/diff",
    "GET /api/applications",
    "POST /api/applications",
    "GET /api/applications/{app_id}",
    "POST /api/applications/{app_id}/submit",
    "POST /api/applications/{app_id}/close",
    "POST /api/applications/{app_id}/grant",
    "GET /api/licenses",
    "POST /api/licenses/{number}/status",
    "GET /api/licenses/{number}",
    "POST /api/shipments",
    "GET /api/shipments/{shipment_id}",
    "GET /api/holds",
    "GET /api/shipment-lines/{line_id}",
    "POST /api/holds/{line_id}/release",
    "POST /api/holds/{line_id}/cancel",
    "POST /api/screen",
    "POST /api/screen/batch",
    "GET /api/screen/reviews",
    "POST /api/screen/reviews",
    "POST /api/match/{dataset}",
    "GET /api/lists/export.ftm",
    "GET /api/catalog",
    "GET /api/catalog/{item}",
    "GET /api/classify/{item}",
    "GET /api/models",
    "GET /api/models/{model}/classify",
    "GET /api/audit/verify",
    "GET /api/audit/export",
    "GET /api/lists/status",
    "POST /api/lists/update",
    "GET /api/duty",
    "GET /api/duty/timeline",
    "GET /api/me",
    "GET /api/users",
    "POST /api/users",
    "GET /api/whatif/drafts",
    "POST /api/whatif",
    "POST /api/batch",
    "GET /api/batch/{job}",
    "GET /api/batch/{job}/result",
    "GET /api/batch/{job}/bad-rows",
]

TODAY = dt.date.today()
SOON = (TODAY + dt.timedelta(days=3)).isoformat()

# ---------------------------------------------------------------------------------------------------- values


class Raw(str):
    """A JSON token written into the body as is (``1e999``, a 5,000-digit number): json.dumps cannot write it."""


def _raw_marker(token: str) -> str:
    return f"\x00RAW{token}\x00"


BAD_NUMBERS: list[Any] = [
    float("nan"),
    float("inf"),
    float("-inf"),
    Raw("1e999"),
    Raw("-1e999"),
    Raw("9" * 5000),  # over Python's 4,300-digit limit for int()
    -0.0,
    -1,
    0,
    2**31,
    2**63,
    2**64,
    -(2**64),
    10**30,
    1e308,
    0.5,
]
BAD_DATES = [
    "2025-02-30",
    "0000-01-01",
    "99999-01-01",
    "2025-13-01",
    "-2025-01-01",
    "2025-5-1",
    "20250501",
    "9999-12-31",
]
BAD_TEXT = [
    "",
    " ",
    "x" * 10_001,
    "Ω" * 20_000,
    "\x00",
    "a\x00b",
    "a\x01\x1f\x7fb",
    "\ud800",
    "x\udfffy",
    "\u202e\u200b",
    "\ufeff",
    "../../etc/passwd",
    "NaN",
    "1e999",
    "%2F%2E%2E",
]
WRONG_TYPES: list[Any] = [None, True, False, [], {}, [None], {"a": 1}, ["x"] * 200, [[[[[[[[[[1]]]]]]]]]]]
HOSTILE = st.sampled_from([*BAD_NUMBERS, *BAD_DATES, *BAD_TEXT, *WRONG_TYPES])

# values a real caller would send, by field name: they get the request past its model into the services
DOMAIN: dict[str, list[Any]] = {
    "item": ["H20", "nvidia-h100-sxm", "RTX 4090 D", "A100", "H2O"],
    "items": [["H20"], ["A100", "H20"]],
    "destination": ["CN", "DE", "China", "SG", "AE"],
    "destinations": [["CN"], ["CN", "DE"]],
    "country": ["CN", "DE", "RU", None],
    "headquarters_country": ["CN", "US"],
    "export_from": ["US", "KR"],
    "origin": ["CN", "TW"],
    "to": ["CN", "DE", "2026-01-01"],
    "from": ["2023-01-01"],
    "dest": ["CN"],
    "end_user_hq": ["CN"],
    "end_user_country": ["CN"],
    "ship_date": [SOON, "2025-05-01", TODAY.isoformat()],
    "name": ["Acme Ltd", "Moore Threads", "Huawei Technologies", "Sugon"],
    "party_name": ["Moore Threads", "Acme Ltd"],
    "end_user": ["Moore Threads"],
    "hts": ["8473.30.1180", "8471.50.0150", "8542.31.0000"],
    "value": [1000, 1000.5],
    "role": ["end_user", "ultimate_consignee", "analyst", "viewer"],  # a party's, or a user's (UserIn)
    "layer": ["enforced", "codified"],
    "dataset": ["default", "el"],
    "model": ["llama-3.1-405b", "example-ft"],
    "vendor": ["nvidia", "amd"],
    "reason": ["the agency's letter of 2026-01-02"],
    "status": ["suspended", "revoked", "active", "denied", "withdrawn"],
    "decision": ["not_a_match", "match"],
    "format": ["csv", "jsonl", "parquet"],
    "drafts": [[]],
}
DATE_NAMES = {"as_of", "until", "entry_date", "from", "date", "list_date", "changed_since"}


@dataclass
class Schema:
    doc: dict[str, Any]
    hostile: bool = True  # False: values of the schema only (they reach the services behind the model)

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.doc["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
        return node

    def value(self, node: dict[str, Any], name: str = "", depth: int = 0) -> st.SearchStrategy[Any]:
        """A value of ``node``, hostile one time in six (at the leaves and for whole objects)."""
        good = self.valid(node, name, depth)
        if not self.hostile:
            return good
        return st.integers(0, 5).flatmap(lambda i: HOSTILE if i == 0 else good)

    def valid(self, node: dict[str, Any], name: str, depth: int) -> st.SearchStrategy[Any]:
        node = self.resolve(node)
        options: list[st.SearchStrategy[Any]] = []
        if name in DOMAIN:
            options.append(st.sampled_from(DOMAIN[name]))
            if not self.hostile:
                return options[0]
        if not self.hostile and "enum" in node:
            return st.sampled_from(node["enum"])
        if "anyOf" in node:
            options += [self.valid(n, name, depth) for n in node["anyOf"]]
        elif "enum" in node:
            options.append(st.sampled_from(node["enum"]))
        else:
            options.append(self._typed(node, name, depth))
        return st.one_of(options)

    def _typed(self, node: dict[str, Any], name: str, depth: int) -> st.SearchStrategy[Any]:
        kind = node.get("type")
        if kind == "object" and depth < 4:
            props = node.get("properties", {})
            required = node.get("required", [])
            body = st.fixed_dictionaries(
                {k: self.value(props[k], k, depth + 1) for k in required if k in props},
                optional={k: self.value(v, k, depth + 1) for k, v in props.items() if k not in required},
            )
            if not props:  # a map (yente's queries, weights, config; a what-if order line)
                inner = node.get("additionalProperties")
                values = self.value(inner, name, depth + 1) if isinstance(inner, dict) else HOSTILE
                body = st.dictionaries(st.sampled_from(["q1", "name", "item", "x" * 300, ""]), values, max_size=3)
            return body.flatmap(lambda d: _mutated(d, required)) if self.hostile else body
        if kind == "array" and depth < 4:
            return st.lists(self.value(node.get("items", {}), name, depth + 1), max_size=3)
        if kind == "string":
            if node.get("format") == "date" or name in DATE_NAMES:
                if not self.hostile:
                    near = st.dates(TODAY - dt.timedelta(days=700), TODAY)  # most routes refuse a later day
                    return near.map(dt.date.isoformat)
                return st.one_of(st.dates().map(dt.date.isoformat), st.sampled_from(BAD_DATES))
            longest = min(node.get("maxLength", 300), 5000)
            if not self.hostile:  # visible text, up to the longest the field takes
                return st.sampled_from(["Acme Ltd", "W" * longest, "Société Générale 中国"])
            return st.one_of(
                st.text(max_size=40),
                st.just("W" * longest),
                st.just("W" * (longest + 1)),
            )
        if kind == "integer" and not self.hostile:
            return st.integers(int(node.get("minimum", -(2**31))), int(node.get("maximum", 2**31)))
        if kind == "number" and not self.hostile:
            return st.floats(node.get("minimum", -1e12), node.get("maximum", 1e12), allow_nan=False)
        if kind == "integer":
            low, high = node.get("minimum"), node.get("maximum")
            edges = [int(v) + d for v in (low, high) if v is not None for d in (-1, 0, 1)]
            return st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.sampled_from(edges or [0]))
        if kind == "number":
            return st.one_of(
                st.floats(allow_nan=False, allow_infinity=False),
                st.sampled_from([v for v in (node.get("minimum"), node.get("maximum"), 0.0) if v is not None]),
            )
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        return HOSTILE


def _mutated(obj: dict[str, Any], required: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """``obj`` as built, or with a required field left out, or with a field the model does not know."""
    out: list[st.SearchStrategy[dict[str, Any]]] = [st.just(obj)] * 4
    if required:
        out.append(st.sampled_from(required).map(lambda k: {f: v for f, v in obj.items() if f != k}))
    out.append(HOSTILE.map(lambda v: {**obj, "zz_unknown": v}))
    return st.one_of(out)


def dumps(value: Any) -> str:
    """JSON text with NaN / Infinity written as Python writes them and ``Raw`` tokens as they are."""

    def swap(v: Any) -> Any:
        if isinstance(v, Raw):
            return _raw_marker(str(v))
        if isinstance(v, dict):
            return {k: swap(x) for k, x in v.items()}
        if isinstance(v, list):
            return [swap(x) for x in v]
        return v

    text = json.dumps(swap(value))
    for token in {str(v) for v in BAD_NUMBERS if isinstance(v, Raw)}:
        text = text.replace(json.dumps(_raw_marker(token)), token)
    return text


RAW_BODIES: list[bytes] = [
    b"",
    b"null",
    b"[]",
    b"{}",
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"1e999",
    b"{",
    b'{"item": ',
    b"\xff\xfe{\x00}\x00",
    b"\xef\xbb\xbf{}",
    b"[" * 100_000,
    b'{"a":' * 50_000,
    b"9" * 5000,
    b'{"lines": [' + b"9" * 5000 + b"]}",
    b'"\\ud800"',
    b'{"name": "\\ud800\\udc00\\ud800"}',
    b"<xml/>",
    b"item=H20&destination=CN",
]
CONTENT_TYPES = [
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "application/json; charset=utf-16",
    "application/xml",
]

# ---------------------------------------------------------------------------------------------------- the server


@dataclass(repr=False)
class Fuzz:
    server: Running
    schema: Schema
    database: Path
    keys: dict[str, str]
    ids: dict[str, list[str]]
    sent: Counter[str] = field(default_factory=Counter)
    plain: Schema | None = None  # the same schema, values without hostile ones
    statuses: dict[str, Counter[int]] = field(default_factory=dict)

    def __repr__(self) -> str:  # Hypothesis prints the test's arguments: not the whole schema
        return f"Fuzz({self.server.url})"


def _call(client: httpx.Client, method: str, url: str, key: str, **kw: Any) -> Any:
    r = client.request(method, url, headers={"X-API-Key": key, **kw.pop("headers", {})}, **kw)
    assert r.status_code < 300, f"{method} {url}: {r.status_code} {r.text[:300]}"
    return r.json()


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzz]:
    data = tmp_path_factory.mktemp("fuzz-server")
    with serving(data) as server, httpx.Client(base_url=server.url, timeout=120) as c:
        admin = server.key
        keys = {"admin": admin}
        for name, role in (("fz-approver", "approver"), ("fz-analyst", "analyst"), ("fz-viewer", "viewer")):
            keys[role] = _call(c, "POST", "/api/users", admin, json={"name": name, "role": role})["api_key"]
        # a license granted on an application, a shipment it covers, a held line and an open application
        application = {
            "items": ["H20"],
            "destinations": ["CN"],
            "parties": [{"name": "Acme Ltd", "role": "end_user", "country": "CN"}],
            "quantity": 1000,
            "value_usd": 1e7,
        }
        app_id = _call(c, "POST", "/api/applications", keys["analyst"], json=application)["id"]
        open_id = _call(c, "POST", "/api/applications", keys["analyst"], json=application)["id"]
        grant = {
            "number": "D1/2026",
            "valid_from": TODAY.isoformat(),
            "valid_to": (TODAY + dt.timedelta(days=700)).isoformat(),
        }
        _call(c, "POST", f"/api/applications/{app_id}/submit", keys["analyst"], json={"application_number": "Z1"})
        _call(c, "POST", f"/api/applications/{app_id}/grant", keys["approver"], json=grant)
        line = {"item": "H20", "quantity": 2, "destination": "CN", "ship_date": SOON}
        end_user = [{"name": "Acme Ltd", "role": "end_user", "country": "CN"}]
        shipped = _call(c, "POST", "/api/shipments", keys["analyst"], json={"lines": [{**line, "parties": end_user}]})
        held = _call(c, "POST", "/api/shipments", keys["analyst"], json={"lines": [{**line, "item": "H100"}]})
        book = b"order_id,item,quantity,destination,ship_date\nSO-1,H20,8,CN,2025-06-01\nSO-2,H1OO,1,DE,2025-06-01\n"
        job = _call(c, "POST", "/api/batch", keys["analyst"], files={"file": ("book.csv", book, "text/csv")})
        ids = {
            "app_id": [str(app_id), str(open_id)],
            "number": ["D1/2026", "d1/2026"],
            "shipment_id": [str(shipped["shipment"]["id"]), str(held["shipment"]["id"])],
            "line_id": [str(li["line_id"]) for li in shipped["lines"] + held["lines"]],
            "job": [job["id"]],
            "item": ["H20", "nvidia-h100-sxm", "RTX 4090 D"],
            "model": ["llama-3.1-405b", "example-ft"],
            "dataset": ["default", "el"],
        }
        DOMAIN["drafts"] = [
            [name] for name in c.get("/api/whatif/drafts", headers={"X-API-Key": admin}).json()["drafts"]
        ][:3]
        # load what a first request would load (the codified table, the screening index) before the clock runs
        for url in ("/api/classify/H20?layer=codified", "/api/timeline/H20?to=CN"):
            _call(c, "GET", url, admin)
        _call(
            c,
            "POST",
            "/api/check?layer=codified",
            admin,
            json={"item": "H20", "destination": "CN", "parties": end_user},
        )
        schema = Schema(c.get("/openapi.json").json())
        found = Fuzz(server, schema, data / "chipclear.db", keys, ids, plain=Schema(schema.doc, hostile=False))
        yield found
        print("\nrequests sent per route (status: count):")
        for op in OPERATIONS:
            print(f"  {op}: {found.sent[op]} {dict(sorted(found.statuses.get(op, Counter()).items()))}")


LEDGER_TABLES = [
    "users",
    "parties",
    "license_applications",
    "licenses",
    "license_usage",
    "shipments",
    "shipment_lines",
    "idempotency_keys",
    "audit_records",
    "audit_head",
    "screening_reviews",
]


def ledger_state(database: Path) -> dict[str, Any]:
    """Each ledger table's rows, as one digest a table (the console sessions aside: signing in is not a write), and
    the actions of the audit records by sequence number."""
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        state: dict[str, Any] = {
            t: hashlib.sha256(repr(con.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()).encode()).hexdigest()
            for t in LEDGER_TABLES
        }
        state["actions"] = dict(con.execute("SELECT seq, action FROM audit_records").fetchall())
        return state
    finally:
        con.close()


def ledger_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What changed in the ledger, but for the record of a refused attempt: a refused release is audited on purpose
    (``hold.release.refused``, chipclear.ledger.shipments.release_line); its record is appended, nothing else."""
    changed = [t for t in LEDGER_TABLES if before[t] != after[t]]
    added = {seq: a for seq, a in after["actions"].items() if seq not in before["actions"]}
    rewritten = [seq for seq, a in before["actions"].items() if after["actions"].get(seq) != a]
    if added and not rewritten and all(a.endswith(".refused") for a in added.values()):
        changed = [t for t in changed if t not in ("audit_records", "audit_head")]
    return changed


# ---------------------------------------------------------------------------------------------------- requests


@dataclass
class Request:
    method: str
    path: str
    params: list[tuple[str, str]]
    headers: dict[str, str]
    content: bytes | None = None
    files: dict[str, Any] | None = None
    data: dict[str, bytes] | None = None

    @property
    def url(self) -> str:
        """The path and query string as sent (a lone surrogate goes as its UTF-8 bytes, as a hostile client sends
        it; the client library would refuse to encode it)."""
        if not self.params:
            return self.path
        return self.path + "?" + "&".join(f"{_encoded(k)}={_encoded(v)}" for k, v in self.params)

    def describe(self) -> str:
        shown = (self.content or b"")[:300]
        files = {k: (v[0][:80], v[1][:80]) for k, v in (self.files or {}).items()}
        return f"{self.method} {self.path[:300]} params={str(self.params)[:300]} body={shown!r} files={files} data={self.data}"


def path_values(name: str, fz: Fuzz, plain: bool) -> st.SearchStrategy[str]:
    seeds = fz.ids.get(name, ["1"])
    if plain:
        return st.sampled_from(seeds).map(lambda s: quote(s, safe=""))
    hostile = [
        "0",
        "-1",
        str(2**64),
        str(2**31),
        "9" * 5000,
        "1e3",
        "1.5",
        "abc",
        "%2F..%2F..%2Fetc%2Fpasswd",
        "a%2Fb",
        "%00",
        "%ff%fe",
        "%ED%A0%80",  # a lone surrogate in UTF-8
        "W" * 10_000,
        "%20",
        "NaN",
    ]
    return st.one_of(st.sampled_from(seeds).map(lambda s: quote(s, safe="")), st.sampled_from(hostile))


def query_values(params: list[dict[str, Any]], schema: Schema) -> st.SearchStrategy[list[tuple[str, str]]]:
    def text(v: Any) -> str:
        if isinstance(v, Raw):
            return str(v)
        if isinstance(v, bool):
            return str(v).lower()
        if isinstance(v, (list, dict)) or v is None:
            return dumps(v)
        return str(v)

    def one(p: dict[str, Any]) -> st.SearchStrategy[list[tuple[str, str]]]:
        values = schema.value(p.get("schema", {}), p["name"])
        items = schema.resolve(p.get("schema", {})).get("items")
        if items is not None:  # a list parameter: several values
            return st.lists(schema.value(items, p["name"]), max_size=3).map(
                lambda vs: [(p["name"], text(v)) for v in vs]
            )
        return values.map(lambda v: [(p["name"], text(v))])

    def drawn(lists: list[list[tuple[str, str]]]) -> list[tuple[str, str]]:
        return [pair for pairs in lists for pair in pairs]

    nothing: st.SearchStrategy[list[tuple[str, str]]] = st.just([])
    optional = [st.one_of(nothing, one(p)) for p in params if not p.get("required")]
    # a required parameter left out now and then, unless every value is meant to be valid
    required = [st.one_of(one(p), one(p), nothing) if schema.hostile else one(p) for p in params if p.get("required")]
    base = st.tuples(*required, *optional).map(lambda t: drawn(list(t)))
    if not schema.hostile:
        return base
    extra = st.sampled_from([[], [], [], [("zz_unknown", "1")], [("as_of", "2025-02-30")]])
    return st.tuples(base, extra).map(lambda t: t[0] + t[1])


BATCH_FILES = [
    ("book.csv", b"order_id,item,quantity,destination,ship_date\nSO-1,H20,NaN,CN,2025-02-30\n"),
    ("book.csv", b'"unterminated,item\n' + b"x" * 20_000),
    ("book.csv", b"\xff\xfe\x00\x00garbage"),
    ("book.csv", b""),
    ("book.csv", b"item,destination\n" + b"H20,CN\n" * 3),
    ("book.csv", b"item,quantity,destination\nH20,99999999999999999999999,CN\nH20,-1e999,CN\n"),
    ("book.parquet", b"PAR1\x00\x00\x00garbagePAR1"),
    ("book.parquet", b"PAR1" + b"\x00" * 100),
    ("book.xlsx", b"PK\x03\x04not a zip"),
    ("book.jsonl", b'{"item": "H20", "quantity": NaN}\n{"item": \n'),
    ("book.jsonl", b"[" * 50_000),
    ("W" * 10_000 + ".csv", b"item,destination\nH20,CN\n"),
    ("../../etc/passwd", b"item,destination\nH20,CN\n"),
    ("a\x00b.csv", b"item,destination\nH20,CN\n"),
    ("\ud800.csv", b"item,destination\nH20,CN\n"),
]
LIST_FILES = [
    ("list.json", b'{"results": [{"name": NaN}]}'),
    ("list.json", b"[" * 50_000),
    ("list.csv", b"\xff\xfe\x00"),
    ("list.csv", b"name,source\n" + b"x" * 10_000 + b",EL\n"),
    ("W" * 10_000 + ".json", b"{}"),
    ("list.ftm.json", b'{"id": "\\u0000", "schema": "Company", "properties": {"name": ["x"]}}\n'),
]


def multipart(route: str, fz: Fuzz) -> st.SearchStrategy[Request]:
    path = "/api/batch" if route == "POST /api/batch" else "/api/lists/update"
    body = fz.schema.resolve(
        fz.schema.doc["paths"][path]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    )
    fields = {k: v for k, v in body["properties"].items() if k != "file"}
    form = st.fixed_dictionaries({}, optional={k: fz.schema.value(v, k) for k, v in fields.items()})
    files = st.sampled_from(BATCH_FILES if path == "/api/batch" else LIST_FILES)

    def build(pair: tuple[dict[str, Any], tuple[str, bytes]]) -> Request:
        values, (name, content) = pair
        # a lone surrogate goes as its UTF-8 bytes (the client library would refuse to encode it)
        data = {
            k: (v if isinstance(v, str) else json.dumps(v)).encode("utf-8", "surrogatepass") for k, v in values.items()
        }
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:  # the client library cannot send a lone surrogate in a name: send its escape
            name = name.encode("utf-8", "backslashreplace").decode()
        return Request("POST", path, [], {}, files={"file": (name, content, "application/octet-stream")}, data=data)

    return st.tuples(form, files).map(build)


@st.composite
def requests_for(draw: st.DrawFn, route: str, fz: Fuzz) -> Request:
    method, template = route.split(" ", 1)
    op = fz.schema.doc["paths"][template][method.lower()]
    if route in ("POST /api/batch", "POST /api/lists/update"):
        return draw(multipart(route, fz))
    plain = fz.plain is not None and draw(st.integers(0, 2)) == 0  # one request in three without hostile values
    schema = fz.plain if plain and fz.plain is not None else fz.schema
    params = op.get("parameters", [])
    path = template
    for p in params:
        if p["in"] == "path":
            path = path.replace("{" + p["name"] + "}", draw(path_values(p["name"], fz, plain)))
    query = draw(query_values([p for p in params if p["in"] == "query"], schema))
    headers: dict[str, str] = {}
    if any(p["in"] == "header" for p in params) and not plain:
        headers["Idempotency-Key"] = draw(st.sampled_from(["", "k-1", "x" * 300, "k\tey", "%00", "k;ey,2"]))
    content = None
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body is not None:
        kind = "plain" if plain else draw(st.sampled_from(["schema"] * 4 + ["raw", "content-type"]))
        if kind == "raw":
            content = draw(st.sampled_from(RAW_BODIES))
        else:
            content = dumps(draw(schema.value(body, "body"))).encode()
        headers["Content-Type"] = draw(st.sampled_from(CONTENT_TYPES)) if kind == "content-type" else "application/json"
    return Request(method, path, query, headers, content=content)


# ---------------------------------------------------------------------------------------------------- the test


def check_answer(r: httpx.Response, seconds: float, request: Request) -> None:
    what = request.describe()
    assert r.status_code < 500, f"{r.status_code} {r.text[:500]}\n{what}"
    assert seconds < ANSWER_SECONDS, f"{seconds:.1f} s\n{what}"
    if r.status_code < 400:
        return
    if r.text == "Invalid HTTP request received." and len(request.url) > HEAD_BYTES:
        return  # the HTTP server's own refusal of a request line over its limit, before the application
    assert r.headers.get("content-type", "").startswith("application/json"), f"{r.status_code} {r.text[:300]}\n{what}"
    error = r.json()["error"]
    assert error["code"] and error["message"], f"{error}\n{what}"
    assert "Traceback" not in r.text
    if error["code"] == "invalid_data_file" and not error["field"]:  # an upload: the message names the file
        assert request.files and error["message"].startswith(request.files["file"][0]), f"{error}\n{what}"
    elif r.status_code in (400, 413, 422):
        assert error["field"], f"no field named: {error}\n{what}"
        if request.headers.get("Content-Type") == "application/json":  # a form's field may be named "0"
            assert not error["field"].isdigit(), f"a position given as the field: {error}\n{what}"
        assert error["field"] in error["message"], f"the message does not name {error['field']!r}: {error}\n{what}"


def _encoded(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def send(fz: Fuzz, route: str, request: Request) -> None:
    assume(len(request.url) < 60_000)  # the client library's own limit (64 KiB); the server's is 16 KB
    writes = request.method != "GET"
    before = ledger_state(fz.database) if writes else None
    key = fz.keys["admin"]
    started = time.monotonic()
    with httpx.stream(
        request.method,
        fz.server.url + request.url,
        headers={"X-API-Key": key, **request.headers},
        content=request.content,
        files=request.files,
        data=request.data,
        timeout=ANSWER_SECONDS * 4,
    ) as r:
        # the answer starts within the bound; a download (the 30 MB list export) is not read to its end
        seconds = time.monotonic() - started
        if r.status_code >= 300:
            r.read()
    fz.sent[route] += 1
    fz.statuses.setdefault(route, Counter())[r.status_code] += 1
    check_answer(r, seconds, request)
    if r.status_code >= 400 and before is not None:
        changed = ledger_changes(before, ledger_state(fz.database))
        assert not changed, f"a {r.status_code} changed {changed}: {r.text[:300]}\n{request.describe()}"


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("route", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_hostile_requests(fuzz: Fuzz, route: str, data: st.DataObject) -> None:
    send(fuzz, route, data.draw(requests_for(route, fuzz), label="request"))


def test_every_route_is_fuzzed(fuzz: Fuzz) -> None:
    published = [f"{m.upper()} {p}" for p, ops in fuzz.schema.doc["paths"].items() for m in ops]
    assert sorted(published) == sorted(OPERATIONS)


def test_audit_chain_still_verifies(fuzz: Fuzz) -> None:
    """Run last: whatever was refused or recorded above, the audit chain is whole."""
    r = httpx.get(fuzz.server.url + "/api/audit/verify", headers={"X-API-Key": fuzz.keys["admin"]}, timeout=60)
    assert r.status_code == 200 and r.json()["ok"] is True, r.text


@pytest.mark.parametrize(("name", "content"), BATCH_FILES, ids=lambda v: repr(v)[:24])
def test_a_malformed_order_book_ends_its_job_with_a_reason(fuzz: Fuzz, name: str, content: bytes) -> None:
    """A book that is accepted (202) ends ``done`` (its bad rows listed) or ``failed`` with a one-line reason, within
    seconds; a refused one (422) names its field. Never a job left running or a stack trace."""
    shown = name.encode("utf-8", "backslashreplace").decode()
    headers = {"X-API-Key": fuzz.keys["analyst"]}
    files = {"file": (shown, content, "application/octet-stream")}
    r = httpx.post(fuzz.server.url + "/api/batch", files=files, headers=headers, timeout=60)
    assert r.status_code in (202, 422), r.text
    if r.status_code == 422:
        assert r.json()["error"]["field"] in ("file", "body", "format"), r.text
        return
    job = r.json()["id"]
    deadline = time.monotonic() + 60
    while (state := httpx.get(f"{fuzz.server.url}/api/batch/{job}", headers=headers, timeout=30).json())["state"] in (
        "queued",
        "running",
    ):
        assert time.monotonic() < deadline, state
        time.sleep(0.2)
    assert state["state"] in ("done", "failed"), state
    if state["state"] == "failed":
        assert state["error"] and "Traceback" not in state["error"] and "\n" not in state["error"].strip(), state
