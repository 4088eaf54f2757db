"""Rule tuning in Dagster: the rule performance table and the backtest job.

- risk/rule_performance [date]: per pack version and rule, how often it fires, how often
  analysts confirmed what it found, which rule it fires with, how often it fires alone.
  Reads every campaign's rule hits of the day, so it depends on risk/rule_hits for all
  campaigns of its date (and on src.reviews for the verdicts); blocking Pandera check.
- rule_backtest job: evaluates a candidate pack file on stored features against the active
  packs, writes nothing published, and shows the comparison as markdown in the run's
  output metadata. Same config as `riskflows backtest`.

Wire with ``build_rule_tuning(daily)`` into the one Definitions.
"""

# No `from __future__ import annotations`: Dagster reads the `context` annotation at definition time.

import dagster as dg
from pydantic import Field

from assets.metadata import column_schema, pandera_check_result, pandera_check_spec
from assets.partitions import ON_DATE
from assets.pipeline import WAREHOUSE_POOL
from resources.rules import RulePacksResource
from resources.warehouse import WarehouseResource
from riskflows.backtest import BacktestError, backtest
from riskflows.days import as_date
from riskflows.feature_catalog import RULE_COLUMN_KINDS
from riskflows.output_tables import read_partition, validate_frame
from riskflows.rule_packs import RulePackError, load_pack
from riskflows.rule_performance import RULE_PERFORMANCE, build_rule_performance

GROUP = "rule_tuning"
RULE_PERFORMANCE_KEY = dg.AssetKey(["risk", "rule_performance"])
RULE_HITS_KEY = dg.AssetKey(["risk", "rule_hits"])
REVIEWS_KEY = dg.AssetKey(["src", "reviews"])


def _written(engine, day) -> tuple[dg.MaterializeResult, dg.AssetCheckResult]:
    """Read the day back once: metadata for the UI and the blocking Pandera check."""
    frame = read_partition(engine, RULE_PERFORMANCE, {"date": day})
    validation = validate_frame(RULE_PERFORMANCE, frame)
    shown = frame.sort_values(["hits", "rule_id"], ascending=[False, True]).head(15)[
        [
            "rule_pack_version",
            "rule_id",
            "hits",
            "hit_rate",
            "review_precision",
            "solo_share",
            "top_co_rule_id",
            "top_co_share",
        ]
    ]
    materialization = dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(frame),
            "table": RULE_PERFORMANCE.qualified,
            "pack_versions": int(frame["rule_pack_version"].nunique()) if len(frame) else 0,
            "preview": dg.MetadataValue.md(
                shown.to_markdown(index=False, floatfmt=".3f") if len(frame) else "_(no rule fired on this day)_"
            ),
        }
    )
    return materialization, pandera_check_result(validation)


class BacktestConfig(dg.Config):
    """The same knobs as `riskflows backtest`."""

    pack_path: str = Field(description="candidate rule pack YAML, path as seen by the code location")
    date_from: str = Field(description="first day, YYYY-MM-DD")
    date_to: str = Field(description="last day, YYYY-MM-DD")
    campaign_ids: list[str] = Field(
        default_factory=list, description="campaigns to evaluate; empty: every campaign the pack applies to"
    )
    out_dir: str | None = Field(default=None, description="also write the CSV files into this folder")


def build_rule_tuning(daily: dg.DailyPartitionsDefinition) -> dg.Definitions:
    """The rule performance asset (on the pipeline's daily dimension) and the backtest job."""

    @dg.asset(
        key=RULE_PERFORMANCE_KEY,
        partitions_def=daily,
        # Every campaign's hits of the same day (name the date dimension, or Dagster would
        # not know which campaign-days feed a day) and the analysts' verdicts.
        deps=[dg.AssetDep(RULE_HITS_KEY, partition_mapping=ON_DATE), REVIEWS_KEY],
        check_specs=[pandera_check_spec(RULE_PERFORMANCE_KEY, "rule_performance")],
        metadata={"dagster/column_schema": column_schema(RULE_PERFORMANCE)},
        group_name=GROUP,
        pool=WAREHOUSE_POOL,
        kinds={"sql", "pandera"},
    )
    def rule_performance(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        """How each rule of each pack version did on the day, across the campaigns it ran on:
        hits and hit rate, precision on the participants analysts had reviewed by then,
        the rule it most often fires with, and the share of its hits where it fired alone.
        Compare versions here to see whether a rule change made detection better or worse."""
        engine = warehouse.engine()
        day = as_date(context.partition_key)
        build_rule_performance(engine, day)
        materialization, check = _written(engine, day)
        yield materialization
        yield check

    @dg.op(out=dg.Out(dg.Nothing), pool=WAREHOUSE_POOL)
    def backtest_candidate_pack(
        context: dg.OpExecutionContext, config: BacktestConfig, warehouse: WarehouseResource, rules: RulePacksResource
    ):
        """Evaluate the candidate pack on stored participant features for the range against
        the active packs in rules/, and report users added/removed/kept per tier, reward at
        risk and precision on analysts' verdicts. Nothing published is touched."""
        try:
            candidate = load_pack(config.pack_path, RULE_COLUMN_KINDS)
        except RulePackError as error:
            raise dg.Failure(description=f"candidate pack {config.pack_path} is invalid:\n{error}") from None
        try:
            report = backtest(
                warehouse.engine(),
                candidate,
                date_from=config.date_from,
                date_to=config.date_to,
                campaign_ids=config.campaign_ids or None,
                active_packs=rules.packs(),
            )
        except BacktestError as error:
            raise dg.Failure(description=str(error)) from None
        overall = report.row()
        metadata = {
            "report": dg.MetadataValue.md(report.to_markdown()),
            "candidate": f"{report.candidate_pack_id}@{report.candidate_version}",
            "campaign_days": len(report.partitions),
            **{
                name: overall[name]
                for name in (
                    "active_users",
                    "candidate_users",
                    "added",
                    "removed",
                    "kept",
                    "active_reward_usd_at_risk",
                    "candidate_reward_usd_at_risk",
                )
            },
        }
        for role in ("active", "candidate"):
            value = overall[f"{role}_precision_reviews"]
            if value is not None and value == value:  # no reviewed user listed: nothing to show
                metadata[f"{role}_precision_reviews"] = float(value)
        if config.out_dir:
            metadata["csv_files"] = ", ".join(str(p) for p in report.to_csv(config.out_dir))
        context.log.info(report.to_markdown())
        yield dg.Output(None, metadata=metadata)

    @dg.job(
        description="Backtest a candidate rule pack against the active packs on stored history "
        "(same as `riskflows backtest`); the report is in the step's output metadata."
    )
    def rule_backtest():
        backtest_candidate_pack()

    return dg.Definitions(assets=[rule_performance], jobs=[rule_backtest])
