"""Short text forms of subjects and input locations, shared by the text formats."""
from __future__ import annotations

from .model import Finding


def more_locations(finding: Finding) -> int:
    """How many input rows stand behind the finding but are not listed."""
    return max(finding.locations_total - len(finding.locations), 0)


def locations_label(finding: Finding, skip: int = 0) -> str:
    """`file:row, file#sheet:row and N more`, leaving out the first `skip` locations."""
    parts = [loc.label() for loc in finding.locations[skip:]]
    text = ", ".join(parts)
    extra = more_locations(finding)
    if extra:
        text = f"{text} and {extra} more" if text else f"{extra} more"
    return text


def subject_label(subject: dict[str, str], sep: str = ", ") -> str:
    return sep.join(f"{key}={value}" for key, value in subject.items())


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
