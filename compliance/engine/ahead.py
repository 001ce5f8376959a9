"""The JSON text of a run's findings, made in a background thread while later rules run.

Turning failing rows into report text is Python (one core at a time); running a rule
is DuckDB, which lets go of Python while it works. One after the other, a core idles
through each. The writer thread takes each rule's failing rows as soon as the rule has
run and makes their report text, which the report then only copies out, in order.

The writer never waits for the report: text made ahead is held in memory up to
`AHEAD_BYTES`, and past that appended to a spool file in the run's temporary directory
(the one DuckDB spills to), read back in turn. Memory stays bounded however many
findings a run has, and the writer is done by the time the last rule is.
"""
from __future__ import annotations

import os
import queue
import sys
import tempfile
import threading
from collections.abc import Iterator

from compliance.engine.errors import DataError

AHEAD_BYTES = 64 << 20  # memory the text held may take at most; the rest goes to the spool file
# While a writer runs, the thread running rules must get Python back quickly each time
# DuckDB returns: a shorter switch interval than the default 5 ms, set while any writer
# thread is alive and given back when the last one ends.
SWITCH_INTERVAL = 0.0005
_DONE = object()
_writers = 0
_writers_lock = threading.Lock()
_interval_before = 0.0


def _writer_started() -> None:
    global _writers, _interval_before
    with _writers_lock:
        if _writers == 0:
            _interval_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_interval_before, SWITCH_INTERVAL))
        _writers += 1


def _writer_ended() -> None:
    global _writers
    with _writers_lock:
        _writers -= 1
        if _writers == 0:
            sys.setswitchinterval(_interval_before)


class _Failed:
    def __init__(self, exc: BaseException):
        self.exc = exc


class _Spooled:
    """`count` texts, one per line, next in the spool file."""

    def __init__(self, count: int):
        self.count = count


class AheadWriter:
    """Writes the parts of a `FindingStream` given by `add` (then None: no more),
    reading on `con`, a cursor of the run's database that only this thread uses; the
    spool file, if needed, goes to `spill_dir`."""

    def __init__(self, stream, con, spill_dir: str | None = None):
        self._stream = stream
        self._con = con
        self._spill_dir = spill_dir
        self._parts: queue.Queue = queue.Queue()
        self._out: queue.Queue = queue.Queue()
        self._held = 0  # memory taken by the text in `_out`
        self._lock = threading.Lock()
        self._spool_in = self._spool_out = None
        self._made_dir: str | None = None  # the spill directory, when the spool made it
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="findings-ahead", daemon=True)
        _writer_started()
        try:
            self._thread.start()
        except BaseException:
            _writer_ended()
            raise

    def add(self, part) -> None:
        self._parts.put(part)

    def texts(self) -> Iterator[str]:
        """Every finding's text, in order, as the writer makes it; its error, if any,
        is raised where the report reaches the rule it came from."""
        try:
            while (item := self._out.get()) is not _DONE:
                if isinstance(item, _Failed):
                    raise item.exc
                if isinstance(item, _Spooled):
                    lines = self._spool_in
                    for _ in range(item.count):
                        yield lines.readline()[:-1].decode("utf-8")
                    continue
                with self._lock:
                    self._held -= sum(map(sys.getsizeof, item))
                yield from item
        finally:
            self.stop()

    def stop(self) -> None:
        """End the writer (done or not) and remove its spool file. A pass still reading
        gets what was made before, then an error, never a wait without end."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._parts.put(None)
        self._thread.join()
        self._out.put(_Failed(RuntimeError("the findings were closed before the report was written")))
        for f in (self._spool_in, self._spool_out):
            if f is not None:
                f.close()
        if self._made_dir:
            try:
                os.rmdir(self._made_dir)  # only if empty: DuckDB may spill there too
            except OSError:
                pass

    def _run(self) -> None:
        try:
            while (part := self._parts.get()) is not None and not self._stop.is_set():
                for texts in self._stream.json_chunks(part, self._con):
                    if self._stop.is_set():
                        return
                    self._put(texts)
            self._out.put(_DONE)
        except BaseException as exc:  # handed to the report, which raises it in order
            self._out.put(_Failed(exc))
        finally:
            self._con.close()
            _writer_ended()

    def _put(self, texts: list[str]) -> None:
        size = sum(map(sys.getsizeof, texts))
        with self._lock:
            in_memory = self._held + size <= AHEAD_BYTES
            if in_memory:
                self._held += size
        if in_memory:
            self._out.put(texts)
            return
        if self._spool_out is None:
            self._open_spool()
        self._spool_out.write(("\n".join(texts) + "\n").encode("utf-8"))
        self._spool_out.flush()
        self._out.put(_Spooled(len(texts)))

    def _open_spool(self) -> None:
        """A file only this run sees: opened twice (written here, read by the report),
        then unlinked, so it goes away with the run whatever happens."""
        directory = self._spill_dir or tempfile.gettempdir()
        try:
            existed = os.path.isdir(directory)
            os.makedirs(directory, exist_ok=True)  # DuckDB may be making it too
            if not existed:
                self._made_dir = directory
            fd, path = tempfile.mkstemp(prefix="findings-", suffix=".jsonl", dir=directory)
        except OSError as exc:
            raise DataError(f"cannot write to the temporary directory {directory} "
                            f"({exc.strerror or exc}); set engine: temp_directory in the site config") from None
        try:
            self._spool_out = os.fdopen(fd, "wb")
            self._spool_in = open(path, "rb")
        finally:
            os.unlink(path)
