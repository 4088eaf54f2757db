"""Slack notifications, end to end against a loopback Slack double over real HTTP."""

from __future__ import annotations

import json
import logging
import string
import traceback
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from resources.slack import SlackResource
from riskflows.notify.catalogue import CATALOGUE, text
from riskflows.notify.delivery import NotificationDeliveryError, OutboxSender, SlackSender
from riskflows.notify.escalation_policy import ClusterStat, PolicyError, evaluate_policy, load_policy, policy_from_dict
from riskflows.notify.ledger import LedgerKey, NotificationLedger
from riskflows.notify.messages import Message, build_digest, build_run_failure_alert, check_limits
from riskflows.notify.privacy import find_sensitive, mask_user_id, scrub, scrub_text
from riskflows.notify.publish import load_campaign_day, publish_campaign_digest, send_run_failure_alert
from tests.slack_double import SlackDouble

PG_SCHEMA = "notify_test"  # not "risk": the schema is a parameter of every read
DAY = date(2024, 5, 10)
CAMPAIGN = "demo-referral"  # has an owner in rules/escalation.yaml

SENSITIVE = [
    "203.0.113.77",
    "2001:db8:85a3::8a2e:370:7334",
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
    "TJYeasTPa6gpEEfYcPQj5F2mXUVHVBkAX5",
    "9f86d081884c7d659a2feaa0c55ad015",
    "123e4567-e89b-12d3-a456-426614174000",
]


# ------------------------------------------------------------------ fixtures


def create_risk_tables(engine: sa.Engine, schema: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        conn.execute(
            sa.text(f"""CREATE TABLE {schema}.campaign_summary (
            date DATE, campaign_id VARCHAR, campaign_name VARCHAR, campaign_kind VARCHAR, participants INTEGER,
            flagged INTEGER, review INTEGER, hold INTEGER, block INTEGER, new_flagged INTEGER,
            flagged_change INTEGER, reward_usd_total DOUBLE PRECISION, reward_usd_at_risk DOUBLE PRECISION,
            reward_budget_usd DOUBLE PRECISION, rule_pack_version VARCHAR, top_rules VARCHAR,
            largest_cluster_size INTEGER)""")
        )
        conn.execute(
            sa.text(f"""CREATE TABLE {schema}.high_risk_users (
            date DATE, campaign_id VARCHAR, user_id BIGINT, score DOUBLE PRECISION, tier VARCHAR,
            rule_ids VARCHAR, reasons VARCHAR, reasons_zh VARCHAR, cluster_id BIGINT, cluster_size INTEGER,
            reward_usd DOUBLE PRECISION, rule_pack_version VARCHAR, first_flagged_date DATE)""")
        )


def seed_day(
    engine: sa.Engine,
    schema: str,
    *,
    n_users: int = 40,
    sensitive: bool = False,
    campaign_name: str = "Spring referral",
    n_rules: int = 4,
    long_text: bool = False,
    participants: int = 1200,
) -> None:
    """Fourteen days of summary and today's high-risk list: two clusters >= 10 accounts,
    block tier jumping from 2 to 30, $12k at risk of a $50k budget."""
    extra = (" " + " ".join(SENSITIVE)) if sensitive else ""
    filler = (" lorem ipsum dolor" * 150) if long_text else ""
    users = []
    for i in range(n_users):
        uid = 1000000001 + i
        cluster = 1000000001 if i < 25 else (1000000030 if i < 37 else None)
        size = 25 if i < 25 else (12 if i < 37 else 1)
        users.append(
            {
                "date": DAY,
                "campaign_id": CAMPAIGN,
                "user_id": uid,
                "score": 99.0 - (i % 60),
                "tier": "block" if i < 30 else ("hold" if i < 35 else "review"),
                "rule_ids": "device_farm,fast_withdrawal",
                "reasons": "accounts_per_device=7; deposit_usd=10.0" + extra + filler,
                "reasons_zh": "同一设备账户数=7；充值金额=10.0" + extra + filler,
                "cluster_id": cluster,
                "cluster_size": size,
                "reward_usd": 12000.0 / n_users,
                "rule_pack_version": "a1b2c3",
                "first_flagged_date": DAY,
            }
        )
    rules = [
        {
            "rule_id": f"rule_{k}",
            "title_en": f"Rule {k} title{extra}" + filler,
            "title_zh": f"规则 {k}{extra}",
            "hits": 100 - k,
        }
        for k in range(n_rules)
    ]
    summaries = []
    for back in range(13, -1, -1):
        d = DAY - timedelta(days=back)
        today = back == 0
        summaries.append(
            {
                "date": d,
                "campaign_id": CAMPAIGN,
                "campaign_name": campaign_name + (extra if today else ""),
                "campaign_kind": "referral",
                "participants": participants if today else 1000,
                "flagged": n_users if today else 10 + back,
                "review": max(n_users - 35, 0) if today else 5,
                "hold": min(5, max(n_users - 30, 0)) if today else 3,
                "block": min(30, n_users) if today else 2,
                "new_flagged": 28 if today else 1,
                "flagged_change": 25 if today else 1,
                "reward_usd_total": 40000.0,
                "reward_usd_at_risk": 12000.0 if today else 800.0,
                "reward_budget_usd": 50000.0,
                "rule_pack_version": "a1b2c3",
                "top_rules": json.dumps(rules),
                "largest_cluster_size": 25,
            }
        )
    with engine.begin() as conn:
        conn.execute(sa.text(f"DELETE FROM {schema}.high_risk_users"))
        conn.execute(sa.text(f"DELETE FROM {schema}.campaign_summary"))
        cols = list(users[0]) if users else []
        if users:
            conn.execute(
                sa.text(
                    f"INSERT INTO {schema}.high_risk_users ({', '.join(cols)}) VALUES "
                    f"({', '.join(':' + c for c in cols)})"
                ),
                users,
            )
        cols = list(summaries[0])
        conn.execute(
            sa.text(
                f"INSERT INTO {schema}.campaign_summary ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"
            ),
            summaries,
        )


@pytest.fixture
def duck(tmp_path):
    engine = sa.create_engine(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    create_risk_tables(engine, "risk")
    seed_day(engine, "risk")
    yield engine, "risk"
    engine.dispose()


@pytest.fixture
def pg(pg_database):
    engine = sa.create_engine(pg_database)
    create_risk_tables(engine, PG_SCHEMA)
    seed_day(engine, PG_SCHEMA)
    yield engine, PG_SCHEMA
    engine.dispose()


@pytest.fixture(params=["duckdb", "postgresql"])
def warehouse(request):
    return request.getfixturevalue("duck" if request.param == "duckdb" else "pg")


@pytest.fixture
def double():
    d = SlackDouble().start()
    yield d
    d.stop()


@pytest.fixture
def policy():
    return load_policy()


def slack_sender(double: SlackDouble, **kw) -> SlackSender:
    kw.setdefault("timeout", 5)
    return SlackSender(double.token, "C0RISK", api_url=double.api_url, max_retries=2, backoff_factor=0.05, **kw)


def publish(engine, schema, sender, policy, **kw):
    kw.setdefault("language", "both")
    kw.setdefault("run_url", "https://dagster.example/runs/8c1f2a3b-1111-4222-8333-944455556666")
    return publish_campaign_digest(
        engine, date=DAY, campaign_id=CAMPAIGN, sender=sender, policy=policy, schema=schema, **kw
    )


# Cluster triggers (large_cluster) are escalated once per case, across campaigns, by
# riskflows.notify.case_alerts (tests/test_cases.py), not in each campaign's day.
EXPECTED_ESCALATIONS = {
    "reward_at_risk",
    "budget_share",
    "block_jump",
}


# ------------------------------------------------------------------ exactly once


def test_digest_chart_csv_delivered_exactly_once_through_429_and_500(warehouse, double, policy):
    engine, schema = warehouse
    double.inject("chat.postMessage", 429, times=2, retry_after=1)
    double.inject("upload", 500, times=1)
    result = publish(engine, schema, slack_sender(double), policy)

    assert {d.finding_key for d in result.deliveries if d.kind == "escalation"} == EXPECTED_ESCALATIONS
    assert result.count("posted") == 1 + len(EXPECTED_ESCALATIONS)
    assert result.count("uploaded") == 2
    assert len(double.calls("chat.postMessage")) == 2 + 1 + len(EXPECTED_ESCALATIONS)  # two 429s, then one each
    assert len(double.messages) == 1 + len(EXPECTED_ESCALATIONS)
    digest_ts = next(d.ts for d in result.deliveries if d.kind == "digest")
    assert double.messages[digest_ts]["thread_ts"] is None
    files = double.completed_files()
    assert sorted(f["filename"].rsplit(".", 1)[1] for f in files) == ["csv", "png"]
    assert all(f["thread_ts"] == digest_ts and f["channel"] == "C0RISK" for f in files)
    png = next(f for f in files if f["filename"].endswith(".png"))["bytes"]
    assert png.startswith(b"\x89PNG")
    csv_rows = next(f for f in files if f["filename"].endswith(".csv"))["bytes"].decode("utf-8-sig").splitlines()
    assert len(csv_rows) == 1 + 40 and csv_rows[0].startswith("user_id,tier,score")
    rows = NotificationLedger(engine, schema).rows(CAMPAIGN, DAY)
    assert len(rows) == 3 + len(EXPECTED_ESCALATIONS)
    assert all(r.status == "sent" and r.message_ts for r in rows)

    # Same partition again, same data: Slack hears nothing at all.
    seen = len(double.requests)
    again = publish(engine, schema, slack_sender(double), policy)
    assert len(double.requests) == seen
    assert again.count("unchanged") == 1 + len(EXPECTED_ESCALATIONS)
    assert again.count("already_uploaded") == 2

    # The summary changed (a late re-run): the digest is edited in place, files stay.
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE {schema}.campaign_summary SET participants = 1300 WHERE date = :d"), {"d": DAY})
    third = publish(engine, schema, slack_sender(double), policy)
    assert [d.kind for d in third.deliveries if d.action == "updated"] == ["digest"]
    assert len(double.calls("chat.update")) == 1
    assert len(double.messages) == 1 + len(EXPECTED_ESCALATIONS)
    assert "1,300" in json.dumps(double.messages[digest_ts]["blocks"])
    assert len(double.completed_files()) == 2


def test_persistent_failure_raises_without_token_and_next_run_completes(warehouse, double, policy, caplog):
    engine, schema = warehouse
    caplog.set_level(logging.DEBUG)
    double.inject("chat.postMessage", 500, times=1000)
    with pytest.raises(NotificationDeliveryError) as err:
        publish(engine, schema, slack_sender(double), policy)
    everything = str(err.value) + "".join(traceback.format_exception(err.value)) + repr(err.value)
    assert double.token not in everything and "chat.postMessage" in str(err.value)
    assert double.token not in caplog.text
    assert len(double.calls("chat.postMessage")) == 3 * (1 + len(EXPECTED_ESCALATIONS))  # 1 try + 2 retries each

    ledger = NotificationLedger(engine, schema)
    digest_row = ledger.get(LedgerKey(CAMPAIGN, DAY, "digest"))
    assert digest_row is not None and digest_row.status == "failed" and digest_row.message_ts is None
    assert ledger.get(LedgerKey(CAMPAIGN, DAY, "chart")) is None  # no thread to upload into yet

    double.clear_faults()
    result = publish(engine, schema, slack_sender(double), policy)
    assert result.count("posted") == 1 + len(EXPECTED_ESCALATIONS) and result.count("uploaded") == 2
    assert len(double.messages) == 1 + len(EXPECTED_ESCALATIONS)
    rows = ledger.rows(CAMPAIGN, DAY)
    assert all(r.status == "sent" and r.message_ts for r in rows)
    assert ledger.get(LedgerKey(CAMPAIGN, DAY, "digest")).attempts == 2


def test_pending_row_left_by_a_crash_is_sent_by_the_next_run(warehouse, double, policy):
    engine, schema = warehouse
    ledger = NotificationLedger(engine, schema)
    ledger.ensure()
    ledger.mark_pending(LedgerKey(CAMPAIGN, DAY, "digest"), channel="C0RISK", content_hash="x")
    result = publish(engine, schema, slack_sender(double), policy)
    assert next(d for d in result.deliveries if d.kind == "digest").action == "posted"
    assert ledger.get(LedgerKey(CAMPAIGN, DAY, "digest")).status == "sent"


def test_upload_step_timeout_is_retried(duck, double, policy):
    engine, schema = duck
    double.inject("files.getUploadURLExternal", 503, times=1, delay=2.5)
    result = publish(engine, schema, slack_sender(double, timeout=1), policy)
    assert result.count("uploaded") == 2
    assert len(double.completed_files()) == 2


def test_quiet_backfill_sends_and_records_nothing(duck, double, policy):
    engine, schema = duck
    result = publish(engine, schema, slack_sender(double), policy, quiet=True)
    assert double.requests == []
    assert {d.action for d in result.deliveries} == {"skipped"}
    assert len([d for d in result.deliveries if d.kind == "escalation"]) == len(EXPECTED_ESCALATIONS)
    assert "digest:" in result.messages
    assert not sa.inspect(engine).has_table("notifications", schema=schema)


# ------------------------------------------------------------------ privacy


def test_nothing_sensitive_reaches_slack_even_when_seeded(duck, double, policy):
    engine, schema = duck
    seed_day(engine, schema, sensitive=True, campaign_name="Spring 198.51.100.4 referral")
    publish(engine, schema, slack_sender(double), policy, language="both")
    received = double.everything_received()
    received += "".join(f["bytes"].decode("utf-8", "replace") for f in double.completed_files())
    for secret in SENSITIVE + ["198.51.100.4", "2001:db8:85a3", double.token]:
        assert secret not in received, secret
        assert secret[:8] not in received, f"fragment of {secret}"  # cut after scrubbing, never before
    run_url = "https://dagster.example/runs/8c1f2a3b-1111-4222-8333-944455556666"  # ours, kept on purpose
    assert find_sensitive(received.replace(run_url, "")) == []
    assert "1000000001" in received  # user ids stay as the exchange shows them
    assert "[address withheld]" in received and "[ip withheld]" in received


def test_masked_user_ids(duck, double, policy):
    engine, schema = duck
    publish(engine, schema, slack_sender(double), policy, mask_user_ids=True)
    received = double.everything_received() + "".join(
        f["bytes"].decode("utf-8") for f in double.completed_files() if f["filename"].endswith(".csv")
    )
    assert "10****01" in received
    assert "1000000001" not in received and "1000000030" not in received


@pytest.mark.parametrize(
    "raw,withheld",
    [
        ("login from 203.0.113.7", "203.0.113.7"),
        ("proxy 10.0.0.1:8080", "10.0.0.1"),
        ("subnet 192.168.1.x", "192.168.1"),
        ("v6 2001:db8::1 seen", "2001:db8::1"),
        ("mapped ::ffff:198.51.100.1", "198.51.100.1"),
        ("link-local fe80::1%eth0", "fe80::1"),
        ("evm 0x52908400098527886E0F7030069857D2E4169EE7", "0x5290840009"),
        ("btc bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "bc1qar0s"),
        ("btc 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "3J98t1Wp"),
        ("tron TJYeasTPa6gpEEfYcPQj5F2mXUVHVBkAX5", "TJYeasTPa6"),
        ("device a3f9c2e1b7d40c11ee", "a3f9c2e1b7d40c11"),
        ("uuid 123e4567-e89b-12d3-a456-426614174000", "123e4567"),
        ("fp fp_9F8E7D6C5B4A39281706", "9F8E7D6C5B4A"),
        ("token xoxb-1234-5678-abcdEFGH", "xoxb-1234"),
        ("mail someone@example.com", "someone@"),
        ("mac aa:bb:cc:dd:ee:ff", "aa:bb:cc"),
        ("mac 00-1A-2B-3C-4D-5E", "00-1A-2B"),
        ("BTC BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ", "BC1QAR0S"),
        ("subnet 10.1.2.*", "10.1.2"),
        ('csv 42,block,"203.0.113.9",x@y.io', "203.0.113.9"),
    ],
)
def test_scrubber_withholds(raw, withheld):
    assert withheld not in scrub_text(raw)
    assert find_sensitive(scrub_text(raw)) == []


@pytest.mark.parametrize(
    "kept",
    [
        "accounts_per_device=7; deposit_usd=10.0; withdraw_ratio=0.93",
        "user 1234567890123456789 scored 87.5",
        "at 12:30:45 on 2024-05-10",
        "device_farm_accounts_7d shared_device_many_accounts_v2",
        "<!subteam^S0RISKONCALL> <@U0CAMPOWNER>",
        "rule pack 1.2.3, notwithstandingeverythingsss",
        "同一设备账户数=7；充值金额=10.0",
        "case C-20260911-10000857, picture C-20260911-10000857_links.png",
    ],
)
def test_scrubber_keeps_risk_vocabulary(kept):
    assert scrub_text(kept) == kept


def test_scrub_walks_blocks_and_keeps_allowed_run_url():
    url = "https://dagster.example/runs/8c1f2a3b-1111-4222-8333-944455556666"
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"ip 10.1.2.3 <{url}|run>"}}]
    out = scrub(blocks, allow=[url])
    assert "10.1.2.3" not in json.dumps(out) and url in json.dumps(out)
    assert mask_user_id(1234567889) == "12****89" and mask_user_id(123) == "***"


# ------------------------------------------------------------------ limits


@pytest.mark.parametrize("language", ["en", "zh", "both"])
def test_block_limits_hold_for_500_flagged_users(duck, double, policy, language):
    engine, schema = duck
    seed_day(engine, schema, n_users=500, n_rules=300, long_text=True, campaign_name="Very long name " * 20)
    data = load_campaign_day(engine, date=DAY, campaign_id=CAMPAIGN, schema=schema)
    assert check_limits(build_digest(data.digest, language=language, run_url="https://x.example/r")) == []
    publish(engine, schema, slack_sender(double), policy, language=language)
    for msg in double.messages.values():
        assert check_limits(Message(msg["text"], msg["blocks"])) == []
        assert len(msg["blocks"]) <= 50
    csv_file = next(f for f in double.completed_files() if f["filename"].endswith(".csv"))
    assert len(csv_file["bytes"].decode("utf-8-sig").splitlines()) == 501


def test_limits_cut_overlong_blocks():
    from riskflows.notify.messages import finalize, header, section

    msg = finalize("t", [header("h" * 400)] + [section("s" * 5000) for _ in range(80)])
    assert check_limits(msg) == [] and len(msg.blocks) == 50


# ------------------------------------------------------------------ languages


def test_catalogue_is_complete_and_consistent():
    fmt = string.Formatter()
    for key, entry in CATALOGUE.items():
        assert set(entry) == {"en", "zh"} and all(entry.values()), key
        names = {lang: {f for _, f, _, _ in fmt.parse(entry[lang]) if f} for lang in entry}
        assert names["en"] == names["zh"], key


@pytest.mark.parametrize(
    "language,present,absent",
    [
        ("en", ["en"], ["zh"]),
        ("zh", ["zh"], ["en"]),
        ("both", ["en", "zh"], []),
    ],
)
def test_language_selects_catalogue_texts(duck, policy, language, present, absent):
    engine, schema = duck
    data = load_campaign_day(engine, date=DAY, campaign_id=CAMPAIGN, schema=schema)
    digest = json.dumps(build_digest(data.digest, language=language).blocks, ensure_ascii=False)
    alert = json.dumps(build_run_failure_alert("r1", "daily", "boom", None, language).blocks, ensure_ascii=False)
    for lang in present:
        assert text("digest.top_rules", lang) in digest
        assert text("failure.header", lang) in alert
    for lang in absent:
        assert text("digest.top_rules", lang) not in digest
        assert text("failure.header", lang) not in alert


def test_escalations_mention_oncall_and_owner_with_evidence(duck, double, policy):
    engine, schema = duck
    result = publish(engine, schema, slack_sender(double), policy, language="en")
    assert not [key for key in result.messages if key.startswith("escalation:large_cluster")]
    budget_msg = result.messages["escalation:budget_share"]
    body = json.dumps(budget_msg.blocks)
    assert "<!subteam^S0RISKONCALL>" in body and "<@U0CAMPOWNER>" in body
    assert text("action.pause_campaign_payouts", "en") in body
    assert "<!subteam^S0RISKONCALL>" in budget_msg.text  # the notification text is what pages


def test_policy_thresholds_and_errors(tmp_path):
    policy = policy_from_dict(
        {
            "oncall_group": "S1",
            "triggers": [
                {
                    "id": "big",
                    "kind": "cluster_size",
                    "threshold": 10,
                    "action": "hold_cluster_rewards",
                    "max_findings": 1,
                },
                {"id": "jump", "kind": "block_tier_increase", "threshold": 5, "action": "review_new_blocks"},
            ],
        }
    )
    clusters = [ClusterStat(5, 9, 3, 1, 10.0), ClusterStat(7, 15, 4, 2, 20.0), ClusterStat(3, 11, 1, 0, 5.0)]
    found = evaluate_policy(
        policy,
        reward_at_risk_usd=0,
        reward_budget_usd=None,
        flagged=3,
        block_today=6,
        block_yesterday=2,
        clusters=clusters,
    )
    assert [f.finding_key for f in found] == ["big:7"]  # 15 >= 10, cut to max_findings=1; jump is only +4
    found = evaluate_policy(
        policy,
        reward_at_risk_usd=0,
        reward_budget_usd=None,
        flagged=3,
        block_today=6,
        block_yesterday=None,
        clusters=[],
    )
    assert [f.finding_key for f in found] == ["jump"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("triggers:\n  - {id: x, kind: nope, threshold: 1, action: hold_flagged_rewards}\n")
    with pytest.raises(PolicyError, match="bad.yaml.*'x'"):
        load_policy(bad)
    bad.write_text("triggers: []\ncase_follow_up: {new_members: many}\n")
    with pytest.raises(PolicyError, match="bad.yaml: case_follow_up needs numbers for new_members"):
        load_policy(bad)
    follow = policy_from_dict({"case_follow_up": {"new_campaigns": 2}}).case_follow_up
    assert (follow.new_members, follow.new_campaigns, follow.reward_increase_share) == (1, 2, 0.25)


# ------------------------------------------------------------------ outbox and resource


def test_outbox_writes_json_text_and_attachments_without_token(duck, policy, tmp_path):
    engine, schema = duck
    resource = SlackResource(bot_token=None, channel="#risk", outbox_dir=str(tmp_path / "outbox"))
    sender = resource.sender_for(CAMPAIGN)
    assert isinstance(sender, OutboxSender)
    publish(engine, schema, sender, policy)
    out = tmp_path / "outbox"
    digests = list(out.glob("*_digest__*.json"))
    assert len(digests) == 1
    payload = json.loads(digests[0].read_text(encoding="utf-8"))
    assert payload["channel"] == "#risk" and payload["thread_ts"] is None and payload["blocks"] and payload["text"]
    plain = digests[0].with_suffix(".txt").read_text(encoding="utf-8")
    assert text("digest.top_rules", "en").strip("*") in plain and "Open the Dagster run (https://" in plain
    assert len(list(out.glob("*_escalation_*.json"))) == len(EXPECTED_ESCALATIONS)
    png = list(out.glob("*.png"))
    csv_files = list(out.glob("*.csv"))
    assert len(png) == 1 and png[0].read_bytes().startswith(b"\x89PNG") and len(csv_files) == 1
    assert payload["ts"] in png[0].name
    files_before = sorted(p.name for p in out.iterdir())
    publish(engine, schema, sender, policy)  # re-run: nothing new in the outbox
    assert sorted(p.name for p in out.iterdir()) == files_before


def test_resource_picks_slack_with_token_and_channel_override(double):
    resource = SlackResource(
        bot_token=double.token, channel="C0RISK", api_url=double.api_url, channel_overrides={"vip-airdrop": "C0VIP"}
    )
    sender = resource.sender_for("vip-airdrop")
    assert isinstance(sender, SlackSender) and sender.channel == "C0VIP"
    assert double.token not in repr(sender)
    assert resource.sender_for("other").channel == "C0RISK"


# ------------------------------------------------------------------ run failures


def test_run_failure_alert_is_scrubbed_and_sent_once(duck, double):
    engine, schema = duck
    run_id = "8c1f2a3b-1111-4222-8333-944455556666"
    error = (
        "OperationalError: could not connect to postgresql://risk:pw@10.20.30.40:5432/wh "
        f"with token {double.token} from 2001:db8::7"
    )
    sender = slack_sender(double)
    first = send_run_failure_alert(
        sender,
        run_id=run_id,
        job_name="daily_risk",
        error_summary=error,
        run_url=f"https://dagster.example/runs/{run_id}",
        language="both",
        engine=engine,
        schema=schema,
    )
    second = send_run_failure_alert(
        sender,
        run_id=run_id,
        job_name="daily_risk",
        error_summary=error,
        run_url=f"https://dagster.example/runs/{run_id}",
        language="both",
        engine=engine,
        schema=schema,
    )
    assert (first.action, second.action) == ("posted", "unchanged")
    received = double.everything_received()
    assert len(double.messages) == 1
    assert "10.20.30.40" not in received and double.token not in received and "2001:db8::7" not in received
    assert run_id in received and "daily_risk" in received
