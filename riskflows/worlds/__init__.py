"""Evaluation worlds written by authors who never read riskflows' detection code, rule packs or generators.

Each package writes one DuckDB file holding an exchange's `src` tables and the truth about it
(`synthetic.labels`, `synthetic.hard_negatives`), from the source contract and a description of real
abuse and honest crowds alone: `python -m riskflows.worlds.<name> OUT.duckdb [--seed N] [--users N]`.
Nothing in riskflows imports them except the evaluation (`riskflows evaluate --worlds`).

- lantern: a mobile-first South-East Asian retail exchange (six campaigns, one a regional edition)
- meridian: a European and Latin American exchange of active traders, copy-trading and market makers
- tollgate: public on-chain data of a bridge's airdrop: addresses and transfers only
"""
