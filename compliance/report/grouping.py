"""Findings grouped under the rule they belong to, in the run's rule order."""
from __future__ import annotations

from dataclasses import dataclass, field

from .model import Finding, RuleSummary, RunResult


@dataclass
class RuleGroup:
    rule: RuleSummary
    findings: list[Finding] = field(default_factory=list)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.status == "violation"]

    @property
    def pending(self) -> list[Finding]:
        return [f for f in self.findings if f.status == "pending"]


def group_by_rule(result: RunResult) -> list[RuleGroup]:
    """One group per summarised rule, then any rule that only appears in findings.

    The second case should not happen, but a finding must never vanish from a report
    because its rule was left out of the summary.
    """
    groups = {rule.id: RuleGroup(rule) for rule in result.rules}
    stand_ins: list[RuleGroup] = []
    for finding in result.findings:
        group = groups.get(finding.rule)
        if group is None:
            stand_in = RuleSummary(finding.rule, finding.title, finding.severity, finding.dataset)
            group = groups[finding.rule] = RuleGroup(stand_in)
            stand_ins.append(group)
        group.findings.append(finding)
    for group in stand_ins:
        group.rule.violations = len(group.violations)
        group.rule.pending = len(group.pending)
    return list(groups.values())
