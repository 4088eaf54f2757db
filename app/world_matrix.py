"""`riskflows evaluate --worlds`: write each world of the matrix, run every campaign day through
the pipeline (a real Dagster run per partition, as `riskflows run` does), score the lists.

Each world gets its own DuckDB warehouse and Dagster instance under the output folder, and its
pipeline runs in a child process with that warehouse and instance in its environment, so worlds
never share state and one failing world does not stop the others.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from riskflows.evaluation import evaluate, store_evaluation
from riskflows.evaluation_worlds import (
    REPO_ROOT,
    WorldSpec,
    WorldSpecError,
    campaign_span,
    matrix_markdown,
    summary_row,
    write_world,
)
from riskflows.feature_catalog import RULE_COLUMN_KINDS
from riskflows.rescore import rescore_warehouse
from riskflows.rule_packs import load_packs, pack_for_campaign
from riskflows.warehouse import DEFAULT_HOME, make_engine

EVALUATE_HOME = DEFAULT_HOME / "evaluate"


def evaluate_world(spec: WorldSpec, out: Path, progress: Callable[[str], None] = print) -> dict:
    """Write, run and score one world; returns its matrix row (with the failure, if any)."""
    started = time.monotonic()
    warehouse = (out / f"{spec.file_stem}.duckdb").resolve()
    url = f"duckdb:///{warehouse}"
    write_world(spec, warehouse)
    engine = make_engine(url)
    first, last = campaign_span(engine)
    engine.dispose()
    home = out / f"{spec.file_stem}_dagster"
    home.mkdir(parents=True, exist_ok=True)
    rules = _rules_dir()
    env = {
        **os.environ,
        "RISKFLOWS_WAREHOUSE_URL": url,
        "DAGSTER_HOME": str(home.resolve()),
        "RISKFLOWS_EARLIEST_DATE": first,
        "RISKFLOWS_RULES_DIR": str(rules),
    }
    run = subprocess.run(
        [sys.executable, "-m", "app.cli", "run", "--from", first, "--to", last, "--quiet"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    (out / f"{spec.file_stem}.log").write_text(run.stdout + run.stderr, encoding="utf-8")
    if run.returncode != 0:
        progress(f"{spec.name}: pipeline failed, see {out / (spec.file_stem + '.log')}")
        return {"world": spec.name, "role": spec.role, "failed": (run.stderr.strip().splitlines() or ["?"])[-1]}
    engine = make_engine(url)
    result = evaluate(engine)
    store_evaluation(engine, result)
    engine.dispose()
    row = summary_row(spec, result)
    progress(
        f"{spec.name} ({first}..{last}, {time.monotonic() - started:.0f} s): precision {_shown(row['precision'])}, "
        f"recall {_shown(row['recall'])}"
    )
    return row


def evaluate_worlds(
    specs: Sequence[WorldSpec], out: Path | None = None, jobs: int = 1, progress: Callable[[str], None] = print
) -> tuple[list[dict], Path]:
    """Every world of the matrix; returns the rows (in the order given) and the markdown file written."""
    out = Path(out or EVALUATE_HOME)
    out.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        rows = list(pool.map(lambda spec: evaluate_world(spec, out, progress), specs))
    return rows, _write_report(rows, out / "evaluation.md")


def rescore_world(warehouse: Path, progress: Callable[[str], None] = print) -> dict:
    """Re-score one world's warehouse left by `evaluate_worlds` with the code and rules as they are
    now (riskflows.rescore: the pipeline's steps without Dagster); returns its matrix row."""
    spec = WorldSpec.from_file_stem(warehouse.stem)
    packs = load_packs(_rules_dir(), RULE_COLUMN_KINDS)
    engine = make_engine(f"duckdb:///{warehouse.resolve()}")
    try:
        run = rescore_warehouse(engine, lambda c: pack_for_campaign(packs, c))
        result = evaluate(engine)
        store_evaluation(engine, result)
    except Exception as error:  # one broken world must not stop the others
        progress(f"{spec.name}: re-score failed: {error}")
        return {"world": spec.name, "role": spec.role, "failed": str(error).splitlines()[0]}
    finally:
        engine.dispose()
    row = summary_row(spec, result)
    progress(
        f"{spec.name} (re-scored {run.campaign_days} campaign-days in {run.seconds:.0f} s): "
        f"precision {_shown(row['precision'])}, recall {_shown(row['recall'])}"
    )
    return row


def rescore_worlds(out: Path, jobs: int = 1, progress: Callable[[str], None] = print) -> tuple[list[dict], Path]:
    """Every world warehouse in `out` (written by `evaluate_worlds`), re-scored; rows and the table."""
    out = Path(out)
    warehouses = sorted(p for p in out.glob("*.duckdb") if _names_a_world(p))
    if not warehouses:
        raise WorldSpecError(f"{out}: no world warehouse (e.g. harbor_7.duckdb) from `riskflows evaluate --worlds`")
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        rows = list(pool.map(lambda path: rescore_world(path, progress), warehouses))
    return rows, _write_report(rows, out / "evaluation-rescored.md")


def _names_a_world(path: Path) -> bool:
    try:
        WorldSpec.from_file_stem(path.stem)
    except WorldSpecError:
        return False
    return True


def _rules_dir() -> Path:
    return Path(os.environ.get("RISKFLOWS_RULES_DIR", REPO_ROOT / "rules")).resolve()


def _write_report(rows: list[dict], report: Path) -> Path:
    complete = [r for r in rows if "failed" not in r]
    failed = [f"- {r['world']}: {r['failed']}" for r in rows if "failed" in r]
    report.write_text(
        matrix_markdown(complete) + ("\n\nfailed:\n" + "\n".join(failed) if failed else "") + "\n", encoding="utf-8"
    )
    return report


def _shown(share: float | None) -> str:
    return "none" if share is None else f"{share:.4f}"
