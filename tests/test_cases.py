"""Cases: ids that survive re-runs and a cluster that grows, splits and merges; closing when every
account is allowlisted; escalated once, updated in place, followed up only on material change."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from riskflows.cases import build_case_tables, read_cases
from riskflows.notify.case_alerts import publish_case_alerts
from riskflows.notify.delivery import SlackSender
from riskflows.notify.escalation_policy import policy_from_dict
from riskflows.output_tables import create_output_tables
from riskflows.warehouse import load_frame, make_engine, read_frame
from tests.case_days import day, write_day
from tests.slack_double import SlackDouble

NOBODY = {"A": (set(), set()), "B": (set(), set())}


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"duckdb:///{tmp_path / 'cases.duckdb'}")
    create_output_tables(engine)
    yield engine
    engine.dispose()


def cases_on(engine, n: int, allowlisted=NOBODY) -> pd.DataFrame:
    build_case_tables(engine, day(n), lambda campaign: allowlisted[campaign])
    return read_cases(engine, day(n)).set_index("case_id")


def test_a_case_keeps_its_id_as_its_cluster_grows_splits_and_merges(engine):
    write_day(engine, 1, {100: [100, 101, 102]}, [(100, "A"), (101, "A"), (500, "B")])
    first = cases_on(engine, 1)
    assert sorted(first.index) == ["C-20260901-100", "C-20260901-u500"]
    assert first.loc["C-20260901-100", "changes"] == "new case"

    # the cluster grows (a smaller account joins, so its cluster id changes) and reaches campaign B
    write_day(engine, 2, {99: [99, 100, 101, 102, 103]}, [(100, "A"), (101, "A"), (103, "A"), (102, "B"), (500, "B")])
    second = cases_on(engine, 2)
    grown = second.loc["C-20260901-100"]
    assert (grown["cluster_id"], grown["members"], grown["new_members"]) == (99, 4, 2)
    assert grown["new_campaigns"] == "B" and grown["campaigns"] == "A,B"
    assert pd.Timestamp(grown["first_flagged_date"]).date() == day(1)
    assert "C-20260901-u500" in second.index

    # re-running the day changes no id and no row
    again = cases_on(engine, 2)
    pd.testing.assert_frame_equal(second.sort_index(), again.sort_index())

    # it splits: the part holding most of its accounts keeps the id, the other opens a case
    write_day(engine, 3, {99: [99, 100], 101: [101, 102, 103]}, [(100, "A"), (101, "A"), (102, "A"), (103, "A")])
    third = cases_on(engine, 3)
    assert third.loc["C-20260901-100", "cluster_id"] == 101
    assert third.loc["C-20260903-99", "changes"] == "new case"
    assert bool(third.loc["C-20260901-u500", "flagged_today"]) is False  # its last row: not flagged today

    # everything merges into one cluster: the oldest case continues and absorbs the others
    write_day(engine, 4, {99: [99, 100, 101, 102, 103, 500]}, [(100, "A"), (101, "A"), (500, "B")])
    fourth = cases_on(engine, 4)
    flagged = fourth[fourth["flagged_today"].astype(bool)]
    assert list(flagged.index) == ["C-20260901-100"]
    assert set(flagged.loc["C-20260901-100", "merged_case_ids"].split(",")) == {"C-20260901-u500", "C-20260903-99"}
    with engine.connect() as conn:
        members = read_frame(conn, "SELECT DISTINCT case_id FROM risk.case_members WHERE date = :d", {"d": day(4)})
    assert list(members["case_id"]) == ["C-20260901-100"]


def test_a_case_whose_accounts_are_all_allowlisted_is_closed(engine):
    write_day(engine, 1, {100: [100, 101, 102]}, [(100, "A"), (101, "A"), (102, "A")])
    cases_on(engine, 1)
    write_day(engine, 2, {100: [100, 101, 102]}, [])  # the pack's allowlist keeps them off the list
    closed = cases_on(engine, 2, {"A": ({100, 101, 102}, set()), "B": (set(), set())}).loc["C-20260901-100"]
    assert (closed["status"], bool(closed["flagged_today"])) == ("false_positive", False)
    assert closed["changes"] == "closed: every account allowlisted"
    # a case only below the threshold today is not closed as a false positive
    write_day(engine, 3, {200: [200, 201]}, [(200, "A")])
    cases_on(engine, 3)
    write_day(engine, 4, {200: [200, 201]}, [])
    quiet = cases_on(engine, 4).loc["C-20260903-200"]
    assert (quiet["status"], quiet["changes"]) == ("open", "no account flagged today")


POLICY = {
    "oncall_group": "S0RISKONCALL",
    "triggers": [{"id": "large_cluster", "kind": "cluster_size", "threshold": 3, "action": "hold_cluster_rewards"}],
    "case_follow_up": {"new_members": 2, "new_campaigns": 1, "reward_increase_share": 0.5},
}


@pytest.fixture
def slack():
    double = SlackDouble().start()
    yield double
    double.stop()


def alert(engine, slack, n: int, files: list | None = None):
    sender = SlackSender(slack.token, "C0RISK", api_url=slack.api_url, max_retries=1, backoff_factor=0.01, timeout=5)
    return publish_case_alerts(
        engine,
        date=day(n),
        sender=sender,
        language="both",
        policy=policy_from_dict(POLICY),
        write_case_file=lambda case_id, refresh: (
            (files.append((case_id, refresh)) if files is not None else None) or f"/cases/{case_id}.html"
        ),
        link_graph=lambda case_id: b"\x89PNG fake picture of " + case_id.encode(),
    )


def posts(slack) -> list[dict]:
    return [json.loads(r.body) if r.body.startswith(b"{") else r.params for r in slack.calls("chat.postMessage")]


def test_a_case_is_escalated_once_then_updated_and_followed_up_only_on_material_change(engine, slack):
    files: list[str] = []
    write_day(engine, 1, {100: [100, 101, 102, 103]}, [(100, "A"), (101, "A"), (102, "A")])
    cases_on(engine, 1)
    first = alert(engine, slack, 1, files)
    assert first.escalated == ["C-20260901-100"] and files == [("C-20260901-100", True)]
    assert first.count("case", "posted") == 1
    escalation = slack.calls("chat.postMessage")[0]
    assert "C-20260901-100" in escalation.body.decode() and "/cases/C-20260901-100.html" in escalation.body.decode()
    graph = [f for f in slack.files.values() if f.get("thread_ts")]
    assert len(graph) == 1 and graph[0]["bytes"].startswith(b"\x89PNG")

    # re-running the day: nothing new posted or uploaded
    again = alert(engine, slack, 1)
    assert again.count("case", "unchanged") == 1 and len(slack.calls("chat.postMessage")) == 1
    assert len(slack.calls("files.completeUploadExternal")) == 1

    # day 2, the same case: no new escalation, no reply (nothing material), message current
    write_day(engine, 2, {100: [100, 101, 102, 103]}, [(100, "A"), (101, "A"), (102, "A")])
    cases_on(engine, 2)
    second = alert(engine, slack, 2, files)
    assert files[-1] == ("C-20260901-100", False)  # unchanged: its case file is not rewritten
    assert second.count("case", "posted") == 0 and second.count("case_update", "posted") == 0
    assert len(slack.calls("chat.postMessage")) == 1

    # day 3: the case reaches campaign B: one reply in the escalation's thread, the message updated
    write_day(engine, 3, {100: [100, 101, 102, 103]}, [(100, "A"), (101, "A"), (102, "A"), (103, "B")])
    cases_on(engine, 3)
    third = alert(engine, slack, 3, files)
    assert files[-1] == ("C-20260901-100", True)
    assert third.count("case_update", "posted") == 1 and third.count("case", "updated") == 1
    reply = slack.calls("chat.postMessage")[-1]
    assert reply.params.get("thread_ts") or json.loads(reply.body).get("thread_ts")
    assert len(slack.calls("chat.postMessage")) == 2
    alert(engine, slack, 3)  # and a re-run of that day adds nothing
    assert len(slack.calls("chat.postMessage")) == 2

    # day 4: an analyst confirms it: a closed case stops alerting, even as it grows
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS src")
        conn.exec_driver_sql(
            "CREATE TABLE src.reviews (campaign_id VARCHAR, user_id BIGINT, reviewed_at TIMESTAMP, "
            "verdict VARCHAR, reviewer VARCHAR)"
        )
        conn.exec_driver_sql(
            "INSERT INTO src.reviews VALUES ('A', 100, TIMESTAMP '2026-09-04 09:00', 'confirmed_abuse', 'ana')"
        )
    write_day(
        engine,
        4,
        {100: [100, 101, 102, 103, 104, 105]},
        [(100, "A"), (101, "A"), (102, "A"), (103, "B"), (104, "B"), (105, "B")],
    )
    assert cases_on(engine, 4).loc["C-20260901-100", "status"] == "confirmed_abuse"
    fourth = alert(engine, slack, 4)
    assert fourth.escalated == [] and len(slack.calls("chat.postMessage")) == 2


def test_a_small_case_is_not_escalated(engine, slack):
    write_day(engine, 1, {100: [100, 101]}, [(100, "A"), (101, "A")])
    cases_on(engine, 1)
    assert alert(engine, slack, 1).escalated == [] and not slack.calls("chat.postMessage")


def test_the_digest_names_the_case_a_cluster_is_before_the_days_cases_are_built(engine):
    """A campaign's digest runs before the day's case table: it names each cluster's case from the
    same inputs (earlier memberships, today's clusters), so the two agree, and lists the other
    campaigns the cluster's accounts joined."""
    from riskflows.cases import campaigns_of_clusters, cases_of_clusters
    from riskflows.notify.escalation_policy import ClusterStat
    from riskflows.notify.messages import DigestData, build_digest

    write_day(engine, 1, {100: [100, 101, 102]}, [(100, "A"), (101, "A")])
    cases_on(engine, 1)
    write_day(engine, 2, {99: [99, 100, 101, 102], 300: [300, 301]}, [(100, "A"), (99, "B"), (300, "A")])
    named = cases_of_clusters(engine, day(2), [99, 300])
    assert named == {99: "C-20260901-100", 300: "C-20260902-300"}
    built = cases_on(engine, 2)
    assert set(named.values()) <= set(built.index)

    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS src")
        conn.exec_driver_sql(
            "CREATE TABLE src.enrollments (campaign_id VARCHAR, user_id BIGINT, "
            "enrolled_at TIMESTAMP, referrer_id BIGINT)"
        )
        conn.exec_driver_sql(
            "INSERT INTO src.enrollments VALUES ('A', 100, TIMESTAMP '2026-09-01 10:00', NULL), "
            "('B', 99, TIMESTAMP '2026-09-02 10:00', NULL)"
        )
    assert campaigns_of_clusters(engine, day(2), [99]) == {99: ["A", "B"]}

    data = DigestData(
        "A",
        "Campaign A",
        "airdrop",
        day(2),
        10,
        2,
        0,
        2,
        0,
        0,
        0,
        100.0,
        20.0,
        None,
        "v1",
        clusters=[ClusterStat(99, 4, 1, 0, 10.0, case_id=named[99], other_campaigns=("B",))],
    )
    english = json.dumps(build_digest(data, language="en", run_url=None).blocks, ensure_ascii=False)
    chinese = json.dumps(build_digest(data, language="zh", run_url=None).blocks, ensure_ascii=False)
    assert "case C-20260901-100" in english and "also in B" in english
    assert "案件 C-20260901-100" in chinese and "亦参与 B" in chinese


def test_a_rule_whose_reviewed_precision_fell_is_named_in_the_digest(engine):
    """12 participants hit by `loose_rule` were reviewed: 3 confirmed, 9 false positives (25 %):
    under the policy's 50 % on at least 10 reviews, the digest names it; `tight_rule`, confirmed
    on its 10 reviews, is not named."""
    from riskflows.notify.escalation_policy import load_policy
    from riskflows.notify.messages import DigestData, WeakRule, build_digest
    from riskflows.notify.publish import _weak_rules

    hits = [
        {
            "date": pd.Timestamp(day(1)),
            "campaign_id": "A",
            "user_id": u,
            "rule_id": rule,
            "rule_pack_version": "v1",
            "evidence": "x=1",
        }
        for rule, users in (("loose_rule", range(1, 13)), ("tight_rule", range(20, 30)))
        for u in users
    ]
    reviews = [("A", u, "false_positive" if u > 3 else "confirmed_abuse") for u in range(1, 13)]
    reviews += [("A", u, "confirmed_abuse") for u in range(20, 30)]
    with engine.begin() as conn:
        load_frame(conn, "risk.rule_hits", pd.DataFrame(hits))
        conn.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS src")
        conn.exec_driver_sql(
            "CREATE TABLE src.reviews (campaign_id VARCHAR, user_id BIGINT, reviewed_at TIMESTAMP, "
            "verdict VARCHAR, reviewer VARCHAR)"
        )
        for campaign, user, verdict in reviews:
            conn.exec_driver_sql(
                f"INSERT INTO src.reviews VALUES ('{campaign}', {user}, TIMESTAMP '2026-09-01 12:00', '{verdict}', 'ana')"
            )
    weak = _weak_rules(engine, day(1), "A", load_policy())
    assert weak == [WeakRule("loose_rule", 0.25, 12, 30)]
    data = DigestData(
        "A", "Campaign A", "airdrop", day(1), 10, 2, 0, 2, 0, 0, 0, 100.0, 20.0, None, "v1", weak_rules=weak
    )
    english = json.dumps(build_digest(data, language="en", run_url=None).blocks)
    assert "Rules to revisit" in english and "`loose_rule`: precision 25% on 12 reviewed" in english
    assert "tight_rule" not in english


def test_at_most_max_findings_new_cases_a_day_the_rest_wait(engine, slack):
    """Seven big cases on one day, max_findings 5: five escalated (and given case files), two
    deferred to the next day, when they are escalated in turn."""
    clusters = {100 * i: [100 * i + k for k in range(3)] for i in range(1, 8)}
    flagged = [(u, "A") for users in clusters.values() for u in users]
    write_day(engine, 1, clusters, flagged)
    cases_on(engine, 1)
    files: list = []
    first = alert(engine, slack, 1, files)
    assert len(first.escalated) == 5 and first.count("case", "deferred") == 2
    assert [case for case, _ in files] == first.escalated
    write_day(engine, 2, clusters, flagged)
    cases_on(engine, 2)
    second = alert(engine, slack, 2)
    assert second.count("case", "posted") == 2 and second.count("case", "updated") == 5
    assert len(slack.calls("chat.postMessage")) == 7
