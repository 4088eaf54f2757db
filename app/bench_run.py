"""The benchmark's Dagster side: seed a world, run its busiest day through Dagster, time it.

Each phase runs in a fresh process so its peak RSS is its own: seeding a 1M-user world
must not count against the pipeline's memory. Steps:

1. seed the warehouse with the synthetic exchange (timed, not part of the pipeline time);
2. materialize every asset for every campaign live on the busiest day, through
   `app.runner.materialize_range` on a throw-away DAGSTER_HOME; per-asset wall time comes
   from the instance's step stats, SQL time per asset from a statement log on SQLAlchemy;
3. run the same feature SQL bare on the engine (`riskflows.bench.run_bare_feature_sql`).

Steps 2 and 3 repeat (3 times at size L), each day from a warehouse holding only the
sources; the report takes the median of each and lists every run.

The report (markdown + JSON) is built by `riskflows.bench.BenchResult`.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import sqlalchemy as sa

from app.instance_storage import local_instance_yaml
from riskflows import settings
from riskflows.bench import (
    DEFAULT_SEED,
    SIZES,
    AssetTiming,
    BenchResult,
    StatementLog,
    attribute_statements,
    busiest_day,
    machine_load,
    median_run,
    peak_rss_bytes,
    run_bare_feature_sql,
)
from riskflows.warehouse import DEFAULT_HOME, make_engine

BENCH_HOME = DEFAULT_HOME / "bench"
REPO_RULES = Path(__file__).resolve().parents[1] / "rules"
# Graph order, for a report that reads top to bottom like the pipeline.
ASSET_ORDER = [
    "source_quarantine",
    "account_links",
    "user_features",
    "account_clusters",
    "participant_features",
    "rule_hits",
    "high_risk_users",
    "campaign_summary",
    "slack_digest",
    "cases",
    "case_alerts",
    "payout_holds",
    "payout_hold_exports",
    "rule_performance",
]


def _graph_position(step: str) -> tuple[int, str]:
    """Assets in ASSET_ORDER, then any other step by name."""
    return (ASSET_ORDER.index(step) if step in ASSET_ORDER else len(ASSET_ORDER), step)


def default_report_path(size: str, engine: str) -> Path:
    return BENCH_HOME / f"{size}-{engine}.md"


def _in_fresh_process(function: Callable, *args):
    """Run function(*args) in a new interpreter and return its (picklable) result."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


# --- phases (module-level: they run in spawned processes) --------------------------------------


def _seed_phase(url: str, seed: int, users: int, editions: bool) -> dict:
    from riskflows.synthetic import seed_warehouse

    started = time.perf_counter()
    counts = seed_warehouse(make_engine(url), seed=seed, users=users, editions=editions)
    return {
        "seconds": time.perf_counter() - started,
        "counts": {k: int(v) for k, v in counts.items()},
        "rss": peak_rss_bytes(),
    }


def _pipeline_phase(url: str, dagster_home: str, day: str, campaign_ids: list[str]) -> dict:
    # Settings the assets read when they run; a benchmark never posts to Slack.
    os.environ["RISKFLOWS_WAREHOUSE_URL"] = url
    os.environ["DAGSTER_HOME"] = dagster_home
    os.environ["RISKFLOWS_OUTBOX_DIR"] = str(Path(dagster_home) / "outbox")
    os.environ.pop("SLACK_BOT_TOKEN", None)
    os.environ.setdefault("RISKFLOWS_RULES_DIR", str(REPO_RULES))

    import dagster as dg

    from app.runner import materialize_range

    instance = dg.DagsterInstance.get()
    load_before = machine_load()
    log = StatementLog().install()
    started = time.perf_counter()
    try:
        outcome = materialize_range(
            day, day, campaign_ids=campaign_ids, notify=False, instance=instance, progress=lambda _line: None
        )
    finally:
        seconds = time.perf_counter() - started
        log.remove()
    if not outcome.success:
        raise RuntimeError(f"the benchmark day failed: {outcome.failure}")
    steps = []
    for record in instance.get_run_records():
        for stat in instance.get_run_step_stats(record.dagster_run.run_id):
            if stat.start_time is not None and stat.end_time is not None:
                steps.append((stat.step_key.removeprefix("risk__"), stat.start_time, stat.end_time))
    machine = {
        "cpus": load_before["cpus"],
        "load_before": load_before["load_1m"],
        "load_after": machine_load()["load_1m"],
    }
    return {"seconds": seconds, "steps": steps, "statements": log.timings, "rss": peak_rss_bytes(), "machine": machine}


def _bare_phase(url: str, day: str, campaign_ids: list[str]) -> dict:
    bare = run_bare_feature_sql(make_engine(url), day, campaign_ids)
    return {"bare": bare, "rss": peak_rss_bytes()}


def _bare_total(bared: dict) -> float:
    return sum(q.seconds for q in bared["bare"])


# --- the run ------------------------------------------------------------------------------------


def _fresh_warehouse(engine_kind: str, size: str, workdir: Path, pg_url: str | None) -> str:
    """A URL for an empty warehouse: a new DuckDB file, or a dedicated PostgreSQL database."""
    if engine_kind == "duckdb":
        path = (workdir / f"{size}.duckdb").resolve()
        for stale in (path, path.with_name(path.name + ".wal")):
            stale.unlink(missing_ok=True)
        return f"duckdb:///{path}"
    if engine_kind != "postgres":
        raise ValueError(f"unknown engine {engine_kind!r}: duckdb or postgres")
    url = sa.make_url(pg_url or settings.bench_pg_url())
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        ).first()
        if not exists:  # identifier from our own URL, not from input data
            conn.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    admin.dispose()
    url = url.render_as_string(hide_password=False)
    _drop_risk_schema(url)  # yesterday's bench partitions would only slow today's deletes
    return url


def _drop_risk_schema(url: str) -> None:
    """Leave only the sources: every repeat of the day starts from the same warehouse."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS risk CASCADE")
    engine.dispose()


def run_benchmark(
    size: str,
    engine_kind: str = "duckdb",
    *,
    out: Path | None = None,
    seed: int = DEFAULT_SEED,
    users: int | None = None,
    workdir: Path | None = None,
    pg_url: str | None = None,
    repeats: int | None = None,
    progress: Callable[[str], None] = print,
) -> tuple[BenchResult, tuple[Path, Path]]:
    """Seed, run the busiest day through Dagster, time the bare feature SQL; write the report.

    With repeats > 1 (the size's default unless given) the day and the bare SQL run in turn
    that many times, each day from a warehouse holding only the sources, and the report
    takes the median of each."""
    from riskflows.campaigns import load_campaigns

    users = users or SIZES[size].users
    workdir = Path(workdir or BENCH_HOME)
    workdir.mkdir(parents=True, exist_ok=True)
    url = _fresh_warehouse(engine_kind, size, workdir, pg_url)

    progress(f"seeding {users:,} users into {engine_kind} ...")
    seeded = _in_fresh_process(_seed_phase, url, seed, users, SIZES[size].editions)
    progress(f"seeded in {seeded['seconds']:.1f} s: {seeded['counts']}")
    campaigns = load_campaigns(make_engine(url))
    day, live = busiest_day(campaigns)

    pipelines, bares = [], []
    for attempt in range(repeats or SIZES[size].repeats):
        if attempt:
            _drop_risk_schema(url)
        with tempfile.TemporaryDirectory(prefix="riskflows-bench-dagster-") as dagster_home:
            # the local instance `riskflows run` makes (SQLite, pooled event log engines)
            (Path(dagster_home) / "dagster.yaml").write_text(local_instance_yaml(Path(dagster_home)))
            progress(f"running {day} for {len(live)} campaign(s) through Dagster ...")
            pipelines.append(_in_fresh_process(_pipeline_phase, url, dagster_home, day.isoformat(), live))
        progress(f"day done in {pipelines[-1]['seconds']:.1f} s; timing the bare feature SQL ...")
        try:
            bares.append(_in_fresh_process(_bare_phase, url, day.isoformat(), live))
        except Exception as error:  # keep the pipeline's figures: they took the longest to get
            failed = f"{type(error).__name__}: {error}"[:500]
            bares = [{"bare": [], "rss": {"self": 0, "children": 0}, "error": failed}]
            progress(f"bare feature SQL failed, ratio not reported: {failed}")
            break
    piped = median_run(pipelines, lambda p: p["seconds"], conservative_high=True)
    bared = median_run(bares, _bare_total, conservative_high=False)

    sql_per_asset, top = attribute_statements(piped["statements"], piped["steps"])
    assets = []
    for name in sorted({s[0] for s in piped["steps"]}, key=_graph_position):
        spans = [s for s in piped["steps"] if s[0] == name]
        assets.append(
            AssetTiming(name, len(spans), sum(end - start for _, start, end in spans), sql_per_asset.get(name, 0.0))
        )
    result = BenchResult(
        size=size,
        engine=engine_kind,
        users=users,
        seed=seed,
        source_rows=seeded["counts"],
        seed_seconds=seeded["seconds"],
        day=day.isoformat(),
        campaigns_live=live,
        campaigns_total=len(campaigns),
        day_seconds=piped["seconds"],
        assets=assets,
        top_statements=top,
        bare=bared["bare"],
        pipeline_rss={k: max(p["rss"][k] for p in pipelines) for k in piped["rss"]},
        seed_rss=seeded["rss"],
        bare_rss=bared["rss"],
        machine=piped["machine"],
        bare_error=bared.get("error"),
        day_seconds_runs=[p["seconds"] for p in pipelines],
        bare_seconds_runs=[_bare_total(b) for b in bares],
    )
    paths = result.write(Path(out) if out else default_report_path(size, engine_kind))
    return result, paths
