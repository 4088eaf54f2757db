"""The analyst's case file: one self-contained HTML page for the in-depth review of one farm.

The digest says *that* a cluster of accounts is abusing a campaign; the case file shows an
analyst *why*, on one page that opens from disk with no server and no network: who the
members are and which rules they hit with the evidence values behind them, a timeline in
which accounts acting in the same hour line up vertically (lockstep shows at a glance), a
graph of the accounts linked by shared devices, IP ranges, deposit sources, withdrawal
destinations, referrals and transfers (funders and collectors marked), and how the case
grew day by day.

The page is bilingual (English, Chinese, or both) and written for a channel wider than the
risk team: every string that comes from data goes through `scrub_text` (no raw IP, wallet
address or device id reaches the page), links are described by kind and count only (never
by the shared value), and user ids can be masked (12****89) in the text and in the images.

Images are matplotlib PNGs (Agg backend) embedded as base64 data URIs. They carry English
labels only: CJK fonts are not installed everywhere, and the page's captions carry both.
Nothing here imports dagster.
"""

from __future__ import annotations

import base64
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import jinja2
import matplotlib

matplotlib.use("Agg")  # before pyplot: workers have no display
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from riskflows.notify.privacy import scrub_text, show_user_id  # noqa: E402

LANGUAGES = ("en", "zh", "both")
TIMELINE_MAX_MEMBERS = 40
GRAPH_MAX_ACCOUNTS = 60


@dataclass(frozen=True)
class CaseMember:
    user_id: int
    campaign_id: str
    tier: str  # review | hold | block
    score: float
    rule_ids: str  # comma-separated rule ids, e.g. "linked_lockstep,money_loop"
    reasons: str  # English reasons text
    reasons_zh: str  # Chinese reasons text
    evidence: dict  # feature name -> value (numbers or short strings) behind the rules


@dataclass
class CaseFileData:
    case_id: str  # e.g. "C-20260912-1042"
    date: date  # the day the file describes
    status: str  # open | confirmed_abuse | false_positive | inconclusive
    campaigns: list[str]  # campaign ids the case touches
    first_flagged_date: date
    reward_usd_at_risk: float
    cluster_size: int
    members: list[CaseMember]
    # user_id (int), ts (datetime64), kind (login, deposit, withdrawal, reward, trade, transfer_in,
    # transfer_out, enrollment), amount_usd (float, NaN ok)
    events: pd.DataFrame
    # user_a (int), user_b (int), link_kind (device, ip_range, deposit_source, withdrawal_destination,
    # referral, transfer), key (the RAW shared value: never drawn or written to the page)
    links: pd.DataFrame
    funders: set[int] = field(default_factory=set)  # ids that funded several members
    collectors: set[int] = field(default_factory=set)  # ids that collected money from several members
    # one dict per day, oldest first: date, members, campaigns, reward_usd_at_risk, status, changes
    history: list[dict] = field(default_factory=list)
    campaign_window: tuple | None = None  # (start, end or None) of the campaign(s), shaded on the timeline


# ---------------------------------------------------------------------------------------------
# Words of the page, in both languages
# ---------------------------------------------------------------------------------------------

LABELS: dict[str, tuple[str, str]] = {
    "title": ("Case file", "案件档案"),
    "status": ("Status", "状态"),
    "campaigns": ("Campaigns", "活动"),
    "first_flagged": ("First flagged", "首次标记"),
    "as_of": ("As of", "截至"),
    "reward_at_risk": ("Reward at risk", "风险奖励"),
    "cluster_size": ("Cluster size", "账户簇规模"),
    "members_count": ("Members", "成员数"),
    "members": ("Members", "成员"),
    "user_id": ("User id", "用户 ID"),
    "campaign": ("Campaign", "活动"),
    "tier": ("Tier", "等级"),
    "score": ("Score", "风险分"),
    "rules": ("Rules", "规则"),
    "reasons": ("Reasons", "原因"),
    "evidence": ("Evidence", "证据"),
    "links": ("Links", "关联"),
    "timeline": ("Timeline", "时间线"),
    "linked_accounts": ("Linked accounts", "关联账户"),
    "link_kind": ("Link kind", "关联类型"),
    "link_pairs": ("Linked pairs", "关联对数"),
    "link_accounts": ("Accounts", "账户数"),
    "link_values": ("Distinct shared values", "不同共用值数"),
    "money_flow": ("Funders and collectors", "资金来源与归集账户"),
    "role": ("Role", "角色"),
    "member_yes": ("member", "成员"),
    "member_no": ("not a member", "非成员"),
    "linked_members": ("Linked members", "关联成员数"),
    "funder": ("funder", "资金来源"),
    "collector": ("collector", "归集账户"),
    "day_by_day": ("Day by day", "每日变化"),
    "date": ("Date", "日期"),
    "campaigns_count": ("Campaigns", "活动数"),
    "changes": ("Changes", "变化"),
    "none": ("none", "无"),
    "no_history": ("No history yet.", "暂无历史记录。"),
    "no_links": ("No links.", "没有关联。"),
    "timeline_alt": ("Timeline of the members' events", "成员事件时间线"),
    "graph_alt": ("Graph of the linked accounts", "关联账户图"),
    "privacy_note": (
        "IP addresses, wallet addresses and device ids are withheld; links are shown by kind and count only.",
        "IP 地址、钱包地址和设备 ID 均已隐去；关联只显示类型和数量。",
    ),
}

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "open": ("open", "待处理"),
    "confirmed_abuse": ("confirmed abuse", "确认滥用"),
    "false_positive": ("false positive", "误报"),
    "inconclusive": ("inconclusive", "无法定论"),
}

TIER_LABELS: dict[str, tuple[str, str]] = {
    "review": ("review", "复核"),
    "hold": ("hold", "冻结"),
    "block": ("block", "封禁"),
}

# link kind -> (English phrase, Chinese phrase) completed by "{n} members" / "{n} 名成员"
LINK_PHRASES: dict[str, tuple[str, str]] = {
    "device": ("shares a device with", "共用设备"),
    "ip_range": ("shares an IP range with", "共用 IP 段"),
    "deposit_source": ("shares a deposit source with", "共用充值来源"),
    "withdrawal_destination": ("shares a withdrawal destination with", "共用提现目的地"),
    "referral": ("is linked by referral to", "存在邀请关系"),
    "transfer": ("transfers money with", "有转账往来"),
}

LINK_STYLES: dict[str, tuple[str, str]] = {  # link kind -> (colour, line style)
    "device": ("#d62728", "solid"),
    "ip_range": ("#ff7f0e", "dashed"),
    "deposit_source": ("#2ca02c", "solid"),
    "withdrawal_destination": ("#9467bd", "solid"),
    "referral": ("#8c564b", "dotted"),
    "transfer": ("#1f77b4", "dashdot"),
}

EVENT_STYLES: dict[str, tuple[str, str]] = {  # event kind -> (marker, colour)
    "enrollment": ("*", "#17becf"),
    "login": (".", "#7f7f7f"),
    "deposit": ("v", "#2ca02c"),
    "reward": ("P", "#bcbd22"),
    "trade": ("s", "#1f77b4"),
    "transfer_in": (">", "#e377c2"),
    "transfer_out": ("<", "#8c564b"),
    "withdrawal": ("^", "#d62728"),
}
_OTHER_EVENT = ("x", "#000000")

MEMBER_COLOUR = "#4c72b0"
OUTSIDER_COLOUR = "#dd8452"


def _label(key: str, language: str, table: dict[str, tuple[str, str]] = LABELS) -> str:
    en, zh = table.get(key, (key, key))
    return {"en": en, "zh": zh}.get(language, f"{en} / {zh}")


# ---------------------------------------------------------------------------------------------
# Data hygiene: what may reach the page
# ---------------------------------------------------------------------------------------------


def _known_user_ids(data: CaseFileData) -> set[int]:
    ids = {int(m.user_id) for m in data.members} | {int(u) for u in data.funders | data.collectors}
    if len(data.links):
        ids |= {int(u) for u in data.links["user_a"]} | {int(u) for u in data.links["user_b"]}
    return ids


def _safe_text(value: object, user_ids: set[int], mask: bool) -> str:
    """A string from data, scrubbed of IPs, wallets and device ids; known user ids masked if asked."""
    text = scrub_text(str(value))
    if mask and user_ids:
        pattern = r"(?<!\d)(" + "|".join(str(u) for u in sorted(user_ids, reverse=True)) + r")(?!\d)"
        text = re.sub(pattern, lambda m: show_user_id(m.group(1), True), text)
    return text


def _format_value(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) or hasattr(value, "dtype"):
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return str(value)
        if math.isnan(number):
            return "n/a"
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else f"{number:.4g}"
    return str(value)


def _money(value: float) -> str:
    return f"${float(value):,.2f}"


def _naive_utc(value) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo is not None else ts


def _event_times(events: pd.DataFrame) -> pd.Series:
    ts = pd.to_datetime(events["ts"])
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    return ts


def _member_ids(data: CaseFileData) -> list[int]:
    return sorted({int(m.user_id) for m in data.members})


# ---------------------------------------------------------------------------------------------
# Timeline
# ---------------------------------------------------------------------------------------------


def _timeline_rows(data: CaseFileData) -> tuple[list[int], bool]:
    """The members the timeline shows (most events first) and whether some were left out."""
    members = _member_ids(data)
    counts = data.events["user_id"].astype(int).value_counts() if len(data.events) else pd.Series(dtype=int)
    ranked = sorted(members, key=lambda u: (-int(counts.get(u, 0)), u))
    return ranked[:TIMELINE_MAX_MEMBERS], len(ranked) > TIMELINE_MAX_MEMBERS


def _lockstep_hours(events: pd.DataFrame, rows: list[int]) -> list[pd.Timestamp]:
    """Hours in which at least 3 (and at least half) of the shown members acted."""
    if not len(events):
        return []
    per_hour = events.groupby("hour")["user_id"].nunique()
    needed = max(3, math.ceil(len(rows) / 2))
    return [hour for hour, n in per_hour.items() if n >= needed]


def _png(fig) -> bytes:
    buf = io.BytesIO()
    # No timestamp in the metadata: the same case renders to the same bytes.
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _empty_figure(message: str) -> bytes:
    fig, ax = plt.subplots(figsize=(8, 3), dpi=100)
    try:
        ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12)
        ax.set_axis_off()
        return _png(fig)
    finally:
        plt.close(fig)


def render_timeline_png(data: CaseFileData, *, mask_user_ids: bool = False) -> bytes:
    """A PNG with one row per member and a marker per event, placed at the start of its hour.

    Events of members acting in the same hour share an x position, so lockstep shows as
    vertical columns of markers; hours in which most shown members acted are shaded.
    """
    rows, _ = _timeline_rows(data)
    events = data.events
    if len(events):
        events = events.assign(user_id=events["user_id"].astype(int), ts=_event_times(events))
        events = events[events["user_id"].isin(rows)]
    if not rows or not len(events):
        return _empty_figure("No member events to show")
    events = events.assign(hour=events["ts"].dt.floor("h"))
    row_of = {u: i for i, u in enumerate(reversed(rows))}  # most active member at the top
    kinds = [k for k in EVENT_STYLES if k in set(events["kind"])]
    kinds += sorted({str(k) for k in events["kind"]} - set(EVENT_STYLES))
    offsets = {k: (i - (len(kinds) - 1) / 2) * (0.6 / max(len(kinds), 1)) for i, k in enumerate(kinds)}

    fig, ax = plt.subplots(figsize=(12, max(3.0, 0.32 * len(rows) + 2.0)), dpi=100)
    try:
        start, end = events["hour"].min(), events["hour"].max() + pd.Timedelta(hours=1)
        pad = max((end - start) * 0.03, pd.Timedelta(minutes=30))
        handles = []
        if data.campaign_window:
            window_start = _naive_utc(data.campaign_window[0]) if data.campaign_window[0] is not None else start - pad
            window_end = _naive_utc(data.campaign_window[1]) if data.campaign_window[1] is not None else end + pad
            ax.axvspan(window_start, window_end, color="#fff3bf", zorder=0)
            handles.append(Patch(color="#fff3bf", label="campaign window"))
        lockstep = _lockstep_hours(events, rows)
        for hour in lockstep:
            ax.axvspan(hour, hour + pd.Timedelta(hours=1), color="#f4a6a6", alpha=0.45, zorder=1)
        if lockstep:
            handles.append(Patch(color="#f4a6a6", alpha=0.45, label="hour with most members active"))
        for kind in kinds:
            marker, colour = EVENT_STYLES.get(kind, _OTHER_EVENT)
            of_kind = events[events["kind"] == kind]
            ys = [row_of[u] + offsets[kind] for u in of_kind["user_id"]]
            xs = of_kind["hour"] + pd.Timedelta(minutes=30)
            label = kind if kind in EVENT_STYLES else "other"
            ax.scatter(xs, ys, marker=marker, color=colour, s=40, zorder=3, linewidths=0.8)
            handles.append(Line2D([], [], marker=marker, color=colour, linestyle="", label=label))
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([show_user_id(u, mask_user_ids) for u in reversed(rows)], fontsize=8)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_xlim(start - pad, end + pad)
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.grid(axis="x", color="#dddddd", linewidth=0.6, zorder=0)
        ax.set_xlabel("time (UTC), events placed at their hour")
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        fig.tight_layout()
        return _png(fig)
    finally:
        plt.close(fig)


# ---------------------------------------------------------------------------------------------
# Linked-accounts graph
# ---------------------------------------------------------------------------------------------


def _link_pairs(links: pd.DataFrame) -> pd.DataFrame:
    """One row per (account pair, link kind) with how many distinct values they share; no keys."""
    if not len(links):
        return pd.DataFrame(columns=["user_a", "user_b", "link_kind", "shared"])
    a, b = links["user_a"].astype(int), links["user_b"].astype(int)
    pairs = pd.DataFrame(
        {"user_a": a.where(a <= b, b), "user_b": b.where(a <= b, a), "link_kind": links["link_kind"].astype(str)}
    )
    pairs["key"] = links["key"].astype(str).values
    pairs = pairs[pairs["user_a"] != pairs["user_b"]]
    return pairs.groupby(["user_a", "user_b", "link_kind"], as_index=False).agg(shared=("key", "nunique"))


def _graph(data: CaseFileData) -> tuple[nx.MultiGraph, bool]:
    """Accounts and their links, capped to the best-linked accounts; and whether it was capped."""
    graph = nx.MultiGraph()
    members = set(_member_ids(data))
    graph.add_nodes_from(members | {int(u) for u in data.funders | data.collectors})
    for row in _link_pairs(data.links).itertuples(index=False):
        graph.add_edge(int(row.user_a), int(row.user_b), key=row.link_kind, kind=row.link_kind, shared=row.shared)
    if graph.number_of_nodes() <= GRAPH_MAX_ACCOUNTS:
        return graph, False
    keep = {int(u) for u in data.funders | data.collectors}
    ranked = sorted(graph.nodes, key=lambda u: (u not in keep, u not in members, -graph.degree(u), u))
    return graph.subgraph(ranked[:GRAPH_MAX_ACCOUNTS]).copy(), True


def _role(user_id: int, data: CaseFileData) -> str:
    roles = [name for name, ids in (("funder", data.funders), ("collector", data.collectors)) if user_id in ids]
    return "+".join(roles)


def render_link_graph_png(data: CaseFileData, *, mask_user_ids: bool = False) -> bytes:
    """A PNG of the case's accounts linked by kind: members and outsiders coloured apart,
    funders drawn as squares and collectors as diamonds, each labelled so. Keys are never drawn."""
    graph, _ = _graph(data)
    if graph.number_of_nodes() == 0:
        return _empty_figure("No linked accounts to show")
    members = set(_member_ids(data))
    fig, ax = plt.subplots(figsize=(10, 8), dpi=100)
    try:
        positions = nx.spring_layout(graph, seed=7, k=1.5 / math.sqrt(graph.number_of_nodes()))
        kinds = sorted(
            {k for _, _, k in graph.edges(keys=True)},
            key=lambda k: list(LINK_STYLES).index(k) if k in LINK_STYLES else 99,
        )
        handles = []
        for i, kind in enumerate(kinds):
            colour, style = LINK_STYLES.get(kind, ("#555555", "solid"))
            edges = [(u, v) for u, v, k in graph.edges(keys=True) if k == kind]
            widths = [1.2 + min(graph.edges[u, v, kind]["shared"], 4) * 0.4 for u, v in edges]
            rad = 0.0 if len(kinds) == 1 else (i - (len(kinds) - 1) / 2) * 0.08
            nx.draw_networkx_edges(
                graph,
                positions,
                edgelist=edges,
                edge_color=colour,
                style=style,
                width=widths,
                arrows=True,
                arrowstyle="-",
                connectionstyle=f"arc3,rad={rad}",
                ax=ax,
            )
            handles.append(Line2D([], [], color=colour, linestyle=style, linewidth=2, label=kind))
        shapes = {"": "o", "funder": "s", "collector": "D", "funder+collector": "h"}
        for role, shape in shapes.items():
            for is_member in (True, False):
                nodes = [u for u in graph.nodes if _role(u, data) == role and (u in members) == is_member]
                if not nodes:
                    continue
                colour = MEMBER_COLOUR if is_member else OUTSIDER_COLOUR
                size = 420 if role else 300
                nx.draw_networkx_nodes(
                    graph, positions, nodelist=nodes, node_shape=shape, node_color=colour, node_size=size, ax=ax
                )
        handles.append(Line2D([], [], marker="o", color=MEMBER_COLOUR, linestyle="", label="member"))
        if any(u not in members for u in graph.nodes):
            handles.append(Line2D([], [], marker="o", color=OUTSIDER_COLOUR, linestyle="", label="not a member"))
        if any("funder" in _role(u, data) for u in graph.nodes):
            handles.append(Line2D([], [], marker="s", color="#444444", linestyle="", label="funder"))
        if any("collector" in _role(u, data) for u in graph.nodes):
            handles.append(Line2D([], [], marker="D", color="#444444", linestyle="", label="collector"))
        labels = {}
        for u in graph.nodes:
            role = _role(u, data)
            labels[u] = show_user_id(u, mask_user_ids) + (f"\n{role}" if role else "")
        label_positions = {u: (x, y - 0.06) for u, (x, y) in positions.items()}
        nx.draw_networkx_labels(graph, label_positions, labels=labels, font_size=8, verticalalignment="top", ax=ax)
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        ax.set_axis_off()
        ax.margins(0.08)
        fig.tight_layout()
        return _png(fig)
    finally:
        plt.close(fig)


# ---------------------------------------------------------------------------------------------
# Page
# ---------------------------------------------------------------------------------------------

CASE_FILE_TEMPLATE = """<!doctype html>
<html lang="{{ page_lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ L.title }} {{ case_id }}</title>
<style>
  body { font-family: "Noto Sans", "Helvetica Neue", Arial, "PingFang SC", "Microsoft YaHei", sans-serif;
         margin: 24px; color: #1d2330; background: #fff; }
  h1 { margin-bottom: 4px; }
  h2 { border-bottom: 2px solid #d0d7e2; padding-bottom: 4px; margin-top: 32px; }
  .note { color: #5b6475; font-size: 0.9em; }
  .status { display: inline-block; padding: 2px 10px; border-radius: 10px; background: #eef1f6; font-weight: 600; }
  .status.confirmed_abuse { background: #f8d7da; }
  .status.false_positive { background: #d4edda; }
  dl.summary { display: grid; grid-template-columns: max-content auto; gap: 4px 16px; }
  dl.summary dt { font-weight: 600; }
  dl.summary dd { margin: 0; }
  table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
  th, td { border: 1px solid #d0d7e2; padding: 4px 8px; text-align: left; vertical-align: top; }
  th { background: #eef1f6; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .tier-block { color: #b02a37; font-weight: 600; }
  .tier-hold { color: #a15c00; font-weight: 600; }
  ul.plain { margin: 0; padding-left: 16px; }
  .reason + .reason { margin-top: 4px; }
  figure { margin: 0; }
  figure img { max-width: 100%; height: auto; border: 1px solid #d0d7e2; }
  figcaption { color: #5b6475; font-size: 0.9em; margin-top: 4px; }
</style>
</head>
<body>
<header>
  <h1>{{ L.title }} {{ case_id }}</h1>
  <p class="note">{{ L.privacy_note }}</p>
  <dl class="summary">
    <dt>{{ L.status }}</dt><dd><span class="status {{ status_class }}">{{ status }}</span></dd>
    <dt>{{ L.as_of }}</dt><dd>{{ as_of }}</dd>
    <dt>{{ L.campaigns }}</dt><dd>{{ campaigns | join(", ") }}</dd>
    <dt>{{ L.first_flagged }}</dt><dd>{{ first_flagged }}</dd>
    <dt>{{ L.reward_at_risk }}</dt><dd>{{ reward_at_risk }}</dd>
    <dt>{{ L.cluster_size }}</dt><dd>{{ cluster_size }}</dd>
    <dt>{{ L.members_count }}</dt><dd>{{ members_count }}</dd>
  </dl>
</header>

<section id="members">
  <h2>{{ L.members }}</h2>
  <table>
    <thead><tr>
      <th>{{ L.user_id }}</th><th>{{ L.campaign }}</th><th>{{ L.tier }}</th><th>{{ L.score }}</th>
      <th>{{ L.rules }}</th><th>{{ L.reasons }}</th><th>{{ L.evidence }}</th><th>{{ L.links }}</th>
    </tr></thead>
    <tbody>
    {% for m in members %}
      <tr class="member">
        <td>{{ m.user_id }}</td>
        <td>{{ m.campaign }}</td>
        <td class="tier-{{ m.tier_class }}">{{ m.tier }}</td>
        <td class="num">{{ m.score }}</td>
        <td>{{ m.rules | join(", ") }}</td>
        <td>{% for lang, text in m.reasons %}<div class="reason" lang="{{ lang }}">{{ text }}</div>{% endfor %}</td>
        <td><ul class="plain">{% for name, value in m.evidence %}<li>{{ name }}: {{ value }}</li>{% endfor %}</ul></td>
        <td><ul class="plain">{% for text in m.links %}<li>{{ text }}</li>{% else %}<li>{{ L.none }}</li>{% endfor %}</ul></td>
      </tr>
    {% endfor %}
    </tbody>
  </table>
</section>

<section id="timeline-section">
  <h2>{{ L.timeline }}</h2>
  <figure>
    <img id="timeline" src="data:image/png;base64,{{ timeline_png }}" alt="{{ L.timeline_alt }}">
    <figcaption>{% for text in timeline_caption %}<div>{{ text }}</div>{% endfor %}</figcaption>
  </figure>
</section>

<section id="links-section">
  <h2>{{ L.linked_accounts }}</h2>
  <figure>
    <img id="graph" src="data:image/png;base64,{{ graph_png }}" alt="{{ L.graph_alt }}">
    <figcaption>{% for text in graph_caption %}<div>{{ text }}</div>{% endfor %}</figcaption>
  </figure>
  {% if link_kinds %}
  <table>
    <thead><tr><th>{{ L.link_kind }}</th><th>{{ L.link_pairs }}</th><th>{{ L.link_accounts }}</th>
      <th>{{ L.link_values }}</th></tr></thead>
    <tbody>
    {% for k in link_kinds %}
      <tr class="link-kind"><td>{{ k.kind }}</td><td class="num">{{ k.pairs }}</td><td class="num">{{ k.accounts }}</td>
        <td class="num">{{ k.shared_values }}</td></tr>
    {% endfor %}
    </tbody>
  </table>
  {% else %}
  <p>{{ L.no_links }}</p>
  {% endif %}
  {% if money_accounts %}
  <h3>{{ L.money_flow }}</h3>
  <table>
    <thead><tr><th>{{ L.user_id }}</th><th>{{ L.role }}</th><th>{{ L.members }}</th>
      <th>{{ L.linked_members }}</th></tr></thead>
    <tbody>
    {% for a in money_accounts %}
      <tr><td>{{ a.user_id }}</td><td>{{ a.role }}</td><td>{{ a.membership }}</td>
        <td class="num">{{ a.linked_members }}</td></tr>
    {% endfor %}
    </tbody>
  </table>
  {% endif %}
</section>

<section id="history">
  <h2>{{ L.day_by_day }}</h2>
  {% if history %}
  <table>
    <thead><tr><th>{{ L.date }}</th><th>{{ L.members_count }}</th><th>{{ L.campaigns_count }}</th>
      <th>{{ L.reward_at_risk }}</th><th>{{ L.status }}</th><th>{{ L.changes }}</th></tr></thead>
    <tbody>
    {% for day in history %}
      <tr class="day"><td>{{ day.date }}</td><td class="num">{{ day.members }}</td>
        <td class="num">{{ day.campaigns }}</td><td class="num">{{ day.reward }}</td>
        <td>{{ day.status }}</td><td>{{ day.changes }}</td></tr>
    {% endfor %}
    </tbody>
  </table>
  {% else %}
  <p>{{ L.no_history }}</p>
  {% endif %}
</section>

<script>
  // Marks each image's decoded size, so a headless browser can prove the page rendered.
  window.addEventListener("load", function () {
    var sizes = [];
    document.querySelectorAll("img[id]").forEach(function (img) {
      sizes.push(img.id + ":" + img.naturalWidth + "x" + img.naturalHeight);
    });
    document.body.dataset.rendered = sizes.join(" ");
  });
</script>
</body>
</html>
"""

_ENVIRONMENT = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def _reason_lines(member: CaseMember, language: str, safe) -> list[tuple[str, str]]:
    lines = []
    if language in ("en", "both"):
        lines.append(("en", safe(member.reasons)))
    if language in ("zh", "both"):
        lines.append(("zh-Hans", safe(member.reasons_zh)))
    return lines


def _link_summaries(user_id: int, pairs: pd.DataFrame, members: set[int], language: str) -> list[str]:
    """'shares a device with 3 members' per link kind: counts only, never the shared value."""
    summaries = []
    if not len(pairs):
        return summaries
    mine = pairs[(pairs["user_a"] == user_id) | (pairs["user_b"] == user_id)]
    for kind in [k for k in LINK_PHRASES if k in set(mine["link_kind"])] + sorted(
        set(mine["link_kind"]) - set(LINK_PHRASES)
    ):
        of_kind = mine[mine["link_kind"] == kind]
        others = set(of_kind["user_a"]) | set(of_kind["user_b"])
        others.discard(user_id)
        in_case = len(others & members)
        outside = len(others - members)
        en_phrase, zh_phrase = LINK_PHRASES.get(kind, (f"is linked ({kind}) with", f"存在关联（{kind}）"))
        en_parts = [
            f"{n} {word}{'s' if n != 1 else ''}" for n, word in ((in_case, "member"), (outside, "other account")) if n
        ]
        zh_parts = [f"{n} {word}" for n, word in ((in_case, "名成员"), (outside, "个其他账户")) if n]
        en = f"{en_phrase} {' and '.join(en_parts)}"
        zh = f"与 {'及 '.join(zh_parts)}{zh_phrase}"
        summaries.append({"en": en, "zh": zh}.get(language, f"{en} / {zh}"))
    return summaries


def _evidence_items(evidence: dict, safe) -> list[tuple[str, str]]:
    return [(safe(name), safe(_format_value(value))) for name, value in (evidence or {}).items()]


def _member_rows(data: CaseFileData, language: str, safe, mask: bool) -> list[dict]:
    members = set(_member_ids(data))
    pairs = _link_pairs(data.links)
    ordered = sorted(data.members, key=lambda m: (-float(m.score), int(m.user_id), str(m.campaign_id)))
    return [
        {
            "user_id": show_user_id(int(m.user_id), mask),
            "campaign": safe(m.campaign_id),
            "tier": _label(m.tier, language, TIER_LABELS) if m.tier in TIER_LABELS else safe(m.tier),
            "tier_class": m.tier if m.tier in TIER_LABELS else "other",
            "score": f"{float(m.score):.2f}",
            "rules": [safe(r.strip()) for r in str(m.rule_ids or "").split(",") if r.strip()],
            "reasons": _reason_lines(m, language, safe),
            "evidence": _evidence_items(m.evidence, safe),
            "links": _link_summaries(int(m.user_id), pairs, members, language),
        }
        for m in ordered
    ]


def _link_kind_rows(data: CaseFileData) -> list[dict]:
    pairs = _link_pairs(data.links)
    if not len(pairs):
        return []
    kinds = [k for k in LINK_STYLES if k in set(pairs["link_kind"])] + sorted(
        set(pairs["link_kind"]) - set(LINK_STYLES)
    )
    raw = data.links.assign(link_kind=data.links["link_kind"].astype(str))
    rows = []
    for kind in kinds:
        of_kind = pairs[pairs["link_kind"] == kind]
        rows.append(
            {
                "kind": scrub_text(kind),
                "pairs": len(of_kind),
                "accounts": len(set(of_kind["user_a"]) | set(of_kind["user_b"])),
                "shared_values": int(raw.loc[raw["link_kind"] == kind, "key"].astype(str).nunique()),
            }
        )
    return rows


def _money_accounts(data: CaseFileData, language: str, mask: bool) -> list[dict]:
    members = set(_member_ids(data))
    pairs = _link_pairs(data.links)
    rows = []
    for user_id in sorted({int(u) for u in data.funders | data.collectors}):
        role = " + ".join(_label(r, language) for r in _role(user_id, data).split("+") if r)
        linked = set()
        if len(pairs):
            mine = pairs[(pairs["user_a"] == user_id) | (pairs["user_b"] == user_id)]
            linked = (set(mine["user_a"]) | set(mine["user_b"])) - {user_id}
        rows.append(
            {
                "user_id": show_user_id(user_id, mask),
                "role": role,
                "membership": _label("member_yes" if user_id in members else "member_no", language),
                "linked_members": len(linked & members),
            }
        )
    return rows


def _history_rows(data: CaseFileData, language: str, safe) -> list[dict]:
    rows = []
    for day in data.history:
        status = str(day.get("status", ""))
        rows.append(
            {
                "date": safe(day.get("date", "")),
                "members": _format_value(day.get("members", "")),
                "campaigns": _format_value(day.get("campaigns", "")),
                "reward": _money(day.get("reward_usd_at_risk") or 0.0),
                "status": _label(status, language, STATUS_LABELS) if status in STATUS_LABELS else safe(status),
                "changes": safe(day.get("changes", "") or ""),
            }
        )
    return rows


def _timeline_caption(data: CaseFileData, language: str) -> list[str]:
    shown, capped = _timeline_rows(data)
    total = len(_member_ids(data))
    en = (
        "One row per member, one marker per event, placed at the start of its hour: members acting in the same "
        "hour line up vertically. Shaded red: hours in which most members acted; shaded yellow: the campaign window."
    )
    zh = "每位成员一行，每个事件一个标记，按所在小时对齐：同一小时内行动的成员在纵向上排成一列。红色阴影为多数成员同时活动的小时，黄色阴影为活动期间。"
    if capped:
        en += f" Showing the {len(shown)} members with the most events of {total}."
        zh += f"仅显示事件最多的 {len(shown)} 名成员（共 {total} 名）。"
    return [text for lang, text in (("en", en), ("zh", zh)) if language in (lang, "both")]


def _graph_caption(data: CaseFileData, language: str) -> list[str]:
    graph, capped = _graph(data)
    en = (
        "Accounts linked by shared devices, IP ranges, deposit sources, withdrawal destinations, referrals and "
        "transfers. Blue: members; orange: accounts outside the case. Squares: funders; diamonds: collectors."
    )
    zh = "按共用设备、IP 段、充值来源、提现目的地、邀请关系和转账关联的账户。蓝色为成员，橙色为案件外账户；方形为资金来源账户，菱形为归集账户。"
    if capped:
        en += f" Showing {graph.number_of_nodes()} of the best-linked accounts."
        zh += f"仅显示关联最多的 {graph.number_of_nodes()} 个账户。"
    return [text for lang, text in (("en", en), ("zh", zh)) if language in (lang, "both")]


def render_case_file(data: CaseFileData, *, language: str = "both", mask_user_ids: bool = False) -> str:
    """The case file as one self-contained HTML page (images inline, no external resource)."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    user_ids = _known_user_ids(data)

    def safe(value: object) -> str:
        return _safe_text(value, user_ids, mask_user_ids)

    labels = {key: _label(key, language) for key in LABELS}
    timeline = render_timeline_png(data, mask_user_ids=mask_user_ids)
    graph = render_link_graph_png(data, mask_user_ids=mask_user_ids)
    context = {
        "page_lang": "zh-Hans" if language == "zh" else "en",
        "L": labels,
        "case_id": safe(data.case_id),
        "status": _label(data.status, language, STATUS_LABELS) if data.status in STATUS_LABELS else safe(data.status),
        "status_class": data.status if data.status in STATUS_LABELS else "other",
        "as_of": safe(data.date),
        "campaigns": [safe(c) for c in data.campaigns],
        "first_flagged": safe(data.first_flagged_date),
        "reward_at_risk": _money(data.reward_usd_at_risk),
        "cluster_size": int(data.cluster_size),
        "members_count": len(_member_ids(data)),
        "members": _member_rows(data, language, safe, mask_user_ids),
        "timeline_png": base64.b64encode(timeline).decode("ascii"),
        "timeline_caption": _timeline_caption(data, language),
        "graph_png": base64.b64encode(graph).decode("ascii"),
        "graph_caption": _graph_caption(data, language),
        "link_kinds": _link_kind_rows(data),
        "money_accounts": _money_accounts(data, language, mask_user_ids),
        "history": _history_rows(data, language, safe),
    }
    return _ENVIRONMENT.from_string(CASE_FILE_TEMPLATE).render(**context)


def case_file_path(folder, case_id: str) -> Path:
    """Where the case file of `case_id` is (or would be) written in `folder`."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", scrub_text(str(case_id))).strip("._") or "case"
    return Path(folder) / f"{name}.html"


def write_case_file(data: CaseFileData, folder, *, language: str = "both", mask_user_ids: bool = False) -> Path:
    """Writes <folder>/<case_id>.html (creating the folder) and returns its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = case_file_path(folder, data.case_id)
    path.write_text(render_case_file(data, language=language, mask_user_ids=mask_user_ids), encoding="utf-8")
    return path
