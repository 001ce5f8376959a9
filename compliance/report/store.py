"""A list of findings that spills to a temporary file once it grows large (100 000 items).

A run over tens of millions of rows can produce a million findings; holding them all
as objects would dominate memory. Findings are appended in report order, kept in
memory up to a threshold, then written in pickled chunks to an anonymous temporary
file and read back chunk by chunk whenever the report iterates them.
"""
from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any


class SpillList:
    def __init__(self, items: Iterable[Any] = (), threshold: int = 100_000):
        self.threshold = threshold
        self._buffer: list[Any] = []
        self._file: IO[bytes] | None = None
        self._chunks = 0
        self._len = 0
        self.extend(items)

    def extend(self, items: Iterable[Any]) -> None:
        for item in items:
            self._buffer.append(item)
            self._len += 1
        if len(self._buffer) >= self.threshold:
            self._spill()

    def append(self, item: Any) -> None:
        self.extend((item,))

    def _spill(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="compliance-findings-")
        self._file.seek(0, 2)
        pickle.dump(self._buffer, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._chunks += 1
        self._buffer = []

    def __iter__(self) -> Iterator[Any]:
        if self._file is not None:
            self._file.seek(0)
            for _ in range(self._chunks):
                yield from pickle.load(self._file)
        yield from list(self._buffer)

    def __len__(self) -> int:
        return self._len

    def __bool__(self) -> bool:
        return self._len > 0

    def __getitem__(self, index):
        if isinstance(index, slice) or index < 0:
            return list(self)[index]
        for i, item in enumerate(self):
            if i == index:
                return item
        raise IndexError(index)

    def __eq__(self, other) -> bool:
        return list(self) == list(other)

    def __repr__(self) -> str:
        return f"SpillList({self._len} items, {self._chunks} chunks on disk)"
