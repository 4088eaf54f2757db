"""python -m riskflows.worlds.meridian OUT.duckdb [--seed N] [--users N] [--end YYYY-MM-DD]"""

from __future__ import annotations

import argparse
import time

from . import DEFAULT_USERS, generate


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m riskflows.worlds.meridian")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--users", type=int, default=DEFAULT_USERS)
    ap.add_argument("--end", default=None)
    a = ap.parse_args()
    t0 = time.time()
    counts = generate(a.out, seed=a.seed, users=a.users, end=a.end)
    for k, v in counts.items():
        print(f"{k:28s} {v:>10,d}")
    print(f"written {a.out} in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
