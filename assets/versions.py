"""Code versions, so the Dagster UI marks partitions stale when what made them changed.

A rule-pack edit changes the version of the assets that apply rules; a change to a
feature's SQL changes the version of the asset that computes it. Analysts then see which
partitions a backfill would refresh.
"""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path
from types import ModuleType

from riskflows import settings
from riskflows.feature_catalog import RULE_COLUMN_KINDS
from riskflows.rule_packs import RulePackError, load_packs


def _short(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def rules_version(rules_dir: str | None = None) -> str:
    """One version for the folder of packs: their content hashes, or the raw files if invalid."""
    folder = rules_dir or settings.rules_dir()
    try:
        packs = load_packs(folder, RULE_COLUMN_KINDS)
        return _short(";".join(sorted(f"{p.pack_id}={p.version}" for p in packs)))
    except (RulePackError, LookupError, OSError):
        # an invalid pack fails the run that loads it; the version still tracks its files
        files = sorted(Path(folder).glob("*.y*ml"))
        return "unchecked-" + _short("".join(f.read_text(encoding="utf-8") for f in files))


def module_version(*modules: ModuleType) -> str:
    """Version of the code in these modules (the SQL of a feature lives in its module)."""
    return _short("".join(inspect.getsource(m) for m in modules))
