"""Byte-level helpers for text exports (CSV, JSON): encoding, transcoding, blank lines.

DuckDB here reads UTF-8 only, so other encodings are decoded in Python and streamed to a
temporary UTF-8 copy; UTF-8 files are never copied, to keep large exports fast.
"""
from __future__ import annotations

import codecs
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import InputError

CHUNK = 1 << 20
FALLBACK = "gb18030"  # superset of GBK and GB2312, what Chinese Excel and ERPs write
_UTF8 = {"utf-8", "utf-8-sig"}


class BadText(InputError):
    """The file does not decode in the encoding it was read with."""


def check_encoding(name: str, where: str) -> str:
    """The codec's canonical name, or InputError for a name Python does not know."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise InputError(f"{where}: unknown encoding '{name}'") from None


def is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name in _UTF8


def sniff_encoding(path: str, display: str, kind: str) -> str:
    """Guess the encoding from the first megabyte: UTF-16 by its BOM, else strict UTF-8,
    else GB18030; anything else (or NUL bytes) is not a text file."""
    with open(path, "rb") as f:
        head = f.read(CHUNK)
        complete = not f.read(1)
    if not head:
        raise InputError(f"{display}: file is empty (expected a header row)")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise InputError(f"{display}: not a text {kind} file (binary content)")
    for encoding in ("utf-8", FALLBACK):
        try:
            codecs.getincrementaldecoder(encoding)("strict").decode(head, final=complete)
        except UnicodeDecodeError:
            continue
        return encoding
    raise InputError(f"{display}: not a text {kind} file (neither UTF-8 nor GB18030)")


@contextmanager
def utf8_copy(path: str, display: str, encoding: str) -> Iterator[str]:
    """Yield a path DuckDB can read: the file itself when UTF-8, else a transcoded
    temporary copy (streamed in chunks) that is removed afterwards."""
    if is_utf8(encoding):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="compliance-inputs-") as tmp:
        dest = os.path.join(tmp, "utf8" + os.path.splitext(path)[1])
        transcode(path, dest, encoding, display)
        yield dest


def transcode(path: str, dest: str, encoding: str, display: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    with open(path, "rb") as src, open(dest, "w", encoding="utf-8", newline="") as out:
        while True:
            chunk = src.read(CHUNK)
            try:
                out.write(decoder.decode(chunk, final=not chunk))
            except UnicodeDecodeError as e:
                raise BadText(
                    f"{display}: not valid {encoding} text (bad bytes near byte {offset + e.start})"
                ) from None
            if not chunk:
                return
            offset += len(chunk)


def has_inner_blank_line(path: str, *, spaces: bool) -> bool:
    """True when some blank line (at the start or in the middle) has content after it.

    DuckDB skips blank lines, which shifts record numbers after them; callers use this
    cheap byte scan to decide whether they must count rows themselves. Trailing blank
    lines shift nothing. With `spaces`, whitespace-only lines count as blank (JSON Lines).
    """
    blank = re.compile(rb"\n[ \t\r]*\n" if spaces else rb"\n\r?\n")
    filler = b" \t\r\n" if spaces else b"\r\n"
    inline = b" \t\r" if spaces else b"\r"
    seen_blank = False
    carry = b"\n"  # the start of the file is a line start
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            buf = carry + chunk
            if seen_blank:
                if buf.strip(filler):
                    return True
                continue
            match = blank.search(buf)
            if match:
                seen_blank = True
                if buf[match.end():].strip(filler):
                    return True
                continue
            # keep a trailing partial line only while it could still turn out blank
            cut = buf.rfind(b"\n")
            carry = buf[cut:] if cut >= 0 and not buf[cut + 1:].strip(inline) else b""
    return False
