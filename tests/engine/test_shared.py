"""Rules on the same conversation waits share one stored relation, with the same rows
they would get each on its own."""
from __future__ import annotations

import datetime as dt
import os

import duckdb

from compliance.check.program import load_program
from compliance.compile.periods import parse_period
from compliance.engine.config import load_config
from compliance.engine.run import compile_rules
from compliance.engine.shared import SharedRelations

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GREET, REPLY, OTHER = "CHAT-GREET-15S", "CHAT-REPLY-20S", "SEQ-OTHER-WAIT"

# a wait rule on other messages: its waits are not the chat rules' waits
OTHER_RULE = f"""
rule {OTHER} {{
  title "t"
  severity minor
  source "s"
  for chat_messages
  wait by session_id from sender = "agent" to sender = "customer"
  require wait_end within 20 s after wait_start
}}
"""


def _compiled(tmp_path):
    (tmp_path / "other.rules").write_text('import "' + os.path.join(ROOT, "rules", "datasets.rules") + '"\n'
                                          + OTHER_RULE, encoding="utf-8")
    program = load_program([os.path.join(ROOT, "rules"), str(tmp_path / "other.rules")], load_config(None).params)
    rules = compile_rules(program, parse_period("2024"), dt.datetime(2024, 12, 31), only={GREET, REPLY, OTHER})
    return {c.rule.id: c for c in rules}


def _chat(con) -> None:
    con.execute("CREATE TABLE v_chat_messages (__rowid BIGINT, session_id VARCHAR, sent_at TIMESTAMP, "
                "sender VARCHAR, agent_id VARCHAR)")
    rows = []
    for s in range(40):
        t = dt.datetime(2024, 3, 1, 9) + dt.timedelta(hours=s)
        for i, (sender, gap) in enumerate([("customer", 0), ("agent", 5 + s), ("customer", 30),
                                           ("customer", 2), ("agent", 3 * s), ("customer", 7)]):
            t += dt.timedelta(seconds=gap)
            rows.append((len(rows) + 1, f"S{s}", t, sender, "A1"))
    con.executemany("INSERT INTO v_chat_messages VALUES (?, ?, ?, ?, ?)", rows)


def _rows(con, sql) -> list:
    return con.execute(f"{sql.sql(dialect='duckdb')}").fetchall()


def test_the_two_chat_rules_read_one_stored_relation_and_get_the_same_rows(tmp_path):
    compiled = _compiled(tmp_path)
    con = duckdb.connect()
    _chat(con)
    alone = {rid: _rows(con, c.sql) for rid, c in compiled.items()}
    assert alone[GREET] and alone[REPLY] and alone[OTHER]

    shared = SharedRelations(con, [compiled[GREET], compiled[OTHER], compiled[REPLY]])
    tables = lambda: {r[0] for r in con.execute(  # noqa: E731
        "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '__shared%'").fetchall()}
    got = {}
    for rid in (GREET, OTHER, REPLY):
        sql = shared.use(compiled[rid])
        got[rid] = _rows(con, sql)
        reads_stored = "__shared_" in sql.sql(dialect="duckdb")
        assert reads_stored == (rid != OTHER), rid
        if rid != REPLY:
            assert tables() == {"__shared_0"}  # kept while a later rule still reads it
        shared.done(compiled[rid])
    assert got == alone
    assert tables() == set()  # dropped after its last reader


def test_a_relation_only_one_rule_reads_is_not_stored(tmp_path):
    compiled = _compiled(tmp_path)
    con = duckdb.connect()
    _chat(con)
    shared = SharedRelations(con, [compiled[GREET]])
    assert shared.use(compiled[GREET]) is compiled[GREET].sql
