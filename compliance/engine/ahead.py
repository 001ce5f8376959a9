"""The JSON text of a run's findings, made in a background thread while later rules run.

Turning failing rows into report text is Python (one core at a time); running a rule
is DuckDB, which lets go of Python while it works. One after the other, a core idles
through each. The writer thread takes each rule's failing rows as soon as the rule has
run and makes their report text, which the report then only copies out, in order.

At most `AHEAD_CHUNKS` chunks of text wait at once: past that the writer waits for
the report, so a run with millions of findings holds a bounded amount of text.
"""
from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Iterator

AHEAD_CHUNKS = 16  # chunks of text (FETCH_ROWS findings each) made ahead at most
# While the writer runs, the thread running rules must get Python back quickly each
# time DuckDB returns: a shorter switch interval than the default 5 ms.
SWITCH_INTERVAL = 0.0005
_DONE = object()


class _Failed:
    def __init__(self, exc: BaseException):
        self.exc = exc


class AheadWriter:
    """Writes the parts of a `FindingStream` given by `add` (then None: no more),
    reading on `con`, a cursor of the run's database that only this thread uses."""

    def __init__(self, stream, con):
        self._stream = stream
        self._con = con
        self._parts: queue.Queue = queue.Queue()
        self._out: queue.Queue = queue.Queue(maxsize=AHEAD_CHUNKS)
        self._stop = threading.Event()
        self._interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._interval, SWITCH_INTERVAL))
        self._thread = threading.Thread(target=self._run, name="findings-ahead", daemon=True)
        self._thread.start()

    def add(self, part) -> None:
        self._parts.put(part)

    def texts(self) -> Iterator[str]:
        """Every finding's text, in order, as the writer makes it; its error, if any,
        is raised where the report reaches the rule it came from."""
        try:
            while (item := self._out.get()) is not _DONE:
                if isinstance(item, _Failed):
                    raise item.exc
                yield from item
        finally:
            self.stop()

    def stop(self) -> None:
        """End the writer (done or not) and give the switch interval back."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._parts.put(None)
        self._thread.join()
        sys.setswitchinterval(self._interval)

    def _run(self) -> None:
        try:
            while (part := self._parts.get()) is not None:
                for texts in self._stream.json_chunks(part, self._con):
                    if not self._put(texts):
                        return
            self._put(_DONE)
        except BaseException as exc:  # handed to the report, which raises it in order
            self._put(_Failed(exc))
        finally:
            self._con.close()

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._out.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False
