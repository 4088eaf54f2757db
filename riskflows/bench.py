"""How fast one day of detection runs, and what it costs beyond its own feature SQL.

The question a risk team asks before trusting the pipeline with a big exchange: can one
day of every live campaign be evaluated in time, in bounded memory, without the
orchestration eating the warehouse's work? This module holds the parts of the benchmark
that need no Dagster: the sizes, the choice of day, the bare feature SQL timed on the
engine, a log of every SQL statement the pipeline sends, the report and its targets.
`app/bench_run.py` drives the Dagster side.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import resource
import statistics
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import sqlalchemy as sa

from riskflows.account_links import HubPolicy, link_table_sql
from riskflows.campaigns import Campaign
from riskflows.days import as_date, day_params
from riskflows.participant_features import participant_features_select
from riskflows.quarantine import SourceLayout, rejected_rows_select
from riskflows.user_features import user_features_select
from riskflows.warehouse import ENGINE_OBSERVERS, dialect_of, prefer_hash_joins


@dataclass(frozen=True)
class BenchSize:
    """A world size: how many accounts the synthetic exchange has (activity scales with it).

    editions: every campaign also runs as an Asia-Pacific edition (10 campaigns, not 5).
    repeats: how many times the day and the bare SQL run by default; the report takes the
    median of each (the same SQL varies by 10-30 % between runs on a 2-core machine).
    """

    name: str
    users: int
    editions: bool = False
    repeats: int = 1


SIZES = {
    size.name: size
    for size in (
        BenchSize("XS", 2_000),  # smoke test: seconds
        BenchSize("S", 50_000),
        BenchSize("M", 200_000),
        BenchSize("L", 1_000_000, editions=True, repeats=3),  # issue 4: 1M users, 20M logins, 5M trades, 10 campaigns
    )
}
# The generator's campaign calendar depends only on the seed; seed 3 puts all campaigns
# live on one day, so that day exercises every campaign.
DEFAULT_SEED = 3


@dataclass(frozen=True)
class Target:
    """A speed or memory goal of issue 4, reported against, never asserted."""

    label: str
    size: str
    engine: str
    metric: str  # key of BenchResult.metrics()
    limit: float
    unit: str


TARGETS = (
    Target("one day, all campaigns, all assets", "L", "duckdb", "day_seconds", 60.0, "s"),
    Target("peak RSS", "L", "duckdb", "peak_rss_gib", 6.0, "GiB"),
    Target("pipeline / bare feature SQL", "L", "duckdb", "ratio", 1.5, "x"),
    Target("one day, all campaigns, all assets", "M", "postgres", "day_seconds", 120.0, "s"),
)


def busiest_day(campaigns: Sequence[Campaign]) -> tuple[dt.date, list[str]]:
    """The day with the most live campaigns (the latest such day: it carries the most history)."""
    if not campaigns:
        raise ValueError("no campaign in src.campaigns: nothing to benchmark")
    first = min(c.starts_at.date() for c in campaigns)
    last = max((c.ends_at or c.starts_at).date() for c in campaigns)
    best: tuple[int, dt.date] | None = None
    day = first
    while day <= last:
        live = sum(c.live_on(day) for c in campaigns)
        if best is None or live >= best[0]:
            best = (live, day)
        day += dt.timedelta(days=1)
    chosen = best[1]
    return chosen, [c.campaign_id for c in campaigns if c.live_on(chosen)]


def peak_rss_bytes() -> dict[str, int]:
    """High-water resident memory of this process and of its finished children (Linux: KiB)."""
    self_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"self": self_kib * 1024, "children": children_kib * 1024}


def machine_load() -> dict[str, float]:
    """CPUs and the 1-minute load average: a busy machine makes every figure an upper bound."""
    return {"cpus": float(os.cpu_count() or 0), "load_1m": os.getloadavg()[0]}


# --- SQL statement log ------------------------------------------------------------------------

_WORDS = re.compile(r"\s+")


def statement_label(statement: str) -> str:
    """A short name for a statement: what it writes, or how it starts."""
    text = _WORDS.sub(" ", statement).strip()
    match = re.match(
        r"(INSERT INTO|DELETE FROM|CREATE TABLE IF NOT EXISTS|CREATE SCHEMA IF NOT EXISTS)\s+(\S+)", text, re.IGNORECASE
    )
    if match:
        return f"{match.group(1).upper()} {match.group(2)}"
    return text[:90]


@dataclass
class StatementTiming:
    started: float  # time.time(), comparable with Dagster's step start/end
    seconds: float
    label: str


@dataclass
class StatementLog:
    """Every statement the warehouse's engines send, with its wall time.

    It listens on each engine riskflows.warehouse.make_engine builds while installed, so it
    sees the engines the assets build themselves and nothing else (Dagster's own storage
    statements are orchestration, in the day's time but not in the warehouse's). While the
    day runs the hooks only take the clock and keep the statement; labels are made
    afterwards (`timings`), so the log adds as little as it can to the time it measures.
    """

    _seen: list[tuple[float, float, str]] = field(default_factory=list)
    _engines: list[sa.Engine] = field(default_factory=list)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("riskflows_bench_started", []).append((time.time(), time.perf_counter()))

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        started, perf = conn.info["riskflows_bench_started"].pop()
        self._seen.append((started, time.perf_counter() - perf, statement))

    def _observe(self, engine: sa.Engine) -> None:
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)
        self._engines.append(engine)

    @property
    def timings(self) -> list[StatementTiming]:
        return [
            StatementTiming(started, seconds, statement_label(statement)) for started, seconds, statement in self._seen
        ]

    def install(self) -> StatementLog:
        ENGINE_OBSERVERS.append(self._observe)
        return self

    def remove(self) -> None:
        ENGINE_OBSERVERS.remove(self._observe)
        for engine in self._engines:
            sa.event.remove(engine, "before_cursor_execute", self._before)
            sa.event.remove(engine, "after_cursor_execute", self._after)
        self._engines.clear()


# --- bare feature SQL -------------------------------------------------------------------------

# The assets whose SQL the bare run repeats.
BARE_ASSETS = ("source_quarantine", "user_features", "account_clusters", "participant_features")


@dataclass
class BareQuery:
    """One feature SELECT run on its own as CREATE TEMP TABLE ... AS: the warehouse's share."""

    name: str
    campaign_id: str | None
    seconds: float
    rows: int


def bare_feature_queries(
    layout: SourceLayout, date, campaign_ids: Iterable[str], dialect: str = "duckdb"
) -> list[tuple[str, str | None, str, dict]]:
    """(name, campaign, SELECT, params) for exactly the SQL the features of a day run on.

    That is the contract check that sorts the source rows (the features read the duplicated
    keys it records), then the feature SELECTs. participant_features reads
    risk.user_features and risk.account_clusters of the day, and the features read the
    day's risk.quarantine, so the pipeline must have run the day.
    """
    day = day_params(date)
    hubs = HubPolicy().params()
    rejected = rejected_rows_select(layout, dialect)
    queries = [
        *([("source_quarantine", None, rejected, day)] if rejected else []),
        ("account_links", None, link_table_sql(layout), {**day, **hubs}),
        ("user_features", None, user_features_select(layout), day),  # reads the day's links
    ]
    for campaign_id in campaign_ids:
        queries.append(
            (
                "participant_features",
                campaign_id,
                participant_features_select(layout),
                {**day, "campaign_id": campaign_id},
            )
        )
    return queries


def run_bare_feature_sql(engine: sa.Engine, date, campaign_ids: Sequence[str]) -> list[BareQuery]:
    """Time each feature SELECT materialised into a temp table (all rows, all columns computed)."""
    with engine.connect() as conn:
        layout = SourceLayout.inspect(conn)
    timed = []
    queries = bare_feature_queries(layout, as_date(date), campaign_ids, dialect_of(engine))
    for i, (name, campaign_id, select, params) in enumerate(queries):
        table = f"riskflows_bench_{i}"
        with engine.connect() as conn:
            prefer_hash_joins(conn)  # as the pipeline's writes do
            started = time.perf_counter()
            conn.execute(sa.text(f"CREATE TEMP TABLE {table} AS {select}"), params)
            seconds = time.perf_counter() - started
            rows = conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
            conn.rollback()
        timed.append(BareQuery(name, campaign_id, seconds, int(rows)))
    return timed


# --- the result -------------------------------------------------------------------------------


@dataclass
class AssetTiming:
    """One asset's steps on the day: wall time from Dagster, SQL time from the statement log."""

    asset: str
    steps: int
    seconds: float
    sql_seconds: float

    @property
    def other_seconds(self) -> float:
        """Python (pandas, Pandera, clustering) and Dagster bookkeeping inside the step."""
        return self.seconds - self.sql_seconds


@dataclass
class StatementCost:
    asset: str
    label: str
    calls: int
    seconds: float


@dataclass
class BenchResult:
    size: str
    engine: str
    users: int
    seed: int
    source_rows: dict[str, int]
    seed_seconds: float
    day: str
    campaigns_live: list[str]
    campaigns_total: int
    day_seconds: float
    assets: list[AssetTiming]
    top_statements: list[StatementCost]
    bare: list[BareQuery]
    pipeline_rss: dict[str, int]
    seed_rss: dict[str, int]
    bare_rss: dict[str, int]
    machine: dict[str, float] = field(default_factory=dict)  # cpus, load_1m before and after the day
    bare_error: str | None = None  # the bare SQL failed: no ratio
    # Every repeat's whole day and bare SQL total; day_seconds/assets and bare are the median repeat's.
    day_seconds_runs: list[float] = field(default_factory=list)
    bare_seconds_runs: list[float] = field(default_factory=list)

    @property
    def steps_seconds(self) -> float:
        return sum(a.seconds for a in self.assets)

    @property
    def bare_seconds(self) -> float:
        return sum(q.seconds for q in self.bare)

    @property
    def feature_assets_seconds(self) -> float:
        return sum(a.seconds for a in self.assets if a.asset in BARE_ASSETS)

    @property
    def paired_ratios(self) -> list[float]:
        """Each repeat's day over the bare SQL run right after it, on the same warehouse."""
        return [day / bare for day, bare in zip(self.day_seconds_runs, self.bare_seconds_runs) if bare]

    @property
    def peak_rss(self) -> int:
        """The pipeline process's high-water mark (and anything it spawned), not the seeding's."""
        return max(self.pipeline_rss.values())

    def metrics(self) -> dict[str, float]:
        return {
            "day_seconds": self.day_seconds,
            "peak_rss_gib": self.peak_rss / 2**30,
            "ratio": self.day_seconds / self.bare_seconds if self.bare_seconds else float("inf"),
            "feature_ratio": (self.feature_assets_seconds / self.bare_seconds if self.bare_seconds else float("inf")),
        }

    def to_json(self) -> dict:
        data = asdict(self)
        for timing, raw in zip(self.assets, data["assets"]):
            raw["other_seconds"] = timing.other_seconds
        data["metrics"] = self.metrics()
        data["targets"] = [
            {**asdict(t), "applies": self._applies(t), "value": self.metrics()[t.metric]} for t in TARGETS
        ]
        return data

    def _applies(self, target: Target) -> bool:
        return target.size == self.size and target.engine == self.engine

    def to_markdown(self) -> str:
        m = self.metrics()
        gib = 2**30
        lines = [
            f"# riskflows benchmark: size {self.size} on {self.engine}",
            "",
            f"- world: {self.users:,} users (seed {self.seed}); "
            + ", ".join(f"{t} {n:,}" for t, n in self.source_rows.items()),
            f"- seeding (not part of the pipeline time): {self.seed_seconds:.1f} s, "
            f"peak RSS {self.seed_rss['self'] / gib:.2f} GiB",
            f"- day {self.day}: {len(self.campaigns_live)} of {self.campaigns_total} campaigns live "
            f"({', '.join(self.campaigns_live)})",
            *(
                [
                    f"- repeats: the day ran {len(self.day_seconds_runs)} times "
                    f"({', '.join(f'{s:.2f}' for s in self.day_seconds_runs)} s) and the bare SQL "
                    f"{len(self.bare_seconds_runs)} times ({', '.join(f'{s:.2f}' for s in self.bare_seconds_runs)} s), "
                    "each from a warehouse holding only the sources; the figures below are the median run of each"
                ]
                if len(self.day_seconds_runs) > 1
                else []
            ),
            f"- machine: {self.machine.get('cpus', 0):.0f} CPUs, 1-minute load average "
            f"{self.machine.get('load_before', 0):.1f} before the day and {self.machine.get('load_after', 0):.1f} "
            "after (load above the CPU count means other work competed for them)",
            "",
            "| asset | steps | wall s | warehouse SQL s | Python + Dagster s |",
            "|---|---:|---:|---:|---:|",
        ]
        for a in self.assets:
            lines.append(f"| {a.asset} | {a.steps} | {a.seconds:.2f} | {a.sql_seconds:.2f} | {a.other_seconds:.2f} |")
        lines += [
            f"| **sum of steps** | {sum(a.steps for a in self.assets)} | {self.steps_seconds:.2f} | "
            f"{sum(a.sql_seconds for a in self.assets):.2f} | {sum(a.other_seconds for a in self.assets):.2f} |",
            f"| **whole day** (runs, instance, outside steps included) | | {self.day_seconds:.2f} | | |",
            "",
            "| bare feature SQL | campaign | s | rows |",
            "|---|---|---:|---:|",
        ]
        for q in self.bare:
            lines.append(f"| {q.name} | {q.campaign_id or ''} | {q.seconds:.2f} | {q.rows:,} |")
        lines += [
            f"| **total** | | {self.bare_seconds:.2f} | |",
            "",
            *([f"- bare feature SQL FAILED, ratio not measured: {self.bare_error}"] if self.bare_error else []),
            f"- pipeline / bare feature SQL: **{m['ratio']:.2f}** (whole day {self.day_seconds:.2f} s / "
            f"{self.bare_seconds:.2f} s); the same assets only: {m['feature_ratio']:.2f}",
            *(
                [
                    f"- each repeat's day over the bare SQL run right after it: "
                    f"{', '.join(f'{r:.2f}' for r in self.paired_ratios)} (median "
                    f"{statistics.median(self.paired_ratios):.2f}); back-to-back pairs are less swayed than the "
                    "medians by the machine's speed drifting between repeats"
                ]
                if len(self.paired_ratios) > 1
                else []
            ),
            f"- peak RSS of the pipeline process: **{self.pipeline_rss['self'] / gib:.2f} GiB** "
            f"(children {self.pipeline_rss['children'] / gib:.2f} GiB); bare SQL process "
            f"{self.bare_rss['self'] / gib:.2f} GiB"
            + ("; PostgreSQL's own memory is not in these figures" if self.engine == "postgres" else ""),
            "",
            "| target (issue 4) | applies to | this run | limit | |",
            "|---|---|---:|---:|---|",
        ]
        for t in TARGETS:
            value = m[t.metric]
            verdict = ("met" if value <= t.limit else "missed") if self._applies(t) else "other size/engine"
            lines.append(
                f"| {t.label} | {t.size} on {t.engine} | {value:.2f} {t.unit} | {t.limit:g} {t.unit} | {verdict} |"
            )
        lines += ["", "| costliest SQL statements | asset | calls | s |", "|---|---|---:|---:|"]
        for s in self.top_statements:
            lines.append(f"| `{s.label.replace('|', '/')}` | {s.asset} | {s.calls} | {s.seconds:.2f} |")
        return "\n".join(lines) + "\n"

    def write(self, markdown_path: Path) -> tuple[Path, Path]:
        """Write the markdown report and, beside it, the same figures as JSON."""
        markdown_path.parent.mkdir(parents=True, exist_ok=True)
        markdown_path.write_text(self.to_markdown())
        json_path = markdown_path.with_suffix(".json")
        json_path.write_text(json.dumps(self.to_json(), indent=2, default=str))
        return markdown_path, json_path


def attribute_statements(
    timings: Sequence[StatementTiming], steps: Sequence[tuple[str, float, float]], top: int = 10
) -> tuple[dict[str, float], list[StatementCost]]:
    """Warehouse SQL seconds per asset, and the costliest (asset, statement) pairs.

    `steps` are (asset, start, end) in time.time() seconds; a statement belongs to the step it
    started in, or to "(outside steps)" (run set-up, campaign lookup).
    """
    per_asset: dict[str, float] = {}
    per_statement: dict[tuple[str, str], list[float]] = {}
    ordered = sorted(steps, key=lambda s: s[1])
    for t in timings:
        asset = next((name for name, start, end in ordered if start <= t.started <= end), "(outside steps)")
        per_asset[asset] = per_asset.get(asset, 0.0) + t.seconds
        per_statement.setdefault((asset, t.label), []).append(t.seconds)
    costs = [StatementCost(asset, label, len(s), sum(s)) for (asset, label), s in per_statement.items()]
    costs.sort(key=lambda c: c.seconds, reverse=True)
    return per_asset, costs[:top]


def median_run(runs: Sequence, seconds, conservative_high: bool):
    """The median of runs by seconds(run); of an even number, the one that makes the ratio
    worse (the slower day, the faster bare SQL)."""
    ordered = sorted(runs, key=seconds)
    return ordered[len(ordered) // 2] if conservative_high else ordered[(len(ordered) - 1) // 2]
