"""What a data path names: the file, an optional `#Sheet`, and the reader its extension picks."""
from __future__ import annotations

import os

from .errors import InputError

# extension -> format; `.txt` is delimited text whose delimiter is sniffed from the header
FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "txt",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "xlsx",
}


def file_format(path: str, where: str | None = None) -> str:
    ext = os.path.splitext(path)[1].lower()
    if ext in FORMATS:
        return FORMATS[ext]
    where = where or path
    if ext in (".xls", ".et"):
        raise InputError(f"{where}: old binary spreadsheet format '{ext}' is not supported; save it as .xlsx")
    known = " ".join(FORMATS)
    raise InputError(f"{where}: unsupported file type '{ext or '(none)'}' (expected one of {known})")


def split_sheet(spec: str) -> tuple[str, str | None]:
    """`book.xlsx#Sheet1` -> ("book.xlsx", "Sheet1"). A path that exists as written is
    taken whole, so a file name containing '#' still works."""
    if "#" not in spec or os.path.exists(spec):
        return spec, None
    path, sheet = spec.rsplit("#", 1)
    if not os.path.exists(path):
        return spec, None  # reported as not found, under the name the user gave
    if not sheet:
        raise InputError(f"{spec}: empty sheet name after '#'")
    if file_format(path, spec) != "xlsx":
        raise InputError(f"{spec}: '#sheet' applies only to .xlsx workbooks")
    return path, sheet


def check_file(path: str, where: str | None = None) -> None:
    where = where or path
    if os.path.isdir(path):
        raise InputError(f"{where}: is a directory, expected a file")
    if not os.path.isfile(path):
        raise InputError(f"{where}: file not found")
