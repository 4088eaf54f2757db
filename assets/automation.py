"""How the pipeline runs unattended: which campaigns exist, what runs every night, and who
hears about it when a run fails.

    campaign_discovery   sensor: every campaign in src.campaigns becomes a "campaign"
                         partition; the cursor remembers the ones already added, so a
                         partition deleted on purpose in the UI is not brought back.
    daily_campaign_risk  schedule (default 01:00 UTC): the account-level assets for
                         yesterday, one run per day (run key account_day:<date>).
    campaign_days_after_account_day
                         run-status sensor: when that run succeeds, one run per campaign
                         live yesterday (run key campaign_day:<campaign>|<date>). Campaign
                         features read the day's account features, so they must not start
                         before those are written; ended campaigns get no run.
    day_close_after_campaign_days
                         run-status sensor: once every campaign live that day has its
                         campaign_day run done, one run of the day's cross-campaign assets
                         (cases, case alerts; run key day_close:<date>).
    run_failure_alert    run-failure sensor: posts the failure, with a link to the run, to
                         the risk channel (once per run, through the notifications ledger).
    intraday_campaign_warnings
                         schedule (default every 3 hours; STOPPED unless turned on in the UI
                         or RISKFLOWS_INTRADAY=on): TODAY's account-level assets, tagged
                         riskflows/intraday=true and riskflows/intraday_tick=<date>T<hh:mm> (run
                         key intraday:<date>T<hh:mm>). The two follow-up sensors fan its runs
                         out the same way (campaign runs, then the day close), keyed by the
                         tick so each tick runs once. Intraday runs send new escalations only
                         (no digest, no case follow-ups); today's partitions are replaced by
                         every tick and finalized by the nightly run, whose messages update
                         (not repeat) the escalations sent during the day.

Backfills from the UI need none of this: the backfill daemon orders partitions by their
partition mappings and tags the runs dagster/backfill, which keeps the digest quiet unless
the backfill is tagged riskflows/notify=true.
"""

import datetime as dt
import json
from collections.abc import Sequence

import dagster as dg
import sqlalchemy as sa

from assets.partitions import CAMPAIGNS, campaign_day_key
from assets.pipeline import INTRADAY_TAG, is_intraday
from resources.slack import SlackResource
from resources.warehouse import WarehouseResource
from riskflows import settings
from riskflows.campaigns import Campaign, load_campaigns
from riskflows.notify import send_run_failure_alert
from riskflows.warehouse import make_engine

ACCOUNT_DAY_JOB = "account_day_job"
CAMPAIGN_DAY_JOB = "campaign_day_job"
DAY_CLOSE_JOB = "day_close_job"
DAILY_SCHEDULE = "daily_campaign_risk"
DAILY_TAG = "riskflows/daily"  # the day a scheduled run evaluates; what the follow-up sensor fans out
WILL_RETRY_TAG = "dagster/will_retry"  # set by the instance when run_retries will re-execute a failed run
INTRADAY_SCHEDULE = "intraday_campaign_warnings"
INTRADAY_TICK_TAG = "riskflows/intraday_tick"  # <date>T<hh:mm> of the intraday tick a run belongs to
CAMPAIGN_SUMMARY = dg.AssetKey(["risk", "campaign_summary"])


def schedule_settings() -> tuple[str, str]:
    """(cron, timezone) of the daily schedule. Read when the Definitions are built: a schedule's
    cron is part of its definition, so changing it means reloading the code location."""
    return settings.daily_cron(), settings.schedule_timezone()


def day_before(tick: dt.datetime) -> dt.date:
    """The day a tick evaluates: yesterday in the schedule's timezone, whose data is complete."""
    return tick.date() - dt.timedelta(days=1)


def account_day_run_key(day: dt.date) -> str:
    return f"account_day:{day.isoformat()}"


def intraday_stamp(tick: dt.datetime) -> str:
    """The tick an intraday run belongs to, <date>T<hh:mm> in the schedule's timezone."""
    return f"{tick.date().isoformat()}T{tick:%H:%M}"


def intraday_tags(stamp: str) -> dict[str, str]:
    return {INTRADAY_TAG: "true", INTRADAY_TICK_TAG: stamp}


def intraday_run_key(stamp: str) -> str:
    return f"intraday:{stamp}"


def campaign_day_run_key(campaign_id: str, day: dt.date) -> str:
    return f"campaign_day:{campaign_id}|{day.isoformat()}"


def _is_lock_conflict(error: sa.exc.DBAPIError) -> bool:
    # A DuckDB file admits one writing process: while a run writes, a sensor cannot open it.
    text = str(error).lower()
    return "lock" in text and "duckdb" in (type(error.orig).__module__ or "") + text


def _campaigns(warehouse: WarehouseResource) -> list[Campaign] | dg.SkipReason:
    """Campaigns of src.campaigns, or a reason to skip this tick (the DuckDB file is busy:
    the next tick tries again)."""
    engine = make_engine(warehouse.url)
    try:
        return load_campaigns(engine)
    except sa.exc.DBAPIError as error:
        if _is_lock_conflict(error):
            return dg.SkipReason("The DuckDB warehouse is locked by a running step; will retry next tick.")
        raise
    finally:
        engine.dispose()


def live_on(campaigns: Sequence[Campaign], day: dt.date) -> list[Campaign]:
    """Campaigns live on the day: started by its end and not ended before it began."""
    return [c for c in campaigns if c.live_on(day)]


def campaign_day_requests(
    campaigns: Sequence[Campaign], day: dt.date, intraday_tick: str | None = None
) -> list[dg.RunRequest]:
    """One run per campaign live on the day, keyed so the same day (or, intraday, the same
    tick) is never launched twice."""
    return [
        dg.RunRequest(
            run_key=campaign_day_run_key(c.campaign_id, day)
            if intraday_tick is None
            else f"intraday:{c.campaign_id}|{intraday_tick}",
            partition_key=str(dg.MultiPartitionKey({"campaign": c.campaign_id, "date": day.isoformat()})),
            tags={DAILY_TAG: day.isoformat()} if intraday_tick is None else intraday_tags(intraday_tick),
        )
        for c in live_on(campaigns, day)
    ]


def campaign_days_waiting(
    instance: dg.DagsterInstance, campaigns: Sequence[Campaign], day: dt.date, intraday_tick: str | None = None
) -> list[str]:
    """Campaigns live on the day whose risk/campaign_summary of the day is not (yet) the one the
    day close should follow: missing, or last written by another run than this chain's (for the
    nightly chain: any run but an intraday one; for an intraday tick: a run of that tick). So an
    intraday run of today never passes for the nightly run, nor an earlier tick for this one."""
    waiting = []
    for c in live_on(campaigns, day):
        partition = str(campaign_day_key(day, c.campaign_id))
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=CAMPAIGN_SUMMARY, asset_partitions=[partition]), limit=1
        ).records
        run = instance.get_run_by_id(records[0].run_id) if records else None
        tags = run.tags if run is not None else None
        done = tags is not None and (
            not is_intraday(tags) if intraday_tick is None else tags.get(INTRADAY_TICK_TAG) == intraday_tick
        )
        if not done:
            waiting.append(f"{CAMPAIGN_SUMMARY.to_user_string()} {partition}")
    return waiting


def failure_summary(context: dg.RunFailureSensorContext) -> str:
    """What broke, in a few lines: the partition, then each failed step's error."""
    run = context.dagster_run
    lines = []
    partition = run.tags.get("dagster/partition")
    if partition:
        lines.append(f"partition {partition}")
    backfill = run.tags.get("dagster/backfill")
    if backfill:
        lines.append(f"backfill {backfill}")
    steps = context.get_step_failure_events()
    for event in steps:
        error = event.step_failure_data.error if event.step_failure_data else None
        # Dagster wraps the asset's exception ("Error occurred while executing op ..."): the
        # innermost cause is the one that says what went wrong.
        while error is not None and error.cause is not None:
            error = error.cause
        message = (error.message if error else event.message or "").strip() or "failed"
        lines.append(f"{event.step_key}: {message.splitlines()[0]}")
    if not steps:
        # The run died outside any step (worker killed, code location unreachable).
        lines.append(context.failure_event.message or "run failed")
    return "\n".join(lines)


def day_close_run_key(day: dt.date, intraday_tick: str | None = None) -> str:
    return f"day_close:{day.isoformat()}" if intraday_tick is None else f"intraday_close:{intraday_tick}"


def _scheduled_day(
    context: dg.RunStatusSensorContext, warehouse: WarehouseResource
) -> tuple[dt.date, str | None, list[Campaign]] | dg.SkipReason:
    """(day, intraday tick or None for the nightly run, campaigns) of the run a follow-up sensor saw,
    or why it does not follow up: backfills and manual runs fan out by themselves, or not at all."""
    tags = context.dagster_run.tags
    day_tag = tags.get(DAILY_TAG)
    tick = None if day_tag is not None else (tags.get(INTRADAY_TICK_TAG) if is_intraday(tags) else None)
    if day_tag is None and tick is None:
        return dg.SkipReason("Not a scheduled daily or intraday run.")
    campaigns = _campaigns(warehouse)
    if isinstance(campaigns, dg.SkipReason):
        # Run-status sensors do not replay an event, so a busy warehouse must not drop it.
        raise dg.Failure("The warehouse was locked while reading src.campaigns; the tick will be retried.")
    return dt.date.fromisoformat(day_tag if day_tag is not None else tick[:10]), tick, campaigns


def build_jobs(assets: list) -> tuple:
    """The account-level job (one date), the campaign-level job (campaign x date) and the day-close
    job (one date: the daily assets that read every campaign's day), each with its assets' checks."""
    definitions = [a for a in assets if isinstance(a, dg.AssetsDefinition) and a.partitions_def is not None]
    parents = {key: set(deps) for a in definitions for key, deps in a.asset_deps.items()}
    campaign_keys = [
        k for a in definitions if isinstance(a.partitions_def, dg.MultiPartitionsDefinition) for k in a.keys
    ]
    daily = [k for a in definitions for k in a.keys if k not in campaign_keys]

    def reads_a_campaign_day(key: dg.AssetKey, seen: frozenset = frozenset()) -> bool:
        return any(
            p in campaign_keys or (p not in seen and reads_a_campaign_day(p, seen | {key}))
            for p in parents.get(key, ())
            if p != key
        )

    day_close_keys = [k for k in daily if reads_a_campaign_day(k)]
    account_keys = [k for k in daily if k not in day_close_keys]
    account_day = dg.define_asset_job(
        ACCOUNT_DAY_JOB,
        selection=dg.AssetSelection.assets(*account_keys),
        description="Account-level features and clusters for one day (every campaign reads them).",
    )
    campaign_day = dg.define_asset_job(
        CAMPAIGN_DAY_JOB,
        selection=dg.AssetSelection.assets(*campaign_keys),
        description="One campaign's day: participant features, rule hits, high-risk list, summary, Slack.",
    )
    day_close = dg.define_asset_job(
        DAY_CLOSE_JOB,
        selection=dg.AssetSelection.assets(*day_close_keys),
        description="After every campaign's day: cases across campaigns and their escalations.",
    )
    return account_day, campaign_day, day_close


def build_automation(assets: list) -> dg.Definitions:
    """Jobs, schedules and sensors for the asset graph `assets` (merged into the one Definitions)."""
    account_day_job, campaign_day_job, day_close_job = build_jobs(assets)
    cron, timezone = schedule_settings()
    intraday_cron = settings.intraday_cron()
    intraday_on = settings.intraday_enabled()

    @dg.sensor(
        name="campaign_discovery",
        minimum_interval_seconds=300,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Adds a 'campaign' partition for every campaign that appears in src.campaigns.",
    )
    def campaign_discovery(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
        campaigns = _campaigns(warehouse)
        if isinstance(campaigns, dg.SkipReason):
            return campaigns
        seen = set(json.loads(context.cursor)) if context.cursor else set()
        new = sorted({c.campaign_id for c in campaigns} - seen)
        if not new:
            return dg.SkipReason(f"No new campaign ({len(seen)} known).")
        context.log.info(f"New campaign partitions: {', '.join(new)}")
        return dg.SensorResult(
            dynamic_partitions_requests=[CAMPAIGNS.build_add_request(new)],
            cursor=json.dumps(sorted(seen | set(new))),
        )

    @dg.schedule(
        name=DAILY_SCHEDULE,
        cron_schedule=cron,
        execution_timezone=timezone,
        job=account_day_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Yesterday's account-level assets; campaign runs follow when they succeed.",
    )
    def daily_campaign_risk(context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource):
        day = day_before(context.scheduled_execution_time)
        campaigns = _campaigns(warehouse)
        if isinstance(campaigns, dg.SkipReason):
            return campaigns
        live = live_on(campaigns, day)
        if not live:
            return dg.SkipReason(f"No campaign live on {day}.")
        return [
            dg.RunRequest(
                run_key=account_day_run_key(day), partition_key=day.isoformat(), tags={DAILY_TAG: day.isoformat()}
            )
        ]

    @dg.run_status_sensor(
        name="campaign_days_after_account_day",
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=[account_day_job],
        request_job=campaign_day_job,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="When the scheduled account-level run of a day succeeds, one run per campaign live that day.",
    )
    def campaign_days_after_account_day(context: dg.RunStatusSensorContext, warehouse: WarehouseResource):
        scheduled = _scheduled_day(context, warehouse)
        if isinstance(scheduled, dg.SkipReason):
            return scheduled
        day, tick, campaigns = scheduled
        requests = campaign_day_requests(campaigns, day, tick)
        known = set(context.instance.get_dynamic_partitions(CAMPAIGNS.name))
        missing = sorted({c.campaign_id for c in live_on(campaigns, day)} - known)
        return dg.SensorResult(
            run_requests=requests,
            # A campaign that started since the discovery sensor last looked still gets its day.
            dynamic_partitions_requests=[CAMPAIGNS.build_add_request(missing)] if missing else None,
        )

    @dg.run_status_sensor(
        name="day_close_after_campaign_days",
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=[campaign_day_job],
        request_job=day_close_job,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="When the last scheduled campaign run of a day succeeds, one run of the day's cases.",
    )
    def day_close_after_campaign_days(context: dg.RunStatusSensorContext, warehouse: WarehouseResource):
        scheduled = _scheduled_day(context, warehouse)
        if isinstance(scheduled, dg.SkipReason):
            return scheduled
        day, tick, campaigns = scheduled
        waiting = campaign_days_waiting(context.instance, campaigns, day, tick)
        if waiting:
            return dg.SkipReason(f"{day}: waiting for {len(waiting)} campaign day(s): {', '.join(waiting[:5])}")
        return dg.RunRequest(
            run_key=day_close_run_key(day, tick),
            partition_key=day.isoformat(),
            tags={DAILY_TAG: day.isoformat()} if tick is None else intraday_tags(tick),
        )

    @dg.schedule(
        name=INTRADAY_SCHEDULE,
        cron_schedule=intraday_cron,
        execution_timezone=timezone,
        job=account_day_job,
        default_status=dg.DefaultScheduleStatus.RUNNING if intraday_on else dg.DefaultScheduleStatus.STOPPED,
        description="Today's account-level assets during the day (off unless turned on); campaign runs and "
        "the day close follow; only new escalations are sent.",
    )
    def intraday_campaign_warnings(context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource):
        tick = context.scheduled_execution_time
        day = tick.date()
        campaigns = _campaigns(warehouse)
        if isinstance(campaigns, dg.SkipReason):
            return campaigns
        if not live_on(campaigns, day):
            return dg.SkipReason(f"No campaign live on {day}.")
        stamp = intraday_stamp(tick)
        return [
            dg.RunRequest(run_key=intraday_run_key(stamp), partition_key=day.isoformat(), tags=intraday_tags(stamp))
        ]

    @dg.run_failure_sensor(
        name="run_failure_alert",
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Posts every failed run to the risk channel with a link to it.",
    )
    def run_failure_alert(context: dg.RunFailureSensorContext, slack: SlackResource, warehouse: WarehouseResource):
        run = context.dagster_run
        if run.tags.get(WILL_RETRY_TAG) == "true":
            # run_retries will re-execute it: alert on the attempt that stays failed.
            return dg.SkipReason(f"Run {run.run_id} will be retried.")
        engine = make_engine(warehouse.url)
        try:
            send_run_failure_alert(
                slack.sender_for(None),
                run_id=run.run_id,
                job_name=run.job_name,
                error_summary=failure_summary(context),
                run_url=slack.run_url(run.run_id),
                language=slack.message_language,
                engine=engine,
            )
        except sa.exc.DBAPIError as error:
            if not _is_lock_conflict(error):
                raise
            # The ledger lives in the warehouse; when DuckDB is busy, alert without it rather than not at all.
            send_run_failure_alert(
                slack.sender_for(None),
                run_id=run.run_id,
                job_name=run.job_name,
                error_summary=failure_summary(context),
                run_url=slack.run_url(run.run_id),
                language=slack.message_language,
            )
        finally:
            engine.dispose()
        return None

    return dg.Definitions(
        jobs=[account_day_job, campaign_day_job, day_close_job],
        schedules=[daily_campaign_risk, intraday_campaign_warnings],
        sensors=[campaign_discovery, campaign_days_after_account_day, day_close_after_campaign_days, run_failure_alert],
    )
