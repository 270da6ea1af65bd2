"""All configuration in one place, read from ``CHIPCLEAR_*`` environment variables (pydantic-settings).

Every variable is validated when it is read: a bad value names itself (``CHIPCLEAR_LIST_MAX_AGE_DAYS: ...``) as a
``SettingsError``, which the CLI prints as one line with exit code 2 and which stops ``chipclear serve`` before it
listens. docs/user-guide.md lists the variables.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from platformdirs import user_data_dir
from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from chipclear.errors import ChipclearError, validation_text

PathList = Annotated[list[Path], NoDecode]


class SettingsError(ChipclearError):
    """A ``CHIPCLEAR_*`` environment variable has a value chipclear cannot use."""

    code = "bad_setting"


def _env(name: str) -> Any:
    return Field(validation_alias=AliasChoices(f"CHIPCLEAR_{name}"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_ignore_empty=True, populate_by_name=True)

    data_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("chipclear", appauthor=False)),
        validation_alias=AliasChoices("CHIPCLEAR_DATA_DIR"),
    )
    database_url: str = _env("DATABASE_URL")  # default: the SQLite file in data_dir (filled in below)
    catalog_paths: PathList = Field(default_factory=list, validation_alias=AliasChoices("CHIPCLEAR_CATALOG"))
    rules_paths: PathList = Field(default_factory=list, validation_alias=AliasChoices("CHIPCLEAR_RULES"))
    # extra AI model catalog files
    model_paths: PathList = Field(default_factory=list, validation_alias=AliasChoices("CHIPCLEAR_MODELS"))
    lists_dir: Path | None = Field(None, validation_alias=AliasChoices("CHIPCLEAR_LISTS_DIR"))
    list_max_age_days: int = Field(30, ge=0, validation_alias=AliasChoices("CHIPCLEAR_LIST_MAX_AGE_DAYS"))
    # What a shipment does when the restricted-party lists are older than ``list_max_age_days``: "hold" (default:
    # the line is held until the lists are updated) or "ship" (the deployment accepts stale lists explicitly; the
    # decision still says so). docs/ledger.md, "Stale lists".
    stale_lists_on_ship: Literal["hold", "ship"] = Field(
        "hold", validation_alias=AliasChoices("CHIPCLEAR_STALE_LISTS_ON_SHIP")
    )
    # How many days before its publication an Entity List addition whose effective date chipclear's data does not
    # hold may have taken effect: a hit dated within them holds the line (docs/rules/restricted-parties.md). An
    # assumption, not a rule: the confirmed actions took effect 0-4 days before publication (Huawei 2019: 5, with
    # its citation unconfirmed); 30 leaves a wide margin. Raise it to hold more of a lookback.
    listing_lag_days: int = Field(30, ge=0, le=3650, validation_alias=AliasChoices("CHIPCLEAR_LISTING_LAG_DAYS"))
    # Screening: a hit scoring at/above the match threshold is a match; between the review threshold and the
    # match threshold it is a possible match for a person to review (docs/screening.md explains the score).
    screening_match_threshold: float = Field(
        0.88, ge=0, le=1, allow_inf_nan=False, validation_alias=AliasChoices("CHIPCLEAR_SCREENING_MATCH_THRESHOLD")
    )
    screening_review_threshold: float = Field(
        0.75, ge=0, le=1, allow_inf_nan=False, validation_alias=AliasChoices("CHIPCLEAR_SCREENING_REVIEW_THRESHOLD")
    )
    # The ledger user the CLI acts as (an API key from `chipclear user add`).
    api_key: str | None = Field(None, validation_alias=AliasChoices("CHIPCLEAR_API_KEY"))

    @model_validator(mode="before")
    @classmethod
    def _default_database(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("CHIPCLEAR_DATABASE_URL") and not data.get("database_url"):
            data = dict(data)
            base = data.get("CHIPCLEAR_DATA_DIR") or data.get("data_dir") or user_data_dir("chipclear", appauthor=False)
            data["database_url"] = f"sqlite:///{Path(base) / 'chipclear.db'}"
        return data

    @field_validator("catalog_paths", "rules_paths", "model_paths", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        if isinstance(value, str):  # os.pathsep-separated, as PATH
            return [Path(p).expanduser() for p in value.split(os.pathsep) if p.strip()]
        return value

    @field_validator("stale_lists_on_ship", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _thresholds_in_order(self) -> Settings:
        if self.screening_review_threshold > self.screening_match_threshold:
            raise ValueError(
                f"CHIPCLEAR_SCREENING_REVIEW_THRESHOLD ({self.screening_review_threshold:g}) is above "
                f"CHIPCLEAR_SCREENING_MATCH_THRESHOLD ({self.screening_match_threshold:g})"
            )
        return self

    @classmethod
    def from_env(cls) -> Settings:
        """The settings of the current environment; a bad variable raises ``SettingsError`` naming it."""
        try:
            return cls()
        except ValidationError as exc:
            first = exc.errors()[0]
            message = validation_text(first)
            where = next((str(p) for p in first["loc"] if str(p).startswith("CHIPCLEAR_")), None)
            name = where or (_VARIABLE.get(str(first["loc"][0])) if first["loc"] else None)
            if name is None:  # a check across variables: its message names them
                raise SettingsError(message) from None
            given = os.environ.get(name)
            shown = f" (is {given!r})" if given is not None and name != "CHIPCLEAR_API_KEY" else ""
            raise SettingsError(f"{name}{shown}: {message}", field=name) from None


_VARIABLE = {
    name: str(info.validation_alias.choices[0])  # type: ignore[union-attr]
    for name, info in Settings.model_fields.items()
    if info.validation_alias is not None
}


_MEMO: dict[tuple[tuple[str, str], ...], Settings] = {}  # by the CHIPCLEAR_* values (and where the home is)


def get_settings() -> Settings:
    """The settings of the environment as it is now (tests and embedding programs may change it): validated once
    per distinct set of ``CHIPCLEAR_*`` values, so the hot paths that ask on every decision pay a dict lookup."""
    env = os.environ
    key = (*sorted((k, v) for k, v in env.items() if k.upper().startswith("CHIPCLEAR_")), ("HOME", env.get("HOME", "")))
    key += (("XDG_DATA_HOME", env.get("XDG_DATA_HOME", "")),)
    found = _MEMO.get(key)
    if found is None:
        found = Settings.from_env()
        if len(_MEMO) > 64:
            _MEMO.clear()
        _MEMO[key] = found
    return found


# -- decision settings ---------------------------------------------------------------------------------------------
# Every setting that can change a decision or its texts, by its variable. Not here, and why: CHIPCLEAR_DATA_DIR and
# CHIPCLEAR_LISTS_DIR (the lists: their version is named wherever a decision is kept), CHIPCLEAR_DATABASE_URL (the
# screening reviews: their state is named likewise), CHIPCLEAR_API_KEY (the ledger user: licenses on file are
# applied by check and ship, not by batch) and CHIPCLEAR_CHECKPOINT_KEY_FILE (the audit chain's key).
DECISION_VALUES = {
    "CHIPCLEAR_LISTING_LAG_DAYS": "listing_lag_days",
    "CHIPCLEAR_LIST_MAX_AGE_DAYS": "list_max_age_days",
    "CHIPCLEAR_STALE_LISTS_ON_SHIP": "stale_lists_on_ship",
    "CHIPCLEAR_SCREENING_MATCH_THRESHOLD": "screening_match_threshold",
    "CHIPCLEAR_SCREENING_REVIEW_THRESHOLD": "screening_review_threshold",
}
DECISION_FILES = {
    "CHIPCLEAR_CATALOG": "catalog_paths",
    "CHIPCLEAR_RULES": "rules_paths",
    "CHIPCLEAR_MODELS": "model_paths",
}
_FILE_KIND = {"CHIPCLEAR_CATALOG": "catalog", "CHIPCLEAR_RULES": "rule", "CHIPCLEAR_MODELS": "model"}


def _files(roots: list[Path]) -> list[list[str]]:
    """[name, SHA-256] of each file under ``roots`` (a folder's files by their path inside it), by content: the same
    files at another path on another machine are the same setting."""
    found = []
    for root in roots:
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            if "__pycache__" in path.parts:
                continue
            name = str(path.relative_to(root.parent)) if root.is_dir() else path.name
            try:
                found.append([name, hashlib.sha256(path.read_bytes()).hexdigest()])
            except OSError:
                found.append([name, "<unreadable>"])
    return found


def decision_settings(settings: Settings | None = None) -> dict[str, Any]:
    """The settings a decision depends on, by variable (``DECISION_VALUES``, ``DECISION_FILES``): part of the batch
    decision cache's key and of its checkpoint, and sent with every batch task so a worker that would decide
    otherwise refuses (``settings_differences``)."""
    settings = settings or get_settings()
    values: dict[str, Any] = {name: getattr(settings, attr) for name, attr in DECISION_VALUES.items()}
    return values | {name: _files(getattr(settings, attr)) for name, attr in DECISION_FILES.items()}


def settings_differences(client: dict[str, Any], here: dict[str, Any]) -> list[str]:
    """Each decision setting in which ``here`` (a worker's) differs from ``client``, as a phrase naming it."""
    found = []
    for name in sorted(set(client) | set(here)):
        theirs, ours = client.get(name), here.get(name)
        if theirs == ours:
            continue
        if name not in DECISION_FILES:
            found.append(f"{name} is {ours!r} here and {theirs!r} on the client")
            continue
        kind = _FILE_KIND[name]
        mine = {tuple(f) for f in ours or []}
        lacks = [n for n, h in theirs or [] if (n, h) not in mine]
        extra = [n for n, h in ours or [] if (n, h) not in {tuple(f) for f in theirs or []}]
        if lacks:
            found.append(f"{name}: this worker lacks the client's {kind} file(s) {', '.join(lacks)}")
        if extra:
            found.append(f"{name}: this worker has {kind} file(s) the client does not: {', '.join(extra)}")
        if not lacks and not extra:
            found.append(f"{name}: this worker reads the {kind} files in another order than the client")
    return found


__all__ = ["Settings", "SettingsError", "decision_settings", "get_settings", "settings_differences"]
