"""Synthetic crypto exchange: source tables for riskflows plus ground truth kept apart.

    generate_world(seed, users, start, days) -> SyntheticWorld   (pandas frames, deterministic)
    write_world(engine, world) -> row counts                     (src.* and synthetic.*)
    seed_warehouse(engine, seed, users, start=None, days=None)   (both)

The pipeline never reads schema `synthetic`; it exists so detection can be scored.
"""

from riskflows.synthetic.schema import HARD_NEGATIVE_GROUPS, PATTERNS
from riskflows.synthetic.world import SyntheticWorld, generate_world
from riskflows.synthetic.writer import seed_warehouse, write_world

__all__ = ["HARD_NEGATIVE_GROUPS", "PATTERNS", "SyntheticWorld", "generate_world", "seed_warehouse", "write_world"]
