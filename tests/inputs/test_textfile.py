"""The byte scan that decides whether row numbers must be counted in Python."""
from __future__ import annotations

import pytest

from compliance.inputs import textfile


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
@pytest.mark.parametrize("content, spaces, expected", [
    (b"a,b\n1,2\n", False, False),
    (b"a,b\n1,2\n\n", False, False),          # trailing blank lines shift nothing
    (b"a,b\n1,2\n\n\r\n", False, False),
    (b"a,b\n\n1,2\n", False, True),
    (b"\na,b\n1,2\n", False, True),             # blank line before the header
    (b"a,b\r\n\r\n1,2\r\n", False, True),
    (b"a,b\n  \n1,2\n", False, False),          # a line of spaces is a (ragged) record
    (b'{"a":1}\n  \t\n{"a":2}\n', True, True),
    (b'{"a":1}\n{"a":2}\n \n', True, False),
])
def test_has_inner_blank_line(tmp_path, monkeypatch, chunk, content, spaces, expected):
    monkeypatch.setattr(textfile, "CHUNK", chunk)
    path = tmp_path / "f"
    path.write_bytes(content)
    assert textfile.has_inner_blank_line(str(path), spaces=spaces) is expected
