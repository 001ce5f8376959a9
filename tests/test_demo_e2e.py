"""End to end over the shipped demo site (fixtures/demo): the standard rule pack must
report exactly the findings, rejected rows, duplicates and row accounting listed in
fixtures/demo/expected_findings.yaml, and the same bytes on every run."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from compliance.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEMO = "fixtures/demo"
EXPECTED = yaml.safe_load((ROOT / DEMO / "expected_findings.yaml").read_text(encoding="utf-8"))
COMMON = ["--rules", "rules", "--data", DEMO, "--mapping", f"{DEMO}/mapping.yaml",
          "--period", "2024-Q2", "--as-of", "2024-07-01T00:00"]


def _run(*args: str) -> str:
    cwd = os.getcwd()
    os.chdir(ROOT)  # paths in the report are as given on the command line
    try:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(cwd)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


@pytest.fixture(scope="module")
def check_output() -> str:
    return _run("check", *COMMON, "--format", "json")


@pytest.fixture(scope="module")
def report(check_output) -> dict:
    return json.loads(check_output)


def _key(rule: str, status: str, subject: dict) -> tuple:
    return rule, status, tuple(sorted((str(k), str(v)) for k, v in subject.items()))


def _show(keys) -> str:
    return "\n".join(f"  {r} [{s}] " + ", ".join(f"{k}={v}" for k, v in subj) for r, s, subj in sorted(keys))


def _diff(expected: set, actual: set, what: str) -> str:
    missing, unexpected = expected - actual, actual - expected
    parts = [f"{what} differ from fixtures/demo/expected_findings.yaml"]
    if missing:
        parts.append(f"missing ({len(missing)}):\n{_show(missing)}")
    if unexpected:
        parts.append(f"unexpected ({len(unexpected)}):\n{_show(unexpected)}")
    return "\n".join(parts)


def test_findings_match_expectations(report):
    expected = {_key(r["rule"], f["status"], f["subject"])
                for r in EXPECTED["rules"] for f in r.get("findings", [])}
    actual = {_key(f["rule"], f["status"], f["subject"]) for f in report["findings"]}
    assert len(actual) == len(report["findings"]), "two findings share rule, status and subject"
    assert actual == expected, _diff(expected, actual, "findings")


def test_every_rule_ran(report):
    ran = {r["id"]: r for r in report["summary"]["rules"]}
    errors = {i: r["error"] for i, r in ran.items() if r.get("error")}
    assert not errors, errors
    assert set(ran) == {r["rule"] for r in EXPECTED["rules"]}


def test_derived_grades(report):
    expected = {(d["customer_id"], d["value"]) for d in EXPECTED["derived"]}
    actual = {(d["subject"]["customer_id"], d["value"]) for d in report["derived"]
              if d["rule"] == "RFM-RECENCY-GRADE"}
    assert actual == expected, f"missing {sorted(expected - actual)}, unexpected {sorted(actual - expected)}"


def test_rejected_rows(report):
    expected = {(r["dataset"], r["file"], r.get("sheet"), r["row"], r["column"], r["value"])
                for r in EXPECTED["rejections"]}
    actual = {(r["dataset"], os.path.basename(r["file"]), r.get("sheet"), r["row"], r["column"], r["value"])
              for r in report["rejections"]}
    assert actual == expected, f"missing {sorted(expected - actual, key=str)}, unexpected {sorted(actual - expected, key=str)}"


def test_duplicates(report):
    expected = {(d["dataset"], tuple(sorted(d["key"].items())), tuple(d["rows"])) for d in EXPECTED["duplicates"]}
    actual = {(d["dataset"], tuple(sorted(d["key"].items())), tuple(loc["row"] for loc in d["locations"]))
              for d in report["duplicates"]}
    assert actual == expected


def test_row_accounting(report):
    actual = {}
    for ds in report["summary"]["datasets"]:
        assert ds["read"] == ds["evaluated"] + ds["rejected"], ds
        actual[ds["name"]] = {k: ds[k] for k in ("read", "evaluated", "rejected", "in_period") if k in ds}
    assert actual == EXPECTED["datasets"]
    assert report["summary"]["rejected"] == len(EXPECTED["rejections"])


def test_same_bytes_every_run(check_output):
    assert _run("check", *COMMON, "--format", "json") == check_output


def test_explicit_bindings_give_the_same_report(report):
    """Binding each export by name, the roster as `shifts.xlsx#班表`, gives the same result."""
    files = {"tickets": "tickets.csv", "calls": "calls.csv", "chat_messages": "chat_messages.jsonl",
             "shifts": "shifts.xlsx#班表", "visits": "visits.csv", "customers": "customers.csv",
             "agents": "agents.csv", "trainings": "trainings.csv"}
    args = ["check", "--rules", "rules", "--mapping", f"{DEMO}/mapping.yaml", "--period", "2024-Q2",
            "--as-of", "2024-07-01T00:00", "--format", "json"]
    for name, file in files.items():
        args += ["--data", f"{name}={DEMO}/{file}"]
    explicit = json.loads(_run(*args))
    for part in ("findings", "rejections", "duplicates", "derived"):
        assert explicit[part] == report[part], part
    assert explicit["summary"]["datasets"] == report["summary"]["datasets"]


def test_penalties():
    out = json.loads(_run("penalties", *COMMON, "--format", "json"))

    def action(a: dict) -> str:
        return f"fine {a['amount']:g} {a['currency']}" if a["kind"] == "fine" else a["kind"]

    # one occurrence may be listed as several items (a ladder step and an `also` on top of it)
    actual_actions: dict[tuple, list[str]] = {}
    for i in out["items"]:
        key = (i["rule"], i["agent"], i["role"], i["period"], i["n"])
        actual_actions.setdefault(key, []).extend(action(a) for a in i["actions"])
    actual = {key + (tuple(sorted(acts)),) for key, acts in actual_actions.items()}
    expected = {(p["rule"], p["agent"], p["role"], str(p["period"]), p["n"], tuple(sorted(p["actions"])))
                for p in EXPECTED["penalties"]}
    assert actual == expected, (f"missing {sorted(expected - actual, key=str)}\n"
                                f"unexpected {sorted(actual - expected, key=str)}")

    totals = {a["agent"]: {"fines": a["fines"].get("CNY", 0), "criticism": a["criticism"],
                           "dismissal": a["dismissal"]} for a in out["agents"]}
    assert totals == EXPECTED["penalty_totals"]
