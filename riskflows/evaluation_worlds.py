"""The evaluation matrix: which worlds detection is measured on, and how each is written.

A world is an exchange (or public airdrop data) with the truth about it kept in schema
`synthetic`. Figures count only on worlds the rules were not written from, so every world
carries a role: `decided on` (rules and thresholds were chosen looking at it) or `held out`
(only measured). The matrix mixes authors on purpose:

- ``generator``: the project's own generator (riskflows.synthetic), plain, with regional
  editions, or as on-chain data;
- ``harbor``: another author's world, ../shared/worlds/harbor.py (exchange or ``onchain``);
- ``lantern``, ``meridian``, ``tollgate``: worlds written by authors who never read the
  detection code, the rule packs or any generator (riskflows.worlds).

A spec reads ``source:seed[:mode]``, e.g. ``harbor:11:onchain`` or ``generator:3:editions``.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from riskflows.evaluation import Evaluation

REPO_ROOT = Path(__file__).resolve().parents[1]
HELPER_WORLDS = ("lantern", "meridian", "tollgate")
SOURCES = ("generator", "harbor", *HELPER_WORLDS)
MODES = {"generator": ("", "editions", "onchain"), "harbor": ("", "onchain")}

# The worlds rules were decided on; everything else in the matrix is held out. harbor:5:onchain,
# harbor:17:onchain and harbor:19:onchain are not in the default matrix: the first was opened to find
# why warmed-up on-chain farms went unlinked, the other two to find why relay chains and a faucet's
# users were listed. harbor:11:onchain was opened to find where its exchange-funded farms cash out.
DECIDED_ON = frozenset(
    {
        "generator:7",
        "harbor:7",
        "harbor:7:onchain",
        "harbor:11:onchain",
        "harbor:5:onchain",
        "harbor:17:onchain",
        "harbor:19:onchain",
        "lantern:1",
        "lantern:2",  # opened on 2026-12-02 to find why payroll sources listed a P2P merchant's newcomers
        "tollgate:1",  # opened on 2026-12-02 to find why workshop cohorts and onboarded friends were listed
        "tollgate:2",  # its bots' payment gaps were read on 2026-12-03 to write clockwork_payer_lockstep
        "harbor:13:onchain",  # opened on 2026-12-03 to read the honest payer the rule's first form listed
    }
)
DEFAULT_MATRIX = (
    "generator:7",
    "generator:3:editions",
    "generator:7:onchain",
    "harbor:7",
    "harbor:11",
    "harbor:7:onchain",
    "harbor:11:onchain",
    "lantern:1",
    "lantern:2",
    "meridian:1",
    "meridian:2",
    "tollgate:1",
    "tollgate:2",
)
GENERATOR_USERS = 20_000


class WorldSpecError(ValueError):
    """A world spec that names no known world."""


@dataclass(frozen=True)
class WorldSpec:
    source: str
    seed: int
    mode: str = ""

    @classmethod
    def parse(cls, text: str) -> WorldSpec:
        parts = text.strip().split(":")
        if len(parts) not in (2, 3) or parts[0] not in SOURCES or not parts[1].isdigit():
            raise WorldSpecError(
                f"world spec {text!r}: expected source:seed[:mode], source one of {', '.join(SOURCES)}"
            )
        mode = parts[2] if len(parts) == 3 else ""
        if mode not in MODES.get(parts[0], ("",)):
            allowed = ", ".join(m for m in MODES.get(parts[0], ("",)) if m) or "none"
            raise WorldSpecError(f"world spec {text!r}: unknown mode {mode!r} (modes of {parts[0]}: {allowed})")
        return cls(parts[0], int(parts[1]), mode)

    @classmethod
    def from_file_stem(cls, stem: str) -> WorldSpec:
        """The spec a world's warehouse file is named after (harbor_11_onchain.duckdb: harbor:11:onchain)."""
        return cls.parse(stem.replace("_", ":"))

    @property
    def name(self) -> str:
        return f"{self.source}:{self.seed}" + (f":{self.mode}" if self.mode else "")

    @property
    def role(self) -> str:
        return "decided on" if self.name in DECIDED_ON else "held out"

    @property
    def file_stem(self) -> str:
        return self.name.replace(":", "_")


def harbor_script() -> Path:
    """harbor.py: RISKFLOWS_HARBOR, else ../shared/worlds/harbor.py beside the repository."""
    return Path(os.environ.get("RISKFLOWS_HARBOR", REPO_ROOT.parent / "shared" / "worlds" / "harbor.py"))


def write_world(spec: WorldSpec, path: Path) -> None:
    """Write the world into a new DuckDB file at `path` (replacing it): `src` and `synthetic`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    if spec.source == "generator":
        from riskflows.synthetic import seed_warehouse
        from riskflows.warehouse import make_engine

        engine = make_engine(f"duckdb:///{path}")
        seed_warehouse(
            engine,
            seed=spec.seed,
            users=GENERATOR_USERS,
            editions=spec.mode == "editions",
            onchain=spec.mode == "onchain",
        )
        engine.dispose()
    elif spec.source == "harbor":
        script = harbor_script()
        if not script.exists():
            raise WorldSpecError(f"{spec.name}: {script} not found (set RISKFLOWS_HARBOR to harbor.py)")
        command = [sys.executable, str(script), str(path), "--seed", str(spec.seed)]
        subprocess.run(
            command + (["--onchain"] if spec.mode == "onchain" else []), check=True, stdout=subprocess.DEVNULL
        )
    else:
        importlib.import_module(f"riskflows.worlds.{spec.source}").generate(str(path), seed=spec.seed)


def campaign_span(engine: sa.Engine) -> tuple[str, str]:
    """First and last day any campaign of the world is live."""
    from riskflows.campaigns import load_campaigns

    campaigns = load_campaigns(engine)
    first = min(c.starts_at.date() for c in campaigns)
    last = max((c.ends_at or c.starts_at).date() for c in campaigns)
    return first.isoformat(), last.isoformat()


def summary_row(spec: WorldSpec, result: Evaluation) -> dict:
    """One line of the matrix: the world, its role, precision, recall, weakest pattern, most-listed group."""
    weakest = result.weakest_pattern
    group = result.most_listed_group
    return {
        "world": spec.name,
        "role": spec.role,
        "participants": int(result.per_campaign["participants"].sum()),
        "abusive": result.overall["abusers"],
        "listed": result.overall["flagged"],
        # from the counts, not from the stored ratios (rounded to four places): rounding twice
        # would show 398 of 408 as 0.976
        "precision": _share(result.overall["caught"], result.overall["flagged"]),
        "recall": _share(result.overall["caught"], result.overall["abusers"]),
        "weakest pattern": f"{weakest[0]} {weakest[1]:.2f}" if weakest else "",
        "most-listed honest group": f"{group[0]} {group[1]:.1%}" if group else "",
    }


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def matrix_markdown(rows: list[dict]) -> str:
    """The matrix as a markdown table (what README shows)."""
    if not rows:
        return "(no world evaluated)"
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    for row in rows:
        cells = [
            f"{row[c]:.3f}" if isinstance(row[c], float) else ("" if row[c] is None else str(row[c])) for c in columns
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
