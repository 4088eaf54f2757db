"""The asset graph of ../shared/DESIGN.md. Each asset writes its own `risk` table partition (delete +
insert in one transaction) through a riskflows function and checks it with Pandera.

    src.*  ->  source_quarantine [date]
                 -> user_features [date], account_links [date] -> account_clusters [date]
                      -> participant_features [date x campaign] -> rule_hits -> high_risk_users
                      -> campaign_summary -> slack_digest
"""

from collections.abc import Sequence

import dagster as dg

from assets.list_checks import (
    MIN_LOGIN_SHARE_OF_WEEK,
    ListChecksConfig,
    list_check_results,
    list_check_specs,
    source_arrived_result,
    source_arrived_spec,
)
from assets.metadata import column_schema, pandera_check_spec, written_partition
from assets.partitions import ON_DATE, PREVIOUS_DAY_SAME_CAMPAIGN, campaign_day_partitions, split_campaign_day
from assets.upstream import ACCOUNT_LEVEL, require_inputs
from assets.versions import module_version
from assets.versions import rules_version as rules_version_of_folder
from resources.rules import RulePacksResource
from resources.slack import SlackResource
from resources.warehouse import WarehouseResource
from riskflows import account_clusters as account_clusters_module
from riskflows import account_links as account_links_module
from riskflows import clustering as clustering_module
from riskflows import coordination as coordination_module
from riskflows import participant_features as participant_features_module
from riskflows import quarantine as quarantine_module
from riskflows import user_features as user_features_module
from riskflows.account_clusters import build_account_clusters
from riskflows.account_links import build_account_links
from riskflows.campaign_summary import build_campaign_summary
from riskflows.days import day_params
from riskflows.high_risk import build_high_risk_users
from riskflows.notify import publish_campaign_digest
from riskflows.output_tables import OUTPUT_TABLES
from riskflows.participant_features import build_participant_features
from riskflows.quarantine import MAX_REJECTED_SHARE, MIN_REJECTED_ROWS, check_source_contract, describe_broken
from riskflows.rule_hits import build_rule_hits
from riskflows.source_contract import SOURCE_TABLES
from riskflows.user_features import build_user_features

GROUP = "campaign_risk"
WAREHOUSE_POOL = "warehouse"  # DuckDB admits one writer: dagster.yaml limits this pool


def _key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["risk", name])


def table_asset(name: str, table: str, other_checks: Sequence[dg.AssetCheckSpec] = (), **asset_args):
    """A riskflows table asset: key risk/<name>, the columns of risk.<table>, its blocking
    Pandera check (and any other check the step evaluates: warnings, or the Pandera check of a
    second table it writes), the campaign-risk group and the warehouse pool."""
    return dg.asset(
        key=_key(name),
        check_specs=[pandera_check_spec(_key(name), table), *other_checks],
        metadata={"dagster/column_schema": column_schema(OUTPUT_TABLES[table])},
        group_name=GROUP,
        pool=WAREHOUSE_POOL,
        **asset_args,
    )


SOURCE_SPECS = [
    dg.AssetSpec(
        dg.AssetKey(["src", name]),
        description=f"Source table src.{name}, loaded by the exchange; contract: riskflows.source_contract."
        f"{table.model.__name__}",
        group_name="source",
        kinds={"sql"},
    )
    for name, table in SOURCE_TABLES.items()
]


class QuarantineConfig(dg.Config):
    max_rejected_share: float = MAX_REJECTED_SHARE
    min_rejected_rows: int = MIN_REJECTED_ROWS
    # source_arrived warns below this share of the previous week's median of daily logins
    min_login_share_of_week: float = MIN_LOGIN_SHARE_OF_WEEK


def build_pipeline_assets(daily: dg.DailyPartitionsDefinition, rules_code_version: str | None = None) -> list:
    """Every asset of the graph, for a daily dimension starting where the data does.

    `rules_code_version` (see assets.versions.rules_version) versions the assets that apply
    rule packs, so editing a pack marks their partitions stale in the UI.
    """
    campaign_day = campaign_day_partitions(daily)
    rules_version = rules_code_version or rules_version_of_folder()

    @table_asset(
        "source_quarantine",
        "quarantine",
        other_checks=[source_arrived_spec(daily)],
        partitions_def=daily,
        deps=[spec.key for spec in SOURCE_SPECS],
        kinds={"sql", "pandera"},
    )
    def source_quarantine(context: dg.AssetExecutionContext, config: QuarantineConfig, warehouse: WarehouseResource):
        """Source rows that break the contract (NULL keys, unknown values, negative amounts,
        impossible timestamps, duplicate keys), kept whole with their reasons; features
        never see them. The run fails when a table is broken beyond the threshold; a day whose
        logins did not land gets the amber source_arrived check."""
        with warehouse.step_engine() as engine:
            report = check_source_contract(engine, context.partition_key)
            materialization, check = written_partition(
                engine,
                "quarantine",
                {"date": day_params(context.partition_key)["date"]},
                preview_columns=["table_name", "row_key", "reasons"],
                extra={
                    "rows_rejected": report.rows_rejected,
                    **{f"rejected/{t.table}": t.rows_rejected for t in report.tables.values()},
                    **{f"rejected_of_day/{t.table}": t.day_rows_rejected for t in report.tables.values()},
                    "missing_tables": ", ".join(report.missing_tables) or "none",
                },
            )
            broken = report.broken_tables(config.max_rejected_share, config.min_rejected_rows)
            if broken:
                raise dg.Failure(
                    description=describe_broken(broken, context.partition_key),
                    metadata={
                        "rows_rejected": report.rows_rejected,
                        "broken_tables": ", ".join(t.table for t in broken),
                    },
                )
            yield materialization
            yield check
            yield source_arrived_result(engine, context.partition_key, config.min_login_share_of_week)

    @table_asset(
        "account_links",
        "account_links",
        code_version=module_version(account_links_module, quarantine_module),
        partitions_def=daily,
        deps=[source_quarantine],
        kinds={"sql"},
    )
    def account_links(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        """What each account shares with others over all history up to the day: devices, IPs and
        /24s, deposit and withdrawal addresses (hubs such as carrier NAT or an exchange's deposit
        address cut), referrers and internal transfer counterparties. The edges of the farm graph."""
        with warehouse.step_engine() as engine:
            rows = build_account_links(engine, context.partition_key)
            materialization, check = written_partition(
                engine,
                "account_links",
                {"date": day_params(context.partition_key)["date"]},
                preview_columns=["user_id", "link_kind"],
                extra={"links": rows},
            )
            yield materialization
            yield check

    @table_asset(
        "user_features",
        "user_features",
        code_version=module_version(user_features_module, account_links_module, quarantine_module),
        partitions_def=daily,
        deps=[account_links],  # the sharing features read the day's links (which read the quarantine)
        kinds={"sql"},
    )
    def user_features(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        """Behaviour of every campaign participant's account as of the end of the day, over
        all its history: age, KYC, logins and their rhythm, devices/IPs/addresses shared with
        other accounts, money in and out, referral network, trading."""
        require_inputs(context, [(_key("account_links"), context.partition_key)])
        with warehouse.step_engine() as engine:
            rows = build_user_features(engine, context.partition_key)
            materialization, check = written_partition(
                engine,
                "user_features",
                {"date": day_params(context.partition_key)["date"]},
                preview_columns=[
                    "user_id",
                    "account_age_days",
                    "accounts_per_device",
                    "burst_device_peers",
                    "deposit_usd",
                    "withdrawal_usd",
                ],
                extra={"accounts": rows},
            )
            yield materialization
            yield check

    @table_asset(
        "account_clusters",
        "account_clusters",
        code_version=module_version(account_clusters_module, clustering_module),
        partitions_def=daily,
        deps=[account_links],
        kinds={"python"},
    )
    def account_clusters(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        """Groups of accounts linked by shared devices, IPs, addresses, referrals or internal
        transfers over all history up to the day: the shape of farms and rings. Hubs that link
        unrelated customers (carrier NAT, exchange deposit addresses) are cut."""
        with warehouse.step_engine() as engine:
            run = build_account_clusters(engine, context.partition_key)
            materialization, check = written_partition(
                engine,
                "account_clusters",
                {"date": day_params(context.partition_key)["date"]},
                preview_columns=["cluster_id", "user_id", "cluster_size", "link_kinds"],
                sort_by=["cluster_size"],
                extra={"links": run.links, "clusters": run.clusters, "largest_cluster": run.largest},
            )
            yield materialization
            yield check

    @table_asset(
        "participant_features",
        "participant_features",
        code_version=module_version(participant_features_module, coordination_module, quarantine_module),
        partitions_def=campaign_day,
        deps=[
            dg.AssetDep(user_features, partition_mapping=ON_DATE),
            dg.AssetDep(account_links, partition_mapping=ON_DATE),
            dg.AssetDep(account_clusters, partition_mapping=ON_DATE),
        ],
        kinds={"sql"},
    )
    def participant_features(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        """One row per campaign participant and day: the account's features plus its rewards in
        this campaign, how fast money left after them, the referees it brought, and how much of
        its cluster joined the campaign. The table rules are written against."""
        date, campaign_id = split_campaign_day(context)
        require_inputs(context, [(_key(name), date) for name in ACCOUNT_LEVEL])
        with warehouse.step_engine() as engine:
            rows = build_participant_features(engine, date, campaign_id)
            materialization, check = written_partition(
                engine,
                "participant_features",
                {"date": day_params(date)["date"], "campaign_id": campaign_id},
                preview_columns=[
                    "user_id",
                    "reward_usd",
                    "hours_reward_to_withdrawal",
                    "cluster_size",
                    "cluster_participants",
                ],
                extra={"participants": rows},
            )
            yield materialization
            yield check

    @table_asset(
        "rule_hits",
        "rule_hits",
        code_version=rules_version,
        partitions_def=campaign_day,
        deps=[participant_features],
        kinds={"sql"},
    )
    def rule_hits(context: dg.AssetExecutionContext, warehouse: WarehouseResource, rules: RulePacksResource):
        """Every (participant, rule) where the campaign's rule pack fired, with the feature values
        that made it fire and the pack version that did it."""
        date, campaign_id = split_campaign_day(context)
        require_inputs(context, [(_key("participant_features"), str(context.partition_key))])
        with warehouse.step_engine() as engine:
            pack = rules.pack_for(warehouse.campaign(engine, campaign_id))
            hits = build_rule_hits(engine, date, campaign_id, pack)
            materialization, check = written_partition(
                engine,
                "rule_hits",
                {"date": day_params(date)["date"], "campaign_id": campaign_id},
                preview_columns=["user_id", "rule_id", "evidence"],
                extra={"hits": hits, "rule_pack": pack.pack_id, "rule_pack_version": pack.version},
            )
            yield materialization
            yield check

    @table_asset(
        "high_risk_users",
        "high_risk_users",
        other_checks=list_check_specs(campaign_day),
        code_version=rules_version,
        partitions_def=campaign_day,
        deps=[rule_hits, dg.AssetDep(_key("high_risk_users"), partition_mapping=PREVIOUS_DAY_SAME_CAMPAIGN)],
        kinds={"sql", "pandera"},
    )
    def high_risk_users(
        context: dg.AssetExecutionContext,
        config: ListChecksConfig,
        warehouse: WarehouseResource,
        rules: RulePacksResource,
    ):
        """The list analysts act on: participants whose rule score reaches the review, hold or
        block tier, with the rules hit, reasons in English and Chinese, their cluster, the
        reward at stake and the day they were first flagged. Amber checks (bounds in the
        config) flag a list that looks wrong before anyone acts on it."""
        date, campaign_id = split_campaign_day(context)
        require_inputs(context, [(_key("rule_hits"), str(context.partition_key))])
        with warehouse.step_engine() as engine:
            pack = rules.pack_for(warehouse.campaign(engine, campaign_id))
            listed = build_high_risk_users(engine, date, campaign_id, pack)
            materialization, check = written_partition(
                engine,
                "high_risk_users",
                {"date": day_params(date)["date"], "campaign_id": campaign_id},
                preview_columns=["user_id", "score", "tier", "reward_usd", "cluster_size", "reasons"],
                sort_by=["score"],
                extra={
                    "flagged": len(listed),
                    **{f"tier/{tier}": int((listed["tier"] == tier).sum()) for tier in ("review", "hold", "block")},
                    "reward_usd_at_risk": float(listed["reward_usd"].sum()),
                    "rule_pack_version": pack.version,
                },
            )
            yield materialization
            yield check
            yield from list_check_results(engine, date, campaign_id, config)

    @table_asset(
        "campaign_summary",
        "campaign_summary",
        code_version=rules_version,
        partitions_def=campaign_day,
        deps=[high_risk_users, dg.AssetDep(_key("campaign_summary"), partition_mapping=PREVIOUS_DAY_SAME_CAMPAIGN)],
        kinds={"sql"},
    )
    def campaign_summary(context: dg.AssetExecutionContext, warehouse: WarehouseResource, rules: RulePacksResource):
        """Per campaign and day: participants, flagged per tier, new since yesterday, reward at
        risk against the total granted, and the rules that fired most. What BI tools read."""
        date, campaign_id = split_campaign_day(context)
        require_inputs(context, [(_key("high_risk_users"), str(context.partition_key))])
        with warehouse.step_engine() as engine:
            campaign = warehouse.campaign(engine, campaign_id)
            row = build_campaign_summary(engine, date, campaign, rules.pack_for(campaign))
            materialization, check = written_partition(
                engine,
                "campaign_summary",
                {"date": day_params(date)["date"], "campaign_id": campaign_id},
                preview_columns=[
                    "participants",
                    "flagged",
                    "review",
                    "hold",
                    "block",
                    "new_flagged",
                    "reward_usd_at_risk",
                ],
                extra={k: row[k] for k in ("participants", "flagged", "new_flagged", "flagged_change")}
                | {"reward_usd_at_risk": row["reward_usd_at_risk"]},
            )
            yield materialization
            yield check

    @dg.asset(
        key=_key("slack_digest"),
        code_version=rules_version,
        partitions_def=campaign_day,
        deps=[campaign_summary],
        group_name=GROUP,
        pool=WAREHOUSE_POOL,
        kinds={"slack"},
    )
    def slack_digest(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, rules: RulePacksResource, slack: SlackResource
    ):
        """The campaign's daily digest in the risk channel (chart and CSV in its thread) and an
        escalation per finding of the policy in rules/escalation.yaml. Each message is sent
        once: a re-run updates it. Backfills stay quiet unless tagged riskflows/notify=true.
        Intraday runs (tagged riskflows/intraday=true) send only the escalations, never a digest."""
        date, campaign_id = split_campaign_day(context)
        require_inputs(context, [(_key("campaign_summary"), str(context.partition_key))])
        quiet = should_stay_quiet(context.run.tags)
        intraday = is_intraday(context.run.tags)
        with warehouse.step_engine() as engine:
            result = publish_campaign_digest(
                engine,
                date=day_params(date)["date"],
                campaign_id=campaign_id,
                sender=slack.sender_for(campaign_id),
                language=slack.message_language,
                policy=rules.escalation_policy(),
                run_url=slack.run_url(context.run_id),
                quiet=quiet,
                mask_user_ids=slack.mask_user_ids,
                intraday=intraday,
            )
        return dg.MaterializeResult(metadata={**result.metadata(), "quiet": quiet, "intraday": intraday})

    return [
        *SOURCE_SPECS,
        source_quarantine,
        user_features,
        account_links,
        account_clusters,
        participant_features,
        rule_hits,
        high_risk_users,
        campaign_summary,
        slack_digest,
    ]


NOTIFY_TAG = "riskflows/notify"
# Runs of the intraday schedule (and the campaign and day-close runs that follow them) re-run
# today's partitions: they send new escalations only, no digest and no case follow-up replies.
INTRADAY_TAG = "riskflows/intraday"


def is_intraday(tags: dict) -> bool:
    return (tags.get(INTRADAY_TAG) or "").lower() == "true"


def should_stay_quiet(tags: dict) -> bool:
    """Backfills post nothing unless tagged riskflows/notify=true; any run tagged false is quiet."""
    wanted = tags.get(NOTIFY_TAG)
    if wanted is not None:
        return wanted.lower() != "true"
    return "dagster/backfill" in tags
