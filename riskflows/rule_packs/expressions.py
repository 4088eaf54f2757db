"""Rule expressions: the checker that accepts one pure SQL boolean expression over known
feature columns and an allow-list of functions, and reports what is wrong with any other."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from riskflows.rule_packs.hints import did_you_mean

# The dialect rule expressions are written in. DuckDB's expression grammar accepts what
# analysts write for PostgreSQL too, and rule_sql transpiles from it to the warehouse.
EXPRESSION_DIALECT = "duckdb"

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
        exp.DataType.Type.INT,
        exp.DataType.Type.BIGINT,
        exp.DataType.Type.SMALLINT,
        exp.DataType.Type.DOUBLE,
        exp.DataType.Type.FLOAT,
        exp.DataType.Type.DECIMAL,
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
            keywords = [
                t.start
                for t in self.tokens
                if t.token_type in (TokenType.SELECT, TokenType.EXISTS, TokenType.WITH) and t.start <= first
            ]
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
                self.refuse(
                    node,
                    f"cannot compare {self._shown(left)} with {self._shown(right)}: {node.sql(EXPRESSION_DIALECT)}",
                )
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
                    self.refuse(
                        bound, f"BETWEEN bound is {self._shown(bound_kind)} but the value is {self._shown(kind)}"
                    )
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
            self.refuse(
                node, f"qualified column '{node.sql(EXPRESSION_DIALECT)}' is not allowed: use the bare feature name"
            )
        identifier = node.this
        name = identifier.name if identifier.quoted else identifier.name.lower()
        kind = self.columns.get(name)
        if kind is None:
            self.refuse(node, f"unknown column '{identifier.name}'{did_you_mean(name, self.columns)}")
        return kind

    def arithmetic(self, node: exp.Expression) -> str | None:
        op = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.Mod: "%", exp.IntDiv: "//"}[type(node)]
        left, right = self.infer(node.this), self.infer(node.expression)
        # Dates shift by whole days and subtract to day counts, the same on both engines.
        if isinstance(node, (exp.Add, exp.Sub)) and "date" in (left, right):
            if isinstance(node, exp.Sub) and left == right == "date":
                return "number"
            if (left, right) in (("date", "number"), ("number", "date")) and (
                isinstance(node, exp.Add) or left == "date"
            ):
                return "date"
        for side, kind in ((node.this, left), (node.expression, right)):
            if not self._as(kind, "number"):
                self.refuse(side, f"arithmetic '{op}' on {self._shown(kind)}: {side.sql(EXPRESSION_DIALECT)}")
        return "number"

    def in_list(self, node: exp.In) -> str:
        if node.args.get("query") is not None or node.args.get("unnest") is not None:
            self.refuse(
                node.args.get("query") or node.args["unnest"],
                "subqueries are not allowed: a rule sees one participant's features only",
            )
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
        self.refuse(
            node, f"cast to {node.to.sql(EXPRESSION_DIALECT)} is not allowed (use a number, text, boolean or date type)"
        )
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
            self.refuse(
                node,
                f"'{node.sql(EXPRESSION_DIALECT)}' is not allowed in a rule "
                "(only feature columns, literals, operators, CASE and allowed functions)",
            )
        return None

    @staticmethod
    def _function_hint(name: str) -> str:
        return did_you_mean(name.upper(), sorted(_FUNCTIONS), cutoff=0.7, quote="", listed="allowed")


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
        checker.problems.append(
            _ExprProblem(checker.offset(root), f"the expression must be true or false, but it is {shown}")
        )
    return [(p.offset, p.message) for p in checker.problems]


def _offset_of(source: str, line: int | None, col: int | None) -> int | None:
    """sqlglot's 1-based (line, col) of the last character of a token -> offset."""
    if not line or not col:
        return None
    lines = source.split("\n")
    if line > len(lines):
        return None
    return sum(len(entry) + 1 for entry in lines[: line - 1]) + max(col - 1, 0)


def parse_expression(source: str) -> exp.Expression:
    """The parsed form of a validated rule expression (in EXPRESSION_DIALECT)."""
    return sqlglot.parse_one(source, read=EXPRESSION_DIALECT)
