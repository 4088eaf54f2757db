"""Compile a rule pack into one SQL statement that finds every rule hit of a day.

The statement reads the participant features of one (date, campaign) partition once
and returns one row per (participant, rule) where the rule fires and none of its
suppressions applies, with the evidence an analyst sees next to the hit
("accounts_per_device=7; account_age_days=3").

Shape (chosen by measurement on DuckDB, where it ran 2-3x faster than a CROSS JOIN with
a VALUES list of rule ids and a CASE per rule; PostgreSQL materialises the CTE once):

    WITH scoped AS (SELECT * FROM <features> AS features
                    WHERE features."date" = :date AND features.campaign_id = :campaign_id)
    SELECT user_id, 'rule_a' AS rule_id, <evidence a> AS evidence FROM scoped
     WHERE COALESCE((<when a>), FALSE) AND NOT COALESCE((<suppression a1>), FALSE)
    UNION ALL
    SELECT ...

Semantics an analyst can rely on, identical on DuckDB and PostgreSQL:
- a rule whose expression is NULL (a missing feature) does not fire; a suppression
  whose expression is NULL does not suppress;
- division and modulo by zero give NULL (so the rule does not fire) instead of failing
  the run on PostgreSQL and giving infinity on DuckDB;
- numbers in evidence are rounded to 2 decimals with trailing zeros dropped
  (7 -> "7", 10.0 -> "10", 0.333 -> "0.33"); NULL shows as "null"; dates as YYYY-MM-DD;
  booleans as true/false.

Rule expressions are written in the DuckDB dialect (rule_packs.EXPRESSION_DIALECT) and
transpiled with sqlglot. The statement is meant for ``sqlalchemy.text()``: its only
bound parameters are ``:date`` and ``:campaign_id``; colons inside rule literals are
escaped so text() does not take them for parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import sqlglot
from sqlglot import exp

from riskflows.rule_packs import EXPRESSION_DIALECT, RulePack, parse_expression
from riskflows.warehouse import quote_identifier, quote_string

_DIALECTS = {"duckdb": "duckdb", "postgres": "postgres", "postgresql": "postgres"}

# Numbers whose magnitude exceeds this (or NaN/infinity) are shown unrounded: they do
# not fit the DECIMAL used for rounding.
_ROUNDABLE = "1e30"


def sql_dialect(engine_dialect_name: str) -> str:
    """sqlglot dialect for a SQLAlchemy ``engine.dialect.name``."""
    try:
        return _DIALECTS[engine_dialect_name.lower()]
    except KeyError:
        raise ValueError(
            f"unsupported warehouse dialect {engine_dialect_name!r}; supported: {', '.join(sorted(_DIALECTS))}"
        ) from None


def _safe_division(node: exp.Expression) -> exp.Expression:
    """x / 0 and x % 0 -> NULL on both engines (a rule then simply does not fire)."""
    if isinstance(node, (exp.Div, exp.Mod)):
        divisor = node.expression
        node.set("expression", exp.Nullif(this=divisor, expression=exp.Literal.number(0)))
    return node


def _postgres_numeric(node: exp.Expression) -> exp.Expression:
    """PostgreSQL has ROUND(x, n), LOG(b, x) and % only for NUMERIC, not DOUBLE."""
    numeric = exp.DataType.build("DECIMAL")
    if isinstance(node, exp.Round) and node.args.get("decimals") is not None:
        node.set("this", exp.Cast(this=node.this, to=numeric.copy()))
    elif isinstance(node, exp.Log) and node.expression is not None:
        node.set("expression", exp.Cast(this=node.expression, to=numeric.copy()))
    elif isinstance(node, exp.Mod):
        node.set("this", exp.Cast(this=node.this, to=numeric.copy()))
        node.set("expression", exp.Cast(this=node.expression, to=numeric.copy()))
    return node


def _column_names_quoted(node: exp.Expression) -> exp.Expression:
    """Feature names are lowercase; quoting keeps names like "date" safe on every engine."""
    if isinstance(node, exp.Column) and isinstance(node.this, exp.Identifier) and not node.this.quoted:
        node.set("this", exp.to_identifier(node.this.name.lower(), quoted=True))
    return node


def _escape_for_text(sql: str) -> str:
    # sqlalchemy.text() reads ":word" anywhere, even inside string literals, as a bound
    # parameter; a backslash makes it a literal colon. Rule SQL has no other colons
    # (casts are rendered as CAST, parameters are refused when the pack is loaded).
    return sql.replace(":", "\\:")


def compile_expression(source: str, dialect: str) -> str:
    """One validated rule expression in the target dialect, null- and zero-safe."""
    target = sql_dialect(dialect)
    tree = parse_expression(source)
    tree = tree.transform(_safe_division).transform(_column_names_quoted)
    if target == "postgres":
        tree = tree.transform(_postgres_numeric)
    return _escape_for_text(tree.sql(dialect=target))


def _evidence_value(column: str, kind: str) -> str:
    """Neutral (DuckDB) SQL showing one feature value as text."""
    ident = quote_identifier(column)
    if kind == "number":
        rounded = f"RTRIM(RTRIM(CAST(CAST({ident} AS DECIMAL(38, 2)) AS VARCHAR), '0'), '.')"
        shown = f"CASE WHEN ABS({ident}) < {_ROUNDABLE} THEN {rounded} ELSE CAST({ident} AS VARCHAR) END"
    else:
        shown = f"CAST({ident} AS VARCHAR)"
    return f"COALESCE({shown}, 'null')"


def compile_evidence(columns: Sequence[str], feature_columns: Mapping[str, str], dialect: str) -> str:
    """SQL text expression "col=value; col2=value2" for the evidence columns."""
    if not columns:
        return "''"
    parts = [
        f"{quote_string(column + '=')} || {_evidence_value(column, feature_columns.get(column, 'text'))}"
        for column in columns
    ]
    neutral = " || '; ' || ".join(parts)
    return _escape_for_text(sqlglot.transpile(neutral, read=EXPRESSION_DIALECT, write=sql_dialect(dialect))[0])


def compile_rule_hits(pack: RulePack, features_relation: str, dialect: str) -> str:
    """One SELECT returning (user_id, rule_id, evidence) for every firing rule of ``pack``
    over the ``:date`` / ``:campaign_id`` partition of ``features_relation``.

    ``features_relation`` is a table name or a parenthesised subquery supplied by code
    (never by users). Evidence values are formatted by the feature types the pack was
    loaded with (RulePack.evidence_types). ``dialect`` is "duckdb" or "postgres"
    (``sql_dialect(engine.dialect.name)``).
    """
    key = (pack.version, tuple(sorted(pack.evidence_types.items())), features_relation, dialect)
    if key not in _COMPILED:
        _COMPILED[key] = _compile_rule_hits(pack, features_relation, dialect)
    return _COMPILED[key]


# Compiled packs by content version: transpiling every rule costs ~60 ms, and a day
# evaluates the same pack for many campaigns.
_COMPILED: dict[tuple, str] = {}


def _compile_rule_hits(pack: RulePack, features_relation: str, dialect: str) -> str:
    target = sql_dialect(dialect)
    selects = []
    for rule in pack.rules:
        condition = [f"COALESCE(({compile_expression(rule.when, target)}), FALSE)"]
        for suppression in pack.suppressions:
            if suppression.rule_id == rule.id:
                condition.append(f"NOT COALESCE(({compile_expression(suppression.when, target)}), FALSE)")
        evidence = compile_evidence(rule.evidence, pack.evidence_types, target)
        selects.append(
            f"SELECT scoped.user_id, CAST({quote_string(rule.id)} AS VARCHAR) AS rule_id, "
            f"CAST({evidence} AS VARCHAR) AS evidence\n"
            f"FROM scoped\nWHERE " + "\n  AND ".join(condition)
        )
    scoped = (
        f"WITH scoped AS (\n  SELECT * FROM {features_relation} AS features\n"
        f'  WHERE features."date" = :date AND features.campaign_id = :campaign_id\n)\n'
    )
    if not selects:  # a pack always has rules once loaded; keep the shape regardless
        return scoped + (
            "SELECT scoped.user_id, CAST(NULL AS VARCHAR) AS rule_id, "
            "CAST(NULL AS VARCHAR) AS evidence FROM scoped WHERE 1 = 0"
        )
    return scoped + "\nUNION ALL\n".join(selects)


def reason_phrases(pack: RulePack, rule_ids: pd.Series, evidence: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The English and Chinese phrase of each hit: the rule's title, then its evidence in brackets.

    Rules no longer in the pack are shown by id so a reason is never silently dropped.
    """
    rule_ids = rule_ids.astype(object)
    title_en = rule_ids.map({r.id: r.title_en for r in pack.rules}).fillna(rule_ids)
    title_zh = rule_ids.map({r.id: r.title_zh for r in pack.rules}).fillna(rule_ids)
    shown = evidence.astype(object).where(evidence.notna(), "").astype(str)
    plain = shown == ""
    english = title_en.where(plain, title_en + " (" + shown + ")")
    chinese = title_zh.where(plain, title_zh + "（" + shown + "）")
    return english, chinese
