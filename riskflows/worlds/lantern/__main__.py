import argparse
import time

from . import DEFAULT_USERS, generate

p = argparse.ArgumentParser(prog="python -m riskflows.worlds.lantern")
p.add_argument("out")
p.add_argument("--seed", type=int, default=1)
p.add_argument("--users", type=int, default=DEFAULT_USERS)
p.add_argument("--end", default=None, help="last day of data, YYYY-MM-DD")
a = p.parse_args()
t = time.time()
counts = generate(a.out, seed=a.seed, users=a.users, end=a.end)
for k, v in counts.items():
    print(f"{k:28s} {v:>10,d}")
print(f"done in {time.time() - t:.1f}s")
