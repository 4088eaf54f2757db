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
    deposits, withdrawals, users = tables["deposits"], tables["withdrawals"], tables["users"]
    seen = pd.concat([
        deposits.loc[deposits["from_address"].notna(), ["from_address", "ts"]].set_axis(["address", "ts"], axis=1),
        withdrawals.loc[withdrawals["to_address"].notna(), ["to_address", "ts"]].set_axis(["address", "ts"], axis=1),
    ])
    addresses = seen.groupby("address", sort=True)["ts"].min()
    first_id = int(users["user_id"].max()) + 1
    account_of = pd.Series(np.arange(first_id, first_id + len(addresses), dtype="int64"), index=addresses.index)

    address_accounts = pd.DataFrame({"user_id": account_of.to_numpy(),
                                     "registered_at": (addresses - pd.Timedelta(days=1)).to_numpy(),
                                     "kyc_level": 0})
    out = dict(tables)
    known = users.copy()
    for column in USER_COLUMNS_UNKNOWN:
        known[column] = pd.Series(pd.NA, index=known.index, dtype=users[column].dtype)
    out["users"] = pd.concat([known, address_accounts], ignore_index=True).astype(users.dtypes.to_dict())

    funded = deposits[deposits["from_address"].notna()]
    swept = withdrawals[withdrawals["to_address"].notna()]
    flows = pd.concat([
        pd.DataFrame({"from_user_id": account_of.loc[funded["from_address"]].to_numpy(),
                      "to_user_id": funded["user_id"].to_numpy(), "ts": funded["ts"].to_numpy(),
                      "asset": funded["asset"].to_numpy(), "amount_usd": funded["amount_usd"].to_numpy()}),
        pd.DataFrame({"from_user_id": swept["user_id"].to_numpy(),
                      "to_user_id": account_of.loc[swept["to_address"]].to_numpy(), "ts": swept["ts"].to_numpy(),
                      "asset": swept["asset"].to_numpy(), "amount_usd": swept["amount_usd"].to_numpy()}),
    ], ignore_index=True)
    transfers = tables["transfers"]
    first_transfer = int(transfers["transfer_id"].max()) + 1 if len(transfers) else 1
    flows.insert(0, "transfer_id", np.arange(first_transfer, first_transfer + len(flows), dtype="int64"))
    out["transfers"] = (pd.concat([transfers, flows[transfers.columns]], ignore_index=True)
                        .astype(transfers.dtypes.to_dict()).sort_values("ts", ignore_index=True))

    for name in EMPTIED:
        out[name] = tables[name].iloc[0:0].copy()
    enrollments = tables["enrollments"].copy()
    enrollments["referrer_id"] = pd.Series(pd.NA, index=enrollments.index, dtype=enrollments["referrer_id"].dtype)
    out["enrollments"] = enrollments
    return out
