"""Account clustering: hub cut, components, community split, stable output."""

import time

import numpy as np
import pandas as pd

from riskflows.clustering import CLUSTER_COLUMNS, cluster_accounts


def links(rows):
    return pd.DataFrame(rows, columns=["user_id", "link_kind", "key"]).astype({"user_id": "int64"})


def transfer(sender, receiver):
    """A transfer as riskflows.account_links lists it: keys naming each end, held by both."""
    return [
        (sender, "transfer", f"to:{receiver}"),
        (receiver, "transfer", f"to:{receiver}"),
        (receiver, "transfer", f"from:{sender}"),
        (sender, "transfer", f"from:{sender}"),
    ]


def clusters_as_sets(clusters):
    return sorted(sorted(g) for g in clusters.groupby("cluster_id")["user_id"].apply(list))


def test_two_devices_chain_three_users_into_one_cluster():
    out = cluster_accounts(
        links(
            [
                (3, "device", "d1"),
                (1, "device", "d1"),
                (1, "device", "d2"),
                (2, "device", "d2"),
                (9, "device", "d9"),  # alone on its device: not a cluster
            ]
        )
    )
    assert list(out.columns) == list(CLUSTER_COLUMNS)
    assert out["user_id"].tolist() == [1, 2, 3]
    assert out["cluster_id"].tolist() == [1, 1, 1]
    assert out["cluster_size"].tolist() == [3, 3, 3]
    assert out["link_kinds"].tolist() == ["device", "device", "device"]
    assert [str(t) for t in out.dtypes] == ["int64", "int64", "int64", "str"]


def test_hub_key_does_not_merge_accounts():
    # 60 accounts on one carrier-NAT IP; two pairs also share a device each.
    rows = [(u, "ip", "10.0.0.1") for u in range(100, 160)]
    rows += [(100, "device", "a"), (101, "device", "a"), (102, "device", "b"), (103, "device", "b")]
    out = cluster_accounts(links(rows), max_key_degree=50)
    assert clusters_as_sets(out) == [[100, 101], [102, 103]]
    assert set(out["link_kinds"]) == {"device"}

    # With a threshold of 60 the same IP is no hub and links everyone.
    relaxed = cluster_accounts(links(rows), max_key_degree=60)
    assert relaxed["cluster_size"].unique().tolist() == [60]


def test_hub_threshold_per_link_kind():
    rows = [row for u in range(2, 80) for row in transfer(u, 1)]  # collector 1 fed by 78 accounts
    rows += [(u, "ip", "10.0.0.1") for u in range(300, 560)]  # 260 accounts: over the default limit
    out = cluster_accounts(links(rows), max_key_degree={"transfer": 500})
    assert clusters_as_sets(out) == [list(range(1, 80))]


def test_transfer_only_airdrop_farm_is_one_cluster():
    # Funder 7 sends to 30 fresh accounts; each sweeps to collector 5000.
    farm = range(1000, 1030)
    rows = [row for u in farm for row in transfer(7, u) + transfer(u, 5000)]
    rows += transfer(1, 2)  # an unrelated pair of accounts
    out = cluster_accounts(links(rows))
    assert clusters_as_sets(out) == [[1, 2], [7, *farm, 5000]]
    farm_rows = out[out["cluster_id"] == 7]
    assert (farm_rows["cluster_size"] == 32).all()
    assert set(out["link_kinds"]) == {"transfer"}


def two_dense_communities():
    """Two farms of 150 accounts, each chained by many shared devices, plus one bridge."""
    rng = np.random.default_rng(1)
    rows = []
    for start, prefix in ((0, "a"), (1000, "b")):
        members = np.arange(start, start + 150)
        for i in range(300):
            for u in rng.choice(members, size=5, replace=False):
                rows.append((int(u), "device", f"{prefix}{i}"))
    rows += [(0, "ip", "bridge"), (1000, "ip", "bridge")]
    return links(rows)


def test_oversized_component_is_split_into_its_communities():
    data = two_dense_communities()
    whole = cluster_accounts(data, max_cluster_size=1000)
    assert whole["cluster_id"].nunique() == 1 and len(whole) == 300

    split = cluster_accounts(data, max_cluster_size=200)
    assert clusters_as_sets(split) == [list(range(0, 150)), list(range(1000, 1150))]
    # The bridging IP ties 0 and 1000 to nobody in their own cluster any more.
    assert set(split["link_kinds"]) == {"device"}
    assert split.loc[split["user_id"] == 0, "cluster_size"].item() == 150


def test_same_output_whatever_the_row_order():
    data = pd.concat(
        [
            two_dense_communities(),
            links([(5000, "ip", "x"), (5001, "ip", "x"), (5001, "device", "y"), (5002, "device", "y")]),
        ],
        ignore_index=True,
    )
    expected = cluster_accounts(data, max_cluster_size=200, seed=3)
    for s in range(3):
        shuffled = data.sample(frac=1.0, random_state=s).reset_index(drop=True)
        again = cluster_accounts(shuffled, max_cluster_size=200, seed=3)
        pd.testing.assert_frame_equal(again, expected)
    assert expected.loc[expected["user_id"] == 5001, "link_kinds"].item() == "device,ip"


def test_empty_input_and_missing_keys():
    empty = cluster_accounts(links([]))
    assert empty.empty
    assert list(empty.columns) == list(CLUSTER_COLUMNS)
    assert [str(t) for t in empty.dtypes] == ["int64", "int64", "int64", "str"]

    # NULL and blank keys are not a shared device.
    only_missing = pd.DataFrame({"user_id": [1, 2, 3, 4], "link_kind": ["device"] * 4, "key": [None, None, "", "  "]})
    assert cluster_accounts(only_missing).empty


def test_link_kinds_are_sorted_and_only_from_surviving_links():
    out = cluster_accounts(
        links(
            [
                *transfer(1, 2),
                (1, "device", "d"),
                (3, "device", "d"),
                (3, "ip", "hub"),
                (4, "ip", "hub"),
                (5, "ip", "hub"),
            ]
        ),
        max_key_degree=2,
    )
    assert dict(zip(out["user_id"], out["link_kinds"])) == {
        1: "device,transfer",
        2: "transfer",
        3: "device",
    }


def test_two_million_links_run(capsys):
    rng = np.random.default_rng(0)
    n = 2_000_000
    n_users = 1_000_000
    kinds = np.array(["device", "ip", "ip24", "deposit_address", "transfer"])
    user = rng.integers(1, n_users, size=n)
    kind = kinds[rng.integers(0, len(kinds), size=n)]
    # Key space twice the rows: most keys are private, some shared, few large.
    key = rng.integers(0, 2 * n, size=n).astype(str)
    key[:200] = "carrier-nat"  # a hub
    data = pd.DataFrame({"user_id": user, "link_kind": kind, "key": key})

    started = time.perf_counter()
    out = cluster_accounts(data)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(
            f"\ncluster_accounts on {n:,} links: {elapsed:.2f}s, "
            f"{len(out):,} clustered users in {out['cluster_id'].nunique():,} clusters"
        )
    assert len(out) > 0
    assert not out["user_id"].duplicated().any()
    by_cluster = out.groupby("cluster_id")["user_id"]
    assert (by_cluster.transform("size") == out["cluster_size"]).all()
    assert (by_cluster.transform("min") == out["cluster_id"]).all()
    assert out["cluster_size"].between(2, 200).all()


def test_large_bigint_user_ids_stay_exact():
    big = 2**62 + 1  # not representable as a float
    out = cluster_accounts(links([(big, "device", "d"), (big + 2, "device", "d")]))
    assert out["user_id"].tolist() == [big, big + 2]
    assert out["cluster_id"].tolist() == [big, big]
