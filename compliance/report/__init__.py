"""Output formats for a `RunResult`, looked up by name.

Every format is a pure function of the result: `render(result, stream)`. Text formats
write to a text stream; binary ones (xlsx) need a binary stream, which `Renderer.binary`
tells the caller before it opens the output.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import IO, Any

from .model import RunResult


@dataclass(frozen=True)
class Renderer:
    """A format's module is imported when the format is used (openpyxl, behind xlsx,
    costs more to import than a small check takes to run)."""
    name: str
    module: str
    binary: bool
    extension: str  # file suffix a caller can use when it names the output

    def render(self, result: RunResult, stream: IO[Any]) -> None:
        importlib.import_module(f"{__name__}.{self.module}").render(result, stream)


FORMATS: dict[str, Renderer] = {
    "table": Renderer("table", "table", False, ".txt"),
    "json": Renderer("json", "json_report", False, ".json"),
    "csv": Renderer("csv", "csv_report", False, ".csv"),
    "junit": Renderer("junit", "junit", False, ".xml"),
    "xlsx": Renderer("xlsx", "xlsx", True, ".xlsx"),
}


class UnknownFormat(ValueError):
    pass


def render(result: RunResult, fmt: str, stream: IO[Any]) -> None:
    """Write `result` in format `fmt`; the stream must be binary iff the format is."""
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        known = ", ".join(FORMATS)
        raise UnknownFormat(f"unknown report format {fmt!r}; choose one of {known}") from None
    renderer.render(result, stream)


__all__ = ["FORMATS", "Renderer", "UnknownFormat", "render"]
