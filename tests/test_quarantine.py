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
        clean = read_frame(conn, f"SELECT deposit_id, amount_usd FROM {clean_relation('deposits', layout)} d "
                                 "ORDER BY deposit_id")
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

    message = describe_broken(broken)
    assert "src.deposits: 5 of 8 rows rejected" in message
    assert "amount_usd negative" in message and "key d2" in message
    assert report.broken_tables(max_rejected_share=0.9, min_rejected_rows=1) == []


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
