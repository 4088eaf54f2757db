"""python -m riskflows.worlds.tollgate OUT.duckdb [--seed N] [--users N] [--end YYYY-MM-DD]"""

from __future__ import annotations

import argparse
import time

from . import DEFAULT_USERS, generate


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m riskflows.worlds.tollgate", description=__doc__)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--users", type=int, default=DEFAULT_USERS)
    ap.add_argument("--end", default=None, help="last day of the data, YYYY-MM-DD")
    a = ap.parse_args(argv)
    t0 = time.time()
    counts = generate(a.out, seed=a.seed, users=a.users, end=a.end)
    for k, v in counts.items():
        print(f"{k:16s} {v:>10,}")
    print(f"wrote {a.out} in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
