"""Relations several rules compute alike, computed once per run.

Two rules on the same conversation waits (a greeting limit and a reply limit) number
and pair the same messages; that ordering is most of either rule's cost. A compiled
rule lists such subqueries (`CompiledRule.shareable`); those that occur in more than one
of the run's rules are stored in a table on first use, read by each rule in place of
the subquery, and dropped after the last one.
"""
from __future__ import annotations

from collections import Counter

from sqlglot import exp

from compliance.compile.queries import CompiledRule
from compliance.engine.sql import ident


class SharedRelations:
    def __init__(self, con, rules: list[CompiledRule]):
        self.con = con
        self._uses = Counter(_key(sub) for c in rules for sub in c.shareable)
        self._left = Counter(self._uses)
        self._tables: dict[str, str] = {}
        self._made = 0

    def use(self, compiled: CompiledRule) -> exp.Expression:
        """The rule's query, reading stored relations for the shared parts (stored now
        if this rule is the first to need them)."""
        stored: dict[str, str] = {}
        for sub in compiled.shareable:
            key = _key(sub)
            if self._uses[key] < 2:  # this rule's alone
                continue
            if key not in self._tables:
                self._tables[key] = f"__shared_{self._made}"
                self._made += 1
                self.con.execute(f"CREATE TEMP TABLE {ident(self._tables[key])} AS {key}")
            stored[key] = self._tables[key]
        if not stored:
            return compiled.sql

        def swap(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Subquery) and node.alias and _key(node) in stored:
                return exp.to_table(stored[_key(node)]).as_(node.alias)
            return node
        return compiled.sql.transform(swap)

    def done(self, compiled: CompiledRule) -> None:
        """After the rule ran: drop what no later rule reads."""
        for sub in compiled.shareable:
            key = _key(sub)
            self._left[key] -= 1
            if self._left[key] == 0 and key in self._tables:
                self.con.execute(f"DROP TABLE {ident(self._tables.pop(key))}")


def _key(sub: exp.Subquery) -> str:
    return sub.this.sql(dialect="duckdb")
