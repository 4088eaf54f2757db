"""Materialize the asset graph for a range of days through Dagster, from the command line.

`riskflows run` and `riskflows demo` use this: every partition goes through a real Dagster
run on a real instance (DAGSTER_HOME, or .riskflows/dagster_home), so the UI shows the
same history an analyst's backfill would leave.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from app.instance_storage import local_instance_yaml
from assets.definitions import build_definitions
from assets.partitions import CAMPAIGNS, campaign_day_key, earliest_date
from assets.pipeline import NOTIFY_TAG
from riskflows.campaigns import load_campaigns
from riskflows.days import as_date, date_range
from riskflows.warehouse import DEFAULT_HOME, dialect_of, make_engine

# The terminal shows our one line per day; Dagster's step events stay in the instance/UI.
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def local_instance() -> dg.DagsterInstance:
    """The instance in DAGSTER_HOME, or a local one under .riskflows/ (SQLite storage; a new
    folder gets the pooled event log of app.instance_storage)."""
    if not os.environ.get("DAGSTER_HOME"):
        home = (DEFAULT_HOME / "dagster_home").resolve()
        home.mkdir(parents=True, exist_ok=True)
        os.environ["DAGSTER_HOME"] = str(home)
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        # a local instance: SQLite storage in this folder, no telemetry
        config.write_text(local_instance_yaml(home), encoding="utf-8")
    return dg.DagsterInstance.get()


@dataclass(frozen=True)
class RunPhases:
    """The order a day runs in: account-level assets, each campaign, then daily roll-ups."""

    accounts: list[dg.AssetKey]
    campaigns: list[dg.AssetKey]
    after_campaigns: list[dg.AssetKey]


def run_phases(defs: dg.Definitions) -> RunPhases:
    graph = defs.resolve_asset_graph()
    materializable = [k for k in graph.materializable_asset_keys]
    per_campaign = [k for k in materializable if isinstance(graph.get(k).partitions_def, dg.MultiPartitionsDefinition)]
    daily = [k for k in materializable if k not in per_campaign]
    after = [k for k in daily if graph.get_ancestor_asset_keys(k) & set(per_campaign)]
    return RunPhases(
        accounts=sorted(set(daily) - set(after)), campaigns=sorted(per_campaign), after_campaigns=sorted(after)
    )


class RangeJobs:
    """One asset job per phase, resolved once for the whole range (not once per run)."""

    def __init__(self, defs: dg.Definitions):
        phases = run_phases(defs)
        selections = {
            "accounts": phases.accounts,
            "campaigns": phases.campaigns,
            "after_campaigns": phases.after_campaigns,
        }
        jobs = [
            dg.define_asset_job(f"riskflows_range_{name}", selection=keys) for name, keys in selections.items() if keys
        ]
        resolved = dg.Definitions(
            assets=list(defs.assets), asset_checks=list(defs.asset_checks or []), jobs=jobs, resources=defs.resources
        )
        for name, keys in selections.items():
            setattr(self, name, resolved.resolve_job_def(f"riskflows_range_{name}") if keys else None)


@dataclass
class RangeRun:
    """What a range run did: partitions materialized and the first failure, if any."""

    daily_partitions: list[str] = field(default_factory=list)
    campaign_partitions: list[str] = field(default_factory=list)
    failure: str | None = None

    @property
    def success(self) -> bool:
        return self.failure is None


def _failure_message(result: dg.ExecuteInProcessResult) -> str:
    messages = []
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            error = event.step_failure_data.error
            messages.append(f"{event.step_key}: {error.message.strip()}")
    return "\n".join(messages) or "run failed"


@contextmanager
def _kept_open(engine) -> Iterator[None]:
    """Keep an embedded DuckDB file open for the length of one day's runs.

    Every step connects several times; while one connection stays open, DuckDB hands
    the others the already open database (2 ms) instead of opening the file, and it
    checkpoints its write-ahead log when the log grows large rather than every time the
    file is closed (0.2-0.3 s per run at size L). Between days the file is free, so a
    sensor of a running daemon that met the lock gets its turn on its next tick (it skips
    and retries: ../shared/DESIGN.md, "Engines"). PostgreSQL pools connections anyway.
    """
    if dialect_of(engine) != "duckdb":
        yield
        return
    with engine.connect():
        yield


def materialize_range(
    start: dt.date | str,
    end: dt.date | str,
    *,
    campaign_ids: Sequence[str] | None = None,
    notify: bool = True,
    instance: dg.DagsterInstance | None = None,
    progress: Callable[[str], None] = print,
    tags: dict[str, str] | None = None,
) -> RangeRun:
    """Materialize every asset for days start..end and every campaign live on each day
    (`tags`: added to every run, e.g. riskflows/intraday=true)."""
    first, last = as_date(start), as_date(end)
    engine = make_engine()
    campaigns = load_campaigns(engine)
    if campaign_ids:
        unknown = sorted(set(campaign_ids) - {c.campaign_id for c in campaigns})
        if unknown:
            return RangeRun(failure=f"unknown campaign(s) in src.campaigns: {', '.join(unknown)}")
        campaigns = [c for c in campaigns if c.campaign_id in set(campaign_ids)]
    instance = instance or local_instance()
    instance.add_dynamic_partitions(CAMPAIGNS.name, [c.campaign_id for c in campaigns])

    earliest = min(first.isoformat(), earliest_date())
    jobs = RangeJobs(build_definitions(earliest))
    tags = {NOTIFY_TAG: "true" if notify else "false", **(tags or {})}

    outcome = RangeRun()
    for day in date_range(first, last):
        live = [c for c in campaigns if c.live_on(day)]
        if not live:
            progress(f"{day}: no live campaign, skipped")
            continue

        def run(job: dg.JobDefinition | None, partition_key: str, what: str, day: dt.date = day) -> bool:
            if job is None:
                return True
            result = job.execute_in_process(
                partition_key=partition_key,
                instance=instance,
                tags=tags,
                raise_on_error=False,
                run_config=QUIET_LOGS,
            )
            if not result.success:
                outcome.failure = f"{day} {what} failed:\n{_failure_message(result)}"
            return result.success

        with _kept_open(engine):
            if not run(jobs.accounts, day.isoformat(), "account-level assets"):
                return outcome
            outcome.daily_partitions.append(day.isoformat())
            for campaign in live:
                key = str(campaign_day_key(day, campaign.campaign_id))
                if not run(jobs.campaigns, key, f"campaign {campaign.campaign_id}"):
                    return outcome
                outcome.campaign_partitions.append(key)
            if not run(jobs.after_campaigns, day.isoformat(), "assets over all campaigns"):
                return outcome
        progress(f"{day}: materialized {len(live)} campaign(s): {', '.join(c.campaign_id for c in live)}")
    return outcome
