"""Sort source rows into clean and rejected, in the warehouse, from the Pandera contract.

Every rule of `riskflows.source_contract` (NOT NULL, allowed values, ranges, unique key)
becomes a SQL predicate. Features read `clean_relation(...)`, which is the source table
minus the rejected rows; the rejected rows, with the reasons and the whole row as JSON,
go to `risk.quarantine` so nothing is ever dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from riskflows.source_contract import EARLIEST_VALID_TS, LATEST_VALID_TS, SOURCE_TABLES, SourceTable
from riskflows.warehouse import dialect_of, quote_string, read_frame, replace_partition, schema_column_types

SOURCE_SCHEMA = "src"
QUARANTINE_TABLE = "risk.quarantine"
# a day's table is broken (the run fails, nothing is published) when more than this share of its
# rows of the day is rejected, and at least this many
MAX_REJECTED_SHARE = 0.2
MIN_REJECTED_ROWS = 20


class SourceContractError(Exception):
    """The source breaks the contract beyond repair: a missing table column or too many bad rows."""


@dataclass(frozen=True)
class SourceLayout:
    """Which `src` tables exist, which columns each has (tables may be absent or sparse)
    and their types as the warehouse stores them."""

    columns: Mapping[str, frozenset[str]]
    types: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def has(self, table: str) -> bool:
        return table in self.columns

    def stored_type(self, table: SourceTable, column: str) -> str:
        """The column's type in the warehouse (a source may store text ids as BIGINT)."""
        return self.types.get(table.name, {}).get(column) or table.sql_type(column)

    @classmethod
    def inspect(cls, conn: sa.Connection, schema: str = SOURCE_SCHEMA) -> SourceLayout:
        present = {name: types for name, types in schema_column_types(conn, schema).items() if name in SOURCE_TABLES}
        return cls({name: frozenset(types) for name, types in present.items()}, present)


def _plain(value) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _literal(value) -> str:
    if isinstance(value, pd.Timestamp):
        return f"TIMESTAMP '{value.strftime('%Y-%m-%d %H:%M:%S')}'"
    if isinstance(value, str):
        return quote_string(value)
    return repr(value)


@dataclass(frozen=True)
class ColumnRule:
    """One contract rule as SQL: `violated` is true for a row that breaks it."""

    column: str
    violated: str
    message: str


def column_rules(table: SourceTable) -> list[ColumnRule]:
    """Translate the Pandera model's column checks into SQL predicates."""
    rules: list[ColumnRule] = []
    for name, column in table.schema.columns.items():
        if not column.nullable:
            rules.append(ColumnRule(name, f"{name} IS NULL", f"{name} is NULL"))
        for check in column.checks:
            stats = check.statistics
            if check.name == "isin":
                allowed = ", ".join(_literal(v) for v in stats["allowed_values"])
                listed = ", ".join(_plain(v) for v in stats["allowed_values"])
                rules.append(ColumnRule(name, f"{name} NOT IN ({allowed})", f"{name} not one of {listed}"))
            elif check.name == "greater_than_or_equal_to":
                rules.append(ColumnRule(name, f"{name} < {_literal(stats['min_value'])}", f"{name} negative"))
            elif check.name == "in_range":
                low, high = _literal(stats["min_value"]), _literal(stats["max_value"])
                rules.append(
                    ColumnRule(
                        name,
                        f"({name} < {low} OR {name} > {high})",
                        f"{name} outside {_plain(stats['min_value'])} .. {_plain(stats['max_value'])}",
                    )
                )
            else:  # a new check in the contract must be taught to the SQL side, not ignored
                raise NotImplementedError(f"contract check {check.name!r} on {table.name}.{name} has no SQL form")
    return rules


def _source_select(table: SourceTable, layout: SourceLayout) -> str:
    """SELECT of the contract's columns from src; absent nullable columns read as NULL."""
    if not layout.has(table.name):
        nulls = ", ".join(f"CAST(NULL AS {table.sql_type(c)}) AS {c}" for c in table.columns)
        return f"SELECT {nulls} WHERE 1 = 0"
    present = layout.columns[table.name]
    exprs = []
    for name, column in table.schema.columns.items():
        if name in present:
            exprs.append(name)
        elif column.nullable:
            exprs.append(f"CAST(NULL AS {table.sql_type(name)}) AS {name}")
        else:
            raise SourceContractError(
                f"src.{table.name} has no column {name!r}, which the contract requires "
                f"(columns present: {', '.join(sorted(present))})"
            )
    return f"SELECT {', '.join(exprs)} FROM {SOURCE_SCHEMA}.{table.name}"


def _any_violation(rules: list[ColumnRule]) -> str:
    return " OR ".join(f"COALESCE({r.violated}, FALSE)" for r in rules) or "FALSE"


def _valid_rows(table: SourceTable, layout: SourceLayout) -> str:
    """Source rows that pass every column rule (parenthesised, for FROM clauses)."""
    return f"(SELECT * FROM ({_source_select(table, layout)}) s WHERE NOT ({_any_violation(column_rules(table))}))"


def _duplicated_keys(table: SourceTable, valid: str) -> str:
    """Keys held by more than one valid row, found by grouping every row of the table."""
    keys = ", ".join(table.key)
    return f"(SELECT {keys} FROM {valid} d GROUP BY {keys} HAVING COUNT(*) > 1)"


def _recorded_duplicated_keys(table: SourceTable, layout: SourceLayout, quarantine_table: str) -> str:
    """Keys the day's quarantine (:date) rejected a duplicate of, typed as the source stores them.

    Read back from each rejected row's JSON, so a key containing any character survives.
    """
    keys = ", ".join(
        f"CAST(CAST(q.row_data AS JSON) ->> '{k}' AS {layout.stored_type(table, k)}) AS {k}" for k in table.key
    )
    return (
        f"(SELECT DISTINCT {keys} FROM {quarantine_table} q WHERE q.date = :date "
        f"AND q.table_name = '{table.name}' AND q.reasons = {_literal(_duplicate_reason(table))})"
    )


def _duplicate_reason(table: SourceTable) -> str:
    return f"duplicate key ({', '.join(table.key)}): kept the first of the rows sharing it"


def _key_sharing(table: SourceTable, layout: SourceLayout, duplicated: str | None = None) -> tuple[str, str]:
    """(valid rows whose key is not duplicated, valid rows of duplicated keys with their rank).

    Only duplicated keys are ranked: sorting every row of a 20M-row login table by key was
    most of the feature SQL's time. Rank 1 (ordered by all columns, so the choice is
    deterministic) is kept; the rest go to the quarantine. `duplicated` is a relation of
    the duplicated keys; by default they are found by grouping the whole table.
    """
    valid = _valid_rows(table, layout)
    duplicated = duplicated or _duplicated_keys(table, valid)
    on_key = " AND ".join(f"v.{k} = dup.{k}" for k in table.key)
    v_columns = ", ".join(f"v.{c}" for c in table.columns)
    unique = (
        f"SELECT {v_columns} FROM {valid} v LEFT JOIN {duplicated} dup ON {on_key} WHERE dup.{table.key[0]} IS NULL"
    )
    ranked = (
        f"(SELECT {v_columns}, ROW_NUMBER() OVER (PARTITION BY {', '.join('v.' + k for k in table.key)} "
        f"ORDER BY {v_columns}) AS rf_rank FROM {valid} v JOIN {duplicated} dup ON {on_key})"
    )
    return unique, ranked


def clean_relation(table_name: str, layout: SourceLayout) -> str:
    """A parenthesised SELECT of the clean rows of a src table, for use in FROM clauses.

    Clean = passes every column rule, and is the first valid row of its key; the rest are
    in the quarantine. Self-contained (no parameters): for small tables and reads that are
    not about one day.
    """
    table = SOURCE_TABLES[table_name]
    if not layout.has(table.name):
        return f"({_source_select(table, layout)})"
    unique, ranked = _key_sharing(table, layout)
    return f"({unique} UNION ALL SELECT {', '.join(table.columns)} FROM {ranked} r WHERE rf_rank = 1)"


def day_clean_relation(table_name: str, layout: SourceLayout, quarantine_table: str = QUARANTINE_TABLE) -> str:
    """The clean rows of a src table that the day (:date, :day_end) sees, for the feature SQL.

    The same rows as `clean_relation` minus those validly dated after the day, but the
    duplicated keys come from the day's quarantine instead of grouping the whole table
    again (4 s per read of a 20M-row login table). So `source_quarantine` of the day must
    have run first, which the asset graph guarantees. Exactly equal: a key is recorded when
    one of its visible rows lost the ranking, and the ranking still runs over all its rows.
    """
    table = SOURCE_TABLES[table_name]
    if not layout.has(table.name):
        return f"({_source_select(table, layout)})"
    unique, ranked = _key_sharing(table, layout, _recorded_duplicated_keys(table, layout, quarantine_table))
    visible = _visible_up_to(table)
    return (
        f"(SELECT * FROM ({unique}) u WHERE {visible} "
        f"UNION ALL SELECT {', '.join(table.columns)} FROM {ranked} r WHERE rf_rank = 1 AND {visible})"
    )


def _row_json(table: SourceTable, dialect: str) -> str:
    function = "json_build_object" if dialect == "postgres" else "json_object"
    pairs = ", ".join(f"'{c}', {c}" for c in table.columns)
    return f"CAST({function}({pairs}) AS VARCHAR)"


def _visible_up_to(table: SourceTable) -> str:
    """Rows a partition sees: all but those validly dated after the day.

    Rows with no usable timestamp belong to no day, so every partition sees (and reports) them.
    """
    t = table.time_column
    return f"NOT COALESCE({t} >= :day_end AND {t} <= {_literal(LATEST_VALID_TS)}, FALSE)"


def _row_ts(table: SourceTable) -> str:
    """The row's own timestamp where it is usable; NULL for a row with none (missing or impossible)."""
    t = table.time_column
    return (
        f"CAST(CASE WHEN {t} >= {_literal(EARLIEST_VALID_TS)} AND {t} <= {_literal(LATEST_VALID_TS)} "
        f"THEN {t} END AS TIMESTAMP)"
    )


def _of_the_day(table: SourceTable) -> str:
    """Rows a day adds, among those it sees: dated on the day, or undated (which every day answers for).
    A day's breakage is judged on these, so months of good rows do not dilute a broken feed."""
    t = table.time_column
    return f"NOT COALESCE({t} >= {_literal(EARLIEST_VALID_TS)} AND {t} < :date, FALSE)"


def quarantine_select(table: SourceTable, layout: SourceLayout, dialect: str) -> str:
    """Rejected rows visible to the partition, with every reason that applies."""
    rules = column_rules(table)
    reasons = ", ".join(f"CASE WHEN COALESCE({r.violated}, FALSE) THEN {_literal(r.message)} END" for r in rules)
    key_text = " || '|' || ".join(f"COALESCE(CAST({k} AS VARCHAR), 'NULL')" for k in table.key)
    columns = ", ".join(table.columns)
    _, ranked = _key_sharing(table, layout)
    duplicate = _literal(_duplicate_reason(table))
    rejected = (
        f"SELECT {columns}, CONCAT_WS('; ', {reasons}) AS reasons FROM ({_source_select(table, layout)}) s "
        f"WHERE {_any_violation(rules)} "
        f"UNION ALL SELECT {columns}, {duplicate} FROM {ranked} r WHERE rf_rank > 1"
    )
    return (
        f"SELECT CAST(:date AS DATE) AS date, '{table.name}' AS table_name, {key_text} AS row_key, reasons, "
        f"{_row_json(table, dialect)} AS row_data, {_row_ts(table)} AS row_ts "
        f"FROM ({rejected}) q WHERE {_visible_up_to(table)}"
    )


def rejected_rows_select(layout: SourceLayout, dialect: str) -> str | None:
    """SELECT of every rejected row of every present src table for :date / :day_end (None: no table)."""
    selects = [quarantine_select(SOURCE_TABLES[name], layout, dialect) for name in SOURCE_TABLES if layout.has(name)]
    return " UNION ALL ".join(selects) if selects else None


@dataclass
class TableQuality:
    """One source table as a day sees it: every row up to the day, and the rows the day adds
    (dated on it, or undated), which its breakage is judged on."""

    table: str
    rows_seen: int
    rows_rejected: int
    day_rows_seen: int = 0
    day_rows_rejected: int = 0
    examples: list[dict] = field(default_factory=list)  # rejected rows of the day
    reasons: dict[str, int] = field(default_factory=dict)  # the day's rejected rows per reason

    @property
    def rejected_share(self) -> float:
        """Share of the day's rows rejected."""
        return self.day_rows_rejected / self.day_rows_seen if self.day_rows_seen else 0.0


@dataclass
class QuarantineReport:
    """What the contract check found for one partition date, per source table."""

    tables: dict[str, TableQuality]
    missing_tables: list[str]

    @property
    def rows_rejected(self) -> int:
        return sum(t.rows_rejected for t in self.tables.values())

    def broken_tables(self, max_rejected_share: float, min_rejected_rows: int) -> list[TableQuality]:
        return [
            t
            for t in self.tables.values()
            if t.day_rows_rejected >= min_rejected_rows and t.rejected_share > max_rejected_share
        ]


def check_source_contract(
    engine: sa.Engine, date: pd.Timestamp | str, *, quarantine_table: str = QUARANTINE_TABLE
) -> QuarantineReport:
    """Write the partition's quarantine (replacing it) and report rejected rows per table."""
    day = pd.Timestamp(date).normalize()
    params = {"date": day.date(), "day_end": (day + pd.Timedelta(days=1)).to_pydatetime()}
    with engine.connect() as conn:
        layout = SourceLayout.inspect(conn)
    rejected = rejected_rows_select(layout, dialect_of(engine))
    insert = None
    if rejected:
        insert = f"INSERT INTO {quarantine_table} (date, table_name, row_key, reasons, row_data, row_ts) {rejected}"
    replace_partition(engine, quarantine_table, {"date": params["date"]}, insert_sql=insert, params=params)

    tables: dict[str, TableQuality] = {}
    of_day = "(row_ts IS NULL OR row_ts >= :date)"
    with engine.connect() as conn:
        for name in SOURCE_TABLES:
            if not layout.has(name):
                continue
            table = SOURCE_TABLES[name]
            seen, day_seen = conn.execute(
                sa.text(
                    f"SELECT COUNT(*), SUM(CASE WHEN {_of_the_day(table)} THEN 1 ELSE 0 END) "
                    f"FROM ({_source_select(table, layout)}) s WHERE {_visible_up_to(table)}"
                ),
                params,
            ).one()
            where = "WHERE date = :date AND table_name = :table"
            keys = {"date": params["date"], "table": name}
            rejected, day_rejected = conn.execute(
                sa.text(f"SELECT COUNT(*), SUM(CASE WHEN {of_day} THEN 1 ELSE 0 END) FROM {quarantine_table} {where}"),
                keys,
            ).one()
            examples = read_frame(
                conn,
                f"SELECT row_key, reasons, row_data FROM {quarantine_table} {where} AND {of_day} "
                f"ORDER BY row_key LIMIT 5",
                keys,
            )
            reasons = read_frame(
                conn,
                f"SELECT reasons, COUNT(*) AS n FROM {quarantine_table} {where} AND {of_day} "
                f"GROUP BY reasons ORDER BY n DESC, reasons LIMIT 5",
                keys,
            )
            tables[name] = TableQuality(
                name,
                int(seen),
                int(rejected),
                int(day_seen or 0),
                int(day_rejected or 0),
                examples.to_dict("records"),
                dict(zip(reasons["reasons"], reasons["n"].astype(int))),
            )
    return QuarantineReport(tables, [n for n in SOURCE_TABLES if not layout.has(n)])


def describe_broken(broken: list[TableQuality], date: str) -> str:
    """An error message an on-call engineer can act on: table, day, columns, example rows."""
    lines = [f"source data for {date} breaks the contract beyond the threshold:"]
    for t in broken:
        lines.append(
            f"- src.{t.table} on {date}: {t.day_rows_rejected} of the day's {t.day_rows_seen} rows rejected "
            f"({t.rejected_share:.1%}; rows dated on the day or undated)"
        )
        for reason, count in t.reasons.items():
            lines.append(f"    {count} rows: {reason}")
        for example in t.examples[:3]:
            lines.append(f"    key {example['row_key']}: {example['reasons']} -- row {example['row_data']}")
    lines.append(f"nothing was published for {date}; the rejected rows are kept in {QUARANTINE_TABLE} for this date")
    return "\n".join(lines)
