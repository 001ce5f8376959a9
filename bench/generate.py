#!/usr/bin/env python3
"""Synthetic customer-service exports at scale, for the benchmark.

    python bench/generate.py --scale 1 --seed 1 --out /tmp/bench-1 [--format csv|jsonl|parquet]

Writes the eight canonical datasets of STANDARDS.md §1 (tickets, calls, chat_messages,
shifts, visits, customers, agents, trainings) with their canonical headers, covering 2024
in site-local time. At scale 1: 1 M tickets, 200 k calls, ~300 k chat messages, 100 k
shifts, ~100 k visits, 20 k customers, 500 agents, 2 k trainings; every count scales
linearly (agents have a floor of 12 so that small scales still have every team).

Everything is generated inside DuckDB from `range()` with a counter-based generator:
each random draw is `hash(row, salt, seed)`, so the files are byte-identical for the same
seed and scale, whatever the thread count. Workloads are skewed (agents and customers
are picked with a Zipf-like power law), and every standard of the pack is broken by a few
percent of the records: late replies, missing timestamps, 4+ rings, late check-ins,
unreported and late swaps, missing product/batch, malformed complaint IDs, customers and
quarters without visits, agents without training, hotline gaps, slow chat greetings and
replies, late repairs, rework...

The export is a snapshot taken at 2025-01-01 00:00: an event after that instant (a reply
to a ticket of 31 December, a follow-up visit in January) is not in it. Promised times
(`due_at`, `promised_at`) may lie after it.

Complaint numbers follow AABBCCDDD, DDD counting complaints within the year; complaints
are ~0.09 % of tickets, so DDD stays below 1000 up to scale 1. Beyond that it wraps
(as it would at a site that outgrew the scheme) and COMPLAINT-ID-FORMAT reports the
shared numbers.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import duckdb

DATASETS = {
    "tickets": ["ticket_id", "kind", "channel", "cause", "severity", "customer_id", "agent_id",
                "created_at", "first_reply_at", "explained_at", "promised_at", "decided_at", "due_at",
                "resolved_at", "escalated_at", "reopened", "product", "batch_no"],
    "calls": ["call_id", "agent_id", "rang_at", "rings", "answered", "apologized", "greeted",
              "named_company", "thanked", "customer_hung_up_first", "private", "duration_s"],
    "chat_messages": ["session_id", "agent_id", "sent_at", "sender"],
    "shifts": ["shift_id", "agent_id", "team", "date", "planned_start", "planned_end", "checked_in_at",
               "status", "swap_with", "swap_reported_at", "leave_requested_at", "miss_cause"],
    "visits": ["visit_id", "customer_id", "visited_at", "kind", "visitor_role", "agent_id", "ticket_id"],
    "customers": ["customer_id", "tier", "assigned_agent", "last_purchase_at"],
    "agents": ["agent_id", "name", "team", "hired_on", "left_on"],
    "trainings": ["agent_id", "attended_on", "course"],
}
FORMATS = {"csv": "csv", "jsonl": "jsonl", "parquet": "parquet"}
GENERATOR_VERSION = 1
DAY = 86400
YEAR_DAYS = 366  # 2024
EXPORT_S = YEAR_DAYS * DAY  # 2025-01-01 00:00:00, seconds after 2024-01-01 00:00:00


def counts(scale: float) -> dict[str, int]:
    """Target row counts. chat_messages and visits come out close to, not exactly at, them."""
    def n(base: int, floor: int = 1) -> int:
        return max(int(round(base * scale)), floor)

    agents = n(500, 12)
    return {
        "tickets": n(1_000_000),
        "calls": n(200_000),
        "chat_messages": n(300_000, 6),
        "shifts": n(100_000, 3),
        "visits": n(100_000),
        "customers": n(20_000, 10),
        "agents": agents,
        "trainings": 4 * agents,  # 2 k at scale 1: one per agent and quarter, some misplaced
    }


def _setup(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    seed = int(seed)
    # u(row, salt): uniform in [0, 1), from the top 53 bits of a hash
    con.execute(f"CREATE MACRO u(a, b) AS ((hash(a, b, {seed}::BIGINT) >> 11)::DOUBLE / 9007199254740992.0)")
    # r(row, salt, lo, hi): integer uniform in [lo, hi]
    con.execute("CREATE MACRO r(a, b, lo, hi) AS (lo + floor(u(a, b) * (hi - lo + 1))::BIGINT)")
    # seconds after 2024-01-01 -> timestamp; events after the export instant are not exported
    con.execute(f"CREATE MACRO ts(x) AS CASE WHEN x <= {EXPORT_S} THEN TIMESTAMP '2024-01-01' "
                "+ to_seconds(x::BIGINT) END")
    # promised times may lie after the export
    con.execute("CREATE MACRO tsf(x) AS TIMESTAMP '2024-01-01' + to_seconds(x::BIGINT)")
    con.execute("CREATE MACRO d(x) AS DATE '2024-01-01' + (x)::INTEGER")
    # a time of day, seconds since 2024-01-01: day plus a business-hours-weighted second
    con.execute("CREATE MACRO busy_sod(a, b) AS CASE WHEN u(a, b || 'w') < 0.8 "
                "THEN 28800 + r(a, b || 's', 0, 36000 - 1) ELSE r(a, b || 's', 0, 86399) END")
    con.execute("CREATE MACRO hhmm(s) AS CASE WHEN s >= 86400 THEN '24:00' ELSE "
                "lpad((s // 3600)::VARCHAR, 2, '0') || ':' || lpad((s % 3600 // 60)::VARCHAR, 2, '0') END")
    con.execute("CREATE MACRO pick(xs, a, b) AS xs[1 + floor(u(a, b) * len(xs))::INTEGER]")


def _agents(con, n: dict[str, int]) -> dict[str, int]:
    na = n["agents"]
    con.execute(f"""
    CREATE TABLE agents AS
    WITH base AS (
      SELECT i,
        'A' || lpad((i + 1)::VARCHAR, 5, '0') AS agent_id,
        CASE WHEN i * 100 < 40 * {na} THEN 'online'
             WHEN i * 100 < 80 * {na} THEN 'hotline'
             WHEN i * 100 < 92 * {na} THEN 'service'
             ELSE 'technical' END AS team,
        pick(['王','李','张','刘','陈','杨','黄','赵','吴','周','徐','孙','马','朱','胡','郭','何','林','罗','高'], i, 'sn')
          || pick(['伟','芳','娜','敏','静','丽','强','磊','洋','艳','勇','军','杰','娟','涛','明','超','秀','霞','平',
                   '刚','桂','英','华','玉','萍','红','鹏','辉','婷'], i, 'g1')
          || CASE WHEN u(i, 'g2?') < 0.5 THEN pick(['文','建','晓','海','春','志','思','佳','雪','宇'], i, 'g2') ELSE '' END
          AS name,
        CASE WHEN u(i, 'h24') < 0.06 THEN d(r(i, 'hd', 0, 330))
             ELSE DATE '2015-01-01' + r(i, 'hd', 0, 9 * 365 - 1)::INTEGER END AS hired_on
      FROM range({na}) t(i)
    )
    SELECT * RENAME (i AS ai),
      CASE WHEN hired_on < DATE '2024-01-01' AND u(i, 'left') < 0.05 THEN d(r(i, 'ld', 31, 360)) END AS left_on,
      row_number() OVER (PARTITION BY team ORDER BY i) AS team_rank,
      row_number() OVER (ORDER BY hash(i, 'pop', 0), i) AS pop_rank,
      row_number() OVER (PARTITION BY team ORDER BY hash(i, 'tpop', 0), i) AS team_pop_rank
    FROM base
    """)
    teams = dict(con.execute("SELECT team, count(*) FROM agents GROUP BY team").fetchall())
    return {t: teams.get(t, 0) for t in ("online", "hotline", "service", "technical")}


def _trainings(con, n: dict[str, int]) -> None:
    na = n["agents"]
    con.execute(f"""
    CREATE TABLE trainings AS
    WITH base AS (
      SELECT i, i % {na} AS a, (i // {na}) % 4 AS q, u(i, 'miss') < 0.04 AS moved FROM range({n['trainings']}) t(i)
    )
    SELECT 'A' || lpad((a + 1)::VARCHAR, 5, '0') AS agent_id,
      (DATE '2024-01-01' + to_months((CASE WHEN moved THEN (q + 1) % 4 ELSE q END * 3)::INTEGER))::DATE
        + (CASE WHEN moved THEN r(i, 'day', 46, 89) ELSE r(i, 'day', 0, 44) END)::INTEGER AS attended_on,
      pick(['服务礼仪','投诉处理流程','产品知识','电话礼仪','系统操作','不良反应上报','客户回访技巧','安全生产'], i, 'course')
        AS course,
      i
    FROM base
    """)


def _customers(con, n: dict[str, int]) -> None:
    na = n["agents"]
    con.execute(f"""
    CREATE TABLE customers AS
    SELECT i AS ci, 'C' || lpad((i + 1)::VARCHAR, 7, '0') AS customer_id,
      CASE WHEN u(i, 'tier') < 0.05 THEN 'vip' WHEN u(i, 'tier') < 0.15 THEN 'key'
           WHEN u(i, 'tier') < 0.65 THEN 'general' ELSE 'potential' END AS tier,
      a.agent_id AS assigned_agent,
      CASE WHEN u(i, 'lp?') >= 0.02 THEN tsf(-366 * 86400 + r(i, 'lp', 0, 2 * 366 * 86400 - 1)) END
        AS last_purchase_at,
      row_number() OVER (ORDER BY hash(i, 'cpop', 0), i) AS pop_rank
    FROM range({n['customers']}) t(i)
    JOIN agents a ON a.pop_rank = 1 + floor({na} * pow(u(i, 'ag'), 2))::BIGINT
    """)


def _tickets(con, n: dict[str, int]) -> None:
    na, nc = n["agents"], n["customers"]
    con.execute(f"""
    CREATE VIEW t_core AS
    SELECT i,
      CASE WHEN u(i, 'kind') < 0.0009 THEN 'complaint' WHEN u(i, 'kind') < 0.0059 THEN 'adverse_reaction'
           WHEN u(i, 'kind') < 0.0659 THEN 'repair' WHEN u(i, 'kind') < 0.3659 THEN 'request'
           ELSE 'inquiry' END AS kind,
      CASE WHEN u(i, 'ch') < 0.35 THEN 'phone' WHEN u(i, 'ch') < 0.60 THEN 'chat' WHEN u(i, 'ch') < 0.70 THEN 'email'
           WHEN u(i, 'ch') < 0.75 THEN 'walk_in' ELSE 'web' END AS channel,
      CASE WHEN u(i, 'cause') < 0.30 THEN 'service' WHEN u(i, 'cause') < 0.65 THEN 'product'
           WHEN u(i, 'cause') < 0.85 THEN 'logistics' ELSE 'other' END AS cause,
      CASE WHEN u(i, 'sev') < 0.85 THEN 'normal' WHEN u(i, 'sev') < 0.97 THEN 'major' ELSE 'serious' END AS severity,
      1 + floor({nc} * pow(u(i, 'cu'), 1.5))::BIGINT AS cpop,
      1 + floor({na} * pow(u(i, 'ag'), 2))::BIGINT AS apop,
      r(i, 'day', 0, {YEAR_DAYS - 1}) * 86400 + busy_sod(i, 'c') AS c,
      u(i, 'rep') AS ur,
      u(i, 'fate') AS uf
    FROM range({n['tickets']}) t(i)
    """)
    # reply delays: exponential with a 2 h mean (1 h for adverse reactions), capped below the
    # limit; 3 % late (24-72 h; 4-8 days for adverse reactions, so that even a weekend or a
    # holiday leaves them over one working day); 1 % never answered
    con.execute(f"""
    CREATE VIEW t_times AS
    SELECT *,
      CASE WHEN ur < 0.01 THEN NULL
           WHEN ur < 0.04 THEN c + CASE WHEN kind = 'adverse_reaction' THEN r(i, 'late', 4 * 86400, 8 * 86400)
                                        ELSE r(i, 'late', 86401, 3 * 86400) END
           ELSE c + 30 + least(floor(-ln(1 - u(i, 'dly')) * CASE WHEN kind = 'adverse_reaction' THEN 3600 ELSE 7200 END),
                               CASE WHEN kind = 'adverse_reaction' THEN 7 * 3600 ELSE 23 * 3600 END)::BIGINT
      END AS fr,
      CASE WHEN kind = 'repair' AND u(i, 'due?') < 0.95 THEN c + r(i, 'due', 86400, 5 * 86400) END AS due,
      month(d(c // 86400)) AS m
    FROM t_core
    """)
    con.execute(f"""
    CREATE VIEW t_fate AS
    SELECT *,
      CASE
        WHEN kind = 'repair' AND due IS NOT NULL THEN
          CASE WHEN uf < 0.005 THEN NULL
               WHEN uf < 0.005 + CASE WHEN m IN (3, 6, 9, 12) THEN 0.04 ELSE 0.01 END
                 THEN due + r(i, 'over', 3600, 3 * 86400)
               ELSE c + 600 + floor(u(i, 'fix') * (due - c - 600))::BIGINT END
        WHEN kind = 'repair' THEN CASE WHEN uf < 0.02 THEN NULL ELSE c + r(i, 'fix', 3600, 4 * 86400) END
        WHEN fr IS NULL OR uf < 0.05 THEN NULL
        ELSE fr + r(i, 'fix', 60, 3 * 86400)
      END AS res
    FROM t_times
    """)
    # complaint numbers AABBCCDDD, DDD counting the year's complaints in order of creation:
    # 1 % with a dash, 1 % with the wrong date, 1 % reusing another complaint's DDD. A number
    # that still collides (only when DDD wraps past 999) falls back to the plain form.
    con.execute("""
    CREATE TABLE t_cids AS
    WITH s AS (
      SELECT i, c, row_number() OVER (ORDER BY c, i) AS seq FROM t_fate WHERE kind = 'complaint'
    ), n AS (
      SELECT i, CASE
        WHEN u(i, 'cid') < 0.01 THEN strftime(d(c // 86400), '%y%m%d') || '-' || lpad((seq % 1000)::VARCHAR, 3, '0')
        WHEN u(i, 'cid') < 0.02 THEN strftime(d(c // 86400 - 1), '%y%m%d') || lpad((seq % 1000)::VARCHAR, 3, '0')
        WHEN u(i, 'cid') < 0.03 THEN strftime(d(c // 86400), '%y%m%d') || lpad(((seq + 337) % 1000)::VARCHAR, 3, '0')
        ELSE strftime(d(c // 86400), '%y%m%d') || lpad((seq % 1000)::VARCHAR, 3, '0') END AS tid
      FROM s
    )
    SELECT i AS ti, CASE WHEN count(*) OVER (PARTITION BY tid) > 1 THEN NULL ELSE tid END AS cid FROM n
    """)
    con.execute(f"""
    CREATE TABLE tickets AS
    SELECT f.*, a.agent_id, cu.customer_id,
      coalesce(x.cid, 'T' || lpad((f.i + 1)::VARCHAR, 8, '0')) AS ticket_id,
      -- explanation and promise for major/serious complaints: 95 % within 24 h
      CASE WHEN kind = 'complaint' AND severity <> 'normal'
           THEN c + CASE WHEN u(i, 'exp') < 0.95 THEN r(i, 'expd', 1800, 20 * 3600) ELSE r(i, 'expd', 86401, 2 * 86400) END
      END AS expl,
      -- handling decision: within 4 h, 4 % after 3-6 days
      CASE WHEN kind = 'complaint' THEN c + CASE WHEN u(i, 'dec') < 0.96 THEN r(i, 'decd', 600, 4 * 3600)
                                                ELSE r(i, 'decd', 3 * 86400, 6 * 86400) END END AS decided,
      -- repairs not done by their due time: 60 % escalated in time, 20 % too late, 20 % never
      CASE WHEN kind = 'repair' AND due IS NOT NULL AND (res IS NULL OR res > due) THEN
             CASE WHEN u(i, 'esc') < 0.6 THEN greatest(c + 60, due - r(i, 'escd', 600, 12 * 3600))
                  WHEN u(i, 'esc') < 0.8 THEN due + r(i, 'escd', 600, 86400) END
           WHEN kind = 'complaint' AND severity = 'serious' AND u(i, 'esc') < 0.5 THEN c + r(i, 'escd', 600, 7200)
      END AS esc,
      CASE WHEN res IS NULL THEN false
           WHEN kind = 'repair' THEN u(i, 'reo') < CASE WHEN m IN (2, 5, 8, 11) THEN 0.08 ELSE 0.03 END
           ELSE u(i, 'reo') < 0.02 END AS reopened,
      CASE WHEN kind IN ('adverse_reaction', 'complaint', 'repair') OR u(i, 'prod?') < 0.4 THEN
             CASE WHEN u(i, 'pmiss') < 0.015 AND kind IN ('adverse_reaction', 'complaint', 'repair') THEN NULL
                  ELSE 'P' || lpad(r(i, 'prod', 1, 400)::VARCHAR, 4, '0') END END AS product,
      CASE WHEN kind IN ('adverse_reaction', 'complaint', 'repair') THEN
             CASE WHEN u(i, 'pmiss') >= 0.015 AND u(i, 'pmiss') < 0.03 THEN NULL
                  ELSE '24' || lpad(r(i, 'bat', 1, 99999)::VARCHAR, 5, '0') END END AS batch_no
    FROM t_fate f
    JOIN agents a ON a.pop_rank = f.apop
    JOIN customers cu ON cu.pop_rank = f.cpop
    LEFT JOIN t_cids x ON x.ti = f.i
    """)
    con.execute("DROP TABLE t_cids")
    for view in ("t_fate", "t_times", "t_core"):
        con.execute(f"DROP VIEW {view}")


def _calls(con, n: dict[str, int], teams: dict[str, int]) -> None:
    nh = max(teams["hotline"], 1)
    team = "hotline" if teams["hotline"] else "online"
    con.execute(f"""
    CREATE TABLE calls AS
    WITH base AS (
      SELECT i,
        u(i, 'rings') AS ur, u(i, 'ans') < 0.98 AS answered, u(i, 'priv') < 0.02 AS private,
        r(i, 'kday', 0, {YEAR_DAYS - 1}) * 86400 + busy_sod(i, 'k') AS rang,
        1 + floor({nh} * pow(u(i, 'ag'), 2))::BIGINT AS apop
      FROM range({n['calls']}) t(i)
    ), rung AS (
      SELECT *, CASE WHEN ur < 0.55 THEN 1 WHEN ur < 0.85 THEN 2 WHEN ur < 0.96 THEN 3 WHEN ur < 0.985 THEN 4
                     WHEN ur < 0.995 THEN 5 ELSE r(i, 'many', 6, 9) END AS rings
      FROM base
    )
    SELECT i, 'K' || lpad((i + 1)::VARCHAR, 8, '0') AS call_id, a.agent_id, ts(rang) AS rang_at, rings,
      answered,
      answered AND CASE WHEN rings >= 5 THEN u(i, 'apo') < 0.85 ELSE u(i, 'apo') < 0.05 END AS apologized,
      answered AND u(i, 'greet') < 0.98 AS greeted,
      answered AND u(i, 'name') < 0.97 AS named_company,
      answered AND u(i, 'thx') < 0.96 AS thanked,
      answered AND u(i, 'hang') < 0.95 AS customer_hung_up_first,
      private,
      CASE WHEN NOT answered THEN 0
           WHEN private THEN CASE WHEN u(i, 'plong') < 0.85 THEN r(i, 'dur', 20, 175) ELSE r(i, 'dur', 181, 900) END
           ELSE 30 + least(floor(-ln(1 - u(i, 'dur')) * 180), 3600)::BIGINT END AS duration_s
    FROM rung
    JOIN agents a ON a.team = '{team}' AND a.team_pop_rank = rung.apop
    """)


def _chat(con, n: dict[str, int], teams: dict[str, int]) -> None:
    no = max(teams["online"], 1)
    team = "online" if teams["online"] else "hotline"
    sessions = max((n["chat_messages"] + 5) // 6, 1)
    # sessions of 2-10 messages (mean 6); 0.5 % a lone customer message nobody answers;
    # 10 % opened by the agent; 8 % of agent turns replaced by a second customer message
    con.execute(f"""
    CREATE TABLE chat_sessions AS
    SELECT s, 'CS' || lpad((s + 1)::VARCHAR, 8, '0') AS session_id, a.agent_id,
      CASE WHEN u(s, 'lone') < 0.005 THEN 1 ELSE r(s, 'len', 2, 10) END AS len,
      u(s, 'open') < 0.10 AS agent_opened,
      r(s, 'sday', 0, {YEAR_DAYS - 1}) * 86400
        + CASE WHEN u(s, 'eve') < 0.7 THEN r(s, 'sod', 66600, 86399 - 900) ELSE r(s, 'sod', 34200, 66599) END AS t0
    FROM range({sessions}) t(s)
    JOIN agents a ON a.team = '{team}' AND a.team_pop_rank = 1 + floor({no} * pow(u(s, 'ag'), 2))::BIGINT
    """)
    con.execute(f"""
    CREATE TABLE chat_messages AS
    WITH m AS (
      SELECT s, session_id, agent_id, t0, j, hash(s, j) AS k,
        CASE WHEN agent_opened THEN (CASE WHEN j % 2 = 0 THEN 'agent' ELSE 'customer' END)
             WHEN j % 2 = 0 THEN 'customer'
             WHEN j >= 3 AND u(hash(s, j), 'dbl') < 0.08 THEN 'customer'
             ELSE 'agent' END AS sender
      FROM chat_sessions, unnest(range(len)) u(j)
    ), g AS (
      SELECT *, lag(sender) OVER (PARTITION BY s ORDER BY j) AS prev,
        sum(CASE WHEN sender = 'agent' THEN 1 ELSE 0 END) OVER (PARTITION BY s ORDER BY j) AS agent_no
      FROM m
    ), gaps AS (
      SELECT *, CASE
        WHEN j = 0 THEN 0
        WHEN sender = 'agent' AND prev = 'customer' AND agent_no = 1
          THEN CASE WHEN u(k, 'slow') < 0.03 THEN r(k, 'gap', 16, 60) ELSE r(k, 'gap', 2, 12) END
        WHEN sender = 'agent' AND prev = 'customer'
          THEN CASE WHEN u(k, 'slow') < 0.025 THEN r(k, 'gap', 21, 90) ELSE r(k, 'gap', 3, 12) END
        WHEN sender = 'customer' AND prev = 'customer' THEN r(k, 'gap', 1, 5)
        ELSE r(k, 'gap', 5, 90) END AS gap
      FROM g
    )
    SELECT session_id, agent_id, ts(t) AS sent_at, sender, s, j
    FROM (SELECT *, t0 + sum(gap) OVER (PARTITION BY s ORDER BY j) AS t FROM gaps)
    WHERE t <= {EXPORT_S}  -- a session running past the export instant is cut there
    """)
    con.execute("DROP TABLE chat_sessions")


def _shifts(con, n: dict[str, int], teams: dict[str, int]) -> None:
    no, nh = teams["online"], teams["hotline"]
    total = n["shifts"]
    n_on = int(round(total * 0.5)) if no and nh else (total if no else 0)
    n_hot = total - n_on if nh else 0
    # online: Monday-Saturday 18:30-24:00, Sunday 09:30-24:00 (1 % off-roster);
    # hotline: 00:00-08:30, 08:00-16:30, 16:00-24:00; on 3 % of days the day block starts
    # at 09:00, leaving 08:30-09:00 uncovered
    con.execute(f"""
    CREATE TABLE shift_plan AS
    SELECT i, 'online' AS team, i % {YEAR_DAYS} AS day, i // {YEAR_DAYS} AS slot,
      1 + (i // {YEAR_DAYS} + (i % {YEAR_DAYS}) * 7) % {max(no, 1)} AS rank,
      CASE WHEN u(i, 'roster') < 0.005 THEN 19 * 3600
           WHEN dayofweek(d(i % {YEAR_DAYS})) = 0 THEN 9 * 3600 + 1800 ELSE 18 * 3600 + 1800 END AS ps,
      CASE WHEN u(i, 'roster') >= 0.005 AND u(i, 'roster') < 0.01 THEN 23 * 3600 + 1800 ELSE 86400 END AS pe
    FROM range({n_on}) t(i)
    UNION ALL
    SELECT i + {n_on}, 'hotline', i % {YEAR_DAYS}, i // {YEAR_DAYS},
      1 + (i // {YEAR_DAYS} + (i % {YEAR_DAYS}) * 5) % {max(nh, 1)},
      CASE (i // {YEAR_DAYS}) % 3 WHEN 0 THEN 0
           WHEN 1 THEN CASE WHEN u(i % {YEAR_DAYS}, 'gapday') < 0.03 THEN 9 * 3600 ELSE 8 * 3600 END
           ELSE 16 * 3600 END,
      CASE (i // {YEAR_DAYS}) % 3 WHEN 0 THEN 8 * 3600 + 1800 WHEN 1 THEN 16 * 3600 + 1800 ELSE 86400 END
    FROM range({n_hot}) t(i)
    """)
    # a swap partner is one of the next few agents of the same team (none in a team of one)
    on_off, hot_off = min(5, no - 1), min(5, nh - 1)
    con.execute(f"""
    CREATE TABLE shifts AS
    WITH p AS (
      SELECT *, day * 86400 + ps AS start_s,
        CASE WHEN u(i, 'st') < 0.94 THEN 'worked' WHEN u(i, 'st') < 0.975 THEN 'leave' ELSE 'missed' END AS status,
        CASE WHEN team = 'online' THEN {on_off} ELSE {hot_off} END AS off_max,
        CASE WHEN team = 'online' THEN {max(no, 1)} ELSE {max(nh, 1)} END AS team_size
      FROM shift_plan
    ), q AS (
      SELECT *, off_max > 0 AND u(i, 'swap?') < CASE WHEN team = 'online' THEN 0.05 ELSE 0.03 END AS swapped,
        1 + (rank - 1 + r(i, 'partner', 1, greatest(off_max, 1))) % team_size AS partner_rank
      FROM p
    )
    SELECT q.i, 'SH' || lpad((q.i + 1)::VARCHAR, 8, '0') AS shift_id, a.agent_id, q.team, d(day) AS date,
      hhmm(ps) AS planned_start, hhmm(pe) AS planned_end,
      CASE WHEN status = 'worked' THEN
        CASE WHEN u(i, 'ci') < 0.005 THEN NULL
             WHEN u(i, 'ci') < 0.035 THEN ts(start_s + r(i, 'cid', 60, 45 * 60))
             ELSE ts(start_s - r(i, 'cid', 60, 20 * 60)) END END AS checked_in_at,
      status,
      CASE WHEN swapped THEN b.agent_id END AS swap_with,
      CASE WHEN swapped THEN
        CASE WHEN u(i, 'rep') < 0.85 THEN ts(start_s - r(i, 'repd', 7200, 3 * 86400))
             WHEN u(i, 'rep') < 0.95 THEN ts(start_s + r(i, 'repd', 600, 7200)) END END AS swap_reported_at,
      CASE WHEN status = 'leave' THEN
        CASE WHEN u(i, 'lv') < 0.90 THEN ts(day * 86400 - r(i, 'lvd', 3600, 10 * 86400))
             WHEN u(i, 'lv') < 0.97 THEN ts(day * 86400 + r(i, 'lvd', 0, greatest(ps - 60, 0))) END END
        AS leave_requested_at,
      CASE WHEN status = 'missed' THEN CASE WHEN u(i, 'mc') < 0.4 THEN 'handover' ELSE 'other' END END AS miss_cause
    FROM q
    JOIN agents a ON a.team = q.team AND a.team_rank = q.rank
    LEFT JOIN agents b ON b.team = q.team AND b.team_rank = q.partner_rank
    """)
    con.execute("DROP TABLE shift_plan")


def _visits(con, n: dict[str, int]) -> None:
    na = n["agents"]
    con.execute(f"""
    CREATE TABLE visit_parts AS
    -- follow-ups of resolved complaints and repairs: 96 % within 7 days, 1.5 % late, the rest never
    SELECT 1 AS part, i AS src, 0 AS n, customer_id, agent_id, ticket_id,
      res + CASE WHEN u(i, 'fu') < 0.96 THEN r(i, 'fud', 600, 6 * 86400 + 43200) ELSE r(i, 'fud', 8 * 86400, 14 * 86400) END AS t,
      CASE WHEN u(i, 'fuk') < 0.6 THEN 'phone' ELSE 'onsite' END AS kind,
      CASE WHEN u(i, 'fur') < 0.85 THEN 'staff' ELSE 'manager' END AS role
    FROM tickets WHERE kind IN ('complaint', 'repair') AND res <= {EXPORT_S} AND u(i, 'fu') < 0.975
    UNION ALL
    -- key customers: an on-site visit every quarter, 3 % of quarters skipped, 1 % never visited
    SELECT 2, c.ci, q, customer_id, assigned_agent, NULL,
      (date_diff('day', DATE '2024-01-01', (DATE '2024-01-01' + to_months((q * 3)::INTEGER))::DATE)
        + r(c.ci * 8 + q, 'kd', 0, 88)) * 86400 + 9 * 3600 + r(c.ci * 8 + q, 'kt', 0, 8 * 3600),
      'onsite', CASE WHEN u(c.ci * 8 + q, 'kr') < 0.5 THEN 'manager' ELSE 'staff' END
    FROM customers c, range(4) rq(q)
    WHERE tier = 'key' AND u(c.ci, 'never') >= 0.01 AND u(c.ci * 8 + q, 'kskip') >= 0.03
    UNION ALL
    -- general customers, per half-year: 95 % a manager's on-site visit; else half of them
    -- get monthly staff visits (30 % missing a month), the rest nothing; 1 % never visited
    SELECT 3, c.ci, h * 10 + mo, customer_id, assigned_agent, NULL,
      date_diff('day', DATE '2024-01-01', (DATE '2024-01-01' + to_months((h * 6 + CASE WHEN mo = 6
        THEN r(c.ci * 2 + h, 'gmm', 0, 5) ELSE mo END)::INTEGER))::DATE) * 86400
        + r(c.ci * 64 + h * 8 + mo, 'gd', 0, 27) * 86400 + 9 * 3600 + r(c.ci * 64 + h * 8 + mo, 'gt', 0, 8 * 3600),
      'onsite', CASE WHEN mo = 6 THEN 'manager' ELSE 'staff' END
    FROM customers c, range(2) hh(h), range(7) mm(mo)
    WHERE tier = 'general' AND u(c.ci, 'never') >= 0.01 AND CASE
      WHEN u(c.ci * 2 + h, 'gm') < 0.95 THEN mo = 6
      WHEN u(c.ci * 2 + h, 'gm') < 0.975 THEN mo < 6 AND NOT (u(c.ci * 2 + h, 'gskip?') < 0.3
                                                               AND mo = r(c.ci * 2 + h, 'gskip', 0, 5))
      ELSE false END
    """)
    have = con.execute("SELECT count(*) FROM visit_parts").fetchall()[0][0]
    filler = max(n["visits"] - have, 0)
    nc = n["customers"]
    # the rest: courtesy visits and calls to any customer, skewed towards busy ones
    con.execute(f"""
    INSERT INTO visit_parts
    SELECT 4, i, 0, cu.customer_id, a.agent_id, NULL,
      r(i, 'vday', 0, {YEAR_DAYS - 1}) * 86400 + busy_sod(i, 'v'),
      CASE WHEN u(i, 'vk') < 0.7 THEN 'phone' ELSE 'onsite' END,
      CASE WHEN u(i, 'vr') < 0.8 THEN 'staff' ELSE 'manager' END
    FROM range({filler}) t(i)
    JOIN customers cu ON cu.pop_rank = 1 + floor({nc} * pow(u(i, 'vc'), 1.5))::BIGINT
    JOIN agents a ON a.pop_rank = 1 + floor({na} * pow(u(i, 'va'), 2))::BIGINT
    """)
    con.execute(f"""
    CREATE TABLE visits AS
    SELECT 'V' || lpad(row_number() OVER (ORDER BY t, part, src, n)::VARCHAR, 8, '0') AS visit_id,
      customer_id, ts(t) AS visited_at, kind, role AS visitor_role, agent_id, ticket_id, t, part, src, n
    FROM visit_parts WHERE t <= {EXPORT_S}
    """)
    con.execute("DROP TABLE visit_parts")


# dataset -> (SELECT list in canonical order, ORDER BY)
OUTPUT = {
    "tickets": ("ticket_id, kind, channel, cause, severity, customer_id, agent_id, ts(c) AS created_at, "
                "ts(fr) AS first_reply_at, ts(expl) AS explained_at, "
                "CASE WHEN expl <= " + str(EXPORT_S) + " THEN tsf(expl + r(i, 'prom', 86400, 5 * 86400)) END AS promised_at, "
                "ts(decided) AS decided_at, tsf(due) AS due_at, ts(res) AS resolved_at, ts(esc) AS escalated_at, "
                "reopened, product, batch_no", "i"),
    "calls": ("call_id, agent_id, rang_at, rings, answered, apologized, greeted, named_company, thanked, "
              "customer_hung_up_first, private, duration_s", "i"),
    "chat_messages": ("session_id, agent_id, sent_at, sender", "s, j"),
    "shifts": ("shift_id, agent_id, team, date, planned_start, planned_end, checked_in_at, status, swap_with, "
               "swap_reported_at, leave_requested_at, miss_cause", "i"),
    "visits": ("visit_id, customer_id, visited_at, kind, visitor_role, agent_id, ticket_id", "t, part, src, n"),
    "customers": ("customer_id, tier, assigned_agent, last_purchase_at", "ci"),
    "agents": ("agent_id, name, team, hired_on, left_on", "ai"),
    "trainings": ("agent_id, attended_on, course", "i"),
}


def _write(con, name: str, out: str, fmt: str) -> tuple[str, int]:
    select, order = OUTPUT[name]
    path = os.path.join(out, f"{name}.{fmt}")
    tmp = path + ".part"
    query = f"SELECT {select} FROM {name} ORDER BY {order}"
    if fmt == "csv":
        opts = "FORMAT csv, HEADER true, DELIMITER ',', TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S', DATEFORMAT '%Y-%m-%d'"
    elif fmt == "jsonl":
        opts = "FORMAT json, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S', DATEFORMAT '%Y-%m-%d'"
    else:
        opts = "FORMAT parquet, COMPRESSION zstd"
    con.execute(f"COPY ({query}) TO '{tmp}' ({opts})")
    os.replace(tmp, path)
    rows = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    return path, rows


def generate(scale: float, seed: int, out: str, fmt: str = "csv", threads: int | None = None,
             verbose: bool = True) -> dict:
    if scale <= 0:
        raise ValueError("--scale must be positive")
    if fmt not in FORMATS:
        raise ValueError(f"--format must be one of {', '.join(FORMATS)}")
    os.makedirs(out, exist_ok=True)
    manifest_path = os.path.join(out, ".bench.json")
    if os.path.exists(manifest_path):
        os.remove(manifest_path)  # incomplete until rewritten at the end
    started = time.perf_counter()
    n = counts(scale)
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET enable_progress_bar = false")
    _setup(con, seed)
    steps = [
        ("agents", lambda: teams.update(_agents(con, n))),
        ("trainings", lambda: _trainings(con, n)),
        ("customers", lambda: _customers(con, n)),
        ("tickets", lambda: _tickets(con, n)),
        ("calls", lambda: _calls(con, n, teams)),
        ("chat_messages", lambda: _chat(con, n, teams)),
        ("shifts", lambda: _shifts(con, n, teams)),
        ("visits", lambda: _visits(con, n)),
    ]
    teams: dict[str, int] = {}
    files = {}
    for name, build in steps:
        t0 = time.perf_counter()
        build()
        path, rows = _write(con, name, out, fmt)
        files[name] = {"path": path, "rows": rows, "bytes": os.path.getsize(path),
                       "seconds": round(time.perf_counter() - t0, 3)}
        if verbose:
            print(f"  {name:<14} {rows:>11,} rows {files[name]['bytes'] / 1e6:>9.1f} MB "
                  f"{files[name]['seconds']:>6.2f} s", file=sys.stderr)
    con.close()
    manifest = {"generator": GENERATOR_VERSION, "scale": scale, "seed": seed, "format": fmt,
                "files": {k: {"rows": v["rows"], "bytes": v["bytes"]} for k, v in files.items()},
                "seconds": round(time.perf_counter() - started, 3)}
    with open(manifest_path, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2)
    manifest["files"] = files
    return manifest


def read_manifest(out: str) -> dict | None:
    try:
        with open(os.path.join(out, ".bench.json"), encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write synthetic canonical exports for the benchmark.")
    ap.add_argument("--scale", type=float, required=True, help="1 = 1 M tickets over 2024 (0.1, 0.01 ... work)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("--format", choices=sorted(FORMATS), default="csv")
    ap.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    args = ap.parse_args(argv)
    if args.scale <= 0:
        ap.error("--scale must be positive")
    print(f"generating scale {args.scale:g}, seed {args.seed}, {args.format} -> {args.out}", file=sys.stderr)
    m = generate(args.scale, args.seed, args.out, args.format, args.threads)
    total = sum(f["rows"] for f in m["files"].values())
    size = sum(f["bytes"] for f in m["files"].values())
    print(f"wrote {total:,} rows, {size / 1e6:.1f} MB in {m['seconds']:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
