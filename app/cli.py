"""`riskflows` command line: seed, run, demo, evaluate, bench, backtest, rule-performance, rules check,
slack listen.

It lives beside the Dagster definitions because `run` and `demo` drive Dagster; the
domain core (riskflows/) stays free of it. Every command reads the warehouse from
RISKFLOWS_WAREHOUSE_URL (default: DuckDB file .riskflows/warehouse.duckdb).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from riskflows.feature_catalog import RULE_COLUMN_KINDS


def _print_table(frame, title: str) -> None:
    print(f"\n{title}")
    print(frame.to_string(index=False) if len(frame) else "(none)")


def cmd_seed(args: argparse.Namespace) -> int:
    from riskflows.synthetic import seed_warehouse
    from riskflows.warehouse import make_engine

    counts = seed_warehouse(
        make_engine(), seed=args.seed, users=args.users, editions=args.editions, onchain=args.onchain
    )
    print("seeded: " + ", ".join(f"{table}={rows}" for table, rows in counts.items()))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from app.runner import materialize_range

    outcome = materialize_range(args.date_from, args.date_to, campaign_ids=args.campaign, notify=not args.quiet)
    if not outcome.success:
        print(f"FAILED: {outcome.failure}", file=sys.stderr)
        return 1
    print(f"done: {len(outcome.daily_partitions)} day(s), {len(outcome.campaign_partitions)} campaign-day(s)")
    return 0


def print_evaluation(engine) -> None:
    from riskflows.evaluation import EVALUATION_TABLE, evaluate, has_ground_truth, store_evaluation

    if not has_ground_truth(engine):
        print("no synthetic.labels in this warehouse: precision/recall not computed")
        return
    result = evaluate(engine)
    evaluated_at = store_evaluation(engine, result)
    _print_table(
        result.per_campaign, "per campaign (an enrollment counts as listed if it was listed on any day, in any tier)"
    )
    _print_table(result.per_pattern, "recall per abuse pattern")
    _print_table(result.hard_negatives, "flagged share of honest look-alikes (hard negatives)")
    print(f"\noverall: {result.overall}")
    print(f"stored in {EVALUATION_TABLE} at {evaluated_at}")


def print_campaign_results(engine) -> None:
    from riskflows.warehouse import read_frame

    with engine.connect() as conn:
        summary = read_frame(
            conn,
            """
SELECT s.campaign_id, s.date, s.participants, s.flagged, s.review, s.hold, s.block,
       ROUND(CAST(s.reward_usd_at_risk AS NUMERIC), 2) AS reward_usd_at_risk
FROM risk.campaign_summary s
JOIN (SELECT campaign_id, MAX(date) AS date FROM risk.campaign_summary GROUP BY campaign_id) d
  ON d.campaign_id = s.campaign_id AND d.date = s.date
ORDER BY s.campaign_id""",
        )
    _print_table(summary, "campaigns on their last evaluated day")


def cmd_evaluate(args: argparse.Namespace) -> int:
    if args.rescore:
        return rescore_matrix(args)
    if args.worlds is None:
        from riskflows.warehouse import make_engine

        print_evaluation(make_engine())
        return 0
    from app.world_matrix import evaluate_worlds
    from riskflows.evaluation_worlds import DEFAULT_MATRIX, WorldSpec, WorldSpecError

    try:
        specs = [WorldSpec.parse(text) for text in (args.worlds or DEFAULT_MATRIX)]
    except WorldSpecError as error:
        print(error, file=sys.stderr)
        return 2
    rows, report = evaluate_worlds(specs, out=args.out, jobs=args.jobs)
    return print_matrix(rows, report)


def rescore_matrix(args: argparse.Namespace) -> int:
    from app.world_matrix import rescore_worlds
    from riskflows.evaluation_worlds import WorldSpecError

    try:
        rows, report = rescore_worlds(args.rescore, jobs=args.jobs)
    except WorldSpecError as error:
        print(error, file=sys.stderr)
        return 2
    return print_matrix(rows, report)


def print_matrix(rows: list[dict], report) -> int:
    from riskflows.evaluation_worlds import matrix_markdown

    print()
    print(matrix_markdown([r for r in rows if "failed" not in r]))
    for row in rows:
        if "failed" in row:
            print(f"FAILED {row['world']}: {row['failed']}", file=sys.stderr)
    print(f"\nwritten: {report}")
    return 1 if any("failed" in r for r in rows) else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from app.runner import materialize_range
    from riskflows.campaigns import load_campaigns
    from riskflows.synthetic import seed_warehouse
    from riskflows.warehouse import make_engine

    engine = make_engine()
    counts = seed_warehouse(engine, seed=args.seed, users=args.users)
    print("seeded synthetic exchange: " + ", ".join(f"{t}={n}" for t, n in counts.items()))
    campaigns = load_campaigns(engine)
    first = min(c.starts_at.date() for c in campaigns)
    last = max(c.ends_at.date() if c.ends_at else c.starts_at.date() for c in campaigns)
    outcome = materialize_range(first, last, notify=True)
    if not outcome.success:
        print(f"FAILED: {outcome.failure}", file=sys.stderr)
        return 1
    print_campaign_results(engine)
    print_case_counts(engine)
    print_evaluation(engine)
    return 0


def print_case_counts(engine) -> None:
    """What the on-call analyst was told over the run, beside what there was to tell."""
    from riskflows.warehouse import read_frame

    with engine.connect() as conn:
        counts = read_frame(
            conn,
            """
SELECT (SELECT COUNT(DISTINCT case_id) FROM risk.cases) AS cases,
       (SELECT COUNT(DISTINCT case_id) FROM risk.cases WHERE cluster_size >= 2) AS cluster_cases,
       (SELECT COUNT(*) FROM risk.notifications WHERE kind = 'case') AS case_escalations,
       (SELECT COUNT(DISTINCT finding_key) FROM risk.notifications WHERE kind = 'case') AS cases_escalated,
       (SELECT COUNT(*) FROM risk.notifications WHERE kind = 'case_update') AS case_follow_ups,
       (SELECT COUNT(*) FROM risk.notifications WHERE kind = 'escalation') AS campaign_escalations,
       (SELECT COUNT(*) FROM risk.notifications WHERE kind = 'digest') AS digests""",
        ).iloc[0]
    print(
        f"\ncases: {counts['cases']} ({counts['cluster_cases']} of linked accounts); escalated: "
        f"{counts['case_escalations']} escalations for {counts['cases_escalated']} cases (each at most once), "
        f"{counts['case_follow_ups']} follow-ups in their threads; campaign escalations: "
        f"{counts['campaign_escalations']}; digests: {counts['digests']}"
    )


def cmd_case(args: argparse.Namespace) -> int:
    from pathlib import Path

    from riskflows import settings
    from riskflows.case_file import write_case_file
    from riskflows.case_file_data import CaseNotFound, load_case_file_data
    from riskflows.warehouse import make_engine

    try:
        data = load_case_file_data(make_engine(), args.case_id, args.date)
    except CaseNotFound as error:
        print(str(error), file=sys.stderr)
        return 1
    path = write_case_file(
        data, Path(args.out or settings.case_dir()), language=args.language, mask_user_ids=args.mask_user_ids
    )
    print(f"case {data.case_id} as of {data.date}: {len(data.members)} flagged accounts, status {data.status}")
    print(f"written: {path.resolve()}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from app.bench_run import run_benchmark

    result, paths = run_benchmark(args.size, args.engine, out=args.out, seed=args.seed, repeats=args.repeat)
    print(result.to_markdown())
    print("written: " + ", ".join(str(p) for p in paths))
    return 0


def cmd_rules_check(args: argparse.Namespace) -> int:
    from riskflows.rule_packs import check_paths

    problems = check_paths(args.paths or ["rules"], RULE_COLUMN_KINDS)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("rule packs OK")
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    import os

    from riskflows.backtest import BacktestError, backtest
    from riskflows.rule_packs import RulePackError, load_pack, load_packs
    from riskflows.warehouse import make_engine

    rules_dir = args.rules or os.environ.get("RISKFLOWS_RULES_DIR", "rules")
    try:
        candidate = load_pack(args.pack, RULE_COLUMN_KINDS)
        active = load_packs(rules_dir, RULE_COLUMN_KINDS)
        report = backtest(
            make_engine(),
            candidate,
            date_from=args.date_from,
            date_to=args.date_to,
            campaign_ids=args.campaign,
            active_packs=active,
        )
    except (RulePackError, BacktestError) as error:
        print(f"backtest not run: {error}", file=sys.stderr)
        return 1
    print(report.to_markdown())
    for path in report.to_csv(args.out):
        print(f"wrote {path}")
    return 0


def cmd_slack_listen(args: argparse.Namespace) -> int:
    import logging

    from app.slack_listener import listen

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return listen()


def cmd_rule_performance(args: argparse.Namespace) -> int:
    import pandas as pd

    from riskflows.rule_performance import rule_performance
    from riskflows.warehouse import make_engine

    frame = rule_performance(make_engine(), args.date_from, args.date_to, per_date=args.by_date)
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.precision", 3):
        _print_table(
            frame,
            f"rule performance {args.date_from}..{args.date_to}"
            + (" per day" if args.by_date else " (participant-days pooled over the range)"),
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="riskflows", description="Campaign-abuse detection for crypto exchanges")
    commands = parser.add_subparsers(dest="command", required=True)

    seed = commands.add_parser("seed", help="write a synthetic exchange into the warehouse (src + synthetic)")
    seed.add_argument("--seed", type=int, default=7)
    seed.add_argument("--users", type=int, default=20_000)
    seed.add_argument(
        "--editions",
        action="store_true",
        help="run every campaign again as an Asia-Pacific edition (10 campaigns instead of 5)",
    )
    seed.add_argument(
        "--onchain",
        action="store_true",
        help="only what public airdrop data has: accounts linked by transfers (deposit and withdrawal "
        "addresses become accounts); no logins, devices, IPs, trades or referrals",
    )
    seed.set_defaults(func=cmd_seed)

    run = commands.add_parser("run", help="materialize every asset for a range of days through Dagster")
    run.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    run.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")
    run.add_argument("--campaign", action="append", help="only this campaign (repeatable)")
    run.add_argument("--quiet", action="store_true", help="post nothing to Slack (backfill)")
    run.set_defaults(func=cmd_run)

    demo = commands.add_parser("demo", help="seed the embedded warehouse and run every demo campaign day")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--users", type=int, default=20_000)
    demo.set_defaults(func=cmd_demo)

    evaluate = commands.add_parser(
        "evaluate", help="precision/recall against synthetic.labels: of the warehouse, or of a matrix of worlds"
    )
    evaluate.add_argument(
        "--worlds",
        nargs="*",
        metavar="SPEC",
        help="write each world (source:seed[:mode], e.g. harbor:11:onchain; none given: the "
        "default matrix), run every campaign day through the pipeline and print one table",
    )
    evaluate.add_argument("--out", help="folder for the worlds' warehouses and the table (default .riskflows/evaluate)")
    evaluate.add_argument(
        "--rescore",
        metavar="FOLDER",
        help="re-score the world warehouses an earlier --worlds run left in FOLDER with the feature code "
        "and rules as they are now (the pipeline's steps, without Dagster; their risk tables are replaced) "
        "and print the same table",
    )
    evaluate.add_argument("--jobs", type=int, default=1, help="worlds evaluated at once")
    evaluate.set_defaults(func=cmd_evaluate)

    case = commands.add_parser("case", help="write the case file (HTML) of one case, as of a day")
    case.add_argument("case_id", help="e.g. C-20260912-1042 (risk.cases)")
    case.add_argument("--date", help="the day to show (default: the case's last day)")
    case.add_argument("--out", help="folder (default RISKFLOWS_CASE_DIR or .riskflows/cases)")
    case.add_argument("--language", choices=["en", "zh", "both"], default="both")
    case.add_argument("--mask-user-ids", action="store_true", help="show user ids as 12****89")
    case.set_defaults(func=cmd_case)

    bench = commands.add_parser("bench", help="time one busy day of every asset through Dagster vs bare SQL")
    bench.add_argument(
        "--size",
        choices=["XS", "S", "M", "L"],
        default="S",
        help="world size: XS 2k, S 50k, M 200k users (5 campaigns), L 1M users (10 campaigns)",
    )
    bench.add_argument("--engine", choices=["duckdb", "postgres"], default="duckdb")
    bench.add_argument("--out", help="markdown report (JSON beside it); default .riskflows/bench/<size>-<engine>.md")
    bench.add_argument("--seed", type=int, default=3, help="generator seed (3: all campaigns live on one day)")
    bench.add_argument(
        "--repeat",
        type=int,
        help="run the day and the bare SQL this many times and report the median of each (default: 3 for L, else 1)",
    )
    bench.set_defaults(func=cmd_bench)

    rules = commands.add_parser("rules", help="rule pack tools")
    rules_commands = rules.add_subparsers(dest="rules_command", required=True)
    check = rules_commands.add_parser("check", help="validate rule packs (default: rules/)")
    check.add_argument("paths", nargs="*")
    check.set_defaults(func=cmd_rules_check)
    backtest = commands.add_parser(
        "backtest", help="compare a candidate rule pack with the active ones on stored history"
    )
    backtest.add_argument("--pack", required=True, help="candidate rule pack YAML")
    backtest.add_argument(
        "--campaign", action="append", help="campaign id (repeatable); default: those the pack applies to"
    )
    backtest.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    backtest.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")
    backtest.add_argument("--out", default=".riskflows/backtest", help="folder for the CSV files")
    backtest.add_argument("--rules", help="folder of active packs (default: RISKFLOWS_RULES_DIR or rules/)")
    backtest.set_defaults(func=cmd_backtest)

    performance = commands.add_parser("rule-performance", help="hits, hit rate, precision and co-occurrence per rule")
    performance.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    performance.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")
    performance.add_argument("--by-date", action="store_true", help="one row per day instead of pooled")
    performance.set_defaults(func=cmd_rule_performance)

    slack = commands.add_parser("slack", help="Slack tools")
    slack_commands = slack.add_subparsers(dest="slack_command", required=True)
    listen = slack_commands.add_parser(
        "listen", help="record verdicts clicked on case escalations (Socket Mode; runs until stopped)"
    )
    listen.set_defaults(func=cmd_slack_listen)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
