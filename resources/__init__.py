"""Dagster resources: thin configurable wrappers over riskflows' warehouse, rules and Slack."""
