"""Every sentence the risk channel can read, in English and Chinese, in one place.

Analysts on both teams read the same digest; keeping the two languages side by side
here means a new message cannot ship in one language only (a test checks that every
key has both). Texts are `str.format` templates; Slack mrkdwn is allowed in them.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh", "both")

CATALOGUE: dict[str, dict[str, str]] = {
    # digest
    "digest.header": {
        "en": "Campaign risk digest: {campaign} ({date})",
        "zh": "活动风控日报：{campaign}（{date}）",
    },
    "digest.fallback": {
        "en": "{campaign} {date}: {flagged} flagged of {participants} participants, ${at_risk} reward at risk",
        "zh": "{campaign} {date}：{participants} 名参与者中 {flagged} 名被标记，风险奖励 ${at_risk}",
    },
    "digest.context": {
        "en": "Kind: {kind} · Rule pack {version} · Data up to end of {date} (UTC)",
        "zh": "活动类型：{kind} · 规则包 {version} · 数据截至 {date} 日终（UTC）",
    },
    "digest.participants": {"en": "*Participants*\n{value}", "zh": "*参与人数*\n{value}"},
    "digest.flagged": {
        "en": "*Flagged*\n{value} ({change} vs yesterday)",
        "zh": "*被标记*\n{value}（较昨日 {change}）",
    },
    "digest.tiers": {
        "en": "*By tier*\nblock {block} · hold {hold} · review {review}",
        "zh": "*按等级*\n封禁 {block} · 冻结 {hold} · 复核 {review}",
    },
    "digest.new": {"en": "*New since yesterday*\n{value}", "zh": "*今日新增*\n{value}"},
    "digest.at_risk": {
        "en": "*Reward at risk*\n${value} of ${total} granted",
        "zh": "*风险奖励*\n${value}（已发放 ${total}）",
    },
    "digest.budget_share": {
        "en": "*Share of budget*\n{value} of ${budget}",
        "zh": "*占预算比例*\n{value}（预算 ${budget}）",
    },
    "digest.budget_unknown": {"en": "*Share of budget*\nno budget set", "zh": "*占预算比例*\n未设置预算"},
    "digest.top_rules": {"en": "*Top rules*", "zh": "*命中最多的规则*"},
    "digest.rule_line": {"en": "• `{rule_id}` {title}: {hits} hits", "zh": "• `{rule_id}` {title}：命中 {hits} 次"},
    "digest.no_rules": {"en": "No rule fired.", "zh": "没有规则被触发。"},
    "digest.clusters": {"en": "*Largest clusters*", "zh": "*最大的关联账户簇*"},
    "digest.cluster_line": {
        "en": "• cluster {cluster_id}: {size} accounts, {members} flagged here, ${reward} at risk",
        "zh": "• 账户簇 {cluster_id}：{size} 个账户，本活动标记 {members} 个，风险奖励 ${reward}",
    },
    "digest.no_clusters": {"en": "No flagged clusters.", "zh": "没有被标记的账户簇。"},
    "digest.weak_rules": {"en": "*Rules to revisit*", "zh": "*需复查的规则*"},
    "digest.weak_rule_line": {
        "en": "• `{rule_id}`: precision {precision} on {reviewed} reviewed participants (last {days} days)",
        "zh": "• `{rule_id}`：近 {days} 天已复核的 {reviewed} 名参与者中准确率 {precision}",
    },
    "digest.cluster_case": {"en": " · case {case_id}", "zh": " · 案件 {case_id}"},
    "digest.cluster_also": {"en": " · also in {campaigns}", "zh": " · 亦参与 {campaigns}"},
    "digest.top_users": {"en": "*Highest scores*", "zh": "*风险分最高的用户*"},
    "digest.user_line": {
        "en": "• {user_id} · {tier} · score {score} · ${reward} · {reasons}",
        "zh": "• {user_id} · {tier} · 风险分 {score} · ${reward} · {reasons}",
    },
    "digest.more_in_csv": {
        "en": "…and {count} more in the CSV in this thread.",
        "zh": "……其余 {count} 名见本消息串中的 CSV 文件。",
    },
    "digest.run_link": {"en": "<{url}|Open the Dagster run>", "zh": "<{url}|打开 Dagster 运行记录>"},
    "digest.nothing_flagged": {
        "en": "Nothing flagged today.",
        "zh": "今日没有被标记的用户。",
    },
    "tier.block": {"en": "block", "zh": "封禁"},
    "tier.hold": {"en": "hold", "zh": "冻结"},
    "tier.review": {"en": "review", "zh": "复核"},
    # thread attachments
    "chart.title": {
        "en": "{campaign}: flagged users and reward at risk, last {days} days",
        "zh": "{campaign}：近 {days} 天被标记用户与风险奖励",
    },
    "chart.flagged": {"en": "Flagged users", "zh": "被标记用户"},
    "chart.at_risk": {"en": "Reward at risk (USD)", "zh": "风险奖励（美元）"},
    "csv.title": {
        "en": "High-risk list {campaign} {date} ({count} users)",
        "zh": "高风险名单 {campaign} {date}（{count} 名用户）",
    },
    # escalations
    "esc.header": {"en": "Escalation: {title}", "zh": "升级告警：{title}"},
    "esc.fallback": {"en": "Escalation for {campaign} {date}: {title}", "zh": "{campaign} {date} 升级告警：{title}"},
    "esc.attention": {
        "en": "{mentions} please look at *{campaign}* ({date}).",
        "zh": "{mentions} 请关注 *{campaign}*（{date}）。",
    },
    "esc.evidence": {"en": "*Evidence*\n{evidence}", "zh": "*证据*\n{evidence}"},
    "esc.action": {"en": "*Recommended action*\n{action}", "zh": "*建议操作*\n{action}"},
    "trigger.cluster_size.title": {"en": "large account cluster", "zh": "大型关联账户簇"},
    "trigger.cluster_size.evidence": {
        "en": "Cluster {cluster_id} links {size} accounts (threshold {threshold}); {members} of them are flagged in this campaign ({block} block tier), holding ${reward} of rewards.",
        "zh": "账户簇 {cluster_id} 关联 {size} 个账户（阈值 {threshold}）；其中 {members} 个在本活动被标记（{block} 个为封禁等级），涉及奖励 ${reward}。",
    },
    "trigger.reward_at_risk.title": {"en": "reward at risk above limit", "zh": "风险奖励超过上限"},
    "trigger.reward_at_risk.evidence": {
        "en": "${value} of rewards belong to flagged users (threshold ${threshold}); {flagged} users flagged.",
        "zh": "被标记用户涉及奖励 ${value}（阈值 ${threshold}）；共 {flagged} 名用户被标记。",
    },
    "trigger.budget_share.title": {"en": "large share of budget at risk", "zh": "预算风险占比过高"},
    "trigger.budget_share.evidence": {
        "en": "{value} of the ${budget} budget is at risk (threshold {threshold}).",
        "zh": "${budget} 预算中有 {value} 处于风险中（阈值 {threshold}）。",
    },
    "trigger.block_jump.title": {"en": "jump in block-tier users", "zh": "封禁等级用户激增"},
    "trigger.block_jump.evidence": {
        "en": "Block-tier users went from {previous} to {current} (+{delta}, threshold +{threshold}).",
        "zh": "封禁等级用户由 {previous} 增至 {current}（+{delta}，阈值 +{threshold}）。",
    },
    "action.hold_cluster_rewards": {
        "en": "Hold unpaid rewards of every account in the cluster and review the cluster as one case.",
        "zh": "冻结该账户簇内所有账户的未发放奖励，并将整个账户簇作为一个案件复核。",
    },
    "action.hold_flagged_rewards": {
        "en": "Hold unpaid rewards of block- and hold-tier users until reviewed.",
        "zh": "在复核完成前，冻结封禁和冻结等级用户的未发放奖励。",
    },
    "action.pause_campaign_payouts": {
        "en": "Pause campaign payouts and ask the campaign owner whether to tighten eligibility.",
        "zh": "暂停活动发奖，并与活动负责人确认是否收紧参与条件。",
    },
    "action.review_new_blocks": {
        "en": "Review today's new block-tier users first; check whether one rule caused the jump.",
        "zh": "优先复核今日新增的封禁等级用户；确认是否由单条规则引起。",
    },
    # cases: escalated once, then updated in place and followed up in their thread
    "case.header": {"en": "Case {case_id}: {title}", "zh": "案件 {case_id}：{title}"},
    "case.fallback": {
        "en": "Case {case_id}: {members} flagged accounts in {campaigns}",
        "zh": "案件 {case_id}：{campaigns} 中 {members} 个被标记账户",
    },
    "case.attention": {
        "en": "{mentions} please review case *{case_id}*: {members} flagged accounts of a cluster of {size}, in {campaigns}.",
        "zh": "{mentions} 请复核案件 *{case_id}*：{size} 个关联账户中有 {members} 个被标记，涉及 {campaigns}。",
    },
    "case.evidence": {
        "en": "*Evidence*\n{block} block and {hold} hold tier, highest score {score}; ${reward} of rewards at risk; first flagged {first}, status {status}.",
        "zh": "*证据*\n封禁等级 {block} 个、冻结等级 {hold} 个，最高分 {score}；风险奖励 ${reward}；首次标记 {first}，状态 {status}。",
    },
    "case.file": {"en": "Case file: {link}", "zh": "案件档案：{link}"},
    "case.as_of": {"en": "As of {date}", "zh": "截至 {date}"},
    "case.update": {
        "en": "Case *{case_id}* changed on {date}: {changes}. Now {members} flagged accounts in {campaigns}, ${reward} at risk.",
        "zh": "案件 *{case_id}* 于 {date} 有变化：{changes}。目前 {campaigns} 中有 {members} 个被标记账户，风险奖励 ${reward}。",
    },
    "case.change.members": {"en": "+{count} accounts", "zh": "新增 {count} 个账户"},
    "case.change.campaigns": {"en": "reached {campaigns}", "zh": "扩展至 {campaigns}"},
    "case.change.reward": {"en": "reward at risk {share}", "zh": "风险奖励 {share}"},
    "case.change.none": {"en": "no material change", "zh": "无重大变化"},
    "case.graph_title": {"en": "Linked accounts of case {case_id}", "zh": "案件 {case_id} 的关联账户"},
    # verdict buttons on a case escalation, and what replaces them once someone decides
    "case.verdict.confirmed_abuse": {"en": "Confirm abuse", "zh": "确认滥用"},
    "case.verdict.false_positive": {"en": "False positive", "zh": "误报"},
    "case.verdict.inconclusive": {"en": "Inconclusive", "zh": "无法确定"},
    "case.note_label": {"en": "Note (optional)", "zh": "备注（可选）"},
    "case.note_placeholder": {"en": "Why, in a few words", "zh": "简要说明原因"},
    "case.decided": {
        "en": "*{verdict}* by {reviewer} at {at} UTC",
        "zh": "*{verdict}*，由 {reviewer} 于 {at} UTC 判定",
    },
    "case.decided_note": {"en": "Note: {note}", "zh": "备注：{note}"},
    "case.allowlist_snippet": {
        "en": "Allowlist entries for the accounts of case {case_id} (add them to the pack of each campaign by pull request):",
        "zh": "案件 {case_id} 账户的白名单条目（请通过 pull request 添加到各活动的规则包）：",
    },
    # run failure
    "failure.header": {"en": "Risk pipeline run failed", "zh": "风控流水线运行失败"},
    "failure.fallback": {"en": "Run {run_id} of {job} failed", "zh": "{job} 的运行 {run_id} 失败"},
    "failure.body": {
        "en": "Job *{job}* run `{run_id}` failed. Today's digests and escalations for the affected campaigns may be missing.",
        "zh": "作业 *{job}* 的运行 `{run_id}` 失败。受影响活动今日的日报和升级告警可能缺失。",
    },
    "failure.error_label": {"en": "Error", "zh": "错误"},
    "failure.run_link": {"en": "<{url}|Open the failed run>", "zh": "<{url}|打开失败的运行记录>"},
}


def text(key: str, lang: str, **values: object) -> str:
    """One catalogue entry in one language ('en' or 'zh'), filled with `values`."""
    if lang not in ("en", "zh"):
        raise ValueError(f"single language expected, got {lang!r}")
    return CATALOGUE[key][lang].format(**values)


def languages(language: str) -> tuple[str, ...]:
    """The languages a message is written in: 'both' means English first, then Chinese."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
    return ("en", "zh") if language == "both" else (language,)


def localized(key: str, language: str, sep: str = "\n", **values: object) -> str:
    """A catalogue entry in 'en', 'zh' or 'both' (the two joined by `sep`)."""
    return sep.join(text(key, lang, **values) for lang in languages(language))
