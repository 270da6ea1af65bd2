"""All configuration in one place, read from ``CHIPCLEAR_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir


def _paths(value: str | None) -> list[Path]:
    if not value:
        return []
    return [Path(p).expanduser() for p in value.split(os.pathsep) if p.strip()]


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    catalog_paths: list[Path] = field(default_factory=list)
    rules_paths: list[Path] = field(default_factory=list)
    model_paths: list[Path] = field(default_factory=list)  # extra AI model catalog files (CHIPCLEAR_MODELS)
    lists_dir: Path | None = None
    list_max_age_days: int = 30
    # What a shipment does when the restricted-party lists are older than ``list_max_age_days``: "hold" (default:
    # the line is held until the lists are updated) or "ship" (the deployment accepts stale lists explicitly; the
    # decision still says so). docs/ledger.md, "Stale lists".
    stale_lists_on_ship: str = "hold"
    # Screening: a hit scoring at/above the match threshold is a match; between the review threshold and the
    # match threshold it is a possible match for a person to review (docs/screening.md explains the score).
    screening_match_threshold: float = 0.88
    screening_review_threshold: float = 0.75
    # The ledger user the CLI acts as (an API key from `chipclear user add`).
    api_key: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("CHIPCLEAR_DATA_DIR") or user_data_dir("chipclear", appauthor=False))
        url = os.environ.get("CHIPCLEAR_DATABASE_URL") or f"sqlite:///{data_dir / 'chipclear.db'}"
        lists_dir = os.environ.get("CHIPCLEAR_LISTS_DIR")
        return cls(
            data_dir=data_dir,
            database_url=url,
            catalog_paths=_paths(os.environ.get("CHIPCLEAR_CATALOG")),
            rules_paths=_paths(os.environ.get("CHIPCLEAR_RULES")),
            model_paths=_paths(os.environ.get("CHIPCLEAR_MODELS")),
            lists_dir=Path(lists_dir) if lists_dir else None,
            list_max_age_days=int(os.environ.get("CHIPCLEAR_LIST_MAX_AGE_DAYS", "30")),
            stale_lists_on_ship=os.environ.get("CHIPCLEAR_STALE_LISTS_ON_SHIP", "hold").strip().lower() or "hold",
            screening_match_threshold=float(os.environ.get("CHIPCLEAR_SCREENING_MATCH_THRESHOLD", "0.88")),
            screening_review_threshold=float(os.environ.get("CHIPCLEAR_SCREENING_REVIEW_THRESHOLD", "0.75")),
            api_key=os.environ.get("CHIPCLEAR_API_KEY") or None,
        )


def get_settings() -> Settings:
    """Settings are read on each call so tests can change the environment."""
    return Settings.from_env()
