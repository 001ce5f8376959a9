"""The one exception the input stage raises, so callers need not know DuckDB, openpyxl or YAML."""
from __future__ import annotations


class InputError(Exception):
    """Bad input: message already names the file (and row/sheet/key path where known).

    `problems` holds the individual messages when several were found at once (a mapping
    file with many schema errors); `str(error)` joins them one per line.
    """

    def __init__(self, message: str | list[str]):
        problems = [message] if isinstance(message, str) else list(message)
        super().__init__("\n".join(problems))
        self.problems = problems


class OutOfMemory(InputError):
    """DuckDB's memory limit was reached while a file was read (a caller reading several
    files at once may read them one at a time instead)."""


def first_line(error: BaseException | str) -> str:
    """The useful part of a library message: its first line, without DuckDB's class prefix."""
    whole = str(error).strip()
    text = whole.splitlines()[0] if whole else type(error).__name__
    for prefix in ("Invalid Input Error: ", "IO Error: ", "Conversion Error: ", "Binder Error: "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text.strip()
