"""Loading rule packs: read the YAML, validate everything an analyst can get wrong (every
problem at once, each located), and build the RulePack with its content version."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import sqlglot
import yaml
from sqlglot.errors import TokenError
from sqlglot.tokens import TokenType

from riskflows.rule_packs.expressions import EXPRESSION_DIALECT, check_expression
from riskflows.rule_packs.hints import did_you_mean
from riskflows.rule_packs.model import (
    CAMPAIGN_KINDS,
    FEATURE_TYPES,
    SEVERITIES,
    TIERS,
    AllowlistEntry,
    Problem,
    Rule,
    RulePack,
    RulePackError,
    Suppression,
)
from riskflows.rule_packs.positions import Positions, duplicate_keys

_RULE_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_PACK_KEYS = ("pack_id", "applies_to", "thresholds", "rules", "allowlist", "suppressions", "description")
_RULE_KEYS = ("id", "title", "description", "when", "severity", "score", "evidence")
_ALLOWLIST_KEYS = ("user_id", "cluster_id", "reason", "expires")
_SUPPRESSION_KEYS = ("rule", "when", "reason")


def _normalised(content: Any) -> Any:
    """Parsed pack content with every SQL expression reduced to its tokens, for hashing."""
    if isinstance(content, dict):
        out = {}
        for key, value in content.items():
            if key == "when" and isinstance(value, str):
                try:
                    out[key] = [
                        [
                            t.token_type.name,
                            t.text if t.token_type in (TokenType.STRING, TokenType.IDENTIFIER) else t.text.lower(),
                        ]
                        for t in sqlglot.tokenize(value, read=EXPRESSION_DIALECT)
                    ]
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
    canonical = json.dumps(
        _normalised(dict(content)), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
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
        return (
            text,
            None,
            None,
            Problem(str(path), line=line, column=col, message=f"YAML error: {error.problem or error}"),
        )
    except yaml.YAMLError as error:
        return text, None, None, Problem(str(path), message=f"YAML error: {error}")
    return text, content, node, None


def _is_pack(content: Any) -> bool:
    return isinstance(content, dict) and "rules" in content


class _PackBuilder:
    """Validates one parsed pack, collecting every problem, and builds the RulePack."""

    def __init__(
        self, path: Path, text: str, content: dict, node: yaml.Node | None, feature_columns: Mapping[str, str]
    ):
        self.file = str(path)
        self.content = content
        self.pos = Positions(text, node)
        self.columns = dict(feature_columns)
        self.problems: list[Problem] = []
        pack_id = content.get("pack_id")
        self.pack_id = pack_id if isinstance(pack_id, str) and pack_id else None
        for name, key_node in duplicate_keys(node):
            self.problems.append(
                Problem(
                    self.file,
                    self.pack_id,
                    None,
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                    f"duplicate key '{name}'",
                )
            )

    def problem(self, path: tuple[str | int, ...], message: str, rule_id: str | None = None) -> None:
        line, col = self.pos.at(*path)
        self.problems.append(Problem(self.file, self.pack_id, rule_id, line, col, message))

    def unknown_keys(self, mapping: dict, allowed: Sequence[str], path: tuple, rule_id: str | None = None) -> None:
        for key in mapping:
            if key not in allowed:
                hint = did_you_mean(str(key), allowed, listed="expected one of")
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
        return RulePack(
            pack_id=self.pack_id,
            path=self.file,
            kinds=kinds,
            campaigns=campaigns,
            thresholds=thresholds,
            rules=rules,
            allowlist=allowlist,
            suppressions=suppressions,
            version=pack_version(content),
            evidence_types={c: self.columns[c] for r in rules for c in r.evidence},
        )

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
                hint = did_you_mean(str(kind), CAMPAIGN_KINDS, listed="expected one of")
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
                self.problem(
                    path + ("id",),
                    "rule id must be lowercase letters, digits and underscores, starting with a letter",
                    rule_id if isinstance(rule_id, str) else None,
                )
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
        if not isinstance(title, dict) or not all(
            isinstance(title.get(lang), str) and title[lang].strip() for lang in ("en", "zh")
        ):
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
                hint = did_you_mean(str(name), self.columns)
                self.problem(path + ("evidence", j), f"unknown evidence column '{name}'{hint}", rule_id)
        if len(self.problems) > before or rule_id is None:
            return None
        return Rule(
            id=rule_id,
            title_en=title["en"].strip(),
            title_zh=title["zh"].strip(),
            description=description.strip(),
            when=item["when"].strip(),
            severity=severity,
            score=float(score),
            evidence=tuple(evidence),
        )

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
                entries.append(
                    AllowlistEntry(
                        user_id=item.get("user_id"),
                        cluster_id=item.get("cluster_id"),
                        reason=reason.strip(),
                        expires=expires,
                    )
                )
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
                hint = did_you_mean(str(rule_id), [str(r) for r in known_rules])
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


def _load(
    path: Path, feature_columns: Mapping[str, str], *, require_pack: bool
) -> tuple[RulePack | None, list[Problem]]:
    text, content, node, problem = _read(path)
    if problem is not None:
        return None, [problem]
    if not _is_pack(content):
        if require_pack:
            return None, [
                Problem(
                    str(path),
                    line=1,
                    column=1,
                    message="not a rule pack: expected a mapping with pack_id, thresholds and rules",
                )
            ]
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
                    problems.append(
                        Problem(
                            pack.path,
                            pack.pack_id,
                            message=(
                                f"{what} '{value}' is already claimed by pack {owners[value].pack_id} ({owners[value].path})"
                            ),
                        )
                    )
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
