"""Partitions: a daily dimension for account-level assets, day x campaign for the rest.

Campaign keys are dynamic: the campaign sensor (and `riskflows run`) adds every
campaign found in src.campaigns. Multi-partition keys read `campaign|date`.
"""

from __future__ import annotations

import datetime as dt
import warnings

import dagster as dg

# Data can go back years: the earliest day is configurable (RISKFLOWS_EARLIEST_DATE, read
# when the partitions are built), and `riskflows run` widens it to the range it is asked for.
from riskflows.settings import earliest_date

CAMPAIGNS = dg.DynamicPartitionsDefinition(name="campaign")


def daily_partitions(start: str | None = None) -> dg.DailyPartitionsDefinition:
    # end_offset=1: today's partition exists too, for data that is already complete
    return dg.DailyPartitionsDefinition(start_date=start or earliest_date(), end_offset=1)


def campaign_day_partitions(daily: dg.DailyPartitionsDefinition) -> dg.MultiPartitionsDefinition:
    return dg.MultiPartitionsDefinition({"date": daily, "campaign": CAMPAIGNS})


def campaign_day_key(date: dt.date | str, campaign_id: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"date": str(date)[:10], "campaign": campaign_id})


def split_campaign_day(context: dg.AssetExecutionContext) -> tuple[str, str]:
    """(date, campaign_id) of the running partition."""
    keys = context.partition_key.keys_by_dimension
    return keys["date"], keys["campaign"]


# A campaign's day depends on the same day of the account-level assets, nothing more.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.BetaWarning)
    ON_DATE = dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="date")

    # Lookback: a campaign's day reads the same campaign's previous day (day-over-day change,
    # first-flagged dates). Naming both dimensions keeps campaigns independent of each other.
    PREVIOUS_DAY_SAME_CAMPAIGN = dg.MultiPartitionMapping(
        {
            "date": dg.DimensionPartitionMapping("date", dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)),
            "campaign": dg.DimensionPartitionMapping("campaign", dg.IdentityPartitionMapping()),
        }
    )
