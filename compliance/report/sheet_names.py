"""Worksheet names Excel accepts: at most 31 characters, none of []:*?/\\, not blank,
no leading or trailing apostrophe, and unique ignoring case."""
from __future__ import annotations

import re

MAX_LENGTH = 31
_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
RESERVED = {"history"}  # Excel keeps this name for change tracking


class SheetNames:
    """Hands out sanitised names, adding ` (2)`, ` (3)`, ... to repeats."""

    def __init__(self, taken: tuple[str, ...] = ()):
        self._taken = {name.casefold() for name in taken} | RESERVED

    def claim(self, wanted: str) -> str:
        base = _FORBIDDEN.sub("_", wanted).strip().strip("'").strip() or "Sheet"
        name = base[:MAX_LENGTH]
        number = 1
        while name.casefold() in self._taken:
            number += 1
            suffix = f" ({number})"
            name = base[:MAX_LENGTH - len(suffix)].rstrip() + suffix
        self._taken.add(name.casefold())
        return name
