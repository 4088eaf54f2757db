"""Verdicts from Slack: the buttons on a case escalation, `riskflows slack listen` driven over a real
Socket Mode connection (a loopback websocket server plus the Web API double), and the verdicts
relation feeding case status and rule performance."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import time
from collections.abc import Callable

import pandas as pd
import pytest
import yaml
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from app.slack_listener import VerdictListener
from riskflows.cases import build_case_tables, read_cases
from riskflows.notify.case_alerts import publish_case_alerts
from riskflows.notify.delivery import SlackSender
from riskflows.notify.escalation_policy import policy_from_dict
from riskflows.notify.ledger import NotificationLedger
from riskflows.output_tables import OUTPUT_TABLES, create_output_tables, validate_frame
from riskflows.rule_performance import rule_performance
from riskflows.verdicts import UnknownCase, all_verdicts_relation, case_verdicts, record_case_verdict
from riskflows.warehouse import load_frame, make_engine, read_frame
from tests.case_days import day, write_day
from tests.slack_double import SlackDouble
from tests.source_tables import write_source

POLICY = {
    "oncall_group": "S0RISKONCALL",
    "triggers": [{"id": "large_cluster", "kind": "cluster_size", "threshold": 3, "action": "hold_cluster_rewards"}],
    "case_follow_up": {"new_members": 2, "new_campaigns": 1, "reward_increase_share": 0.5},
}
NOBODY = lambda campaign: (set(), set())  # noqa: E731
CASE_1, CASE_2 = "C-20260901-100", "C-20260901-200"
VERDICT_IDS = {
    "riskflows_verdict_confirmed_abuse",
    "riskflows_verdict_false_positive",
    "riskflows_verdict_inconclusive",
}


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"duckdb:///{tmp_path / 'verdicts.duckdb'}")
    create_output_tables(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["duckdb", "postgres"])
def any_engine(request):
    """Each domain test runs on both warehouses."""
    engine = request.getfixturevalue("duckdb_engine" if request.param == "duckdb" else "pg_engine")
    create_output_tables(engine)
    return engine


TWO_CASES = (
    {100: [100, 101, 102, 103], 200: [200, 201, 202]},
    [(100, "A"), (101, "A"), (102, "A"), (103, "B"), (200, "A"), (201, "A"), (202, "A")],
)


def wait_for(condition: Callable[[], object], timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# ---------------------------------------------------------------- a Socket Mode double


class SocketModeDouble:
    """Slack's Socket Mode end on loopback: greets each connection with `hello`, delivers the
    envelopes it is given to the current connection, records what the client sends back
    (acknowledgements), and can drop the connection server-side."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.connections: list[ServerConnection] = []
        self._lock = threading.Lock()
        self._server = serve(self._handle, "127.0.0.1", 0, compression=None, ping_interval=None)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket=test"

    def _handle(self, connection: ServerConnection) -> None:
        with self._lock:
            self.connections.append(connection)
        connection.send(json.dumps({"type": "hello", "num_connections": 1, "debug_info": {"host": "double"}}))
        try:
            for raw in connection:
                with self._lock:
                    self.received.append(json.loads(raw))
        except ConnectionClosed:
            pass

    def deliver(self, envelope: dict) -> None:
        self.connections[-1].send(json.dumps(envelope))

    def drop(self) -> None:
        """Close the current connection from the server's side (a network blip, a Slack restart)."""
        self.connections[-1].close()

    def acks(self, envelope_id: str) -> int:
        with self._lock:
            return sum(1 for m in self.received if m.get("envelope_id") == envelope_id)

    def stop(self) -> None:
        self._server.shutdown()


_action_ts = itertools.count(1)


def block_actions(
    envelope_id: str,
    *,
    case_id: str,
    verdict: str,
    user: str,
    name: str,
    ts: str,
    channel: str,
    message: dict,
    note: str | None = None,
    action_ts: str | None = None,
) -> dict:
    """A `block_actions` envelope shaped like Slack's: the clicked button, the message it is on and
    the state of the note field."""
    action_ts = action_ts or f"1764500000.{next(_action_ts):06d}"
    return {
        "envelope_id": envelope_id,
        "type": "interactive",
        "accepts_response_payload": False,
        "payload": {
            "type": "block_actions",
            "user": {"id": user, "username": name, "name": name, "team_id": "T1"},
            "api_app_id": "A1",
            "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
            "channel": {"id": channel, "name": "risk-alerts"},
            "message": {"type": "message", "ts": ts, "text": message["text"], "blocks": message["blocks"]},
            "state": {"values": {"riskflows_note": {"riskflows_note": {"type": "plain_text_input", "value": note}}}},
            "actions": [
                {
                    "type": "button",
                    "block_id": "riskflows_verdict",
                    "action_id": f"riskflows_verdict_{verdict}",
                    "value": case_id,
                    "action_ts": action_ts,
                }
            ],
        },
    }


@pytest.fixture
def slack():
    double = SlackDouble().start()
    yield double
    double.stop()


@pytest.fixture
def socket_mode(slack):
    double = SocketModeDouble()
    slack.socket_url = double.url
    yield double
    double.stop()


def escalate(engine, slack) -> dict[str, str]:
    """Day 1's two cases posted as real escalations; case id -> message ts."""
    write_day(engine, 1, *TWO_CASES)
    build_case_tables(engine, day(1), NOBODY)
    sender = SlackSender(slack.token, "C0RISK", api_url=slack.api_url, max_retries=1, backoff_factor=0.01, timeout=5)
    publish_case_alerts(engine, date=day(1), sender=sender, language="both", policy=policy_from_dict(POLICY))
    ledger = NotificationLedger(engine)
    return {case_id: ledger.first("case", case_id).message_ts for case_id in (CASE_1, CASE_2)}


def test_each_escalation_carries_a_note_field_and_three_verdict_buttons(engine, slack):
    ts = escalate(engine, slack)
    blocks = slack.messages[ts[CASE_1]]["blocks"]
    note = next(b for b in blocks if b["type"] == "input")
    assert note["element"] == {**note["element"], "type": "plain_text_input", "action_id": "riskflows_note"}
    assert note["optional"] is True
    buttons = next(b for b in blocks if b["type"] == "actions")["elements"]
    assert {b["action_id"] for b in buttons} == VERDICT_IDS
    assert {b["value"] for b in buttons} == {CASE_1}
    labels = " ".join(b["text"]["text"] for b in buttons)
    for label in ("Confirm abuse", "确认滥用", "False positive", "误报", "Inconclusive", "无法确定"):
        assert label in labels


def test_the_listener_records_each_click_once_across_redelivery_double_click_and_reconnect(engine, slack, socket_mode):
    ts = escalate(engine, slack)
    listener = VerdictListener(
        engine,
        app_token=slack.app_token,
        bot_token=slack.token,
        api_url=slack.api_url,
        language="both",
        ping_interval=1,
        timeout=5,
        max_retries=1,
    ).start()
    try:
        wait_for(lambda: socket_mode.connections, what="the first connection")
        message_1 = dict(slack.messages[ts[CASE_1]])
        click = block_actions(
            "env-1",
            case_id=CASE_1,
            verdict="false_positive",
            user="U0ANA",
            name="ana.li",
            ts=ts[CASE_1],
            channel="C0RISK",
            message=message_1,
            note="known market maker desk",
        )
        socket_mode.deliver(click)
        wait_for(lambda: len(slack.calls("chat.update")) == 1, what="the escalation updated")
        socket_mode.deliver(click)  # Slack redelivers the same envelope
        # a double click: a second envelope for the same button, a moment later
        socket_mode.deliver(
            block_actions(
                "env-2",
                case_id=CASE_1,
                verdict="false_positive",
                user="U0ANA",
                name="ana.li",
                ts=ts[CASE_1],
                channel="C0RISK",
                message=message_1,
            )
        )
        wait_for(lambda: socket_mode.acks("env-1") == 2 and socket_mode.acks("env-2") == 1, what="acks")

        # the connection drops: the client asks apps.connections.open again and carries on
        opened = len(slack.calls("apps.connections.open"))
        socket_mode.drop()
        wait_for(lambda: len(socket_mode.connections) == 2, what="a reconnection")
        assert len(slack.calls("apps.connections.open")) == opened + 1
        socket_mode.deliver(
            block_actions(
                "env-3",
                case_id=CASE_2,
                verdict="confirmed_abuse",
                user="U0BO",
                name="bo.wang",
                ts=ts[CASE_2],
                channel="C0RISK",
                message=dict(slack.messages[ts[CASE_2]]),
            )
        )
        wait_for(lambda: len(slack.calls("chat.update")) == 2, what="the second escalation updated")
        wait_for(lambda: socket_mode.acks("env-3") == 1, what="the ack after the reconnect")
        time.sleep(0.5)  # anything a duplicate would have done late, it would have done by now
    finally:
        listener.close()

    # exactly one verdict per click, on every account of the case
    first = case_verdicts(engine, CASE_1)
    assert sorted(first["user_id"]) == [100, 101, 102, 103]
    assert set(first["verdict"]) == {"false_positive"} and first["action_key"].nunique() == 1
    assert set(first["reviewer"]) == {"U0ANA"} and set(first["note"]) == {"known market maker desk"}
    assert set(first["envelope_id"]) == {"env-1"}
    second = case_verdicts(engine, CASE_2)
    assert sorted(second["user_id"]) == [200, 201, 202] and set(second["verdict"]) == {"confirmed_abuse"}
    with engine.connect() as conn:
        table = read_frame(conn, "SELECT * FROM risk.verdicts")
    assert validate_frame(OUTPUT_TABLES["verdicts"], table).passed

    # two updates, one per recorded click: who decided what, the note, the buttons gone
    assert len(slack.calls("chat.update")) == 2
    for case_id, who, label in ((CASE_1, "<@U0ANA>", "False positive"), (CASE_2, "<@U0BO>", "Confirm abuse")):
        updated = slack.messages[ts[case_id]]
        blocks = updated["blocks"] if isinstance(updated["blocks"], list) else json.loads(updated["blocks"])
        assert not [b for b in blocks if b["type"] in ("actions", "input")]
        last = " ".join(e["text"] for e in blocks[-1]["elements"])
        assert who in last and label in last
        assert case_id in json.dumps(blocks)  # the rest of the escalation is kept
    blocks_1 = slack.messages[ts[CASE_1]]["blocks"]
    assert "known market maker desk" in json.dumps(blocks_1, ensure_ascii=False)

    # one thread reply, only for the false positive: allowlist entries for the case's accounts
    replies = [m for m in slack.messages.values() if m["thread_ts"]]
    allowlists = [m for m in replies if "allowlist:" in json.dumps(m["blocks"])]
    assert len(allowlists) == 1 and allowlists[0]["thread_ts"] == ts[CASE_1]
    code = [b["text"]["text"] for b in allowlists[0]["blocks"] if b["text"]["text"].startswith("```")]
    entries = [e for chunk in code for e in yaml.safe_load(chunk.strip("`\n"))["allowlist"]]
    assert sorted(e["user_id"] for e in entries) == [100, 101, 102, 103]
    today = dt.datetime.now(dt.timezone.utc).date()
    assert {e["expires"] for e in entries} <= {today + dt.timedelta(days=90), today + dt.timedelta(days=91)}
    assert all(CASE_1 in e["reason"] and "ana.li" in e["reason"] for e in entries)


# ---------------------------------------------------------------- the domain side


def test_record_case_verdict_is_idempotent_and_refuses_unknown_cases(any_engine):
    write_day(any_engine, 1, *TWO_CASES)
    build_case_tables(any_engine, day(1), NOBODY)
    assert record_case_verdict(any_engine, CASE_2, "inconclusive", "U1", None, "U1:1")
    assert not record_case_verdict(any_engine, CASE_2, "inconclusive", "U1", None, "U1:1")  # redelivered
    assert not record_case_verdict(any_engine, CASE_2, "inconclusive", "U1", "again", "U1:2")  # double click
    assert record_case_verdict(any_engine, CASE_2, "confirmed_abuse", "U1", None, "U1:3")  # a change of mind
    assert record_case_verdict(any_engine, CASE_2, "confirmed_abuse", "U2", None, "U2:4")  # a second reviewer
    assert case_verdicts(any_engine, CASE_2).groupby("action_key").size().to_dict() == {"U1:1": 3, "U1:3": 3, "U2:4": 3}
    with pytest.raises(UnknownCase):
        record_case_verdict(any_engine, "C-20260901-999", "false_positive", "U1", None, "U1:5")
    with pytest.raises(ValueError):
        record_case_verdict(any_engine, CASE_2, "open", "U1", None, "U1:6")


def test_a_false_positive_from_slack_closes_the_case_on_the_next_day(any_engine):
    write_day(any_engine, 1, *TWO_CASES)
    build_case_tables(any_engine, day(1), NOBODY)
    assert set(read_cases(any_engine, day(1))["status"]) == {"open"}
    clicked = dt.datetime.combine(day(2), dt.time(9, 30))
    assert record_case_verdict(any_engine, CASE_1, "false_positive", "U0ANA", "desk", "U0ANA:1", decided_at=clicked)
    write_day(any_engine, 2, *TWO_CASES)  # no src.reviews at all: the Slack verdict alone decides
    build_case_tables(any_engine, day(2), NOBODY)
    status = read_cases(any_engine, day(2)).set_index("case_id")["status"]
    assert status[CASE_1] == "false_positive" and status[CASE_2] == "open"
    # the day the click happened in is the first it counts on: day 1 re-run keeps the case open
    build_case_tables(any_engine, day(1), NOBODY)
    assert read_cases(any_engine, day(1)).set_index("case_id")["status"][CASE_1] == "open"


def test_the_verdicts_relation_is_src_reviews_and_slack_verdicts(any_engine):
    write_day(any_engine, 1, *TWO_CASES)
    build_case_tables(any_engine, day(1), NOBODY)
    reviews = pd.DataFrame(
        [("A", 200, pd.Timestamp(day(1)) + pd.Timedelta(hours=9), "confirmed_abuse", "li.wei")],
        columns=["campaign_id", "user_id", "reviewed_at", "verdict", "reviewer"],
    )
    write_source(any_engine, {"reviews": reviews})
    record_case_verdict(any_engine, CASE_1, "false_positive", "U0ANA", None, "U0ANA:1")
    with any_engine.connect() as conn:
        frame = read_frame(conn, f"SELECT * FROM {all_verdicts_relation(conn)} v ORDER BY user_id, campaign_id")
    assert list(frame.columns) == ["campaign_id", "user_id", "reviewed_at", "verdict", "reviewer"]
    assert list(zip(frame["user_id"], frame["campaign_id"], frame["reviewer"])) == [
        (100, "A", "U0ANA"),
        (101, "A", "U0ANA"),
        (102, "A", "U0ANA"),
        (103, "B", "U0ANA"),
        (200, "A", "li.wei"),
    ]


def test_rule_performance_counts_a_verdict_given_in_slack(engine):
    date = pd.Timestamp(day(1))
    with engine.begin() as conn:
        load_frame(
            conn,
            "risk.participant_features",
            pd.DataFrame([{"date": date, "campaign_id": "A", "user_id": u} for u in (100, 101, 102, 103)]),
        )
        load_frame(
            conn,
            "risk.rule_hits",
            pd.DataFrame(
                [
                    {
                        "date": date,
                        "campaign_id": "A",
                        "user_id": u,
                        "rule_id": "linked_lockstep",
                        "rule_pack_version": "v1",
                        "evidence": "",
                    }
                    for u in (100, 101)
                ]
            ),
        )
    write_day(engine, 1, {100: [100, 101, 102]}, [(100, "A"), (101, "A"), (102, "A")])
    build_case_tables(engine, day(1), NOBODY)
    before = rule_performance(engine, day(1), day(1)).iloc[0]
    assert before["reviewed"] == 0
    clicked = dt.datetime.combine(day(1), dt.time(15))
    record_case_verdict(engine, CASE_1, "false_positive", "U0ANA", None, "U0ANA:1", decided_at=clicked)
    after = rule_performance(engine, day(1), day(1)).iloc[0]
    assert (after["hits"], after["reviewed"], after["confirmed"]) == (2, 2, 0)
    assert after["review_precision"] == 0.0


def test_a_verdict_button_on_another_message_is_only_acknowledged(engine, slack, socket_mode):
    listener = VerdictListener(
        engine, app_token=slack.app_token, bot_token=slack.token, api_url=slack.api_url, ping_interval=1, timeout=5
    ).start()
    try:
        wait_for(lambda: socket_mode.connections, what="a connection")
        envelope = block_actions(
            "env-x",
            case_id="C-20260901-999",
            verdict="false_positive",
            user="U0ANA",
            name="ana.li",
            ts="1700000000.000999",
            channel="C0RISK",
            message={"text": "", "blocks": []},
        )
        envelope["payload"]["actions"][0]["action_id"] = "something_else"
        socket_mode.deliver(envelope)
        socket_mode.deliver(
            {
                **envelope,
                "envelope_id": "env-y",
                "payload": block_actions(
                    "env-y",
                    case_id="C-20260901-999",
                    verdict="inconclusive",
                    user="U0ANA",
                    name="ana.li",
                    ts="1700000000.000999",
                    channel="C0RISK",
                    message={"text": "", "blocks": []},
                )["payload"],
            }
        )
        wait_for(lambda: socket_mode.acks("env-x") == 1 and socket_mode.acks("env-y") == 1, what="acks")
        time.sleep(0.3)
    finally:
        listener.close()
    assert not slack.calls("chat.update") and not slack.calls("chat.postMessage")
    assert case_verdicts(engine, "C-20260901-999").empty
