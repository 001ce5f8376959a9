"""Documentation of every diagnostic code: why it matters, an anti-pattern, the fix.

`docs/lint-codes.md` is generated from this table (`python -m compliance.check.codes`),
and CI checks the file is current.
"""
from __future__ import annotations

from dataclasses import dataclass

from compliance.diagnostics import CODES

GROUPS = {"E1": "syntax", "E2": "reference", "E3": "type", "W4": "style"}


@dataclass(frozen=True)
class CodeDoc:
    why: str
    bad: str
    fix: str


CODE_DOCS: dict[str, CodeDoc] = {
    "E101": CodeDoc("The file does not follow the grammar; nothing in it can run.",
                    'rule A-B { for tickets require first_reply_at within 24 h after }',
                    'rule A-B { for tickets require first_reply_at within 24 h after created_at }'),
    "E102": CodeDoc("A literal that looks right but is not a real value (month 13, 25:00).",
                    "param cutoff = 2024-13-01", "param cutoff = 2024-12-01"),
    "E103": CodeDoc("A clause such as `require` or `title` given twice is ambiguous.",
                    "require a is set\n  require b is set", "require a is set and b is set"),
    "E201": CodeDoc("The rule reads a dataset no file declares.", "for ticket where kind = \"complaint\"",
                    "for tickets where kind = \"complaint\""),
    "E202": CodeDoc("A field the dataset does not declare would be empty for every record.",
                    "require frist_reply_at is set", "require first_reply_at is set"),
    "E203": CodeDoc("A name that is neither a field, a parameter nor a built-in (as_of, period_start ...).",
                    "require rings <= max_ring", "param max_rings = 3\n  require rings <= max_rings"),
    "E204": CodeDoc("Working time is counted on a calendar that must be defined.", "calendar ofice",
                    "calendar office"),
    "E205": CodeDoc("Findings are traced by rule ID; two rules with one ID cannot be told apart.",
                    "rule COMPLAINT-REPLY-24H { ... }  # in two files", "give each rule its own ID"),
    "E206": CodeDoc("The function does not exist.", "require weekdy(date) = 7", "require weekday(date) = 7"),
    "E207": CodeDoc("An imported file cannot be read.", 'import "dataset.rules"', 'import "datasets.rules"'),
    "E208": CodeDoc("A dataset, calendar, parameter or field defined twice.", "param limit = 1 h\nparam limit = 2 h",
                    "param limit = 1 h"),
    "E209": CodeDoc("The clauses do not form a rule of a known kind (record, grouped, cadence, sequence, "
                    "coverage, derive).", "rule A-B { require x is set }", "rule A-B { for tickets require x is set }"),
    "E210": CodeDoc("An unknown period, severity, type, day or holiday source.", "per fortnight", "per week"),
    "E211": CodeDoc("Names starting with two underscores are the engine's own columns (row numbers, "
                    "rejection flags, period bounds); a field by such a name would be mistaken for them.",
                    "__row: int", "source_row: int"),
    "E301": CodeDoc("Values of different kinds cannot be compared or combined.", 'require rings <= "3"',
                    "require rings <= 3"),
    "E302": CodeDoc("Working time only means something on a calendar.",
                    "require decided_at within 1 working day after created_at",
                    "calendar office\n  require decided_at within 1 working day after created_at"),
    "E303": CodeDoc("A function was given the wrong number of arguments.", "if(a, b)", "if(a, b, c)"),
    "E304": CodeDoc("Patterns run on RE2, which has no back-references or look-arounds.",
                    'ticket_id matches "(\\\\d)\\\\1"', 'ticket_id matches "^[0-9]{9}$"'),
    "E305": CodeDoc("An aggregate where a record value is expected, or a record field outside an aggregate "
                    "in a grouped rule.", "group by agent_id per month require rings <= 2",
                    "group by agent_id per month require count() <= 2"),
    "E306": CodeDoc("format() patterns are strftime patterns; an unknown specifier fails every record.",
                    'format(created_at, "%Q")', 'format(created_at, "%y%m%d")'),
    "W401": CodeDoc("A rule must cite the clause it enforces, so a finding can be defended.",
                    "rule A-B { title \"x\" severity minor for ... }",
                    'rule A-B { ... source "001 4.4.3: 所有投诉问题必须在24小时内作出回复" ... }'),
    "W402": CodeDoc("Reports and exit codes rely on a title and a severity (default: major).",
                    "rule A-B { for tickets require x is set }", 'title "..." severity minor'),
    "W403": CodeDoc("A parameter no expression reads: a site override would silently do nothing.",
                    "param limit = 24 h  # never used", "use it, or remove it"),
    "W404": CodeDoc("A threshold no data can meet fails (or passes) every time.", "require share(x) >= 120%",
                    "require share(x) >= 98%"),
}


def markdown() -> str:
    out = ["# Lint codes", "",
           "`compliance lint` reports every problem as `file:line:col: CODE message`. Codes are stable: "
           "E1xx syntax, E2xx reference, E3xx type (errors), W4xx style (warnings). "
           "This page is generated from `compliance/check/codes.py`.", "",
           "| code | group | summary |", "|---|---|---|"]
    for code in sorted(CODES):
        out.append(f"| [{code}](#{code.lower()}) | {GROUPS[code[:2]]} | {CODES[code]} |")
    for code in sorted(CODES):
        doc = CODE_DOCS[code]
        out += ["", f"## {code}", "", f"**{CODES[code]}.** {doc.why}", "", "Anti-pattern:", "", "```",
                doc.bad, "```", "", "Best practice:", "", "```", doc.fix, "```"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
