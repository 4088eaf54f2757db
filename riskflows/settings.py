"""Settings from the environment, in one place.

Every RISKFLOWS_* variable is read here, by a small function called when the value is
needed (a step that runs, a command that starts), never at import: a changed environment
takes effect on the next call, and importing riskflows reads nothing.
"""

from __future__ import annotations

import os

DEFAULT_RULES_DIR = "rules"
# Data can go back years: the daily partitions start here unless told otherwise.
DEFAULT_EARLIEST_DATE = "2015-01-01"
DEFAULT_DAILY_CRON = "0 1 * * *"
DEFAULT_SCHEDULE_TIMEZONE = "UTC"
DEFAULT_SLACK_LANGUAGE = "both"
DEFAULT_OUTBOX_DIR = ".riskflows/outbox"
DEFAULT_BENCH_PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/riskflows_bench"
DEFAULT_TEST_PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


def warehouse_url() -> str | None:
    """RISKFLOWS_WAREHOUSE_URL: the warehouse's SQLAlchemy URL (unset: the embedded DuckDB file)."""
    return os.environ.get("RISKFLOWS_WAREHOUSE_URL")


def rules_dir() -> str:
    """RISKFLOWS_RULES_DIR: the folder of rule packs and escalation.yaml."""
    return os.environ.get("RISKFLOWS_RULES_DIR", DEFAULT_RULES_DIR)


def earliest_date() -> str:
    """RISKFLOWS_EARLIEST_DATE: the first daily partition (YYYY-MM-DD)."""
    return os.environ.get("RISKFLOWS_EARLIEST_DATE", DEFAULT_EARLIEST_DATE)


def daily_cron() -> str:
    """RISKFLOWS_DAILY_CRON: when the daily schedule ticks."""
    return os.environ.get("RISKFLOWS_DAILY_CRON", DEFAULT_DAILY_CRON)


def schedule_timezone() -> str:
    """RISKFLOWS_SCHEDULE_TIMEZONE: the timezone of the daily schedule's cron."""
    return os.environ.get("RISKFLOWS_SCHEDULE_TIMEZONE", DEFAULT_SCHEDULE_TIMEZONE)


def slack_language() -> str:
    """RISKFLOWS_SLACK_LANGUAGE: 'en', 'zh' or 'both'."""
    return os.environ.get("RISKFLOWS_SLACK_LANGUAGE", DEFAULT_SLACK_LANGUAGE)


def outbox_dir() -> str:
    """RISKFLOWS_OUTBOX_DIR: where messages go when there is no Slack token."""
    return os.environ.get("RISKFLOWS_OUTBOX_DIR", DEFAULT_OUTBOX_DIR)


def bench_pg_url() -> str:
    """RISKFLOWS_BENCH_PG_URL: the PostgreSQL database `riskflows bench --engine postgres` uses."""
    return os.environ.get("RISKFLOWS_BENCH_PG_URL", DEFAULT_BENCH_PG_URL)


def test_pg_url() -> str:
    """RISKFLOWS_TEST_PG_URL: the PostgreSQL server the tests create their own databases on
    (the database it names is only used to create and drop them)."""
    return os.environ.get("RISKFLOWS_TEST_PG_URL", DEFAULT_TEST_PG_URL)


DEFAULT_CASE_DIR = ".riskflows/cases"


def case_dir() -> str:
    """RISKFLOWS_CASE_DIR: where case files (one HTML page per escalated case) are written."""
    return os.environ.get("RISKFLOWS_CASE_DIR", DEFAULT_CASE_DIR)


def case_url_base() -> str | None:
    """RISKFLOWS_CASE_URL: the address the case folder is served at (a static file host); the
    escalation links <base>/<case id>.html. Unset: it names the file's path."""
    return os.environ.get("RISKFLOWS_CASE_URL") or None


DEFAULT_PAYOUT_DIR = ".riskflows/payouts"
DEFAULT_INTRADAY_CRON = "0 */3 * * *"


def payout_dir() -> str:
    """RISKFLOWS_PAYOUT_DIR: where the payout hold CSVs go (<dir>/<date>/<campaign_id>.csv), the
    files the rewards system reads before paying."""
    return os.environ.get("RISKFLOWS_PAYOUT_DIR", DEFAULT_PAYOUT_DIR)


def intraday_cron() -> str:
    """RISKFLOWS_INTRADAY_CRON: when the intraday schedule re-runs today's partitions."""
    return os.environ.get("RISKFLOWS_INTRADAY_CRON", DEFAULT_INTRADAY_CRON)


def intraday_enabled() -> bool:
    """RISKFLOWS_INTRADAY=on: the intraday schedule starts running when the code location loads
    (otherwise it is stopped until turned on in the UI)."""
    return os.environ.get("RISKFLOWS_INTRADAY", "").strip().lower() in ("on", "true", "1", "yes")


def slack_bot_token() -> str | None:
    """SLACK_BOT_TOKEN: the bot token (xoxb-...) for the Web API; unset: the outbox."""
    return (os.environ.get("SLACK_BOT_TOKEN") or "").strip() or None


def slack_app_token() -> str | None:
    """SLACK_APP_TOKEN: the app-level token (xapp-..., scope connections:write) that
    `riskflows slack listen` opens its Socket Mode connection with."""
    return (os.environ.get("SLACK_APP_TOKEN") or "").strip() or None


DEFAULT_SLACK_API_URL = "https://slack.com/api/"


def slack_api_url() -> str:
    """SLACK_API_URL: the Slack Web API base URL (a test double's, in tests)."""
    return os.environ.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
