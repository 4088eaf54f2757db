"""Account clustering: which accounts are run by the same party.

A campaign farm shows itself through things its accounts share: a device fingerprint,
an IP or /24, a deposit source or withdrawal address, a referrer, an internal transfer
counterparty. This module turns a table of such links into clusters of accounts.

Input is a *link table*, one row per (user_id, link_kind, key): the account ``user_id``
was seen with the thing ``key`` of kind ``link_kind``. Accounts that share a
(link_kind, key) are linked. A tie between two accounts (a referral, a transfer) is a
key both of them hold: `riskflows.account_links` gives sender and receiver the key
``to:<receiver>`` (and ``from:<sender>``), so an airdrop funder lands in the same cluster
as the accounts it funded, and its key's degree is judged like any other.

Nothing here knows about devices or IPs in particular: a graph of on-chain or internal
transfers alone clusters the same way.

Steps, each chosen so an analyst can explain a cluster:

1. Hub cut, decided by the data, not by hand-made lists. A key shared by more than
   ``max_key_degree`` accounts (a carrier-NAT IP, another exchange's hot wallet, a
   popular payment service) says nothing about common control and is dropped.
2. Connected components of the bipartite account–key graph (scipy, vectorised).
3. Components larger than ``max_cluster_size`` are chains of loosely related groups, not
   one farm; they are split by community detection (igraph's Leiden, modularity, seeded)
   on the account–account graph weighted by the number of shared keys. Only those
   oversized components reach graph code.

Output has one row per clustered account; accounts with no surviving link are not
clusters and are left out.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

import igraph
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

LINK_COLUMNS = ("user_id", "link_kind", "key")
CLUSTER_COLUMNS = ("user_id", "cluster_id", "cluster_size", "link_kinds")

# How many accounts a key may hold before it is a hub, for link kinds given no limit of their
# own. Money and referral keys name one account that everyone around it touches: a collector
# fed by 150 accounts is evidence, so the default is well above that. IPs and devices get
# lower limits per kind (account_clusters.MAX_KEY_DEGREE).
DEFAULT_MAX_KEY_DEGREE = 200
DEFAULT_MAX_CLUSTER_SIZE = 200

_TEXT = np.dtypes.StringDType()
# link_kinds per user are collected as bits of an int64.
_MAX_KINDS = 62


class _LinkGraph:
    """Deduplicated, integer-coded links with the hub verdict per key.

    Users are coded in ascending user_id order, so everything derived from the codes
    (community detection input in particular) is independent of input row order.
    """

    def __init__(self, links: pd.DataFrame, max_key_degree: int | Mapping[str, int]) -> None:
        missing = [c for c in LINK_COLUMNS if c not in links.columns]
        if missing:
            raise ValueError(f"link table lacks columns {missing}; needs {list(LINK_COLUMNS)}")

        # Nullable Int64, not float: BIGINT user ids above 2**53 must stay exact.
        user = pd.to_numeric(links["user_id"], errors="coerce").astype("Int64")
        kind_code, kinds = _factorize_stripped(links["link_kind"])
        key_code, key_strings = _factorize_stripped(links["key"])
        # NULL or blank keys link nothing: a missing device id is not a shared device.
        usable = user.notna().to_numpy() & (kind_code >= 0) & (key_code >= 0)
        user = user.to_numpy(dtype=np.int64, na_value=0)[usable]
        # Kinds coded in alphabetical order, so sorted codes give sorted link_kinds text.
        alphabetical = np.argsort(np.argsort(kinds))
        kind_code, used_kinds = pd.factorize(alphabetical[kind_code[usable]], sort=True)
        self.kinds = np.sort(kinds)[used_kinds]
        if len(self.kinds) > _MAX_KINDS:
            raise ValueError(f"{len(self.kinds)} link kinds; at most {_MAX_KINDS} are supported")
        key_code = key_code[usable]
        n_key_strings = max(len(key_strings), 1)

        # One id per (link_kind, key): the same address as deposit source and as
        # withdrawal target are two different facts.
        pair = kind_code.astype(np.int64) * n_key_strings + key_code
        key_id, pair_uniques = pd.factorize(pair)
        key_id = key_id.astype(np.int64)
        pair_uniques = np.asarray(pair_uniques, dtype=np.int64)
        self.key_kind = pair_uniques // n_key_strings
        n_keys = len(pair_uniques)

        user_code, user_ids = pd.factorize(user, sort=True)
        self.user_ids = np.asarray(user_ids, dtype=np.int64)
        n_users = len(self.user_ids)
        edge = _sorted_unique(user_code.astype(np.int64) * max(n_keys, 1) + key_id)
        self.edge_user = edge // max(n_keys, 1)
        self.edge_key = edge % max(n_keys, 1)
        self.n_users, self.n_keys = n_users, n_keys

        degree = np.bincount(self.edge_key, minlength=n_keys)
        hub = degree > _degree_limits(max_key_degree, self.kinds)[self.key_kind]
        # A key held by one account links nothing; hubs link nothing by decision.
        self.linking = (degree >= 2) & ~hub


def _factorize_stripped(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct values (numpy StringDType), ignoring surrounding blanks.

    NULL and blank values get code -1. Only the distinct values are stripped, with
    numpy's vectorised string functions, which keeps 2M-row inputs fast.
    """
    raw_code, raw = pd.factorize(values.astype("str"))
    text = np.asarray(raw, dtype=object).astype(_TEXT)
    stripped = np.strings.strip(text)
    if (stripped != text).any():
        strip_code, distinct = pd.factorize(stripped.astype(object))
        distinct = np.asarray(distinct, dtype=object).astype(_TEXT)
    else:
        strip_code, distinct = np.arange(len(text), dtype=np.int64), text
    strip_code = np.where(np.strings.str_len(stripped) == 0, -1, strip_code)
    code = np.where(raw_code >= 0, strip_code[np.maximum(raw_code, 0)], -1)
    return code.astype(np.int64), distinct


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values; a plain sort, much faster than np.unique's hashing here."""
    ordered = np.sort(values)
    if len(ordered) == 0:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def _degree_limits(max_key_degree: int | Mapping[str, int], kinds: np.ndarray) -> np.ndarray:
    """Hub threshold per link kind code.

    A mapping sets a limit per kind (a collector receiving from 300 farm accounts is
    evidence, an IP shared by 300 is not); kinds it omits get the default.
    """
    if isinstance(max_key_degree, Mapping):
        return np.array([int(max_key_degree.get(k, DEFAULT_MAX_KEY_DEGREE)) for k in kinds], dtype=np.int64)
    return np.full(len(kinds), int(max_key_degree), dtype=np.int64)


def empty_clusters() -> pd.DataFrame:
    """An account-cluster frame with no rows and the output dtypes."""
    return pd.DataFrame(
        {
            "user_id": pd.Series([], dtype="int64"),
            "cluster_id": pd.Series([], dtype="int64"),
            "cluster_size": pd.Series([], dtype="int64"),
            "link_kinds": pd.Series([], dtype="str"),
        }
    )


def cluster_accounts(
    links: pd.DataFrame,
    *,
    max_key_degree: int | Mapping[str, int] = DEFAULT_MAX_KEY_DEGREE,
    max_cluster_size: int = DEFAULT_MAX_CLUSTER_SIZE,
    seed: int = 0,
) -> pd.DataFrame:
    """Group accounts that share devices, IPs, addresses or counterparties.

    ``links``: user_id, link_kind, key (see module docstring). ``max_key_degree``: a key
    shared by more accounts is a hub and links nothing (an int, or a mapping per
    link_kind). ``max_cluster_size``: larger linked groups are split into communities.

    Returns one row per clustered account: user_id, cluster_id (the smallest user_id in
    the cluster, so a cluster keeps its id from day to day as new accounts join it),
    cluster_size, link_kinds (sorted comma-separated kinds by which this account is tied
    to others in its cluster). Sorted by cluster_id, user_id; the same links in any row
    order give the same frame.
    """
    graph = _LinkGraph(links, max_key_degree)
    keep = graph.linking[graph.edge_key]
    users, keys = graph.edge_user[keep], graph.edge_key[keep]
    if len(users) == 0:
        return empty_clusters()

    label = _split_oversized(users, keys, graph.n_users, graph.n_keys, max_cluster_size, seed)
    size = np.bincount(label)
    # A cluster is at least two accounts; community splitting may isolate one.
    clustered = np.flatnonzero(size[label] >= 2)
    label_c = label[clustered]
    user_id = graph.user_ids[clustered]
    cluster_id = pd.Series(user_id).groupby(label_c).transform("min").to_numpy()

    out = pd.DataFrame(
        {
            "user_id": user_id,
            "cluster_id": cluster_id,
            "cluster_size": size[label_c].astype(np.int64),
            "link_kinds": _link_kinds(graph, users, keys, label).reindex(clustered).to_numpy(),
        }
    )
    out["link_kinds"] = out["link_kinds"].astype("str")
    return out.sort_values(["cluster_id", "user_id"], ignore_index=True)


def _split_oversized(
    users: np.ndarray,
    keys: np.ndarray,
    n_users: int,
    n_keys: int,
    max_cluster_size: int,
    seed: int,
) -> np.ndarray:
    """Cluster label per user code: components, with oversized ones split.

    Users without a linking key end up alone in their component (size 1).
    """
    n = n_users + n_keys
    # Edges only one way: weak connectivity ignores direction, so no need to symmetrise.
    bipartite = sparse.coo_matrix((np.ones(len(users), dtype=np.int8), (users, n_users + keys)), shape=(n, n)).tocsr()
    _, component = connected_components(bipartite, directed=True, connection="weak")
    label = component[:n_users].astype(np.int64)
    size = np.bincount(label)
    oversized_users = np.flatnonzero(size[label] > max_cluster_size)
    if len(oversized_users) == 0:
        return label

    # Account–account graph of the oversized components, weight = number of shared keys.
    local = np.full(n_users, -1, dtype=np.int64)
    local[oversized_users] = np.arange(len(oversized_users))
    in_big = local[users] >= 0
    incidence = sparse.csr_matrix(
        (np.ones(int(in_big.sum()), dtype=np.int32), (local[users[in_big]], keys[in_big])),
        shape=(len(oversized_users), n_keys),
    )
    shared = (incidence @ incidence.T).tocsr()
    shared.setdiag(0)
    shared.eliminate_zeros()

    community = np.full(len(oversized_users), -1, dtype=np.int64)
    next_label = 0
    big_label = label[oversized_users]
    for comp in np.unique(big_label):
        nodes = np.flatnonzero(big_label == comp)
        for members in _communities_within(shared, nodes, max_cluster_size, seed):
            community[members] = next_label
            next_label += 1

    # A cluster must be linked: keep only edges inside a community and take components
    # again (Leiden's communities are connected, so this only numbers them).
    coo = shared.tocoo()
    inside = community[coo.row] == community[coo.col]
    within = sparse.csr_matrix((coo.data[inside], (coo.row[inside], coo.col[inside])), shape=shared.shape)
    _, sub = connected_components(within, directed=False)
    label[oversized_users] = label.max() + 1 + sub
    return label


def _communities_within(
    shared: sparse.csr_matrix, nodes: np.ndarray, max_cluster_size: int, seed: int
) -> list[np.ndarray]:
    """Split one oversized component until every part fits or cannot be split further.

    A part that community detection returns whole (a dense group with no weaker seam)
    is kept as it is: it is one tightly linked group, however large.
    """
    done: list[np.ndarray] = []
    pending = [nodes]
    while pending:
        part = pending.pop()
        parts = _detect_communities(shared[part][:, part], seed)
        if len(parts) <= 1:
            done.append(part)
            continue
        for p in parts:
            (pending if len(p) > max_cluster_size else done).append(part[p])
    return done


def _detect_communities(adjacency: sparse.csr_matrix, seed: int) -> list[np.ndarray]:
    """Communities of a weighted, symmetric account graph, as arrays of local indices.

    Leiden (igraph's C implementation, modularity) until no move improves it; its
    communities are connected, unlike Louvain's. Nodes and edges are fed in index order,
    which follows user_id order, and igraph draws from a generator seeded here, so a seed
    gives the same answer for the same links.
    """
    upper = sparse.triu(adjacency, k=1).tocoo()
    order = np.lexsort((upper.col, upper.row))
    rows, cols, weights = upper.row[order], upper.col[order], upper.data[order]
    graph = igraph.Graph(n=adjacency.shape[0], edges=list(zip(rows.tolist(), cols.tolist())))
    igraph.set_random_number_generator(random.Random(seed))
    try:
        found = graph.community_leiden(
            objective_function="modularity", weights=weights.astype(float).tolist(), n_iterations=-1
        )
    finally:
        igraph.set_random_number_generator(random)
    membership = np.asarray(found.membership, dtype=np.int64)
    parts = [np.flatnonzero(membership == m) for m in np.unique(membership)]
    return sorted(parts, key=lambda p: int(p[0]))


def _link_kinds(graph: _LinkGraph, users: np.ndarray, keys: np.ndarray, label: np.ndarray) -> pd.Series:
    """Sorted comma-separated kinds tying each user to another member of its cluster.

    A key counts for a user only if another holder of the key ended up in the same
    cluster: after a community split, a bridging key may tie a user to nobody in its
    own cluster, and showing that kind would mislead the analyst.
    """
    key_label, _ = pd.factorize(keys * (int(label.max()) + 1) + label[users])
    tied = np.bincount(key_label)[key_label] >= 2
    # Set of kinds per user as a bit mask (bit i = i-th kind in alphabetical order):
    # over distinct (user, kind) pairs a sum is an OR. There are few distinct masks,
    # so text is built once per mask, not once per user.
    user_kind = _sorted_unique(users[tied] * 64 + graph.key_kind[keys[tied]])
    bits = np.left_shift(np.int64(1), user_kind % 64)
    mask = pd.Series(bits).groupby(user_kind // 64).sum()
    kinds = np.asarray(graph.kinds, dtype=object)
    text = {m: ",".join(kinds[[i for i in range(len(kinds)) if (int(m) >> i) & 1]]) for m in mask.unique()}
    return mask.map(text)
