"""The on-chain view of a world: accounts linked by transfers and nothing else.

Public airdrop data (a token's claims and the transfers between wallets) has no logins,
devices, IPs, e-mail domains, trades or referral links, and no list of which addresses are
exchanges' hot wallets. `onchain_view` turns a generated world into that shape so detection
can be measured on it with the same labels:

- every external address a deposit came from or a withdrawal went to becomes an account of
  its own (registered the day before it is first seen, KYC 0, nothing else known), and the
  deposit or withdrawal becomes a transfer from or to it. A hot wallet that funds hundreds
  of customers is then just an account with a high transfer degree, as it is on chain;
- logins, trades, deposits and withdrawals are emptied; registration IP and device, e-mail
  domain, country and every referrer are NULL;
- campaigns, enrolments, rewards, reviews, labels and hard negatives are unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EMPTIED = ("logins", "trades", "deposits", "withdrawals")
USER_COLUMNS_UNKNOWN = ("country", "referrer_id", "registration_ip", "registration_device_id", "email_domain")


def onchain_view(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """A copy of `tables` in which accounts are linked only by transfers (see the module docstring)."""
    users = tables["users"]
    funded = tables["deposits"].dropna(subset=["from_address"])
    swept = tables["withdrawals"].dropna(subset=["to_address"])
    first_seen = pd.concat([funded.set_index("from_address")["ts"], swept.set_index("to_address")["ts"]])
    first_seen = first_seen.groupby(level=0, sort=True).min()
    first_id = int(users["user_id"].max()) + 1
    account_of = pd.Series(np.arange(first_id, first_id + len(first_seen), dtype="int64"), index=first_seen.index)

    out = dict(tables)
    known = users.copy()
    for column in USER_COLUMNS_UNKNOWN:
        known[column] = pd.Series(pd.NA, index=known.index, dtype=users[column].dtype)
    address_accounts = pd.DataFrame(
        {
            "user_id": account_of.to_numpy(),
            "registered_at": (first_seen - pd.Timedelta(days=1)).to_numpy(),
            "kyc_level": 0,
        }
    )
    out["users"] = pd.concat([known, address_accounts], ignore_index=True).astype(users.dtypes.to_dict())

    transfers = tables["transfers"]
    flows = pd.concat(
        [
            _flows(
                funded, source=account_of.loc[funded["from_address"]].to_numpy(), target=funded["user_id"].to_numpy()
            ),
            _flows(swept, source=swept["user_id"].to_numpy(), target=account_of.loc[swept["to_address"]].to_numpy()),
        ],
        ignore_index=True,
    )
    first_transfer = int(transfers["transfer_id"].max()) + 1 if len(transfers) else 1
    flows.insert(0, "transfer_id", np.arange(first_transfer, first_transfer + len(flows), dtype="int64"))
    out["transfers"] = (
        pd.concat([transfers, flows[transfers.columns]], ignore_index=True)
        .astype(transfers.dtypes.to_dict())
        .sort_values("ts", ignore_index=True)
    )

    for name in EMPTIED:
        out[name] = tables[name].iloc[0:0].copy()
    enrollments = tables["enrollments"].copy()
    enrollments["referrer_id"] = pd.Series(pd.NA, index=enrollments.index, dtype=enrollments["referrer_id"].dtype)
    out["enrollments"] = enrollments
    return out


def _flows(money: pd.DataFrame, *, source: np.ndarray, target: np.ndarray) -> pd.DataFrame:
    """Deposits or withdrawals as transfers between the two accounts (transfer_id added later)."""
    return pd.DataFrame(
        {
            "from_user_id": source,
            "to_user_id": target,
            "ts": money["ts"].to_numpy(),
            "asset": money["asset"].to_numpy(),
            "amount_usd": money["amount_usd"].to_numpy(),
        }
    )
