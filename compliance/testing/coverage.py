"""Which rules no test case compares (`compliance test --coverage`)."""
from __future__ import annotations

from dataclasses import dataclass

from compliance.check.program import check_paths
from compliance.testing.cases import load_case_file


@dataclass
class Coverage:
    rules: list[str]
    covered: set[str]

    @property
    def percent(self) -> float:
        return 100.0 * len(self.covered & set(self.rules)) / len(self.rules) if self.rules else 100.0

    def uncovered(self) -> list[str]:
        return [r for r in self.rules if r not in self.covered]

    def text(self) -> str:
        out = f"rule coverage: {len(self.covered & set(self.rules))}/{len(self.rules)} ({self.percent:.1f} %)\n"
        for r in self.uncovered():
            out += f"  no test case: {r}\n"
        return out


def coverage_report(files: list[str], results) -> Coverage:
    rules: list[str] = []
    covered: set[str] = set()
    for f in files:
        cf = load_case_file(f)
        program = check_paths(cf.rule_paths, cf.config.params)
        for r in program.rules:
            if r.id not in rules:
                rules.append(r.id)
        for case in cf.cases:
            covered |= set(case.rules) if case.rules else {e["rule"] for e in case.expect}
    return Coverage(sorted(rules), covered)
