"""Rule packs: loading, validation messages, versioning, selection, and the compiled
rule-hit SQL on real DuckDB and PostgreSQL engines."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from riskflows.high_risk import score_participants
from riskflows.rule_packs import (
    RulePackError,
    RulePackSelectionError,
    check_expression,
    check_paths,
    load_pack,
    load_packs,
    select_pack,
    tier_for,
)
from riskflows.rule_sql import compile_rule_hits, sql_dialect

FIXTURES = Path(__file__).parent / "fixtures" / "rules"

FEATURES = {
    "accounts_per_device": "number",
    "account_age_days": "number",
    "kyc_level": "number",
    "email_domain": "text",
    "deposit_usd": "number",
    "is_api_trader": "boolean",
    "registered_on": "date",
    "self_trade_ratio": "number",
}


def problems_of(name: str) -> list[str]:
    with pytest.raises(RulePackError) as raised:
        load_pack(FIXTURES / name, FEATURES)
    assert raised.value.problems, "a RulePackError must carry its problems"
    return [str(p) for p in raised.value.problems]


# ------------------------------------------------------------------ loading


def test_good_pack_loads_with_all_parts():
    pack = load_pack(FIXTURES / "good_referral.yaml", FEATURES)
    assert pack.pack_id == "referral_default"
    assert pack.kinds == ("referral",) and pack.campaigns == ()
    assert pack.thresholds == {"review": 30.0, "hold": 60.0, "block": 85.0}
    assert [r.id for r in pack.rules] == ["shared_device_farm", "disposable_email", "deposit_rush"]
    farm = pack.rule("shared_device_farm")
    assert (farm.title_en, farm.title_zh) == ("Device shared by many participants", "多个参与者共用设备")
    assert farm.severity == "high" and farm.score == 40.0
    assert farm.evidence == ("accounts_per_device", "account_age_days")
    assert len(pack.version) == 12 and int(pack.version, 16) >= 0
    assert [s.rule_id for s in pack.suppressions] == ["shared_device_farm"]
    assert pack.allowlist[0].user_id == 123 and pack.allowlist[0].expires == date(2027, 1, 1)
    assert pack.allowlist[1].cluster_id == 456 and pack.allowlist[1].expires is None
    users, clusters = pack.allowlisted(date(2026, 12, 31))
    assert users == {123} and clusters == {456}
    users, clusters = pack.allowlisted(date(2027, 1, 1))  # expiry day: no longer cleared
    assert users == set() and clusters == {456}


def test_statement_after_expression_is_refused_at_the_semicolon():
    assert problems_of("bad_statement.yaml") == [
        f"{FIXTURES / 'bad_statement.yaml'}: pack bad_statement, rule sneaky, line 7 col 35: "
        "a rule is one expression: remove ';' and anything after it"
    ]


def test_subqueries_are_refused():
    found = problems_of("bad_subquery.yaml")
    assert len(found) == 2
    assert "rule peeks_at_users, line 7 col 20: subqueries are not allowed" in found[0]
    assert "rule in_subquery, line 12 col 26: subqueries are not allowed" in found[1]


def test_misspelt_feature_suggests_the_nearest_name_with_exact_position():
    (problem,) = problems_of("bad_misspelt.yaml")
    assert problem == (
        f"{FIXTURES / 'bad_misspelt.yaml'}: pack referral_default, rule shared_device_farm, line 7 col 38: "
        "unknown column 'acounts_per_device' (did you mean 'accounts_per_device'?)"
    )


def test_unknown_function_is_refused():
    (problem,) = problems_of("bad_pg_sleep.yaml")
    assert "rule slow_down, line 7 col 12: unknown function 'pg_sleep'" in problem


def test_type_errors_are_refused():
    found = problems_of("bad_type.yaml")
    assert "rule text_vs_number, line 7 col 12: cannot compare text with number" in found[0]
    assert "rule not_boolean, line 12 col 12: the expression must be true or false, but it is number" in found[1]


def test_duplicate_rule_id_is_refused():
    (problem,) = problems_of("bad_duplicate_id.yaml")
    assert "rule young_account, line 10 col 9: duplicate rule id" in problem


def test_every_field_problem_is_reported_at_once():
    found = problems_of("bad_fields.yaml")
    expected = [
        "unknown campaign kind 'referal' (did you mean 'referral'?)",
        "thresholds must satisfy review <= hold <= block",
        "unknown key 'scor' (did you mean 'score'?)",
        "title must have non-empty 'en' and 'zh' texts",
        "severity must be one of: low, medium, high, critical",
        "score must be a number from 0 to 100",
        "unknown evidence column 'kyc_levle' (did you mean 'kyc_level'?)",
        "suppression names unknown rule 'no_such_rule'",
    ]
    assert len(found) == len(expected)
    for message, problem in zip(expected, found):
        assert problem.endswith(message), problem


def test_yaml_syntax_error_carries_its_line():
    (problem,) = problems_of("bad_yaml.yaml")
    assert ": line 3 col 6: YAML error" in problem


def test_position_inside_a_multiline_expression_and_a_suppression(tmp_path):
    pack_file = tmp_path / "multiline.yaml"
    pack_file.write_text(
        "pack_id: multiline\n"
        "thresholds: {review: 30, hold: 60, block: 85}\n"
        "rules:\n"
        "  - id: young_farm\n"
        "    title: {en: Young farm, zh: 新农场}\n"
        "    when: |\n"
        "      account_age_days < 30\n"
        "        AND acounts_per_device > 2\n"
        "    severity: low\n"
        "    score: 1\n"
        "suppressions:\n"
        '  - {rule: young_farm, when: "kyc_levl >= 3", reason: verified}\n'
    )
    problems = [str(p) for p in check_paths([str(pack_file)], FEATURES)]
    assert problems == [
        f"{pack_file}: pack multiline, rule young_farm, line 8 col 13: "
        "unknown column 'acounts_per_device' (did you mean 'accounts_per_device'?)",
        f"{pack_file}: pack multiline, rule young_farm, line 12 col 31: "
        "suppression: unknown column 'kyc_levl' (did you mean 'kyc_level'?)",
    ]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("kyc_level > 1 AND u.kyc_level > 1", "qualified column 'u.kyc_level'"),
        ("read_csv('/etc/passwd') IS NULL", "function 'READ_CSV' is not allowed"),
        ("kyc_level > :level", "parameters are not allowed"),
        ("registered_on > current_date", "function 'CURRENT_DATE' is not allowed"),
        ("email_domain + 1 > 2", "arithmetic '+' on text"),
        ("is_api_trader AND kyc_level", "AND needs boolean, got number"),
        ("COALESE(kyc_level, 0) > 1", "unknown function 'COALESE' (did you mean COALESCE?)"),
        ("kyc_level >", "syntax error"),
        ("kyc_level IN (1, 'two')", "IN list item is text but the value is number"),
    ],
)
def test_expression_refusals(expression, message):
    found = check_expression(expression, FEATURES)
    assert any(message in text for _, text in found), found


@pytest.mark.parametrize(
    "expression",
    [
        "LOG10(deposit_usd + 1) > 2 AND LN(deposit_usd) > 1 AND SQRT(ABS(deposit_usd)) > 1",
        "ROUND(deposit_usd, 2) BETWEEN 1 AND 2 OR GREATEST(kyc_level, 1) < LEAST(account_age_days, 3)",
        "UPPER(email_domain) LIKE '%.TK' AND LENGTH(email_domain) > 3 AND email_domain IS NOT NULL",
        "CASE WHEN kyc_level >= 2 THEN deposit_usd ELSE 0 END > NULLIF(COALESCE(account_age_days, 0), 0)",
        "registered_on >= '2024-01-01' AND NOT is_api_trader",
    ],
)
def test_expressions_analysts_write_are_accepted(expression):
    assert check_expression(expression, FEATURES) == []


def test_load_packs_skips_non_packs_and_check_paths_reports_every_file(tmp_path):
    for name in ("good_referral.yaml", "good_trading.yaml", "not_a_pack.yaml"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    packs = load_packs(tmp_path, FEATURES)
    assert sorted(p.pack_id for p in packs) == ["referral_default", "trading_default"]

    problems = check_paths([str(FIXTURES)], FEATURES)
    broken = {Path(p.file).name for p in problems}
    assert broken == {
        f"bad_{n}.yaml"
        for n in ("statement", "subquery", "misspelt", "pg_sleep", "type", "duplicate_id", "fields", "yaml")
    }
    # A file named twice (directly and through its directory) is checked once.
    assert check_paths([str(tmp_path / "good_referral.yaml"), str(tmp_path)], FEATURES) == []
    assert check_paths([str(FIXTURES / n) for n in ("good_referral.yaml", "not_a_pack.yaml")], FEATURES) == []
    assert "no such file" in str(check_paths([str(tmp_path / "missing.yaml")], FEATURES)[0])
    with pytest.raises(RulePackError):
        load_packs(FIXTURES, FEATURES)


def test_two_packs_claiming_the_same_kind_are_refused(tmp_path):
    shutil.copy(FIXTURES / "good_referral.yaml", tmp_path / "a.yaml")
    text = (FIXTURES / "good_referral.yaml").read_text().replace("pack_id: referral_default", "pack_id: referral_v2")
    (tmp_path / "b.yaml").write_text(text)
    with pytest.raises(RulePackError, match="campaign kind 'referral' is already claimed by pack referral_default"):
        load_packs(tmp_path, FEATURES)


# ---------------------------------------------------------------- versioning


def test_version_ignores_comments_and_layout_but_not_rule_changes(tmp_path):
    original = (FIXTURES / "good_referral.yaml").read_text()
    base = load_pack(FIXTURES / "good_referral.yaml", FEATURES).version

    reformatted = tmp_path / "reformatted.yaml"
    reformatted.write_text(
        "# another comment\n"
        + original.replace(
            "thresholds: {review: 30, hold: 60, block: 85}",
            "thresholds:\n  block: 85   # key order and comments do not count\n  hold: 60\n  review: 30",
        ).replace(
            'when: "accounts_per_device >= 5 AND account_age_days < 30"',
            "when: >-\n      accounts_per_device >= 5\n      AND   account_age_days < 30",
        )
    )
    assert load_pack(reformatted, FEATURES).version == base

    changed = tmp_path / "changed.yaml"
    changed.write_text(original.replace("accounts_per_device >= 5", "accounts_per_device >= 6"))
    assert load_pack(changed, FEATURES).version != base
    rescored = tmp_path / "rescored.yaml"
    rescored.write_text(original.replace("score: 40", "score: 45"))
    assert load_pack(rescored, FEATURES).version != base


# ----------------------------------------------------------------- selection


def test_select_pack_prefers_override_then_campaign_then_kind():
    referral = load_pack(FIXTURES / "good_referral.yaml", FEATURES)
    trading = load_pack(FIXTURES / "good_trading.yaml", FEATURES)
    packs = [referral, trading]
    assert select_pack(packs, "spring-2024", "referral", None) is referral
    assert select_pack(packs, "vip-referral-2024", "referral", None) is trading  # id beats kind
    assert select_pack(packs, "spring-2024", "referral", "trading_default") is trading
    with pytest.raises(RulePackSelectionError, match="no rule pack applies to campaign drop-1 .kind 'airdrop'"):
        select_pack(packs, "drop-1", "airdrop", None)
    with pytest.raises(RulePackSelectionError, match="asks for rule pack 'nope'"):
        select_pack(packs, "spring-2024", "referral", "nope")


def test_tier_for_uses_score_at_or_above_threshold():
    thresholds = {"review": 30.0, "hold": 60.0, "block": 85.0}
    assert tier_for(29.9, thresholds) is None
    assert tier_for(30, thresholds) == "review"
    assert tier_for(84.99, thresholds) == "hold"
    assert tier_for(85, thresholds) == "block"
    assert tier_for(100, thresholds) == "block"


def test_score_lists_flagged_participants_with_reasons_in_both_languages():
    pack = load_pack(FIXTURES / "good_referral.yaml", FEATURES)  # device 40, e-mail 20, deposit 10
    hits = pd.DataFrame(
        {
            "user_id": [9, 9, 2, 9, 5, 5],
            "rule_id": [
                "deposit_rush",
                "disposable_email",
                "deposit_rush",
                "shared_device_farm",
                "disposable_email",
                "shared_device_farm",
            ],
            "evidence": [
                "deposit_usd=50",
                "email_domain=mailinator.com; registered_on=2024-04-28",
                "deposit_usd=9",
                "accounts_per_device=7; account_age_days=3",
                "",
                "accounts_per_device=5; account_age_days=1",
            ],
        }
    )
    listed = score_participants(hits, pack)

    # User 2 (10 points) stays below the review tier; the others by id, rules by score.
    assert listed["user_id"].tolist() == [5, 9]
    assert listed["score"].tolist() == [60.0, 70.0]
    assert listed["tier"].tolist() == ["hold", "hold"]
    assert listed["rule_ids"].tolist() == [
        "shared_device_farm,disposable_email",
        "shared_device_farm,disposable_email,deposit_rush",
    ]
    assert listed["reasons"].tolist() == [
        "Device shared by many participants (accounts_per_device=5; account_age_days=1); Disposable e-mail domain",
        "Device shared by many participants (accounts_per_device=7; account_age_days=3); "
        "Disposable e-mail domain (email_domain=mailinator.com; registered_on=2024-04-28); "
        "Large deposit per day of account age (deposit_usd=50)",
    ]
    assert listed["reasons_zh"].tolist() == [
        "多个参与者共用设备（accounts_per_device=5; account_age_days=1）；一次性邮箱域名",
        "多个参与者共用设备（accounts_per_device=7; account_age_days=3）；"
        "一次性邮箱域名（email_domain=mailinator.com; registered_on=2024-04-28）；"
        "账户每日存款过高（deposit_usd=50）",
    ]
    assert score_participants(hits[hits["user_id"] == 2], pack).empty
    assert list(score_participants(hits.iloc[0:0], pack).columns) == list(listed.columns)


# ------------------------------------------------- compiled SQL on real engines

DAY = date(2024, 5, 1)
# user_id, date, campaign, accounts_per_device, account_age_days, kyc_level, email_domain,
# deposit_usd, is_api_trader, registered_on
ROWS = [
    (1, DAY, "c1", 7, 3, 1, "mailinator.com", 10.0, False, date(2024, 4, 28)),  # farm + email
    (2, DAY, "c1", 7, 3, 3, "gmail.com", 1.0, False, date(2024, 4, 28)),  # farm suppressed (KYC 3)
    (3, DAY, "c1", None, 3, None, None, 100.0, None, None),  # NULL features: nothing
    (4, DAY, "c1", 1, 0, 0, "TMP:MAIL", 333.333, False, date(2024, 5, 1)),  # email; 333/0 -> no error
    (5, DAY, "c1", 2, 2, 0, "x.tk", 12.345678, False, date(2024, 4, 29)),  # email + deposit rush
    (6, date(2024, 5, 2), "c1", 7, 3, 1, "mailinator.com", 10.0, False, None),  # another day
    (7, DAY, "c2", 7, 3, 1, "mailinator.com", 10.0, False, None),  # another campaign
]
EXPECTED = {
    (1, "shared_device_farm", "accounts_per_device=7; account_age_days=3"),
    (1, "disposable_email", "email_domain=mailinator.com; registered_on=2024-04-28"),
    (4, "disposable_email", "email_domain=TMP:MAIL; registered_on=2024-05-01"),
    (5, "disposable_email", "email_domain=x.tk; registered_on=2024-04-29"),
    (5, "deposit_rush", "deposit_usd=12.35; is_api_trader=false"),
}

CREATE = """CREATE TABLE {table} (
    "date" DATE, campaign_id VARCHAR, user_id BIGINT, accounts_per_device BIGINT,
    account_age_days INTEGER, kyc_level INTEGER, email_domain VARCHAR, deposit_usd DOUBLE PRECISION,
    is_api_trader BOOLEAN, registered_on DATE, self_trade_ratio DOUBLE PRECISION)"""
INSERT = """INSERT INTO {table} (user_id, "date", campaign_id, accounts_per_device, account_age_days, kyc_level,
    email_domain, deposit_usd, is_api_trader, registered_on)
    VALUES (:u, :d, :c, :apd, :age, :kyc, :email, :dep, :api, :reg)"""


def _hits(engine: sa.Engine, table: str) -> set[tuple[int, str, str]]:
    pack = load_pack(FIXTURES / "good_referral.yaml", FEATURES)
    with engine.begin() as conn:
        conn.execute(sa.text(CREATE.format(table=table)))
        conn.execute(
            sa.text(INSERT.format(table=table)),
            [dict(zip(("u", "d", "c", "apd", "age", "kyc", "email", "dep", "api", "reg"), row)) for row in ROWS],
        )
    sql = compile_rule_hits(pack, table, sql_dialect(engine.dialect.name))
    with engine.connect() as conn:
        rows = conn.execute(sa.text(sql), {"date": DAY, "campaign_id": "c1"}).all()
    return {(int(user_id), rule_id, evidence) for user_id, rule_id, evidence in rows}


def test_rule_hits_on_duckdb(tmp_path):
    engine = sa.create_engine(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    try:
        assert _hits(engine, "participant_features") == EXPECTED
        # A parenthesised subquery works as the features relation too.
        pack = load_pack(FIXTURES / "good_referral.yaml", FEATURES)
        sql = compile_rule_hits(pack, "(SELECT * FROM participant_features WHERE user_id <> 1)", "duckdb")
        with engine.connect() as conn:
            users = {r.user_id for r in conn.execute(sa.text(sql), {"date": DAY, "campaign_id": "c1"})}
        assert users == {4, 5}
    finally:
        engine.dispose()


def test_rule_hits_on_postgres(pg_engine):
    # A schema-qualified features relation works too.
    with pg_engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA rulepack_test"))
    assert _hits(pg_engine, "rulepack_test.participant_features") == EXPECTED


def test_postgres_numeric_functions_and_zero_divisors(tmp_path, pg_database):
    """Functions PostgreSQL only has for NUMERIC (ROUND(x, n), LOG10, %) still work on
    DOUBLE features, and a zero divisor means 'does not fire' on both engines."""
    pack_file = tmp_path / "numeric.yaml"
    pack_file.write_text(
        "pack_id: numeric_checks\napplies_to: {kinds: [airdrop]}\n"
        "thresholds: {review: 1, hold: 2, block: 3}\nrules:\n"
        "  - {id: rounded, title: {en: R, zh: R}, severity: low, score: 1,\n"
        '     when: "ROUND(deposit_usd, 1) = 12.3 AND LOG10(deposit_usd) > 1 AND deposit_usd % 2 > 0"}\n'
        "  - {id: ratio, title: {en: Q, zh: Q}, severity: low, score: 1,\n"
        '     when: "deposit_usd / account_age_days > 100 OR deposit_usd % account_age_days > 1000"}\n'
    )
    pack = load_pack(pack_file, FEATURES)
    # User 5 (12.345678) passes ROUND/LOG10/%; user 4's account age is 0, so its ratio
    # rule must neither fire nor fail the run.
    expected = {(5, "rounded")}
    for url in (f"duckdb:///{tmp_path / 'n.duckdb'}", pg_database):
        engine = sa.create_engine(url)
        table = "participant_features" if url.startswith("duckdb") else "rulepack_num.participant_features"
        try:
            if not url.startswith("duckdb"):
                with engine.begin() as conn:
                    conn.execute(sa.text("CREATE SCHEMA rulepack_num"))
            with engine.begin() as conn:
                conn.execute(sa.text(CREATE.format(table=table)))
                conn.execute(
                    sa.text(INSERT.format(table=table)),
                    [
                        dict(zip(("u", "d", "c", "apd", "age", "kyc", "email", "dep", "api", "reg"), row))
                        for row in ROWS
                    ],
                )
            sql = compile_rule_hits(pack, table, sql_dialect(engine.dialect.name))
            with engine.connect() as conn:
                rows = conn.execute(sa.text(sql), {"date": DAY, "campaign_id": "c1"}).all()
            assert {(int(r.user_id), r.rule_id) for r in rows} == expected, url
            assert {r.evidence for r in rows} == {""}
        finally:
            engine.dispose()
