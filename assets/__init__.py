"""Dagster definitions for riskflows: thin assets over the riskflows domain core."""
