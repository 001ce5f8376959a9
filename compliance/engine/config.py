"""Site configuration: time zone, parameter overrides, calendar days, engine limits.

A site changes thresholds and calendars here, never by editing rules. Example:

    timezone: Asia/Shanghai
    params:
      followup_window: 5 d            # a global parameter
      COMPLAINT-REPLY-24H:            # parameters of one rule
        limit: 24 h
    calendars:
      office:
        holidays: [2024-05-06]        # extra days off
        workdays: [2024-05-12]        # extra working days
        years: [2027]                 # years the site supplies itself
    mapping: mapping.yaml             # header/value mapping for the exports
    engine:
      memory_limit: 2GB
      temp_directory: .compliance-spill
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from compliance.engine.calendar import SiteDays

DEFAULT_TZ = "Asia/Shanghai"


class ConfigError(Exception):
    pass


@dataclass
class Config:
    path: str | None = None
    timezone: str = DEFAULT_TZ
    params: dict[str, dict[str, Any]] = field(default_factory=dict)  # "" = global
    calendars: dict[str, SiteDays] = field(default_factory=dict)
    mapping: str | None = None
    memory_limit: str | None = None
    temp_directory: str | None = None
    threads: int | None = None


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{where}: {value!r} is not a date like 2024-05-01")


def load_config(path: str | None) -> Config:
    if path is None:
        return Config()
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        raise ConfigError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    cfg = Config(path=path)
    problems: list[str] = []
    known = {"timezone", "params", "calendars", "mapping", "engine"}
    for key in data:
        if key not in known:
            problems.append(f"{path}: {key}: unknown setting (expected one of {', '.join(sorted(known))})")
    tz = data.get("timezone", DEFAULT_TZ)
    try:
        ZoneInfo(str(tz))
        cfg.timezone = str(tz)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"{path}: timezone: unknown time zone {tz!r}")
    params = data.get("params") or {}
    if not isinstance(params, dict):
        problems.append(f"{path}: params: expected a mapping")
        params = {}
    for key, value in params.items():
        if isinstance(value, dict):
            cfg.params[str(key)] = {str(k): v for k, v in value.items()}
        else:
            cfg.params.setdefault("", {})[str(key)] = value
    cals = data.get("calendars") or {}
    if not isinstance(cals, dict):
        problems.append(f"{path}: calendars: expected a mapping")
        cals = {}
    for name, spec in cals.items():
        spec = spec or {}
        if not isinstance(spec, dict):
            problems.append(f"{path}: calendars.{name}: expected a mapping")
            continue
        site = SiteDays()
        try:
            site.holidays = {_date(v, f"{path}: calendars.{name}.holidays") for v in spec.get("holidays") or []}
            site.workdays = {_date(v, f"{path}: calendars.{name}.workdays") for v in spec.get("workdays") or []}
        except ConfigError as exc:
            problems.append(str(exc))
        for y in spec.get("years") or []:
            if isinstance(y, int):
                site.years.add(y)
            else:
                problems.append(f"{path}: calendars.{name}.years: {y!r} is not a year")
        for k in spec:
            if k not in ("holidays", "workdays", "years"):
                problems.append(f"{path}: calendars.{name}.{k}: unknown setting (expected holidays, workdays, years)")
        both = site.holidays & site.workdays
        if both:
            problems.append(f"{path}: calendars.{name}: {', '.join(sorted(map(str, both)))} listed as both "
                            f"holiday and working day")
        cfg.calendars[str(name)] = site
    if data.get("mapping") is not None:
        cfg.mapping = os.path.join(os.path.dirname(path), str(data["mapping"]))
    engine = data.get("engine") or {}
    if isinstance(engine, dict):
        cfg.memory_limit = engine.get("memory_limit")
        cfg.temp_directory = engine.get("temp_directory")
        cfg.threads = engine.get("threads")
    if problems:
        raise ConfigError("\n".join(problems))
    return cfg
