"""Every behavioural feature riskflows computes, one line each on what it means.

This list is the single statement of the feature tables' columns: the Pandera models,
the table DDL and the rule validator (which columns a rule may name) all derive from it.
SQL that computes each feature lives in `user_features` and `participant_features`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Feature:
    name: str
    kind: str  # 'number' | 'integer' | 'text'
    meaning: str
    min_value: float | None = 0.0
    max_value: float | None = None


def _n(name, meaning, lo=0.0, hi=None):
    return Feature(name, "number", meaning, lo, hi)


def _i(name, meaning, lo=0, hi=None):
    return Feature(name, "integer", meaning, lo, hi)


def _t(name, meaning):
    return Feature(name, "text", meaning, None, None)


# Per user, as of the end of the partition day, over all history up to then.
USER_FEATURES: tuple[Feature, ...] = (
    # identity and age
    _n("account_age_days", "days from registration to the end of the day evaluated"),
    _i("kyc_level", "identity verification level, 0 (none) to 3 (full)", 0, 3),
    _i("has_referrer", "1 when the account was referred at registration", 0, 1),
    # logins
    _i("login_count", "logins so far"),
    _i("distinct_devices", "device fingerprints the account logged in from"),
    _i("distinct_ips", "IP addresses the account logged in from"),
    _n("device_churn", "distinct devices per login; near 1 over many logins = a fresh fingerprint every session", 0, 1),
    _n("login_gap_cv", "coefficient of variation of gaps between logins of the last 30 days; near 0 = clockwork"),
    _n("login_hour_entropy", "Shannon entropy (bits) of login hour-of-day; humans sleep, bots do not", 0, 5),
    _n("top_user_agent_share", "share of logins made with the most used user agent", 0, 1),
    # sharing (hubs such as carrier NAT or exchange deposit addresses excluded)
    _i(
        "accounts_per_device",
        "most accounts seen on one of this account's devices, hubs excepted (as for the next four): "
        "shared computers, carrier NAT, exchange addresses, as riskflows.account_links.HubPolicy decides",
    ),
    _i("accounts_per_ip", "most accounts seen on one of this account's IPs"),
    _i("accounts_per_ip24", "most accounts seen on one of this account's /24 IP ranges"),
    _i("accounts_per_deposit_source", "most accounts funded from one of this account's deposit source addresses"),
    _i("accounts_per_withdrawal_address", "most accounts withdrawing to one of this account's addresses"),
    _i("burst_device_peers", "accounts sharing a device or address with this one and registered within 48 h of it"),
    _i("burst_network_peers", "accounts sharing an IP or /24 with this one and registered within 48 h of it"),
    # money
    _i("deposit_count", "deposits so far"),
    _n("deposit_usd", "total deposited, USD"),
    _n("max_deposit_usd", "largest single deposit, USD"),
    _i("withdrawal_count", "withdrawals so far"),
    _n("withdrawal_usd", "total withdrawn, USD"),
    _n("transfer_in_usd", "internal transfers received, USD"),
    _n("transfer_out_usd", "internal transfers sent, USD"),
    _i("transfer_counterparties", "distinct accounts this account moved money with internally"),
    _i("funder_fanout", "most accounts funded internally by one of the accounts that funded this one"),
    _i("collector_fanin", "most accounts sweeping money to one of this account's internal recipients"),
    _n(
        "money_out_gap_cv",
        "coefficient of variation of gaps between the account's payments out (withdrawals, transfers) of the last "
        "30 days; NULL below seven payments; near 0 = a schedule (a bot bridging every 12 h), people pay when they need to",
    ),
    # referral network
    _i("referees", "accounts registered with this account as referrer"),
    _n("referee_deposit_share", "share of referees that ever deposited", 0, 1),
    _n("referee_trade_share", "share of referees that ever traded", 0, 1),
    _n("referee_kyc_share", "share of referees with KYC level 1 or more", 0, 1),
    _i("referral_depth", "referrers above this account in the referral chain (capped at 5)", 0, 5),
    # trading
    _i("trade_count", "trades so far"),
    _n("trade_volume_usd", "traded notional, USD"),
    _i("trade_counterparties", "distinct accounts matched against"),
    _n("top_counterparty_share", "share of matched volume against the single largest counterparty", 0, 1),
    _n("net_position_ratio", "|bought - sold| / traded; near 0 = the account ends flat, as wash trades do", 0, 1),
)

# Per campaign participant: the user features plus what the campaign adds.
CAMPAIGN_FEATURES: tuple[Feature, ...] = (
    _n("enroll_delay_hours", "hours from registration to enrolling in this campaign", None),
    _n("reward_usd", "campaign rewards granted to the participant so far, USD"),
    _n("hours_reward_to_withdrawal", "hours from the first reward to the first withdrawal or transfer out after it"),
    _n(
        "withdrawn_share_after_reward",
        "money out after the first reward / (deposits + transfers in + rewards)",
        0,
        None,
    ),
    _n(
        "money_left_share",
        "(money in - money out) / money in, over deposits, transfers and every campaign's "
        "rewards; near 0 = emptied, negative = more out than ever came in",
        None,
        1,
    ),
    _n("campaign_trade_volume_usd", "traded notional since the campaign started, USD"),
    _n(
        "campaign_counterparty_share",
        "share of matched volume since the campaign started traded against other "
        "participants (of this campaign or a sister: same kind, overlapping window); honest fills meet the whole "
        "market, rings meet each other",
        0,
        1,
    ),
    _i("campaign_referees", "participants (this campaign or a sister) the user referred"),
    _n("campaign_referee_deposit_share", "share of those referees that ever deposited", 0, 1),
    _i("cluster_size", "accounts in the participant's linked-account cluster (1 when unlinked)", 1),
    _i("cluster_participants", "accounts of the cluster enrolled in this campaign or a sister"),
    _n("cluster_participant_share", "share of the cluster enrolled in this campaign or a sister", 0, 1),
    _n("cluster_registration_spread_days", "days between the first and last registration in the cluster"),
    _n("cluster_reward_usd", "campaign rewards granted to the cluster, USD"),
    _n("cluster_trade_share", "share of the participant's matched volume traded inside its own cluster", 0, 1),
    _i(
        "funder_campaign_fanout",
        "most participants funded by one of this account's sources (address or account) "
        "whose accounts are mostly participants (this campaign or a sister); 0 when no such source",
    ),
    _i(
        "collector_campaign_fanin",
        "most participants paying out to one of this account's destinations (address or "
        "account) whose accounts are mostly participants (this campaign or a sister); 0 when no such destination",
    ),
    _i(
        "campaign_referral_depth",
        "consecutive referrers above the participant who are participants too (this campaign or a sister; capped at 5)",
        0,
        5,
    ),
    _i(
        "cluster_referral_depth",
        "longest chain of referrals among the cluster's participants (this campaign or a sister)",
        0,
        5,
    ),
    _n(
        "cluster_cash_out_share",
        "share of the cluster's rewarded participants whose withdrawn_share_after_reward is at least 0.5",
        0,
        1,
    ),
    # hollowness: a life outside the campaign (riskflows.coordination)
    _i(
        "active_days_before_enroll",
        "days with a trade or a money movement in the 60 days before enrolling, not "
        "counting the 2 days right before (logins do not count: they are free); 0-2 = a hollow account (new, or an "
        "aged one gone quiet)",
    ),
    _i("active_days_since_enroll", "days with a trade or a money movement since enrolling"),
    # coordination: lockstep with other participants, judged against this campaign's own pairs
    _i(
        "lockstep_peers",
        "participants (this campaign or a sister) sharing this one's least likely lockstep "
        "signature: at least two of registration (when a day or more before enrolling), enrollment, first funding, "
        "first trade and first money out (after the enrollment's own second: a deposit that enrolls is the "
        "enrollment) within the hour, or near-equal amounts, plus the links they share",
    ),
    _n(
        "lockstep_chance",
        "participants of this campaign expected to coincide with this many others, in the whole "
        "crowd, by accident: the campaign's rate for the signature, scaled by how crowded the participant's hour "
        "and amount were, under a negative-binomial tail; 1e-6 or less = a crowd does not explain it",
        0,
        1,
    ),
    _n(
        "linked_lockstep_chance",
        "the same among the participant's linked peers (a shared device, network, money "
        "source or destination; not a shared referrer, whose audience comes together by design): participants expected to coincide with this many of their linked "
        "accounts by accident; 0.01 or less = the linked accounts move together",
        0,
        1,
    ),
    _n(
        "lockstep_hollow_share",
        "share of this participant and its lockstep peers that are hollow (active_days_before_enroll <= 2)",
        0,
        1,
    ),
    _t(
        "lockstep_signature",
        "what this participant and its lockstep peers have in common: registered, enrolled, "
        "funded, traded, cashed_out (within the hour; _minutes: within ten minutes), fund_amount, out_amount "
        "(near-equal), device, network, source, destination, referral (shared)",
    ),
    _n(
        "key_spread_chance",
        "keys of this campaign expected, by accident, to hold participants as tightly bunched as the "
        "tightest personal key this participant holds (a device, money source or destination that is not a "
        "service): all but a quarter of its holders registered, enrolled, were funded, first traded or first "
        "cashed out within a window, or moved amounts within a range, covering a share key_spread_width of the "
        "campaign (times on the participant's own edition's calendar), judged on the key's tightest dimension and "
        "its tightest of another act (on a funder or collector, an amount only some holders moved is one act with "
        "its time, unless it is the key's own payment); 0.01 or less = the key's holders move together over days, not by chance",
        0,
        1,
    ),
    _i("key_spread_holders", "participants holding the key key_spread_chance judges"),
    _t(
        "key_spread_kind", "that key's kind and the dimensions its holders bunch on, e.g. source:fund_amount+registered"
    ),
    _n("key_spread_width", "share of the campaign's participants inside that key's tightest window", 0, 1),
    _n("key_spread_hollow_share", "share of that key's holders that are hollow", 0, 1),
    _i(
        "personal_peers",
        "participants (this campaign or a sister) sharing a device, a money source or a money destination "
        "with this one; services and shared computers (a device five or more accounts registered months apart "
        "have used) excepted, and a key of five or more holders only when its holders bunch (see "
        "key_spread_chance): a household shares a phone, a farm shares its rack and its funder. A money source "
        "that paid this participant on three or more days spanning 60 or more before it enrolled (a payroll, a "
        "family's card) is no key of this participant's: a farm's funder seeds its accounts for the campaign. "
        "The key itself (a service or not, how many hold it, whether they bunch) is judged on all its holders, "
        "those it paid for months included: a merchant paying its regulars is no household key to the "
        "newcomers it also pays",
    ),
    _n("personal_peer_hollow_share", "share of those participants that are hollow", 0, 1),
    _i(
        "relay_chain_reach",
        "participants (this campaign or a sister) this one reaches, or is reached by, along a line of "
        "transfers between participants within 6 hops, each from an account paying at most two participants to one "
        "paid by at most two, and each paid within three days after the hop before it arrived (riskflows.relay_chains): "
        "money passed hand to hand down a chain; a friend's or a family's payments end after a hop or two, each on "
        "its own day",
    ),
    _i(
        "fresh_collector_peers",
        "other participants (this campaign or a sister) that paid one of this participant's money destinations "
        "after enrolling, where that destination was first seen (by anyone: paid, paying, or an account "
        "registering) on or after the campaign's first day and at most 200 participants paid it "
        "(riskflows.fresh_collectors): a farm's collector is made for the campaign; a service, an exchange or a "
        "friend's wallet was there before it",
    ),
    _i(
        "batch_order_peers",
        "participants (this campaign or a sister) that did both of two acts a day or more apart (registering or "
        "being funded, then enrolling: batch_order_acts) within the hour of this one (riskflows.batch_order); 0 where "
        "no batch is judged: more than 200 is a crowd, and this one must keep the batch's order with all but a "
        "tenth of them itself",
    ),
    _n(
        "batch_order_chance",
        "participants of this campaign expected, by accident, to see a batch (this one and those peers) do the "
        "second act in the order of the first this faithfully: the chance that independent accounts keep their "
        "order with so few pairs out of it (at most C(d + n - 1, n - 1) / n! for d pairs out of order among n, "
        "or the normal tail of Kendall's S), times the participants and the two pairs of acts tried; 0.01 or "
        "less = one script walked one list of accounts twice",
        0,
        1,
    ),
    _t("batch_order_acts", "the two acts that batch is judged on, e.g. registered+enrolled"),
    _i(
        "batch_size_peers",
        "participants (this campaign or a sister) that did both of two acts a day or more apart within the hour "
        "of this one, in any order (riskflows.batch_order), for the pair of acts whose batch is least likely by "
        "its size; 0 where no such peer, or more than 200 (a crowd, not judged)",
    ),
    _n(
        "batch_size_chance",
        "participants of this campaign expected, by accident, to see this many others share both hours: the "
        "negative binomial tail of batch_size_peers against c1 c2 / N (others within the hour of the first act, "
        "of the second, among all N with both acts), were the two acts independent, times the participants and "
        "the two pairs of acts tried; 0.01 or less = the same accounts were moved twice, days apart",
        0,
        1,
    ),
    _i(
        "money_loop_peers",
        "participants (this campaign or a sister) sharing both a money source and a money "
        "destination with this one through third parties (one funder in and one collector out; a payment "
        "between the two is a link, not a loop), services and hubs excepted",
    ),
    _n("money_loop_hollow_share", "share of this participant and its money-loop peers that are hollow", 0, 1),
    _n(
        "cluster_coordinated_share",
        "share of the cluster's participants that are coordinated "
        "(linked_lockstep_chance <= 0.01 or lockstep_chance <= 1e-6)",
        0,
        1,
    ),
    _n("cluster_hollow_share", "share of the cluster's participants that are hollow", 0, 1),
    _n(
        "referee_coordinated_share",
        "share of the participant's referees (this campaign or a sister) that are "
        "coordinated: a ring's referees sign up and act together, an influencer's come independently",
        0,
        1,
    ),
    _n(
        "referee_linked_share",
        "share of the participant's referees linked to another of its referees by a device "
        "or money (not the referral itself, nor a network a campus or carrier shares)",
        0,
        1,
    ),
    _i("sibling_referees", "other participants referred by this participant's referrer"),
    _n(
        "sibling_coordinated_share",
        "referee_coordinated_share of this participant's referrer: its fellow referees that are coordinated",
        0,
        1,
    ),
    _n("sibling_linked_share", "referee_linked_share of this participant's referrer", 0, 1),
    _n(
        "lifted_counterparty_share",
        "share of matched volume since the campaign started traded against "
        "counterparties met far more often than their share of the book explains (chance below 1e-6): a ring "
        "trading with itself, linked or not",
        0,
        1,
    ),
    _n("lifted_counterparty_net", "|bought - sold| / traded against those counterparties; near 0 = round trips", 0, 1),
)

ALL_FEATURES: tuple[Feature, ...] = USER_FEATURES + CAMPAIGN_FEATURES
RULE_COLUMN_KINDS = {f.name: ("number" if f.kind in ("number", "integer") else f.kind) for f in ALL_FEATURES}
