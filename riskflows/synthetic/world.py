"""generate_world: a deterministic synthetic exchange with campaigns, customers and abusers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from riskflows.synthetic import identity as ident
from riskflows.synthetic.abuse import abusive_accounts, plan_abuse, run_abuse
from riskflows.synthetic.campaigns import campaigns_frame, plan_campaigns
from riskflows.synthetic.editions import regional_editions
from riskflows.synthetic.events import ASSETS, SYMBOLS
from riskflows.synthetic.honest import honest_activity, honest_campaigns
from riskflows.synthetic.onchain import onchain_view
from riskflows.synthetic.population import Context, Population, build_carrier_nat, build_hot_wallets, populate_honest
from riskflows.synthetic.reviews import REVIEWERS, analyst_reviews
from riskflows.synthetic.rewards import trading_competition_payouts
from riskflows.synthetic.schema import (
    CAMPAIGN_KINDS,
    HARD_NEGATIVE_GROUPS,
    PATTERNS,
    REWARD_STATUSES,
    TRADE_SIDES,
    VERDICTS,
)
from riskflows.synthetic.tables import assemble
from riskflows.synthetic.timeline import Window

DEFAULT_START = dt.date(2026, 9, 1)
DEFAULT_DAYS = 35


@dataclass
class SyntheticWorld:
    """One frame per source table (contract columns and order) plus the ground truth."""

    campaigns: pd.DataFrame
    users: pd.DataFrame
    logins: pd.DataFrame
    enrollments: pd.DataFrame
    rewards: pd.DataFrame
    deposits: pd.DataFrame
    withdrawals: pd.DataFrame
    trades: pd.DataFrame
    transfers: pd.DataFrame
    reviews: pd.DataFrame
    labels: pd.DataFrame
    hard_negatives: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def generate_world(
    seed: int,
    users: int,
    start: dt.date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    editions: bool = False,
    onchain: bool = False,
) -> SyntheticWorld:
    """Generate `users` accounts and their activity; same arguments, same world.

    editions: run every campaign a second time as an Asia-Pacific edition (10 campaigns, not 5).
    onchain: keep only what public airdrop data has, accounts linked by transfers (see
    riskflows.synthetic.onchain); applied after the editions.
    """
    if users < 1000:
        raise ValueError("users must be at least 1000 so every pattern and look-alike group fits")
    streams = iter(np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8))
    rng_plan, rng_pop, rng_abuse, rng_honest, rng_camp, rng_pay, rng_review, rng_ids = streams
    window = Window.of(start, days)
    campaigns = plan_campaigns(rng_plan, window, users)
    # Abusive accounts take the slots after the honest ones (public ids are shuffled later).
    groups = plan_abuse(rng_plan, users, 0)
    n_honest = users - abusive_accounts(groups)
    for g in groups:
        g.members, g.infra = g.members + n_honest, g.infra + n_honest

    ctx = Context(window=window, campaigns=campaigns, pop=Population(users), n_honest=n_honest)
    build_carrier_nat(ctx, rng_pop)
    build_hot_wallets(ctx, rng_pop)
    populate_honest(ctx, rng_pop)
    ctx.maker_cdf = np.cumsum(ctx.pop.maker_weight)
    run_abuse(ctx, rng_abuse, groups)
    honest = np.arange(n_honest)
    honest_activity(ctx, rng_honest, honest)
    honest_campaigns(ctx, rng_camp, honest)
    trading_competition_payouts(ctx, rng_pay, campaigns["trading_competition"], _held_share(ctx))
    analyst_reviews(ctx, rng_review)

    for code, members in ctx.hard_negatives:
        ctx.rows.add("hard_negatives", group=np.full(len(members), code), user_id=members)
    user_ids = 10_000_000 + rng_ids.choice(40 * users, users, replace=False).astype(np.int64)
    _add_users(ctx)
    vocab = _vocabularies(ctx, campaigns)
    frames = {
        name: assemble(ctx.rows, name, user_ids, vocab)
        for name in (
            "users",
            "logins",
            "enrollments",
            "rewards",
            "deposits",
            "withdrawals",
            "trades",
            "transfers",
            "reviews",
            "labels",
            "hard_negatives",
        )
    }
    frames["hard_negatives"] = frames["hard_negatives"].sort_values(["group", "user_id"], ignore_index=True)
    frames["labels"] = frames["labels"].sort_values(["campaign_id", "user_id"], ignore_index=True)
    world = SyntheticWorld(campaigns=campaigns_frame(campaigns), **frames)
    tables = world.tables()
    if editions:
        tables = regional_editions(tables)
    if onchain:
        tables = onchain_view(tables)
    return SyntheticWorld(**tables)


def _held_share(ctx: Context):
    from riskflows.synthetic.abuse import HELD

    abusive = np.zeros(ctx.pop.n, dtype=bool)
    abusive[ctx.rows.column("labels", "user_id").astype(np.int64)] = True
    return lambda users: np.where(abusive[users], HELD, 0.03)


def _add_users(ctx: Context) -> None:
    p = ctx.pop
    ctx.rows.add(
        "users",
        user_id=np.arange(p.n),
        registered_at=p.reg,
        country=p.country,
        kyc_level=p.kyc,
        referrer_id=p.referrer,
        registration_ip=p.reg_ip,
        registration_device_id=p.reg_device,
        email_domain=p.email,
    )


def _vocabularies(ctx: Context, campaigns) -> dict[str, np.ndarray]:
    ids = sorted(campaigns.values(), key=lambda c: c.code)
    obj = lambda xs: np.array(list(xs), dtype=object)  # noqa: E731
    return {
        "ip": ctx.ips.strings(),
        "device": ctx.devices.strings(),
        "address": ctx.addresses.strings(),
        "user_agent": obj(ident.USER_AGENTS),
        "country": obj(ident.COUNTRIES),
        "email": obj(ident.EMAIL_DOMAINS),
        "campaign": obj(c.campaign_id for c in ids),
        "status": obj(REWARD_STATUSES),
        "asset": obj(ASSETS),
        "symbol": obj(SYMBOLS),
        "side": obj(TRADE_SIDES),
        "verdict": obj(VERDICTS),
        "reviewer": obj(REVIEWERS),
        "pattern": obj(PATTERNS),
        "group": obj(HARD_NEGATIVE_GROUPS),
    }


__all__ = ["SyntheticWorld", "generate_world", "CAMPAIGN_KINDS"]
