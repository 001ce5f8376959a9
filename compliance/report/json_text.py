"""JSON text exactly as the JSON report writes it, for callers that assemble an item's
text from pieces instead of handing a dict to the encoder.

A report item built as a dict, copied by `to_dict` and walked by the generic encoder
costs several times what its text costs when written from fragments worked out once
per rule. `compact` is the encoder the report uses; `string` and `scalar` give the same
text for one value, so an item assembled from them is byte for byte what `compact`
makes of the equivalent dict (tests hold the two to that).
"""
from __future__ import annotations

import json
import math
from json.encoder import encode_basestring  # what the encoder uses with ensure_ascii=False
from typing import Any

# One encoder for every item (json.dumps with options builds a new one per call). Items
# are fresh trees of plain data, so the check for circular references is not needed.
compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "), check_circular=False).encode

string = encode_basestring


def scalar(value: Any) -> str:
    """A str, int, float, bool or None as `compact` writes it (anything else too, by
    handing it to `compact`)."""
    cls = value.__class__
    if cls is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if cls is bool:
        return "true" if value else "false"
    if cls is int:
        return int.__repr__(value)
    if cls is float and math.isfinite(value):
        return float.__repr__(value)
    return compact(value)


def key(name: str) -> str:
    """The text before a member's value: `"name": `."""
    return encode_basestring(name) + ": "
