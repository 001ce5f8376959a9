"""Findings spill to disk past a threshold and come back in order, every time."""
from __future__ import annotations

from compliance.report.model import Finding, Location
from compliance.report.store import SpillList


def make(i: int) -> Finding:
    return Finding(f"R-{i % 3}", "标题", "minor", "violation", "tickets", {"ticket_id": f"T{i}"}, f"m{i}",
                   {"x": i}, [Location("a.csv", i + 2)], 1)


def test_spills_and_iterates_in_order_repeatedly():
    store = SpillList(threshold=7)
    for start in range(0, 30, 5):
        store.extend(make(i) for i in range(start, start + 5))
    assert len(store) == 30 and store._chunks >= 3
    first = [f.subject["ticket_id"] for f in store]
    assert first == [f"T{i}" for i in range(30)]
    assert [f.message for f in store] == [f"m{i}" for i in range(30)]  # a second pass reads the file again
    assert store[12].locations[0].row == 14


def test_small_lists_stay_in_memory():
    store = SpillList([make(1)])
    assert store._file is None and bool(store) and len(store) == 1


def test_spilled_state_covers_every_field():
    import dataclasses

    from compliance.report.model import _FINDING_FIELDS

    assert [f.name for f in dataclasses.fields(Finding)] == list(_FINDING_FIELDS)
