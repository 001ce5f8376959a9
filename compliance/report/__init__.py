"""Output formats for a `RunResult`, looked up by name.

Every format is a pure function of the result: `render(result, stream)`. Text formats
write to a text stream; binary ones (xlsx) need a binary stream, which `Renderer.binary`
tells the caller before it opens the output.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any, Callable

from . import csv_report, json_report, junit, table, xlsx
from .model import RunResult


@dataclass(frozen=True)
class Renderer:
    name: str
    render: Callable[[RunResult, IO[Any]], None]
    binary: bool
    extension: str  # file suffix a caller can use when it names the output


def _renderer(name: str, module: Any, extension: str) -> Renderer:
    return Renderer(name, module.render, module.BINARY, extension)


FORMATS: dict[str, Renderer] = {
    "table": _renderer("table", table, ".txt"),
    "json": _renderer("json", json_report, ".json"),
    "csv": _renderer("csv", csv_report, ".csv"),
    "junit": _renderer("junit", junit, ".xml"),
    "xlsx": _renderer("xlsx", xlsx, ".xlsx"),
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
