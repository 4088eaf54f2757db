"""Malformed source rows are quarantined with a reason, never lost, on both warehouses."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from riskflows.output_tables import create_output_tables
from riskflows.quarantine import SourceContractError, SourceLayout, check_source_contract, clean_relation
from riskflows.warehouse import read_frame
from tests.source_tables import write_source

DAY = "2026-09-10"


def _deposits() -> pd.DataFrame:
    ts = pd.Timestamp("2026-09-10 12:00")
    return pd.DataFrame(
        {
            "deposit_id": ["d1", "d2", None, "d4", "d5", "d5", "d7", "d8"],
            "user_id": [1, 2, 3, 4, 5, 5, 7, None],
            "ts": [ts, ts, ts, ts, ts, ts, pd.Timestamp("1970-01-01"), ts],
            "asset": ["USDT"] * 8,
            "amount_usd": [10.0, -5.0, 10.0, 10.0, 20.0, 30.0, 10.0, 10.0],
            "from_address": [None] * 8,
        }
    )


def _reasons(engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = read_frame(conn, "SELECT row_key, reasons, row_data FROM risk.quarantine WHERE table_name = 'deposits'")
    return {r["row_key"]: (r["reasons"], json.loads(r["row_data"])) for r in rows.to_dict("records")}


def test_each_malformed_case_is_quarantined_with_its_reason(engine):
    write_source(engine, {"deposits": _deposits()})
    create_output_tables(engine)
    report = check_source_contract(engine, DAY)

    quality = report.tables["deposits"]
    assert quality.rows_seen == 8
    assert quality.rows_rejected == 5
    reasons = _reasons(engine)
    assert "amount_usd negative" in reasons["d2"][0]  # negative amount
    assert "deposit_id is NULL" in reasons["NULL"][0]  # NULL key
    assert "ts outside 2009-01-03" in reasons["d7"][0]  # timestamp out of range
    assert "user_id is NULL" in reasons["d8"][0]
    assert "duplicate key (deposit_id)" in reasons["d5"][0]  # duplicate key: the extra copy
    # the whole row is kept, so nothing is lost
    assert reasons["d2"][1]["amount_usd"] == -5.0
    assert "riskflows" not in reasons  # no stray keys
    assert set(report.missing_tables) >= {"logins", "trades"}


def test_clean_relation_keeps_exactly_the_valid_rows(engine):
    write_source(engine, {"deposits": _deposits()})
    with engine.connect() as conn:
        layout = SourceLayout.inspect(conn)
        clean = read_frame(
            conn, f"SELECT deposit_id, amount_usd FROM {clean_relation('deposits', layout)} d ORDER BY deposit_id"
        )
    assert list(clean["deposit_id"]) == ["d1", "d4", "d5"]
    assert list(clean["amount_usd"]) == [10.0, 10.0, 20.0]  # first of the duplicates, by column order


def test_unknown_enum_value_is_quarantined(engine):
    trades = pd.DataFrame(
        {
            "trade_id": ["t1", "t2"],
            "user_id": [1, 1],
            "ts": [pd.Timestamp("2026-09-10 10:00")] * 2,
            "symbol": ["BTCUSDT"] * 2,
            "side": ["buy", "short"],
            "notional_usd": [100.0, 100.0],
            "counterparty_user_id": [2, 2],
        }
    )
    write_source(engine, {"trades": trades})
    create_output_tables(engine)
    report = check_source_contract(engine, DAY)
    assert report.tables["trades"].rows_rejected == 1
    assert "side not one of buy, sell" in report.tables["trades"].examples[0]["reasons"]


def test_rows_after_the_day_are_not_seen_yet(engine):
    deposits = _deposits().iloc[:2].assign(ts=pd.Timestamp("2026-09-12"))
    write_source(engine, {"deposits": deposits})
    create_output_tables(engine)
    report = check_source_contract(engine, DAY)
    assert report.tables["deposits"].rows_seen == 0
    assert report.tables["deposits"].rows_rejected == 0


def test_broken_beyond_threshold_names_table_column_and_rows(engine):
    write_source(engine, {"deposits": _deposits()})
    create_output_tables(engine)
    report = check_source_contract(engine, DAY)
    broken = report.broken_tables(max_rejected_share=0.2, min_rejected_rows=1)
    assert [t.table for t in broken] == ["deposits"]
    from riskflows.quarantine import describe_broken

    message = describe_broken(broken, DAY)
    assert f"src.deposits on {DAY}: 5 of the day's 8 rows rejected" in message
    assert "amount_usd negative" in message and "key d2" in message
    assert report.broken_tables(max_rejected_share=0.9, min_rejected_rows=1) == []


def _logins(days: int, per_day: int, broken_today: int) -> pd.DataFrame:
    """`days` days of good logins up to DAY, `per_day` a day; on DAY, `broken_today` of them have no user."""
    stamps = [
        pd.Timestamp(DAY) - pd.Timedelta(days=d) + pd.Timedelta(minutes=m) for d in range(days) for m in range(per_day)
    ]
    frame = pd.DataFrame(
        {
            "login_id": [f"l{i}" for i in range(len(stamps))],
            "user_id": 1,
            "ts": stamps,
            "ip": None,
            "device_id": None,
            "user_agent": None,
        }
    )
    today = frame.index[frame["ts"] >= pd.Timestamp(DAY)][:broken_today]
    frame["user_id"] = frame["user_id"].astype("object")
    frame.loc[today, "user_id"] = None
    return frame


@pytest.mark.parametrize("broken_today, fails", [(60, True), (3, False)])
def test_a_day_is_judged_on_its_own_rows_not_on_months_of_history(duckdb_engine, broken_today, fails):
    """60 of a day's 100 logins without a user fail the day even though the table holds 90 days
    of good rows (0.7 % of all rows); three broken rows are quarantined and the day goes on."""
    write_source(duckdb_engine, {"logins": _logins(days=90, per_day=100, broken_today=broken_today)})
    create_output_tables(duckdb_engine)
    report = check_source_contract(duckdb_engine, DAY)
    logins = report.tables["logins"]
    assert (logins.rows_seen, logins.rows_rejected) == (9000, broken_today)
    assert (logins.day_rows_seen, logins.day_rows_rejected) == (100, broken_today)
    broken = report.broken_tables(max_rejected_share=0.2, min_rejected_rows=20)
    assert [t.table for t in broken] == (["logins"] if fails else [])
    if fails:
        from riskflows.quarantine import describe_broken

        message = describe_broken(broken, DAY)
        assert f"src.logins on {DAY}: 60 of the day's 100 rows rejected (60.0%" in message
        assert "60 rows: user_id is NULL" in message and "key l" in message
    with duckdb_engine.connect() as conn:  # kept aside either way, with the row's own time
        kept = read_frame(conn, "SELECT row_ts FROM risk.quarantine WHERE table_name = 'logins'")
    assert len(kept) == broken_today and (kept["row_ts"] >= pd.Timestamp(DAY)).all()


def test_missing_required_column_is_a_clear_error(duckdb_engine):
    write_source(duckdb_engine, {"deposits": _deposits().drop(columns=["amount_usd"])})
    with duckdb_engine.connect() as conn:
        layout = SourceLayout.inspect(conn)
    with pytest.raises(SourceContractError, match="src.deposits has no column 'amount_usd'"):
        clean_relation("deposits", layout)


def test_missing_nullable_column_reads_as_null(duckdb_engine):
    write_source(duckdb_engine, {"deposits": _deposits().drop(columns=["from_address"])})
    with duckdb_engine.connect() as conn:
        layout = SourceLayout.inspect(conn)
        clean = read_frame(conn, f"SELECT from_address FROM {clean_relation('deposits', layout)} d")
    assert clean["from_address"].isna().all() and len(clean) == 3
