"""`riskflows run` twice against a loopback Slack that rate-limits its first calls:
everything arrives once, the second run posts nothing new, nothing sensitive leaves."""

from __future__ import annotations

import pytest

from app.cli import main
from riskflows.notify.privacy import find_sensitive
from riskflows.synthetic import seed_warehouse
from riskflows.warehouse import make_engine, read_frame
from tests.slack_double import SlackDouble

pytestmark = pytest.mark.pipeline  # whole pipelines through Dagster: `make test-fast` skips them

DAY = "2026-09-11"


@pytest.fixture
def double():
    server = SlackDouble().start()
    yield server
    server.stop()


def test_run_twice_delivers_once_through_rate_limits_and_leaks_nothing(tmp_path, monkeypatch, double):
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    engine = make_engine(url)
    seed_warehouse(engine, seed=5, users=1000)
    monkeypatch.setenv("RISKFLOWS_WAREHOUSE_URL", url)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("SLACK_BOT_TOKEN", double.token)
    monkeypatch.setenv("SLACK_API_URL", double.api_url)
    monkeypatch.setenv("SLACK_CHANNEL", "C0RISK")
    double.inject("chat.postMessage", 429, times=2, retry_after=1)

    assert main(["run", "--from", DAY, "--to", DAY]) == 0
    with engine.connect() as conn:
        campaigns = read_frame(conn, "SELECT campaign_id FROM risk.campaign_summary WHERE date = :d", {"d": DAY})
        ledger = read_frame(conn, "SELECT kind, status FROM risk.notifications WHERE date = :d", {"d": DAY})
    posted = double.calls("chat.postMessage", ok_only=True)
    uploads = double.calls("files.completeUploadExternal", ok_only=True)
    digests = [c for c in posted if "thread_ts" not in c.params]
    assert len(double.calls("chat.postMessage")) == len(posted) + 2  # the two 429s were retried
    assert len(campaigns) >= 2
    assert len(ledger[ledger["kind"] == "digest"]) == len(campaigns)
    assert set(ledger["status"]) == {"sent"}
    assert len(digests) >= len(campaigns)  # a digest per campaign (+ escalations, if any)
    case_pictures = len(ledger[ledger["kind"] == "case_graph"])  # an escalated case's link picture, if any
    assert len(uploads) == 2 * len(campaigns) + case_pictures  # chart and CSV in each digest's thread

    assert main(["run", "--from", DAY, "--to", DAY]) == 0
    assert len(double.calls("chat.postMessage", ok_only=True)) == len(posted)  # nothing new posted
    assert len(double.calls("files.completeUploadExternal", ok_only=True)) == len(uploads)

    sent = double.everything_received()
    assert find_sensitive(sent) == []
    with engine.connect() as conn:
        raw = read_frame(
            conn,
            "SELECT ip AS v FROM src.logins WHERE ip IS NOT NULL "
            "UNION SELECT device_id FROM src.logins WHERE device_id IS NOT NULL "
            "UNION SELECT to_address FROM src.withdrawals WHERE to_address IS NOT NULL "
            "UNION SELECT from_address FROM src.deposits WHERE from_address IS NOT NULL",
        )
    leaked = [value for value in raw["v"] if len(value) >= 7 and value in sent]
    assert leaked == []
    assert double.token not in sent
