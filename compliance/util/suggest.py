"""'Did you mean' hints for unknown names."""
from __future__ import annotations

import difflib


def close_matches(name: str, candidates: list[str], n: int = 3) -> list[str]:
    pool = sorted(set(candidates))
    lowered = {c.lower(): c for c in pool}
    found = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.6)
    return [lowered[f] for f in found]


def did_you_mean(name: str, candidates: list[str]) -> str:
    found = close_matches(name, candidates)
    if not found:
        return ""
    return "; did you mean " + " or ".join(found) + "?"
