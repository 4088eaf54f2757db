"""Rule packs: the YAML files in which risk analysts write detection rules.

A rule pack says, for a set of campaign kinds or campaign ids, which participant
behaviours are suspicious. Each rule is a SQL boolean expression over the participant
feature columns (``accounts_per_device >= 5 AND account_age_days < 30``), with a
bilingual title, a severity, a score weight and the feature columns shown as evidence.
A participant's score is built from the rules it hits; the pack's thresholds turn the
score into a tier (review, hold, block).

Loading a pack validates everything an analyst can get wrong and reports *all*
problems at once, each with file, pack, rule and position, so a pull request that
breaks a pack fails with a message the analyst can act on. Expressions are parsed with
sqlglot in the DuckDB dialect (a superset of the PostgreSQL expression syntax analysts
already write: ``::`` casts, ``ILIKE``, ``IS DISTINCT FROM``) and must be one pure
expression over known feature columns and an allow-list of functions: no statements, no
subqueries, no table references, no parameters, no clock.

Versioning: a pack's version is the first 12 hex digits of the sha256 of its *parsed*
content (YAML mapping with keys sorted; each SQL expression reduced to its tokens).
Comments, indentation, key order, quoting style and line breaks inside an expression do
not change the version; changing any value (a threshold, a score, a word in a title, an
operator or literal in an expression, the order of rules) does. Every rule hit records
the version, so rule performance can be compared version against version.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlglot
import yaml
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

# The dialect rule expressions are written in. DuckDB's expression grammar accepts what
# analysts write for PostgreSQL too, and rule_sql transpiles from it to the warehouse.
EXPRESSION_DIALECT = "duckdb"

SEVERITIES = ("low", "medium", "high", "critical")
TIERS = ("review", "hold", "block")  # ascending: a higher tier needs a higher score
CAMPAIGN_KINDS = ("referral", "trading_competition", "airdrop", "deposit_bonus", "new_user")
FEATURE_TYPES = ("number", "text", "boolean", "date")

_RULE_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_PACK_KEYS = ("pack_id", "applies_to", "thresholds", "rules", "allowlist", "suppressions", "description")
_RULE_KEYS = ("id", "title", "description", "when", "severity", "score", "evidence")
_ALLOWLIST_KEYS = ("user_id", "cluster_id", "reason", "expires")
_SUPPRESSION_KEYS = ("rule", "when", "reason")


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Rule:
    """One detection rule: when ``when`` is true for a participant, the rule fires and
    adds ``score`` to the participant's risk score, showing ``evidence`` columns."""

    id: str
    title_en: str
    title_zh: str
    description: str
    when: str
    severity: str
    score: float
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class AllowlistEntry:
    """A user or an account cluster the analysts have cleared (e.g. a known market
    maker). ``expires`` is the first day the clearance no longer applies (None: never)."""

    user_id: int | None
    cluster_id: int | None
    reason: str
    expires: date | None

    def active_on(self, day: date) -> bool:
        return self.expires is None or day < self.expires


@dataclass(frozen=True)
class Suppression:
    """Where ``when`` is true, rule ``rule_id`` does not fire (a known benign pattern,
    e.g. a shared device among fully KYC'd users)."""

    rule_id: str
    when: str
    reason: str


@dataclass(frozen=True)
class RulePack:
    pack_id: str
    path: str
    kinds: tuple[str, ...]
    campaigns: tuple[str, ...]
    thresholds: dict[str, float]
    rules: tuple[Rule, ...]
    allowlist: tuple[AllowlistEntry, ...]
    suppressions: tuple[Suppression, ...]
    version: str
    # Feature type (number/text/boolean/date) of every evidence column, as validated at
    # load time, so evidence can be formatted in SQL without a second lookup.
    evidence_types: Mapping[str, str] = field(default_factory=dict, compare=False)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"pack {self.pack_id} has no rule {rule_id!r}")

    def allowlisted(self, day: date) -> tuple[frozenset[int], frozenset[int]]:
        """(user ids, cluster ids) cleared on ``day``; expired entries are ignored."""
        active = [entry for entry in self.allowlist if entry.active_on(day)]
        users = frozenset(e.user_id for e in active if e.user_id is not None)
        clusters = frozenset(e.cluster_id for e in active if e.cluster_id is not None)
        return users, clusters


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rule pack, located so the analyst can fix it."""

    file: str
    pack_id: str | None = None
    rule_id: str | None = None
    line: int | None = None
    column: int | None = None
    message: str = ""

    def __str__(self) -> str:
        where = [f"pack {self.pack_id}"] if self.pack_id else []
        if self.rule_id:
            where.append(f"rule {self.rule_id}")
        if self.line is not None:
            where.append(f"line {self.line}" + (f" col {self.column}" if self.column is not None else ""))
        return f"{self.file}: " + ", ".join(where) + (": " if where else "") + self.message


class RulePackError(Exception):
    """A rule pack (or a set of packs) is invalid; ``problems`` lists every problem."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RulePackSelectionError(LookupError):
    """No rule pack (or more than one) applies to a campaign."""


# ------------------------------------------------------------- expression checking

# Functions an analyst may call. Keyed by the sqlglot expression class, so aliases the
# parser maps to the same class (IFNULL -> COALESCE, LOG10 -> LOG) are allowed too.
# Name -> (class, argument type or None for "any, all alike", result type or None
# for "the arguments' type").
_FUNCTIONS: dict[str, tuple[type[exp.Expression], str | None, str | None]] = {
    "COALESCE": (exp.Coalesce, None, None),
    "NULLIF": (exp.Nullif, None, None),
    "LEAST": (exp.Least, None, None),
    "GREATEST": (exp.Greatest, None, None),
    "ABS": (exp.Abs, "number", "number"),
    "LN": (exp.Ln, "number", "number"),
    "LOG10": (exp.Log, "number", "number"),
    "SQRT": (exp.Sqrt, "number", "number"),
    "ROUND": (exp.Round, "number", "number"),
    "FLOOR": (exp.Floor, "number", "number"),
    "CEIL": (exp.Ceil, "number", "number"),
    "LOWER": (exp.Lower, "text", "text"),
    "UPPER": (exp.Upper, "text", "text"),
    "LENGTH": (exp.Length, "text", "number"),
}
_FUNCTION_BY_CLASS = {cls: (name, arg, res) for name, (cls, arg, res) in _FUNCTIONS.items()}

_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ)
_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.IntDiv)
_CAST_TYPES = {
    "number": {
        exp.DataType.Type.INT, exp.DataType.Type.BIGINT, exp.DataType.Type.SMALLINT,
        exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT, exp.DataType.Type.DECIMAL,
    },
    "text": {exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT},
    "boolean": {exp.DataType.Type.BOOLEAN},
    "date": {exp.DataType.Type.DATE},
}


@dataclass(frozen=True)
class _ExprProblem:
    offset: int | None  # 0-based character offset in the expression
    message: str


class _Checker:
    """Walks one parsed expression, collecting problems and inferring types.

    Types are the feature types plus 'null' (NULL literal) and 'string' (a quoted
    literal, which both engines coerce to a date where a date is expected).
    """

    def __init__(self, tokens: list, feature_columns: Mapping[str, str]):
        self.tokens = tokens
        self.columns = {name.lower(): kind for name, kind in feature_columns.items()}
        self.problems: list[_ExprProblem] = []

    # -- positions
    def offset(self, node: exp.Expression) -> int | None:
        starts = [n.meta["start"] for n in node.walk() if isinstance(n, exp.Expression) and "start" in n.meta]
        if not starts:
            return self._token_offset(node)
        first = min(starts)
        # Subqueries have no position of their own: point at their SELECT / EXISTS keyword.
        if isinstance(node, (exp.Select, exp.Subquery, exp.Exists, exp.Query)):
            keywords = [t.start for t in self.tokens
                        if t.token_type in (TokenType.SELECT, TokenType.EXISTS, TokenType.WITH) and t.start <= first]
            if keywords:
                return max(keywords)
        return first

    def _token_offset(self, node: exp.Expression) -> int | None:
        """Position of nodes the parser keeps no position for (parameters, CURRENT_DATE)."""
        if isinstance(node, (exp.Placeholder, exp.Parameter)):
            wanted = {TokenType.PLACEHOLDER, TokenType.PARAMETER, TokenType.COLON}
            return next((t.start for t in self.tokens if t.token_type in wanted), None)
        word = node.sql(EXPRESSION_DIALECT).split("(")[0].strip().upper()
        return next((t.start for t in self.tokens if t.text.upper() == word), None)

    def refuse(self, node: exp.Expression, message: str) -> None:
        self.problems.append(_ExprProblem(self.offset(node), message))

    # -- type helpers
    @staticmethod
    def _comparable(a: str | None, b: str | None) -> bool:
        if a is None or b is None or a == b or "null" in (a, b):
            return True
        if {a, b} == {"string", "text"}:
            return True
        return {a, b} == {"string", "date"}

    @staticmethod
    def _as(kind: str | None, wanted: str) -> bool:
        """Whether a value of ``kind`` may be used where ``wanted`` is expected."""
        if kind in (None, "null", wanted):
            return True
        return kind == "string" and wanted in ("text", "date")

    def expect(self, node: exp.Expression, wanted: str, context: str) -> None:
        kind = self.infer(node)
        if not self._as(kind, wanted):
            shown = "text" if kind == "string" else kind
            self.refuse(node, f"{context} needs {wanted}, got {shown}: {node.sql(EXPRESSION_DIALECT)}")

    # -- inference
    def infer(self, node: exp.Expression) -> str | None:  # noqa: C901 - one branch per node kind
        if isinstance(node, exp.Paren):
            return self.infer(node.this)
        if isinstance(node, exp.Column):
            return self.column(node)
        if isinstance(node, exp.Literal):
            return "string" if node.is_string else "number"
        if isinstance(node, exp.Null):
            return "null"
        if isinstance(node, exp.Boolean):
            return "boolean"
        if isinstance(node, (exp.And, exp.Or)):
            for side in (node.this, node.expression):
                self.expect(side, "boolean", f"{node.key.upper()}")
            return "boolean"
        if isinstance(node, exp.Not):
            self.expect(node.this, "boolean", "NOT")
            return "boolean"
        if isinstance(node, _COMPARISONS):
            left, right = self.infer(node.this), self.infer(node.expression)
            if not self._comparable(left, right):
                self.refuse(node, f"cannot compare {self._shown(left)} with {self._shown(right)}: "
                                  f"{node.sql(EXPRESSION_DIALECT)}")
            return "boolean"
        if isinstance(node, _ARITHMETIC):
            return self.arithmetic(node)
        if isinstance(node, exp.Neg):
            self.expect(node.this, "number", "minus sign")
            return "number"
        if isinstance(node, exp.DPipe):
            for side in (node.this, node.expression):
                self.expect(side, "text", "||")
            return "text"
        if isinstance(node, exp.Is):
            self.infer(node.this)
            if not isinstance(node.expression, (exp.Null, exp.Boolean)):
                self.refuse(node.expression, "IS must be followed by NULL, TRUE or FALSE")
            return "boolean"
        if isinstance(node, exp.In):
            return self.in_list(node)
        if isinstance(node, exp.Between):
            kind = self.infer(node.this)
            for bound in (node.args.get("low"), node.args.get("high")):
                bound_kind = self.infer(bound)
                if not self._comparable(kind, bound_kind):
                    self.refuse(bound, f"BETWEEN bound is {self._shown(bound_kind)} but the value is {self._shown(kind)}")
            return "boolean"
        if isinstance(node, (exp.Like, exp.ILike)):
            self.expect(node.this, "text", node.key.upper())
            self.expect(node.expression, "text", f"{node.key.upper()} pattern")
            if node.args.get("escape") is not None:
                self.expect(node.args["escape"], "text", "ESCAPE")
            return "boolean"
        if isinstance(node, exp.Case):
            return self.case(node)
        if isinstance(node, exp.Cast) and type(node) is exp.Cast:
            return self.cast(node)
        if type(node) in _FUNCTION_BY_CLASS:
            return self.function(node)
        return self.forbidden(node)

    @staticmethod
    def _shown(kind: str | None) -> str:
        return "text" if kind == "string" else str(kind)

    def column(self, node: exp.Column) -> str | None:
        if isinstance(node.this, exp.Star):
            self.refuse(node, "'*' is not allowed: name the feature columns")
            return None
        if node.table or node.args.get("db") or node.args.get("catalog"):
            self.refuse(node, f"qualified column '{node.sql(EXPRESSION_DIALECT)}' is not allowed: "
                              "use the bare feature name")
        identifier = node.this
        name = identifier.name if identifier.quoted else identifier.name.lower()
        kind = self.columns.get(name)
        if kind is None:
            close = difflib.get_close_matches(name, list(self.columns), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.refuse(node, f"unknown column '{identifier.name}'{hint}")
        return kind

    def arithmetic(self, node: exp.Expression) -> str | None:
        op = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.Mod: "%", exp.IntDiv: "//"}[type(node)]
        left, right = self.infer(node.this), self.infer(node.expression)
        # Dates shift by whole days and subtract to day counts, the same on both engines.
        if isinstance(node, (exp.Add, exp.Sub)) and "date" in (left, right):
            if isinstance(node, exp.Sub) and left == right == "date":
                return "number"
            if (left, right) in (("date", "number"), ("number", "date")) and (isinstance(node, exp.Add) or left == "date"):
                return "date"
        for side, kind in ((node.this, left), (node.expression, right)):
            if not self._as(kind, "number"):
                self.refuse(side, f"arithmetic '{op}' on {self._shown(kind)}: {side.sql(EXPRESSION_DIALECT)}")
        return "number"

    def in_list(self, node: exp.In) -> str:
        if node.args.get("query") is not None or node.args.get("unnest") is not None:
            self.refuse(node.args.get("query") or node.args["unnest"],
                        "subqueries are not allowed: a rule sees one participant's features only")
            return "boolean"
        if node.args.get("field") is not None:
            self.refuse(node, "IN must be followed by a list of values")
            return "boolean"
        kind = self.infer(node.this)
        for item in node.expressions:
            item_kind = self.infer(item)
            if not self._comparable(kind, item_kind):
                self.refuse(item, f"IN list item is {self._shown(item_kind)} but the value is {self._shown(kind)}")
        return "boolean"

    def case(self, node: exp.Case) -> str | None:
        subject = node.this
        subject_kind = self.infer(subject) if subject is not None else None
        results: list[tuple[exp.Expression, str | None]] = []
        for branch in node.args.get("ifs") or []:
            if subject is not None:
                when_kind = self.infer(branch.this)
                if not self._comparable(subject_kind, when_kind):
                    self.refuse(branch.this, f"CASE compares {self._shown(subject_kind)} with {self._shown(when_kind)}")
            else:
                self.expect(branch.this, "boolean", "CASE WHEN")
            results.append((branch.args["true"], self.infer(branch.args["true"])))
        if node.args.get("default") is not None:
            results.append((node.args["default"], self.infer(node.args["default"])))
        return self._common(node, results, "CASE branches")

    def _common(self, node: exp.Expression, typed: list[tuple[exp.Expression, str | None]], what: str) -> str | None:
        known = [kind for _, kind in typed if kind not in (None, "null")]
        if not known:
            return None if any(kind is None for _, kind in typed) else "null"
        first = known[0]
        for other in known[1:]:
            if not self._comparable(first, other):
                self.refuse(node, f"{what} mix {self._shown(first)} and {self._shown(other)}")
                return None
        concrete = [k for k in known if k != "string"]
        return concrete[0] if concrete else "string"

    def cast(self, node: exp.Cast) -> str | None:
        self.infer(node.this)
        target = node.to.this if isinstance(node.to, exp.DataType) else None
        for kind, types in _CAST_TYPES.items():
            if target in types:
                return kind
        self.refuse(node, f"cast to {node.to.sql(EXPRESSION_DIALECT)} is not allowed "
                          "(use a number, text, boolean or date type)")
        return None

    def function(self, node: exp.Expression) -> str | None:
        name, arg_kind, result = _FUNCTION_BY_CLASS[type(node)]
        args = [a for a in node.iter_expressions()]
        if isinstance(node, exp.Log):
            # LOG10(x) parses as LOG(10, x); a two-argument LOG(b, x) is not portable.
            base = node.this
            if not (isinstance(base, exp.Literal) and base.this == "10" and node.expression is not None):
                self.refuse(node, "LOG is not allowed: use LOG10(x) or LN(x)")
                return "number"
            args = [node.expression]
        if isinstance(node, exp.Round):
            args = [node.this]
            if node.args.get("decimals") is not None:
                self.expect(node.args["decimals"], "number", "ROUND decimals")
        if arg_kind is not None:
            for arg in args:
                self.expect(arg, arg_kind, name)
            return result
        return self._common(node, [(a, self.infer(a)) for a in args], f"{name} arguments")

    def forbidden(self, node: exp.Expression) -> None:
        if isinstance(node, (exp.Select, exp.Subquery, exp.Exists, exp.Query)):
            self.refuse(node, "subqueries are not allowed: a rule sees one participant's features only")
        elif isinstance(node, exp.Star):
            self.refuse(node, "'*' is not allowed: name the feature columns")
        elif isinstance(node, (exp.Placeholder, exp.Parameter)):
            self.refuse(node, "parameters are not allowed: write the value into the rule")
        elif isinstance(node, (exp.Table, exp.Dot)):
            self.refuse(node, "table references are not allowed")
        elif isinstance(node, exp.Anonymous):
            self.refuse(node, f"unknown function '{node.name}'{self._function_hint(node.name)}")
        elif isinstance(node, exp.Func):
            shown = node.sql_name() if hasattr(node, "sql_name") else node.key.upper()
            self.refuse(node, f"function '{shown}' is not allowed{self._function_hint(shown)}")
        else:
            self.refuse(node, f"'{node.sql(EXPRESSION_DIALECT)}' is not allowed in a rule "
                              "(only feature columns, literals, operators, CASE and allowed functions)")
        return None

    @staticmethod
    def _function_hint(name: str) -> str:
        close = difflib.get_close_matches(name.upper(), list(_FUNCTIONS), n=1, cutoff=0.7)
        if close:
            return f" (did you mean {close[0]}?)"
        return f"; allowed: {', '.join(sorted(_FUNCTIONS))}"


def check_expression(source: str, feature_columns: Mapping[str, str]) -> list[tuple[int | None, str]]:
    """Problems with one rule expression as (0-based character offset or None, message).

    Empty list: ``source`` is one pure boolean expression over ``feature_columns``.
    """
    if not isinstance(source, str) or not source.strip():
        return [(None, "expression is empty")]
    try:
        tokens = sqlglot.tokenize(source, read=EXPRESSION_DIALECT)
    except TokenError as error:
        return [(None, f"cannot read the expression: {error}")]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            return [(token.start, "a rule is one expression: remove ';' and anything after it")]
    try:
        parsed = [e for e in sqlglot.parse(source, read=EXPRESSION_DIALECT) if e is not None]
    except ParseError as error:
        detail = error.errors[0] if error.errors else {}
        offset = _offset_of(source, detail.get("line"), detail.get("col"))
        return [(offset, f"syntax error: {detail.get('description', str(error))}")]
    if len(parsed) != 1:
        return [(None, "a rule is exactly one expression")]
    checker = _Checker(tokens, feature_columns)
    root = parsed[0]
    kind = checker.infer(root)
    if kind not in (None, "boolean") and not any(p for p in checker.problems):
        shown = "text" if kind == "string" else kind
        checker.problems.append(_ExprProblem(checker.offset(root),
                                             f"the expression must be true or false, but it is {shown}"))
    return [(p.offset, p.message) for p in checker.problems]


def _offset_of(source: str, line: int | None, col: int | None) -> int | None:
    """sqlglot's 1-based (line, col) of the last character of a token -> offset."""
    if not line or not col:
        return None
    lines = source.split("\n")
    if line > len(lines):
        return None
    return sum(len(l) + 1 for l in lines[: line - 1]) + max(col - 1, 0)


def parse_expression(source: str) -> exp.Expression:
    """The parsed form of a validated rule expression (in EXPRESSION_DIALECT)."""
    return sqlglot.parse_one(source, read=EXPRESSION_DIALECT)


# ------------------------------------------------------------------ YAML positions


class _Positions:
    """Line/column of values in a YAML file, from its composed node tree."""

    def __init__(self, text: str, root: yaml.Node | None):
        self.text = text
        self.root = root

    def node(self, *path: str | int) -> yaml.Node | None:
        node = self.root
        for step in path:
            if isinstance(node, yaml.MappingNode) and isinstance(step, str):
                node = next((v for k, v in node.value if getattr(k, "value", None) == step), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
            else:
                return None
            if node is None:
                return None
        return node

    def at(self, *path: str | int) -> tuple[int | None, int | None]:
        """1-based position of the value at ``path``, or of its nearest existing parent."""
        for depth in range(len(path), -1, -1):
            node = self.node(*path[:depth])
            if node is not None:
                return node.start_mark.line + 1, node.start_mark.column + 1
        return None, None

    def in_expression(self, path: tuple[str | int, ...], offset: int | None) -> tuple[int | None, int | None, bool]:
        """File position of character ``offset`` of the scalar at ``path``.

        Returns (line, column, exact). Exact when the scalar maps one to one onto the
        file (plain or quoted on one line, or a literal ``|`` block); otherwise the
        position of the value with exact=False.
        """
        node = self.node(*path)
        if node is None or not isinstance(node, yaml.ScalarNode):
            line, col = self.at(*path)
            return line, col, offset is None
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        if offset is None:
            return line, col, True
        raw = self.text[node.start_mark.index: node.end_mark.index]
        one_line = node.start_mark.line == node.end_mark.line
        if node.style is None and one_line:
            return line, col + offset, True
        if node.style in ("'", '"') and one_line and "\\" not in raw and "''" not in raw:
            return line, col + 1 + offset, True
        if node.style == "|":
            before = node.value[:offset]
            value_line = before.count("\n")
            body = self.text.split("\n")[node.start_mark.line + 1:]
            content = next((l for l in body if l.strip()), "")
            indent = len(content) - len(content.lstrip(" "))
            return node.start_mark.line + 2 + value_line, indent + 1 + len(before.rsplit("\n", 1)[-1]), True
        return line, col, False


def _duplicate_keys(node: yaml.Node | None) -> list[tuple[str, yaml.Node]]:
    """YAML silently keeps the last of two equal keys; an analyst never means that."""
    found: list[tuple[str, yaml.Node]] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = getattr(key, "value", None)
            if isinstance(name, str):
                if name in seen:
                    found.append((name, key))
                seen.add(name)
            found.extend(_duplicate_keys(value))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found.extend(_duplicate_keys(item))
    return found


# ------------------------------------------------------------------------ loading


def _normalised(content: Any) -> Any:
    """Parsed pack content with every SQL expression reduced to its tokens, for hashing."""
    if isinstance(content, dict):
        out = {}
        for key, value in content.items():
            if key == "when" and isinstance(value, str):
                try:
                    out[key] = [[t.token_type.name, t.text if t.token_type in (TokenType.STRING, TokenType.IDENTIFIER)
                                 else t.text.lower()] for t in sqlglot.tokenize(value, read=EXPRESSION_DIALECT)]
                except TokenError:
                    out[key] = value
            else:
                out[str(key)] = _normalised(value)
        return out
    if isinstance(content, list):
        return [_normalised(item) for item in content]
    if isinstance(content, date):
        return content.isoformat()
    return content


def pack_version(content: Mapping[str, Any]) -> str:
    """Short content hash of a parsed pack (see module docstring for what counts)."""
    canonical = json.dumps(_normalised(dict(content)), sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


# libyaml's loader when present: the pure-Python one costs ~0.1 s per pack.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(path: Path) -> tuple[str | None, Any, yaml.Node | None, Problem | None]:
    """(text, parsed content, composed node, YAML problem)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, None, None, Problem(str(path), message=f"cannot read file: {error}")
    try:
        node = yaml.compose(text, Loader=_YAML_LOADER)
        content = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        return text, None, None, Problem(str(path), line=line, column=col,
                                         message=f"YAML error: {error.problem or error}")
    except yaml.YAMLError as error:
        return text, None, None, Problem(str(path), message=f"YAML error: {error}")
    return text, content, node, None


def _is_pack(content: Any) -> bool:
    return isinstance(content, dict) and "rules" in content


class _PackBuilder:
    """Validates one parsed pack, collecting every problem, and builds the RulePack."""

    def __init__(self, path: Path, text: str, content: dict, node: yaml.Node | None,
                 feature_columns: Mapping[str, str]):
        self.file = str(path)
        self.content = content
        self.pos = _Positions(text, node)
        self.columns = dict(feature_columns)
        self.problems: list[Problem] = []
        pack_id = content.get("pack_id")
        self.pack_id = pack_id if isinstance(pack_id, str) and pack_id else None
        for name, key_node in _duplicate_keys(node):
            self.problems.append(Problem(self.file, self.pack_id, None, key_node.start_mark.line + 1,
                                         key_node.start_mark.column + 1, f"duplicate key '{name}'"))

    def problem(self, path: tuple[str | int, ...], message: str, rule_id: str | None = None) -> None:
        line, col = self.pos.at(*path)
        self.problems.append(Problem(self.file, self.pack_id, rule_id, line, col, message))

    def unknown_keys(self, mapping: dict, allowed: Sequence[str], path: tuple, rule_id: str | None = None) -> None:
        for key in mapping:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else f"; expected one of: {', '.join(allowed)}"
                self.problem(path + (key,), f"unknown key '{key}'{hint}", rule_id)

    def expression(self, source: Any, path: tuple[str | int, ...], rule_id: str | None, what: str) -> None:
        if not isinstance(source, str):
            self.problem(path, f"{what} must be a SQL expression in a string", rule_id)
            return
        for offset, message in check_expression(source, self.columns):
            line, col, exact = self.pos.in_expression(path, offset)
            suffix = "" if exact or offset is None else f" (character {offset + 1} of the expression)"
            prefix = "" if what == "when" else f"{what}: "
            self.problems.append(Problem(self.file, self.pack_id, rule_id, line, col, prefix + message + suffix))

    # -- sections
    def build(self) -> RulePack | None:
        content = self.content
        self.unknown_keys(content, _PACK_KEYS, ())
        if self.pack_id is None:
            self.problem(("pack_id",), "pack_id is required (a short name such as referral_default)")
        elif not _RULE_ID.match(self.pack_id):
            self.problem(("pack_id",), "pack_id must be lowercase letters, digits and underscores")
        kinds, campaigns = self.applies_to(content.get("applies_to"))
        thresholds = self.thresholds(content.get("thresholds"))
        rules = self.rules(content.get("rules"))
        allowlist = self.allowlist(content.get("allowlist"))
        suppressions = self.suppressions(content.get("suppressions"), {r.id for r in rules})
        if self.problems:
            return None
        return RulePack(pack_id=self.pack_id, path=self.file, kinds=kinds, campaigns=campaigns,
                        thresholds=thresholds, rules=rules, allowlist=allowlist,
                        suppressions=suppressions, version=pack_version(content),
                        evidence_types={c: self.columns[c] for r in rules for c in r.evidence})

    def applies_to(self, value: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if value is None:
            return (), ()
        if not isinstance(value, dict):
            self.problem(("applies_to",), "applies_to must be a mapping with kinds and/or campaigns")
            return (), ()
        self.unknown_keys(value, ("kinds", "campaigns"), ("applies_to",))
        kinds = value.get("kinds") or []
        campaigns = value.get("campaigns") or []
        if not isinstance(kinds, list) or not isinstance(campaigns, list):
            self.problem(("applies_to",), "applies_to.kinds and applies_to.campaigns must be lists")
            return (), ()
        for i, kind in enumerate(kinds):
            if kind not in CAMPAIGN_KINDS:
                close = difflib.get_close_matches(str(kind), CAMPAIGN_KINDS, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else f"; expected one of: {', '.join(CAMPAIGN_KINDS)}"
                self.problem(("applies_to", "kinds", i), f"unknown campaign kind '{kind}'{hint}")
        # Campaign ids are text in src.campaigns; YAML reads `- 42` as a number.
        return tuple(str(k) for k in kinds), tuple(str(c) for c in campaigns)

    def thresholds(self, value: Any) -> dict[str, float]:
        if not isinstance(value, dict):
            self.problem(("thresholds",), "thresholds are required: {review: N, hold: N, block: N}")
            return {}
        self.unknown_keys(value, TIERS, ("thresholds",))
        out: dict[str, float] = {}
        for tier in TIERS:
            number = value.get(tier)
            if isinstance(number, bool) or not isinstance(number, (int, float)):
                self.problem(("thresholds", tier), f"threshold '{tier}' must be a number")
            elif not 0 <= number <= 100:
                self.problem(("thresholds", tier), f"threshold '{tier}' must be between 0 and 100")
            else:
                out[tier] = float(number)
        if len(out) == len(TIERS) and not out["review"] <= out["hold"] <= out["block"]:
            self.problem(("thresholds",), "thresholds must satisfy review <= hold <= block")
        return out

    def rules(self, value: Any) -> tuple[Rule, ...]:
        if not isinstance(value, list) or not value:
            self.problem(("rules",), "rules must be a non-empty list")
            return ()
        built: list[Rule] = []
        seen: dict[str, int] = {}
        for i, item in enumerate(value):
            path = ("rules", i)
            if not isinstance(item, dict):
                self.problem(path, "each rule must be a mapping with id, title, when, severity, score")
                continue
            rule_id = item.get("id")
            if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
                self.problem(path + ("id",), "rule id must be lowercase letters, digits and underscores, "
                                             "starting with a letter", rule_id if isinstance(rule_id, str) else None)
                rule_id = None
            elif rule_id in seen:
                self.problem(path + ("id",), f"duplicate rule id (first used by rule #{seen[rule_id] + 1})", rule_id)
            else:
                seen[rule_id] = i
            rule = self.rule(item, path, rule_id)
            if rule is not None:
                built.append(rule)
        return tuple(built)

    def rule(self, item: dict, path: tuple, rule_id: str | None) -> Rule | None:
        before = len(self.problems)
        self.unknown_keys(item, _RULE_KEYS, path, rule_id)
        title = item.get("title")
        if not isinstance(title, dict) or not all(isinstance(title.get(lang), str) and title[lang].strip()
                                                   for lang in ("en", "zh")):
            self.problem(path + ("title",), "title must have non-empty 'en' and 'zh' texts", rule_id)
            title = {}
        description = item.get("description", "")
        if description is None:
            description = ""
        if not isinstance(description, str):
            self.problem(path + ("description",), "description must be text", rule_id)
        self.expression(item.get("when"), path + ("when",), rule_id, "when")
        severity = item.get("severity")
        if severity not in SEVERITIES:
            self.problem(path + ("severity",), f"severity must be one of: {', '.join(SEVERITIES)}", rule_id)
        score = item.get("score")
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 100:
            self.problem(path + ("score",), "score must be a number from 0 to 100", rule_id)
        evidence = item.get("evidence") or []
        if not isinstance(evidence, list):
            self.problem(path + ("evidence",), "evidence must be a list of feature columns", rule_id)
            evidence = []
        for j, name in enumerate(evidence):
            if name not in self.columns:
                close = difflib.get_close_matches(str(name), list(self.columns), n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.problem(path + ("evidence", j), f"unknown evidence column '{name}'{hint}", rule_id)
        if len(self.problems) > before or rule_id is None:
            return None
        return Rule(id=rule_id, title_en=title["en"].strip(), title_zh=title["zh"].strip(),
                    description=description.strip(), when=item["when"].strip(), severity=severity,
                    score=float(score), evidence=tuple(evidence))

    def allowlist(self, value: Any) -> tuple[AllowlistEntry, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(("allowlist",), "allowlist must be a list")
            return ()
        entries = []
        for i, item in enumerate(value):
            path = ("allowlist", i)
            if not isinstance(item, dict):
                self.problem(path, "each allowlist entry must be a mapping")
                continue
            before = len(self.problems)
            self.unknown_keys(item, _ALLOWLIST_KEYS, path)
            ids = {key: item.get(key) for key in ("user_id", "cluster_id") if item.get(key) is not None}
            if len(ids) != 1:
                self.problem(path, "an allowlist entry names exactly one of user_id or cluster_id")
            for key, number in ids.items():
                if isinstance(number, bool) or not isinstance(number, int):
                    self.problem(path + (key,), f"{key} must be an integer")
            reason = item.get("reason")
            if not isinstance(reason, str) or not reason.strip():
                self.problem(path + ("reason",), "an allowlist entry needs a reason")
            expires = item.get("expires")
            if isinstance(expires, str):
                try:
                    expires = date.fromisoformat(expires)
                except ValueError:
                    self.problem(path + ("expires",), "expires must be a date (YYYY-MM-DD) or null")
            elif expires is not None and not isinstance(expires, date):
                self.problem(path + ("expires",), "expires must be a date (YYYY-MM-DD) or null")
            if len(self.problems) == before:
                entries.append(AllowlistEntry(user_id=item.get("user_id"), cluster_id=item.get("cluster_id"),
                                              reason=reason.strip(), expires=expires))
        return tuple(entries)

    def suppressions(self, value: Any, rule_ids: set[str]) -> tuple[Suppression, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(("suppressions",), "suppressions must be a list")
            return ()
        built = []
        known_rules = [r.get("id") for r in self.content.get("rules") or [] if isinstance(r, dict)]
        for i, item in enumerate(value):
            path = ("suppressions", i)
            if not isinstance(item, dict):
                self.problem(path, "each suppression must be a mapping with rule, when, reason")
                continue
            before = len(self.problems)
            self.unknown_keys(item, _SUPPRESSION_KEYS, path)
            rule_id = item.get("rule")
            if rule_id not in known_rules:
                close = difflib.get_close_matches(str(rule_id), [str(r) for r in known_rules], n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.problem(path + ("rule",), f"suppression names unknown rule '{rule_id}'{hint}")
                rule_id = None
            self.expression(item.get("when"), path + ("when",), rule_id, "suppression")
            reason = item.get("reason")
            if not isinstance(reason, str) or not reason.strip():
                self.problem(path + ("reason",), "a suppression needs a reason", rule_id)
            if len(self.problems) == before and rule_id in rule_ids:
                built.append(Suppression(rule_id=rule_id, when=item["when"].strip(), reason=reason.strip()))
        return tuple(built)


def _validate_feature_columns(feature_columns: Mapping[str, str]) -> None:
    wrong = {name: kind for name, kind in feature_columns.items() if kind not in FEATURE_TYPES}
    if wrong:
        raise ValueError(f"feature column types must be one of {FEATURE_TYPES}: {wrong}")


def _load(path: Path, feature_columns: Mapping[str, str], *, require_pack: bool) -> tuple[RulePack | None, list[Problem]]:
    text, content, node, problem = _read(path)
    if problem is not None:
        return None, [problem]
    if not _is_pack(content):
        if require_pack:
            return None, [Problem(str(path), line=1, column=1,
                                  message="not a rule pack: expected a mapping with pack_id, thresholds and rules")]
        return None, []
    builder = _PackBuilder(path, text, content, node, feature_columns)
    pack = builder.build()
    return pack, builder.problems


def load_pack(path: str | Path, feature_columns: Mapping[str, str]) -> RulePack:
    """Load and validate one pack file; raises RulePackError listing every problem."""
    _validate_feature_columns(feature_columns)
    pack, problems = _load(Path(path), feature_columns, require_pack=True)
    if problems or pack is None:
        raise RulePackError(problems)
    return pack


def _pack_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))


def _overlaps(packs: Sequence[RulePack]) -> list[Problem]:
    """Two packs claiming the same kind or campaign would make the choice arbitrary."""
    problems = []
    for attribute, what in (("pack_id", "pack id"), ("kinds", "campaign kind"), ("campaigns", "campaign")):
        owners: dict[str, RulePack] = {}
        for pack in packs:
            values = (pack.pack_id,) if attribute == "pack_id" else getattr(pack, attribute)
            for value in values:
                if value in owners:
                    problems.append(Problem(pack.path, pack.pack_id, message=(
                        f"{what} '{value}' is already claimed by pack {owners[value].pack_id} ({owners[value].path})")))
                else:
                    owners[value] = pack
    return problems


def _load_all(paths: Iterable[Path], feature_columns: Mapping[str, str]) -> tuple[list[RulePack], list[Problem]]:
    packs: list[RulePack] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            files = _pack_files(path)
        elif path.exists():
            files = [path]
        else:
            problems.append(Problem(str(path), message="no such file or directory"))
            continue
        for file in files:
            if file.resolve() in seen:
                continue
            seen.add(file.resolve())
            # A file named explicitly on the command line that is not a pack is still
            # skipped quietly: `rules check rules/*.yaml` also matches escalation.yaml.
            pack, found = _load(file, feature_columns, require_pack=False)
            problems.extend(found)
            if pack is not None:
                packs.append(pack)
    problems.extend(_overlaps(packs))
    return packs, problems


def load_packs(directory: str | Path, feature_columns: Mapping[str, str]) -> list[RulePack]:
    """Every pack in ``directory`` (``*.yaml``/``*.yml`` with a ``rules:`` key; other
    YAML such as escalation.yaml is skipped). Raises RulePackError with the problems of
    all files, including two packs claiming the same pack id, kind or campaign."""
    _validate_feature_columns(feature_columns)
    directory = Path(directory)
    if not directory.is_dir():
        raise RulePackError([Problem(str(directory), message="rule pack directory does not exist")])
    packs, problems = _load_all([directory], feature_columns)
    if problems:
        raise RulePackError(problems)
    return packs


def check_paths(paths: Sequence[str | Path], feature_columns: Mapping[str, str]) -> list[Problem]:
    """Problems in the given pack files and directories (``riskflows rules check``).
    An empty list means every pack found is valid."""
    _validate_feature_columns(feature_columns)
    resolved = [Path(p) for p in paths]
    _, problems = _load_all(resolved, feature_columns)
    return problems


# ---------------------------------------------------------------------- selection


def select_pack(packs: Sequence[RulePack], campaign_id: str, kind: str, override: str | None) -> RulePack:
    """The pack that governs a campaign.

    ``override`` (src.campaigns.rule_pack) names a pack_id and wins outright; then a pack
    listing the campaign id in applies_to.campaigns; then a pack listing its kind.
    """
    available = ", ".join(sorted(p.pack_id for p in packs)) or "none loaded"
    if override:
        for pack in packs:
            if pack.pack_id == override:
                return pack
        raise RulePackSelectionError(
            f"campaign {campaign_id} asks for rule pack '{override}' (campaigns.rule_pack), "
            f"which is not loaded; available packs: {available}")
    for matches, what in (([p for p in packs if str(campaign_id) in p.campaigns], f"campaign id {campaign_id}"),
                          ([p for p in packs if kind in p.kinds], f"campaign kind '{kind}'")):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise RulePackSelectionError(
                f"{what} is claimed by several rule packs: {', '.join(p.pack_id for p in matches)}")
    raise RulePackSelectionError(
        f"no rule pack applies to campaign {campaign_id} (kind '{kind}'): list it in a pack's "
        f"applies_to.campaigns or applies_to.kinds, or set campaigns.rule_pack; available packs: {available}")


def tier_for(score: float, thresholds: Mapping[str, float]) -> str | None:
    """The highest tier whose threshold the score reaches (score >= threshold), or None."""
    tier = None
    for name in TIERS:
        if name in thresholds and score >= thresholds[name]:
            tier = name
    return tier
