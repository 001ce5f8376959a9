"""Typing raw text columns, in SQL, with every unparseable value accounted for.

A raw table holds exports as text; the typed table converts each declared field, and a
rejection is any needed value that is present but does not parse (or a missing anchor).
Formats from the mapping file are bound as sqlglot literals, never pasted as SQL text.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlglot import exp

from compliance.compile.expr import cast, coalesce, col, fn, is_null, lit

DATETIME_FORMATS = [
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f",
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M",
    "%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日",
]
OFFSET_FORMATS = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M%z"]
UTC_FORMATS = ["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%d %H:%M:%SZ", "%Y-%m-%dT%H:%MZ"]
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日",
                "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M"]
TRUE_WORDS = ["true", "t", "1", "yes", "y", "是", "对", "√"]
FALSE_WORDS = ["false", "f", "0", "no", "n", "否", "不是", "×"]

EXPECTED = {
    "text": "text",
    "int": "a whole number",
    "number": "a number",
    "bool": "true/false (also 是/否, yes/no, Y/N, 1/0)",
    "date": "a date like 2024-05-01",
    "datetime": "a date and time like 2024-05-01 09:30",
    "time": "a time of day like 18:30 (00:00 to 24:00)",
    "duration": "a number of seconds",
}


def _strings(values: list[str]) -> exp.Array:
    return exp.Array(expressions=[exp.Literal.string(v) for v in values])


def _parse(text: exp.Expression, formats: list[str], defaults: list[str],
           finish: Callable[[exp.Expression, bool], exp.Expression]) -> exp.Expression:
    """The first of `formats` (the mapping's), then of `defaults`, that parses `text`,
    made a value by `finish(parsed, has_offset)`.

    The mapping's formats are tried one at a time: in one list with a `%z` format,
    DuckDB carries one row's offset into the next and rolls impossible dates over. A
    failed parse costs DuckDB about half a microsecond per format, so a column exported
    in an unexpected format (every value rejected) took longer to type than to read.
    Every default starts with the year and a separator (`%Y-`, `%Y/`, `%Y.`, `%Y年`, or
    none): two defaults with different separators never parse the same text, so they
    are tried a separator at a time, and only when the text holds it. (Each guard is
    written once: DuckDB computes an expression written twice for every row, which
    would undo the laziness of COALESCE.)"""
    arms = [finish(fn("try_strptime", text.copy(), exp.Literal.string(f)), "%z" in f or "%Z" in f) for f in formats]
    groups: dict[str, list[str]] = {}
    for f in defaults:
        assert f.startswith("%Y"), f
        groups.setdefault(f[2:3] if f[2:3] != "%" else "", []).append(f)
    tries = []
    for sep, group in groups.items():
        parsed = fn("try_strptime", text.copy(), _strings(group))
        tries.append(exp.Case().when(fn("contains", text.copy(), exp.Literal.string(sep)), parsed) if sep else parsed)
    arms.append(finish(coalesce(*tries) if len(tries) > 1 else tries[0], False))
    return coalesce(*arms) if len(arms) > 1 else arms[0]


def _then_trimmed(raw: exp.Expression, first: exp.Expression, rest) -> exp.Expression:
    """`first` (a parse of the text as it is), else `rest(t)` of the text trimmed.

    The trimmed text is bound once, as a lambda's parameter: written out at each use,
    DuckDB would compute that repeated expression for every row (its optimizer moves
    repeated expressions ahead of COALESCE), when only values that do not parse as
    they are (few, in a good export) need trimming."""
    t = exp.column("t")
    body = exp.Lambda(this=rest(t), expressions=[exp.to_identifier("t")])
    trimmed = fn("list_extract", fn("list_transform", exp.Array(expressions=[fn("trim", raw.copy())]), body), lit(1))
    return coalesce(first, trimmed)


def _excel_serial(v: exp.Expression) -> exp.Expression:
    """Excel serial day numbers (days since 1899-12-30), as exported by some sheets."""
    return exp.RegexpLike(this=v, expression=exp.Literal.string(r"^\d{5}(\.\d+)?$"))


def typed_value(raw: exp.Expression, ftype: str, formats: list[str] | None, zone: str | None,
                site_zone: str) -> exp.Expression:
    v = fn("trim", raw)
    if ftype == "text":
        return raw
    if ftype in ("int", "number", "duration"):
        clean = fn("replace", v, exp.Literal.string(","), exp.Literal.string(""))
        dbl = exp.TryCast(this=clean, to=exp.DataType.build("DOUBLE"))
        if ftype == "int":
            return exp.Case().when(exp.EQ(this=dbl, expression=fn("round", dbl.copy())),
                                   exp.TryCast(this=dbl.copy(), to=exp.DataType.build("BIGINT")))
        # "inf" and "nan" parse as doubles, but measure nothing (and are not JSON)
        return exp.Case().when(fn("isfinite", dbl), dbl.copy())
    if ftype == "bool":
        low = fn("lower", v)
        return (exp.Case()  # the usual spellings first, compared as they are
                .when(exp.EQ(this=raw.copy(), expression=exp.Literal.string("true")), exp.true())
                .when(exp.EQ(this=raw.copy(), expression=exp.Literal.string("false")), exp.false())
                .when(exp.In(this=low, expressions=[exp.Literal.string(w) for w in TRUE_WORDS]), exp.true())
                .when(exp.In(this=low.copy(), expressions=[exp.Literal.string(w) for w in FALSE_WORDS]), exp.false()))
    if ftype == "date":
        def as_date(parsed: exp.Expression, has_offset: bool) -> exp.Expression:
            return cast(fn("timezone", exp.Literal.string(site_zone), parsed) if has_offset else parsed, "DATE")

        def date_of(text: exp.Expression) -> exp.Expression:
            return _parse(text, formats or [], DATE_FORMATS, as_date)

        def serial_date(t: exp.Expression) -> exp.Expression:
            return exp.Case().when(_excel_serial(t.copy()), exp.Add(
                this=cast(exp.Literal.string("1899-12-30"), "DATE"),
                expression=cast(fn("floor", exp.TryCast(this=t.copy(), to=exp.DataType.build("DOUBLE"))), "INTEGER")))
        return _then_trimmed(raw, date_of(raw), lambda t: coalesce(date_of(t), serial_date(t)))
    if ftype == "datetime":
        def site_time(parsed: exp.Expression, has_offset: bool) -> exp.Expression:
            """A parse in site time: an instant converted, a naive time read in the
            export's time zone."""
            if has_offset:
                parsed = fn("timezone", exp.Literal.string(site_zone), parsed)
            elif zone and zone != site_zone:
                parsed = fn("timezone", exp.Literal.string(site_zone), fn("timezone", exp.Literal.string(zone), parsed))
            return cast(parsed, "TIMESTAMP")

        def naive(text: exp.Expression) -> exp.Expression:
            return _parse(text, formats or [], DATETIME_FORMATS, site_time)

        def other_spellings(t: exp.Expression) -> exp.Expression:
            """The trimmed text: naive, with an offset (a sign and two digits at least:
            +08, -0500, +08:00), in UTC (ending in Z), or an Excel serial day."""
            offset = exp.Case().when(exp.RegexpLike(this=t.copy(), expression=exp.Literal.string(r"[+-][0-9]{2}")),
                                     fn("try_strptime", t.copy(), _strings(OFFSET_FORMATS)))
            utc = exp.Case().when(fn("contains", t.copy(), exp.Literal.string("Z")),
                                  fn("try_strptime", t.copy(), _strings(UTC_FORMATS)))
            serial = exp.Case().when(_excel_serial(t.copy()), exp.Add(
                this=cast(exp.Literal.string("1899-12-30 00:00:00"), "TIMESTAMP"),
                expression=fn("to_microseconds", cast(exp.Mul(
                    this=exp.TryCast(this=t.copy(), to=exp.DataType.build("DOUBLE")),
                    expression=lit(86400 * 1000000)), "BIGINT"))))
            return coalesce(naive(t), cast(fn("timezone", exp.Literal.string(site_zone), offset), "TIMESTAMP"),
                            cast(fn("timezone", exp.Literal.string(site_zone),
                                    fn("timezone", exp.Literal.string("UTC"), utc)), "TIMESTAMP"),
                            serial)
        return _then_trimmed(raw, naive(raw), other_spellings)
    if ftype == "time":
        # the pattern fixes the shapes accepted (H:MM, HH:MM, HH:MM:SS); DuckDB's TIME
        # parser then rejects minutes or seconds past 59 and hours past 24:00:00
        pattern = exp.Literal.string(r"^(\d{1,2}):(\d{2})(:(\d{2}))?$")
        secs = fn("epoch", exp.TryCast(this=v.copy(), to=exp.DataType.build("TIME")))
        return exp.Case().when(exp.RegexpLike(this=v.copy(), expression=pattern), cast(secs, "DOUBLE"))
    raise ValueError(f"unknown type {ftype}")


MISSING = "!"  # marks an anchor that is missing (rather than unparseable) in `__bad`
SQL_TYPES = {"text": "VARCHAR", "int": "BIGINT", "number": "DOUBLE", "bool": "BOOLEAN", "date": "DATE",
             "datetime": "TIMESTAMP", "time": "DOUBLE", "duration": "DOUBLE"}


@dataclass
class Typing:
    """How one dataset is typed: the SELECT that stores it, the fields it stores, and
    the fields whose text `__text` keeps for rejected rows (in that order)."""
    select: exp.Select
    stored: list[str]
    checked: list[str]


def typed_select(columns: list[str], fields: dict[str, str], needed: set[str],
                 formats: dict[str, list[str]], zone: str | None, site_zone: str,
                 anchor: str | None = None,
                 kept: Sequence[str] = ("__file", "__row", "__sheet")) -> Typing:
    """SELECT over the raw text relation "__raw" giving the typed fields some rule
    reads (`needed`) and the input has; `typed_view` adds the others as typed NULLs
    (storing columns of NULLs costs as much as storing values).

    `__bad` names, comma-separated, the values that are present but do not parse (and
    `!anchor` when the record's time is missing): a row is rejected when it is not
    empty. `__text` lists the raw text of the checked fields, for rejected rows only,
    so that a rejection can show the value without the raw text of every row being
    kept. Columns named in `kept` (provenance, headerless columns) are stored as
    they are."""
    present = set(columns) & set(fields) & needed
    if anchor not in present:
        anchor = None
    provenance = list(kept)
    typed: list[exp.Expression] = [col(c) for c in provenance]
    stored: list[str] = []
    checked: list[str] = []
    for name, ftype in fields.items():
        if name not in present:
            continue
        stored.append(name)
        value = cast(typed_value(col(name), ftype, formats.get(name), zone, site_zone), SQL_TYPES.get(ftype, "VARCHAR"))
        if ftype != "text":  # parse only present cells: DuckDB then skips the empty ones (about twice as fast)
            value = exp.Case().when(exp.Not(this=is_null(col(name))), value)
        typed.append(value.as_(name))
        if ftype != "text" or name == anchor:
            typed.append(col(name).as_(f"__t{len(checked)}"))
            checked.append(name)
    bad: list[exp.Expression] = []
    for i, name in enumerate(checked):
        text = col(f"__t{i}")
        if fields[name] != "text":  # a cell of spaces is empty, not unparseable
            failed = exp.And(this=is_null(col(name)),
                             expression=exp.NEQ(this=fn("trim", text), expression=exp.Literal.string("")))
            bad.append(exp.Case().when(failed, exp.Literal.string(name)))
        if name == anchor:
            blank = exp.And(this=is_null(col(name)), expression=coalesce(
                exp.EQ(this=fn("trim", text.copy()), expression=exp.Literal.string("")), exp.true()))
            bad.append(exp.Case().when(blank, exp.Literal.string(MISSING + name)))
    reasons = fn("concat_ws", exp.Literal.string(","), *bad) if bad else exp.Literal.string("")
    level1 = exp.select(*typed).from_(exp.to_table("__raw"))
    level2 = exp.select(exp.Star(), reasons.as_("__bad")).from_(level1.subquery("l1"))
    texts = exp.Array(expressions=[col(f"__t{i}") for i in range(len(checked))])
    rejected_text = exp.Case().when(exp.NEQ(this=col("__bad"), expression=exp.Literal.string("")), texts) \
        if checked else cast(exp.Null(), "VARCHAR[]")
    out = [col(c) for c in provenance] + [col(n) for n in stored] + [col("__bad"), rejected_text.as_("__text")]
    return Typing(exp.select(*out).from_(level2.subquery("l2")), stored, checked)


def typed_view(table: str, fields: dict[str, str], stored: list[str], row_base: int | None = None,
               origin: tuple[str, str | None] | None = None) -> exp.Select:
    """All of a dataset's fields over its stored table: `__rowid`, provenance, every
    field in declaration order (NULL where not stored), `__bad` and `__text`. With
    `row_base`, the table stores no `__row`: a row's number is its rowid + row_base.
    With `origin` (file, sheet), it stores no `__file` or `__sheet` either."""
    row = col("__row") if row_base is None else exp.Add(this=exp.column("rowid"), expression=lit(row_base))
    file, sheet = (col("__file"), col("__sheet")) if origin is None else \
        (cast(lit(origin[0]), "VARCHAR"), cast(lit(origin[1]), "VARCHAR"))
    cols = [row.as_("__rowid"), file.as_("__file"), row.copy().as_("__row"), sheet.as_("__sheet")]
    cols += [col(n) if n in stored else cast(exp.Null(), SQL_TYPES.get(t, "VARCHAR")).as_(n)
             for n, t in fields.items()]
    cols += [col("__bad"), col("__text")]
    return exp.select(*cols).from_(exp.to_table(table))
