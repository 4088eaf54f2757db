"""Cases across campaigns: the day's case table, and the case escalations with their case files.

    risk/high_risk_users [date x campaign] (every campaign of the day)
        -> risk/cases [date] (also risk.case_members) -> risk/case_alerts [date]

Both run after every campaign of the day (`riskflows run` does so; in production the
day_close sensor requests them once every live campaign's day succeeded).
"""

import base64
from pathlib import Path

import dagster as dg

from assets.metadata import pandera_check_result, pandera_check_spec, written_partition
from assets.partitions import ON_DATE
from assets.pipeline import GROUP, WAREHOUSE_POOL, _key, is_intraday, should_stay_quiet, table_asset
from assets.upstream import require_inputs
from assets.versions import module_version
from resources.rules import RulePacksResource
from resources.slack import SlackResource
from resources.warehouse import WarehouseResource
from riskflows import case_file as case_file_module
from riskflows import cases as cases_module
from riskflows import settings
from riskflows.case_file import case_file_path, render_link_graph_png, write_case_file
from riskflows.case_file_data import load_case_file_data
from riskflows.cases import build_case_tables
from riskflows.days import as_date
from riskflows.notify.case_alerts import publish_case_alerts
from riskflows.output_tables import OUTPUT_TABLES, read_partition, validate_frame

CASE_MEMBERS_CHECK = "case_members_contract"
PREVIOUS_DAY = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)


class CaseFiles:
    """Case files of one step: each case's data read once, for its file and its link picture."""

    def __init__(self, engine, day, language: str, mask_user_ids: bool):
        self.engine, self.day, self.language, self.mask_user_ids = engine, day, language, mask_user_ids
        self.folder = Path(settings.case_dir())
        self.base = settings.case_url_base()
        self._data: dict = {}

    def data(self, case_id: str):
        if case_id not in self._data:
            self._data[case_id] = load_case_file_data(self.engine, case_id, self.day)
        return self._data[case_id]

    def write(self, case_id: str, refresh: bool = True) -> str:
        """The link (RISKFLOWS_CASE_URL/<id>.html) or path of the case file, (re)written if asked or missing."""
        path = case_file_path(self.folder, case_id)
        if refresh or not path.exists():
            path = write_case_file(
                self.data(case_id), self.folder, language=self.language, mask_user_ids=self.mask_user_ids
            )
        return f"{self.base.rstrip('/')}/{path.name}" if self.base else str(path.resolve())

    def link_graph(self, case_id: str) -> bytes:
        return render_link_graph_png(self.data(case_id), mask_user_ids=self.mask_user_ids)


def build_case_assets(daily: dg.DailyPartitionsDefinition) -> list:
    @table_asset(
        "cases",
        "cases",
        other_checks=[pandera_check_spec(_key("cases"), "case_members", CASE_MEMBERS_CHECK)],
        code_version=module_version(cases_module),
        partitions_def=daily,
        deps=[
            dg.AssetDep(_key("high_risk_users"), partition_mapping=ON_DATE),
            dg.AssetDep(_key("cases"), partition_mapping=PREVIOUS_DAY),
            _key("account_clusters"),
        ],
        kinds={"sql", "pandera"},
    )
    def cases(context: dg.AssetExecutionContext, warehouse: WarehouseResource, rules: RulePacksResource):
        """One case per flagged cluster (or flagged account in no cluster) across every campaign of
        the day, with a case id that survives re-runs and the cluster's growth, its status from the
        analysts' verdicts and what changed since the day before; risk.case_members says who is in
        which case."""
        day = as_date(context.partition_key)
        require_inputs(context, [(_key("account_clusters"), context.partition_key)])
        with warehouse.step_engine() as engine:

            def allowlisted(campaign_id: str) -> tuple[set[int], set[int]]:
                return rules.pack_for(warehouse.campaign(engine, campaign_id)).allowlisted(day)

            written, members = build_case_tables(engine, day, allowlisted)
            materialization, check = written_partition(
                engine,
                "cases",
                {"date": day},
                preview_columns=["case_id", "campaigns", "members", "cluster_size", "reward_usd_at_risk", "changes"],
                sort_by=["reward_usd_at_risk"],
                extra={"cases": written, "case_members": members},
            )
            frame = read_partition(engine, OUTPUT_TABLES["case_members"], {"date": day})
            members_check = pandera_check_result(
                validate_frame(OUTPUT_TABLES["case_members"], frame), CASE_MEMBERS_CHECK
            )
        yield materialization
        yield check
        yield members_check

    @dg.asset(
        key=_key("case_alerts"),
        code_version=module_version(case_file_module),
        partitions_def=daily,
        deps=[cases],
        group_name=GROUP,
        pool=WAREHOUSE_POOL,
        kinds={"slack", "html"},
    )
    def case_alerts(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, rules: RulePacksResource, slack: SlackResource
    ):
        """Each case that meets rules/escalation.yaml is escalated once (the picture of its linked
        accounts in the thread, a link to its case file); later its message is updated, and its
        thread gets a reply only on a material change. Case files are written for every such case
        (RISKFLOWS_CASE_DIR). Backfills stay quiet unless tagged riskflows/notify=true."""
        day = as_date(context.partition_key)
        require_inputs(context, [(_key("cases"), context.partition_key)])
        quiet = should_stay_quiet(context.run.tags)
        language = slack.message_language

        with warehouse.step_engine() as engine:
            files = CaseFiles(engine, day, language, slack.mask_user_ids)
            result = publish_case_alerts(
                engine,
                date=day,
                sender=slack.sender_for(None),
                language=language,
                policy=rules.escalation_policy(),
                run_url=slack.run_url(context.run_id),
                quiet=quiet,
                mask_user_ids=slack.mask_user_ids,
                write_case_file=files.write,
                link_graph=files.link_graph,
                intraday=is_intraday(context.run.tags),
            )
            metadata = {**result.metadata(), "case_dir": str(files.folder.resolve())}
            if result.escalated:
                top = result.escalated[0]
                picture = base64.b64encode(files.link_graph(top)).decode()
                metadata["largest_case"] = top
                metadata["largest_case_links"] = dg.MetadataValue.md(
                    f"Linked accounts of case {top}:\n\n![links of {top}](data:image/png;base64,{picture})"
                )
        return dg.MaterializeResult(metadata=metadata)

    return [cases, case_alerts]
