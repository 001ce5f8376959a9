"""The mapping file: how each export's headers and values map to canonical dataset fields.

Validated against `mapping.schema.json` so that every problem is reported at once with the
path of the offending key, instead of failing later on the first one.
"""
from __future__ import annotations

import json
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import yaml

from .errors import InputError, first_line
from .textfile import check_encoding

if TYPE_CHECKING:
    import jsonschema

SCHEMA_PATH = Path(__file__).with_name("mapping.schema.json")
NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$"  # dataset and field names, as in the schema


@dataclass
class DatasetMapping:
    """How one dataset's export maps to its canonical fields (all parts optional)."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    formats: dict[str, list[str]] = field(default_factory=dict)
    timezone: str | None = None
    defaults: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    sheet: str | None = None


def load_mapping(path: str) -> dict[str, DatasetMapping]:
    """Read and validate a mapping (or site) file's `datasets:` section, reporting every
    problem found (schema errors first, then formats, zones and encodings) at once."""
    doc = _read_yaml(path)
    if doc is None:
        raise InputError(f"{path}: file is empty (expected a 'datasets:' section)")
    problems = [f"{path}: {_describe(error)}"
                for error in sorted(_validator().iter_errors(doc), key=_error_order)]
    problems += [f"{path}: {p}" for p in _semantic_problems(doc)]
    if problems:
        raise InputError(problems)
    return {name: _dataset(spec or {}) for name, spec in doc["datasets"].items()}


def _validator() -> jsonschema.Draft202012Validator:
    import jsonschema  # only runs that bring a mapping file need it (a slow import)

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _key_path(error: jsonschema.ValidationError) -> list[str]:
    parts = [str(p) for p in error.absolute_path]
    if "propertyNames" in error.absolute_schema_path:  # the bad key is the instance
        parts.append(str(error.instance))
    return parts


def _error_order(error: jsonschema.ValidationError) -> tuple:
    return _key_path(error), error.message


def _describe(error: jsonschema.ValidationError) -> str:
    """`key.path: message`, with a plain-words message for names that break the pattern."""
    message = error.message
    if error.validator == "pattern" and error.validator_value == NAME_PATTERN:
        message = f"{error.instance!r} is not a valid name (letters, digits and '_', not starting with a digit)"
    path = ".".join(_key_path(error))
    return f"{path}: {message}" if path else message


def _text(value: Any) -> str:
    """YAML scalars as the text an export would hold: true -> "true", 3 -> "3"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def _dataset(spec: dict[str, Any]) -> DatasetMapping:
    formats = spec.get("formats") or {}
    return DatasetMapping(
        columns=dict(spec.get("columns") or {}),
        values={f: {src: _text(dst) for src, dst in table.items()}
                for f, table in (spec.get("values") or {}).items()},
        formats={f: [v] if isinstance(v, str) else list(v) for f, v in formats.items()},
        timezone=spec.get("timezone"),
        defaults={f: _text(v) for f, v in (spec.get("defaults") or {}).items()},
        encoding=spec.get("encoding"),
        sheet=spec.get("sheet"),
    )


def _semantic_problems(doc: Any) -> list[str]:
    """What the schema cannot say: formats DuckDB rejects, unknown zones and encodings.
    Checks every value of the right type, even when the schema rejected something else."""
    datasets = doc.get("datasets") if isinstance(doc, dict) else None
    if not isinstance(datasets, dict):
        return []
    problems = []
    con = duckdb.connect()
    try:
        for name, spec in datasets.items():
            if not isinstance(spec, dict):
                continue
            where = f"datasets.{name}"
            formats = spec.get("formats")
            for fld, value in (formats.items() if isinstance(formats, dict) else ()):
                listed = value if isinstance(value, list) else [value]
                for i, fmt in enumerate(listed):
                    if not isinstance(fmt, str):
                        continue
                    key = f"{where}.formats.{fld}" + (f".{i}" if isinstance(value, list) else "")
                    try:
                        con.execute("SELECT try_strptime('', $fmt)", {"fmt": fmt}).fetchall()
                    except duckdb.Error as e:
                        problems.append(f"{key}: {first_line(e)}")
            zone = spec.get("timezone")
            if isinstance(zone, str):
                try:
                    zoneinfo.ZoneInfo(zone)
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    problems.append(f"{where}.timezone: unknown time zone '{zone}'")
            encoding = spec.get("encoding")
            if isinstance(encoding, str):
                try:
                    check_encoding(encoding, f"{where}.encoding")
                except InputError as e:
                    problems.append(str(e))
    finally:
        con.close()
    return problems


# --- YAML -----------------------------------------------------------------------------

class _Loader(yaml.SafeLoader):
    """Safe YAML where keys keep their exact text (`yes:` stays "yes", `1:` stays "1"),
    dates stay text, and a repeated key is an error rather than a silent overwrite."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[str, Any]:
    loader.flatten_mapping(node)
    out: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be plain text", key_node.start_mark)
        key = key_node.value
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: str) -> Any:
    try:
        with open(path, encoding="utf-8-sig") as f:
            return yaml.load(f, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        raise InputError(f"{where}: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise InputError(f"{path}: {first_line(e)}") from None
