"""Validate an API answer against the schema ``/openapi.json`` declares for its route and status, strictly: every
object the schema declares with properties is closed (``additionalProperties: false``), so a field the answer has
and the schema does not declare is an error, not a silent extra."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema_rs


def _closed(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _closed(v) for k, v in node.items()}
        # a view that allows extra fields (``extra="allow"``) is closed too: every field must be declared
        if "properties" in out and out.get("additionalProperties", True) is True:
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_closed(v) for v in node]
    return node


class SchemaCheck:
    def __init__(self, openapi: dict[str, Any]) -> None:
        self.openapi = openapi
        self.schemas = _closed(copy.deepcopy(openapi["components"]["schemas"]))

    def errors(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """What is wrong with ``body`` as the answer ``status`` of ``METHOD path`` (the path as the schema names it,
        e.g. ``/api/catalog/{item}``); an empty list when it validates."""
        operation = self.openapi["paths"][path][method.lower()]
        response = operation["responses"].get(str(status))
        if response is None:
            return [f"{method} {path}: status {status} not declared ({sorted(operation['responses'])})"]
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return [f"{method} {path} {status}: no JSON schema"]
        root = {**_closed(schema), "components": {"schemas": self.schemas}}
        validator = jsonschema_rs.Draft202012Validator(root)
        return [
            f"{method} {path} {status}: {'/'.join(map(str, e.instance_path))}: {e.message[:300]}"
            for e in validator.iter_errors(body)
        ]
