"""Analysts' verdicts: a biased, imperfect sample of participants.

Analysts mostly open cases that look suspicious (which includes the honest look-alikes),
rarely a random participant, and about one verdict in ten is wrong. Precision measured on
these verdicts is therefore an estimate with a known bias, as it is in real life.
"""

from __future__ import annotations

import numpy as np

from riskflows.synthetic.population import Context
from riskflows.synthetic.schema import VERDICTS
from riskflows.synthetic.timeline import DAY, human_times

REVIEWERS = ("li.wei", "chen.jing", "m.garcia", "a.okafor", "s.nguyen", "k.tanaka")
CONFIRMED, FALSE_POSITIVE, INCONCLUSIVE = (VERDICTS.index(v) for v in VERDICTS)
_P_REVIEW = {"abusive": 0.35, "look_alike": 0.15, "ordinary": 0.02}


def analyst_reviews(ctx: Context, rng: np.random.Generator) -> None:
    rows, pop = ctx.rows, ctx.pop
    camp = rows.column("enrollments", "campaign_id").astype(np.int64)
    user = rows.column("enrollments", "user_id").astype(np.int64)
    at = rows.column("enrollments", "enrolled_at").astype(np.int64)
    if not len(user):
        return
    abusive = np.zeros(pop.n, dtype=bool)
    abusive[rows.column("labels", "user_id").astype(np.int64)] = True
    look_alike = np.zeros(pop.n, dtype=bool)
    for _, members in ctx.hard_negatives:
        look_alike[members] = True
    p = np.where(
        abusive[user], _P_REVIEW["abusive"], np.where(look_alike[user], _P_REVIEW["look_alike"], _P_REVIEW["ordinary"])
    )
    pick = np.flatnonzero(rng.random(len(user)) < p)
    camp, user, at = camp[pick], user[pick], at[pick]
    reviewed = human_times(
        rng,
        at + DAY // 2,
        at + (rng.lognormal(0, 0.6, len(at)) * 3 * DAY).astype(np.int64) + DAY,
        np.full(len(at), 8.0),
    )  # the risk team sits in UTC+8
    ok = reviewed < ctx.window.end
    camp, user, reviewed = camp[ok], user[ok], reviewed[ok]
    r = rng.random(len(user))
    truth = abusive[user]
    verdict = np.where(
        truth,
        np.where(r < 0.8, CONFIRMED, np.where(r < 0.9, INCONCLUSIVE, FALSE_POSITIVE)),
        np.where(r < 0.76, FALSE_POSITIVE, np.where(r < 0.9, INCONCLUSIVE, CONFIRMED)),
    )
    rows.add(
        "reviews",
        campaign_id=camp,
        user_id=user,
        reviewed_at=reviewed,
        verdict=verdict,
        reviewer=rng.integers(0, len(REVIEWERS), len(user)),
    )
