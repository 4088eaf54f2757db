"""lantern: a synthetic mobile-first retail exchange in South-East and South Asia, for evaluating a
campaign-abuse detector. See README.md."""

from __future__ import annotations

from . import _campaigns as C
from . import _honest as Hn
from ._abuse import Farms, farm_account_total
from ._world import World
from ._write import build_tables, write

DEFAULT_USERS = 30000


def generate(path: str, seed: int = 1, users: int = DEFAULT_USERS, end: str | None = None) -> dict[str, int]:
    """Write the whole world into a new DuckDB file at `path`; return row counts per table."""
    sched = C.make_schedule(seed, users, end)
    W = World(seed, users, sched)
    n_h = max(1000, users - farm_account_total(users))
    H = Hn.build(W, n_h)
    Hn.activity(W, H)
    Hn.campaigns(W, H)
    F = Farms(W)
    F.run()
    W.dev_id_arr = W.dev_id.array()
    rw = C.evaluate(W)
    rw = C.legacy_status(W, rw)
    Hn.after_rewards(W, H, rw)
    F.cash_out(rw)
    tables = build_tables(W, H, rw, C.reviews)
    return write(path, tables)


__all__ = ["generate", "DEFAULT_USERS"]
