"""Turning `--data` arguments into dataset bindings, so the engine sees only {name: path}."""
from __future__ import annotations

import os
import re

from .errors import InputError
from .paths import FORMATS, check_file, file_format, split_sheet

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def bind_data(args: list[str]) -> dict[str, str]:
    """Bind `NAME=PATH` (PATH may be `book.xlsx#Sheet`), or every data file in a directory
    whose stem is a dataset-like name (`tickets.csv` -> tickets). A bare file binds by its
    stem too. Returns {name: path} in argument order."""
    bound: dict[str, str] = {}

    def add(name: str, path: str, arg: str) -> None:
        if name in bound:
            raise InputError(
                f"--data {arg}: dataset '{name}' is bound twice ({bound[name]} and {path})"
            )
        bound[name] = path

    for arg in args:
        if os.path.isdir(arg):
            found = _scan_dir(arg)
            if not found:
                kinds = " ".join(FORMATS)
                raise InputError(f"--data {arg}: no data files ({kinds}) named like a dataset in this directory")
            for name, path in found.items():
                add(name, path, arg)
        elif "=" in arg:
            name, path = arg.split("=", 1)
            name = name.strip()
            if not NAME.match(name):
                raise InputError(f"--data {arg}: '{name}' is not a dataset name (letters, digits, '_')")
            if not path:
                raise InputError(f"--data {arg}: missing path after '='")
            _check_spec(path, arg)
            add(name, path, arg)
        elif os.path.isfile(arg):
            stem = os.path.splitext(os.path.basename(arg))[0]
            if not NAME.match(stem):
                raise InputError(f"--data {arg}: cannot name a dataset after '{stem}'; use NAME=PATH")
            file_format(arg, f"--data {arg}")
            add(stem, arg, arg)
        else:
            raise InputError(f"--data {arg}: not found (expected NAME=PATH or a directory)")
    return bound


def _check_spec(spec: str, arg: str) -> None:
    path, _ = split_sheet(spec)
    check_file(path, f"--data {arg}")
    file_format(path, f"--data {arg}")


def _scan_dir(directory: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in sorted(os.listdir(directory)):
        stem, ext = os.path.splitext(entry)
        path = os.path.join(directory, entry)
        if entry.startswith(".") or ext.lower() not in FORMATS or not NAME.match(stem):
            continue
        if not os.path.isfile(path):
            continue
        if stem in found:
            raise InputError(
                f"--data {directory}: two files for dataset '{stem}': {found[stem]} and {path}"
            )
        found[stem] = path
    return found
