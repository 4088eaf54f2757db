"""What links accounts: shared devices, IPs, addresses, referrals and internal transfers.

`shared_key_ctes` lists, for every account up to the day evaluated, the things it shares
with others (a device fingerprint, an IP, a /24, a deposit source, a withdrawal address),
with each key's degree and whether it is a hub. Hubs are decided by what the data shows:
a key seen on a great many accounts, or on many accounts whose registrations are spread
over months (carrier NAT, another exchange's deposit address, an internet café) links
nobody. A device needs fewer such accounts than other keys (five): a phone is personal, so
five accounts registered months apart on one are a café's or a campus's computer. Farms, by
contrast, share keys among accounts created together.

`link_table_sql` turns the non-hub keys, referral edges and internal transfers into the
(user_id, link_kind, key) table that `riskflows.clustering` groups into clusters.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from riskflows.days import day_params
from riskflows.quarantine import SourceLayout, day_clean_relation
from riskflows.warehouse import replace_partition

ACCOUNT_LINKS_TABLE = "risk.account_links"


@dataclass(frozen=True)
class HubPolicy:
    """When a shared key is a hub rather than evidence of common control."""

    max_accounts: int = 500  # beyond this, a key is a hub however its accounts look
    diverse_accounts: int = 25  # at or beyond this, a key is a hub if its accounts are diverse
    diverse_spread_days: float = 120.0  # std-dev of registration dates that counts as diverse
    # a device is personal: one that this many accounts registered months apart have used is a
    # café's, a campus's or an office's computer (a farm's phone holds accounts made within days)
    shared_device_accounts: int = 5

    def params(self) -> dict:
        return {
            "hub_max_accounts": self.max_accounts,
            "hub_diverse_accounts": self.diverse_accounts,
            "hub_spread_days": self.diverse_spread_days,
            "hub_shared_device_accounts": self.shared_device_accounts,
        }


def registration_spread_days(registered_at: str) -> str:
    """SQL aggregate: the standard deviation of a group's registration times, in days (the hub test's
    measure of diversity; NULL when no registration is known)."""
    return f"CAST(STDDEV_POP(EXTRACT(EPOCH FROM {registered_at})) AS DOUBLE PRECISION) / 86400.0"


def _ip24(column: str) -> str:
    return f"split_part({column}, '.', 1) || '.' || split_part({column}, '.', 2) || '.' || split_part({column}, '.', 3)"


# the link kinds `shared_key_ctes` finds; account_links adds referral and transfer edges
SHARED_KEY_KINDS = ("device", "ip", "ip24", "deposit_source", "withdrawal_address")


def registered_users_cte(layout: SourceLayout) -> str:
    """CTE `reg_users`: every account registered before :day_end."""
    users = day_clean_relation("users", layout)
    return f"""
reg_users AS (
    SELECT user_id, registered_at, kyc_level, referrer_id, registration_ip, registration_device_id
    FROM {users} x WHERE registered_at < :day_end
)"""


def _user_key_selects(deposits: str, withdrawals: str) -> dict[str, tuple[str, ...]]:
    """Per shared-key kind, the SELECTs of (user_id, key) that find it (over `login_keys` and `reg_users`)."""
    return {
        "device": (
            "SELECT user_id, device_id FROM login_keys WHERE device_id IS NOT NULL",
            "SELECT user_id, registration_device_id FROM reg_users WHERE registration_device_id IS NOT NULL",
        ),
        "ip": (
            "SELECT user_id, ip FROM login_keys WHERE ip IS NOT NULL",
            "SELECT user_id, registration_ip FROM reg_users WHERE registration_ip IS NOT NULL",
        ),
        "ip24": (
            f"SELECT user_id, {_ip24('ip')} FROM login_keys WHERE ip LIKE '%.%.%.%'",
            f"SELECT user_id, {_ip24('registration_ip')} FROM reg_users WHERE registration_ip LIKE '%.%.%.%'",
        ),
        "deposit_source": (
            f"SELECT user_id, from_address FROM {deposits} x WHERE ts < :day_end AND from_address IS NOT NULL",
        ),
        "withdrawal_address": (
            f"SELECT user_id, to_address FROM {withdrawals} x WHERE ts < :day_end AND to_address IS NOT NULL",
        ),
    }


def shared_key_ctes(layout: SourceLayout) -> str:
    """CTEs `reg_users`, `user_keys`, `key_stats`, `shared_keys` for everything visible before :day_end."""
    logins = day_clean_relation("logins", layout)
    selects = _user_key_selects(day_clean_relation("deposits", layout), day_clean_relation("withdrawals", layout))
    # one list of kinds: what user_features reads back from the links (SHARED_KEY_KINDS) is what is found here
    union = "\n        UNION ALL ".join(
        f"SELECT user_id, '{kind}' AS link_kind, key FROM ({select}) s (user_id, key)"
        for kind in SHARED_KEY_KINDS
        for select in selects[kind]
    )
    return f"""{registered_users_cte(layout)},
login_keys AS (
    SELECT DISTINCT user_id, ip, device_id FROM {logins} x WHERE ts < :day_end
),
user_keys AS (
    SELECT DISTINCT user_id, link_kind, key FROM (
        {union}
    ) k
),
key_stats AS (
    SELECT link_kind, key, degree, reg_spread_days,
           (degree > :hub_max_accounts
            OR (degree >= CASE WHEN link_kind = 'device' THEN :hub_shared_device_accounts ELSE :hub_diverse_accounts END
                AND COALESCE(reg_spread_days, 0) > :hub_spread_days)) AS is_hub
    FROM (
        SELECT k.link_kind, k.key, COUNT(*) AS degree,
               {registration_spread_days("r.registered_at")} AS reg_spread_days
        FROM user_keys k LEFT JOIN reg_users r ON r.user_id = k.user_id
        GROUP BY k.link_kind, k.key
    ) s
),
shared_keys AS (
    SELECT k.user_id, k.link_kind, k.key, s.degree
    FROM user_keys k JOIN key_stats s ON s.link_kind = k.link_kind AND s.key = k.key
    WHERE s.degree >= 2 AND NOT s.is_hub
)"""


def day_shared_keys_cte() -> str:
    """CTE `shared_keys` (user_id, link_kind, key, degree) read from the day's risk.account_links:
    the same rows `shared_key_ctes` computes from the sources (every holder of a non-hub key shared
    by two or more accounts), without scanning every login again. The day's links must be written."""
    kinds = ", ".join(f"'{kind}'" for kind in SHARED_KEY_KINDS)
    return f"""
shared_keys AS (
    SELECT user_id, link_kind, key, COUNT(*) OVER (PARTITION BY link_kind, key) AS degree
    FROM {ACCOUNT_LINKS_TABLE} WHERE date = :date AND link_kind IN ({kinds})
)"""


def account_key(prefix: str, user_id: str) -> str:
    """SQL for a key naming an account: "ref:42" (referred by 42), "to:42" (money into 42), "from:42"
    (money out of 42)."""
    return f"'{prefix}:' || CAST({user_id} AS VARCHAR)"


def link_table_sql(layout: SourceLayout) -> str:
    """SELECT user_id, link_kind, key: every non-hub shared key, referral edge and transfer edge.

    A referral or transfer edge is encoded as a key naming an account ("ref:42", "to:42",
    "from:42") held by both ends, so a funder, a collector or a referrer becomes one key
    shared by everyone it touches and its degree can be judged like any other key.
    Hub judgement for those account keys is left to the clustering's degree cap.
    """
    transfers = day_clean_relation("transfers", layout)
    return f"""
WITH {shared_key_ctes(layout)},
transfer_edges AS (
    SELECT DISTINCT from_user_id, to_user_id FROM {transfers} x
    WHERE ts < :day_end AND from_user_id <> to_user_id
)
SELECT user_id, link_kind, key FROM shared_keys
UNION ALL SELECT user_id, 'referral', {account_key("ref", "referrer_id")} FROM reg_users
    WHERE referrer_id IS NOT NULL
UNION ALL SELECT DISTINCT referrer_id, 'referral', {account_key("ref", "referrer_id")} FROM reg_users
    WHERE referrer_id IS NOT NULL
UNION ALL SELECT from_user_id, 'transfer', {account_key("to", "to_user_id")} FROM transfer_edges
UNION ALL SELECT DISTINCT to_user_id, 'transfer', {account_key("to", "to_user_id")} FROM transfer_edges
UNION ALL SELECT to_user_id, 'transfer', {account_key("from", "from_user_id")} FROM transfer_edges
UNION ALL SELECT DISTINCT from_user_id, 'transfer', {account_key("from", "from_user_id")} FROM transfer_edges
"""


def build_account_links(engine: sa.Engine, date) -> int:
    """Replace the day's account links (risk.account_links); returns the rows written."""
    with engine.connect() as conn:
        layout = SourceLayout.inspect(conn)
    params = day_params(date)
    return replace_partition(
        engine,
        ACCOUNT_LINKS_TABLE,
        {"date": params["date"]},
        insert_sql=f"INSERT INTO {ACCOUNT_LINKS_TABLE} (date, user_id, link_kind, key) "
        f"SELECT CAST(:date AS DATE), user_id, link_kind, key FROM ({link_table_sql(layout)}) l",
        params={**params, **HubPolicy().params()},
    )
