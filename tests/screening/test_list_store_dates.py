"""Two loads of one content (the embedded CSL, and the same file stored by ``lists update --list-date``) differ
only in their list date: same hits, entry hashes and listing dates; a previous load keeps its recorded date."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path

import pytest

from chipclear.screening import ListStore, Screener, load_embedded

SOURCE = Path(str(resources.files("chipclear.screening") / "data" / "csl-2026-07-31.json"))


@pytest.fixture()
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ListStore:
    monkeypatch.setenv("CHIPCLEAR_LISTS_DIR", str(tmp_path / "lists"))
    return ListStore()


def test_one_content_two_list_dates_give_the_same_answers(store: ListStore) -> None:
    # Root cause of the follow-up: the Entity List parse (addresses, dated citations) was joined only into the
    # embedded load, so the same file stored with --list-date 2026-10-28 lost Sophgo's listing date (screened as
    # listed on every date) and every EL entry hash changed (reviews no longer applied).
    store.update(str(SOURCE), list_date=dt.date(2026, 10, 28), allow_redate=True)
    embedded, stored = Screener(load_embedded()), Screener(store.load_active())
    assert embedded.lists.content_sha256 == stored.lists.content_sha256
    assert (embedded.lists.list_date, stored.lists.list_date) == (dt.date(2026, 7, 31), dt.date(2026, 10, 28))
    a = embedded.search("Sophgo Technologies Ltd.", country="CN").hits[0]
    b = stored.search("Sophgo Technologies Ltd.", country="CN").hits[0]
    assert a.listed_on == b.listed_on == "2025-01-16"
    assert (
        a.listing
        == b.listing
        == (
            "added 2025-01-16, 90 FR 4621; in force from 2025-01-16 (90 FR 4617 (FR Doc 2025-00704); 90 FR 4621 (FR Doc"
            " 2025-00480), H)"
        )
    )
    assert a.entry_hash == b.entry_hash
    assert sum(1 for x in embedded.listings.values() if x.listed_on) == sum(
        1 for x in stored.listings.values() if x.listed_on
    )


def test_previous_load_keeps_its_recorded_date_when_two_updates_share_the_content(store: ListStore) -> None:
    # Stored files are named by content hash, so both updates share one file; --since-lists previous reloaded it
    # and took the date inside it (2026-07-31), not the date recorded for the previous version (2026-10-28).
    from chipclear.batch.runner import _earlier_lists

    first = store.update(str(SOURCE), list_date=dt.date(2026, 10, 28), allow_redate=True)
    second = store.update(str(SOURCE), list_date=dt.date(2026, 7, 31), allow_older=True)
    assert second.previous_version == first.version and first.version.startswith("2026-10-28:")
    assert store.load_active().version == second.version
    previous = store.load_previous()
    assert previous is not None and previous.version == first.version
    assert _earlier_lists("previous", second.version).version == first.version


def test_a_list_date_cannot_make_a_list_newer_or_older_than_it_is(store: ListStore) -> None:
    # A door audit (2026-12-07): `lists update --list-date` replaced the file's own date, and nothing stopped a list
    # from going back in time; the list date decides when the lists are stale (and lines hold).
    from chipclear.errors import InputError

    with pytest.raises(InputError, match="not the file's own date 2026-07-31"):
        store.update(str(SOURCE), list_date=dt.date(2026, 12, 1))
    with pytest.raises(InputError, match="after today"):
        store.update(str(SOURCE), list_date=dt.date.today() + dt.timedelta(days=1), allow_redate=True)
    assert store.current() is None  # nothing stored by a refused update
    redated = store.update(str(SOURCE), list_date=dt.date(2026, 10, 28), allow_redate=True)
    info = store.current()
    assert info is not None and info["file_list_date"] == "2026-07-31" and redated.list_date == "2026-10-28"
    with pytest.raises(InputError, match=r"older than the list in use \(2026-10-28\); pass --allow-older"):
        store.update(str(SOURCE))  # its own date, 2026-07-31
    assert store.load_active().version == redated.version
    back = store.update(str(SOURCE), allow_older=True)
    assert back.list_date == "2026-07-31" and store.current()["file_list_date"] is None  # type: ignore[index]


def test_an_undated_list_does_not_replace_a_dated_one_unless_said_so(store: ListStore, tmp_path: Path) -> None:
    # a door audit (2026-12-07): an undated FtM export replaced the dated list without --allow-older
    from chipclear.errors import InputError

    export = tmp_path / "lists.ftm.jsonl"
    lines = [json.dumps({"id": "x1", "schema": "Company", "properties": {"name": ["Acme Listed Co"]}})]
    export.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="the list has no date, and the list in use is dated 2026-07-31"):
        store.update(str(export), fmt="ftm-jsonl", allow_shrink=True)
    assert store.current() is None
    assert store.update(str(export), fmt="ftm-jsonl", allow_shrink=True, allow_older=True).list_date is None
