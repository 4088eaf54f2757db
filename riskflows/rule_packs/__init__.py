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

The package has one module per part: ``model`` (the dataclasses and constants),
``expressions`` (the expression checker), ``positions`` (line and column in the YAML),
``loader`` (validation, versioning, loading) and ``selection`` (which pack governs a
campaign, which tier a score reaches); ``hints`` writes the "did you mean" suggestion
every unknown-name message ends with. Everything is importable from ``riskflows.rule_packs``.
"""

from riskflows.rule_packs.expressions import EXPRESSION_DIALECT, check_expression, parse_expression
from riskflows.rule_packs.loader import check_paths, load_pack, load_packs, pack_version
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
    RulePackSelectionError,
    Suppression,
)
from riskflows.rule_packs.selection import governs, pack_for_campaign, select_pack, tier_for

__all__ = [
    "CAMPAIGN_KINDS",
    "EXPRESSION_DIALECT",
    "FEATURE_TYPES",
    "SEVERITIES",
    "TIERS",
    "AllowlistEntry",
    "Problem",
    "Rule",
    "RulePack",
    "RulePackError",
    "RulePackSelectionError",
    "Suppression",
    "check_expression",
    "check_paths",
    "governs",
    "load_pack",
    "load_packs",
    "pack_version",
    "parse_expression",
    "pack_for_campaign",
    "select_pack",
    "tier_for",
]
