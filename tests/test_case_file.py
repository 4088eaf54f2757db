"""The analyst's case file: content, privacy, and rendering in a real (headless) browser."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from riskflows.case_file import (
    CaseFileData,
    CaseMember,
    _timeline_rows,
    render_case_file,
    render_link_graph_png,
    render_timeline_png,
    write_case_file,
)

IPV4 = "203.0.113.57"
IP_RANGE = "198.51.100.0/24"
EVM_WALLET = "0x52908400098527886E0F7030069857D2E4169EE7"
BTC_WALLET = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
DEVICE_ID = "3f2b9c1e-7a4d-4e2b-9c1e-7a4d4e2b9c1e"
SENSITIVE = [IPV4, IP_RANGE, "198.51.100.", EVM_WALLET, EVM_WALLET.lower(), BTC_WALLET, DEVICE_ID]

MEMBERS = [71830451, 71830452, 71830453, 71830454, 71830455, 71830456]
FUNDER = 90412273
COLLECTOR = 90412288
CAMPAIGN = "deposit_bonus_sep"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _farm_events() -> pd.DataFrame:
    """Six accounts funded by one funder within the hour, enrolled within minutes, cashing out together."""
    day = datetime(2026, 9, 10)
    rows = []
    for i, user in enumerate(MEMBERS):
        rows += [
            (user, day + timedelta(hours=9, minutes=5 + 3 * i), "transfer_in", 250.0),
            (user, day + timedelta(hours=9, minutes=45 + i), "login", float("nan")),
            (user, day + timedelta(hours=9, minutes=50 + i), "enrollment", float("nan")),
            (user, day + timedelta(hours=10, minutes=10 + i), "deposit", 250.0),
            (user, day + timedelta(days=1, hours=11, minutes=2 * i), "reward", 50.0),
            (user, day + timedelta(days=1, hours=11, minutes=30 + i), "trade", 300.0),
            (user, day + timedelta(days=2, hours=14, minutes=5 + i), "login", float("nan")),
            (user, day + timedelta(days=2, hours=14, minutes=20 + i), "withdrawal", 295.0),
            (user, day + timedelta(days=2, hours=14, minutes=40 + i), "transfer_out", 290.0),
        ]
    rows.append((FUNDER, day + timedelta(hours=9), "transfer_out", 1500.0))
    return pd.DataFrame(rows, columns=["user_id", "ts", "kind", "amount_usd"])


def _farm_links() -> pd.DataFrame:
    a, b, c, d, e, f = MEMBERS
    rows = [
        (a, b, "device", DEVICE_ID),
        (a, c, "device", DEVICE_ID),
        (b, c, "device", DEVICE_ID),
        *[(a, m, "ip_range", IP_RANGE) for m in (b, c, d, e, f)],
        (d, e, "ip_range", IPV4),
        *[(a, m, "deposit_source", EVM_WALLET) for m in (b, c)],
        *[(d, m, "withdrawal_destination", BTC_WALLET) for m in (e, f)],
        *[(a, m, "referral", str(a)) for m in (b, c, d)],
        *[(FUNDER, m, "transfer", str(FUNDER)) for m in MEMBERS],
        *[(m, COLLECTOR, "transfer", str(COLLECTOR)) for m in MEMBERS],
    ]
    return pd.DataFrame(rows, columns=["user_a", "user_b", "link_kind", "key"])


def _member(user_id: int, **overrides) -> CaseMember:
    fields = dict(
        user_id=user_id,
        campaign_id=CAMPAIGN,
        tier="block",
        score=0.91,
        rule_ids="linked_lockstep,money_loop",
        reasons="Enrolled within minutes of 5 linked accounts; funded and collected by the same accounts.",
        reasons_zh="与 5 个关联账户在几分钟内先后报名；由同一账户注资并归集资金。",
        evidence={"linked_accounts_7d": 5, "enroll_spread_minutes": 5.0, "withdraw_share": 0.983},
    )
    fields.update(overrides)
    return CaseMember(**fields)


def _farm_case() -> CaseFileData:
    members = [_member(u) for u in MEMBERS[1:]]
    members.insert(
        0,
        _member(
            MEMBERS[0],
            score=0.97,
            reasons=f"Logged in from {IPV4} and withdrew to {EVM_WALLET}; funded by {FUNDER} within the hour.",
            reasons_zh=f"从 {IPV4} 登录并提现至 {BTC_WALLET}；一小时内由 {FUNDER} 注资。",
            evidence={
                "last_login_ip": IPV4,
                "withdrawal_address": BTC_WALLET,
                "device": DEVICE_ID,
                "funder_id": FUNDER,
            },
        ),
    )
    return CaseFileData(
        case_id="C-20260912-1042",
        date=date(2026, 9, 12),
        status="open",
        campaigns=[CAMPAIGN],
        first_flagged_date=date(2026, 9, 10),
        reward_usd_at_risk=300.0,
        cluster_size=8,
        members=members,
        events=_farm_events(),
        links=_farm_links(),
        funders={FUNDER},
        collectors={COLLECTOR},
        history=[
            dict(
                date=date(2026, 9, 10), members=3, campaigns=1, reward_usd_at_risk=0.0, status="open", changes="3 new"
            ),
            dict(
                date=date(2026, 9, 11),
                members=6,
                campaigns=1,
                reward_usd_at_risk=300.0,
                status="open",
                changes=f"+3 members sharing {IP_RANGE}",
            ),
            dict(date=date(2026, 9, 12), members=6, campaigns=1, reward_usd_at_risk=300.0, status="open", changes=""),
        ],
        campaign_window=(datetime(2026, 9, 10, 8), None),
    )


def _without_images(html: str) -> str:
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:image/png;base64,", html)


def _assert_nothing_sensitive(text: str) -> None:
    for raw in SENSITIVE:
        assert raw not in text, f"raw value {raw!r} leaked into the page"


def test_page_has_both_languages_members_and_inline_images():
    html = render_case_file(_farm_case(), language="both")

    for heading in ("Members / 成员", "Timeline / 时间线", "Linked accounts / 关联账户", "Day by day / 每日变化"):
        assert heading in html
    assert html.count('<tr class="member">') == len(MEMBERS)
    for user in MEMBERS:
        assert f"<td>{user}</td>" in html
    assert "Enrolled within minutes of 5 linked accounts" in html
    assert "与 5 个关联账户在几分钟内先后报名" in html
    assert "withdraw_share: 0.983" in html
    assert html.count('<tr class="day">') == 3
    assert 'id="timeline" src="data:image/png;base64,' in html
    assert 'id="graph" src="data:image/png;base64,' in html
    assert "shares a device with 2 members" in html
    # per link kind: pairs, accounts, distinct shared values (counted, never shown)
    link_kinds = re.findall(r'<tr class="link-kind"><td>(\w+)</td>\s*' + r'<td class="num">(\d+)</td>\s*' * 3, html)
    assert ("device", "3", "3", "1") in link_kinds and ("ip_range", "6", "6", "2") in link_kinds
    assert "http://" not in html and "https://" not in html  # self-contained: nothing to fetch


def test_page_withholds_ips_wallets_and_device_ids():
    html = render_case_file(_farm_case(), language="both")

    _assert_nothing_sensitive(html)
    assert "[ip withheld]" in html and "[address withheld]" in html and "[device withheld]" in html


def test_single_language_pages():
    english = render_case_file(_farm_case(), language="en")
    chinese = render_case_file(_farm_case(), language="zh")

    assert "<h2>Members</h2>" in english and "成员" not in english
    assert "<h2>成员</h2>" in chinese and "Enrolled within minutes" not in chinese
    with pytest.raises(ValueError):
        render_case_file(_farm_case(), language="fr")


def test_masked_page_shows_no_full_user_id():
    html = _without_images(render_case_file(_farm_case(), mask_user_ids=True))

    for user in [*MEMBERS, FUNDER, COLLECTOR]:
        assert str(user) not in html
    assert "71****51" in html and "90****73" in html


def test_images_are_pngs_and_the_timeline_is_capped():
    case = _farm_case()
    assert render_timeline_png(case).startswith(PNG_MAGIC)
    assert render_link_graph_png(case, mask_user_ids=True).startswith(PNG_MAGIC)

    many = [_member(70000000 + i) for i in range(45)]
    events = pd.DataFrame(
        [
            (m.user_id, datetime(2026, 9, 10, 9) + timedelta(minutes=j), "login", float("nan"))
            for m in many
            for j in range(1 + m.user_id % 3)
        ],
        columns=["user_id", "ts", "kind", "amount_usd"],
    )
    big = CaseFileData(**{**case.__dict__, "members": many, "events": events, "links": case.links.iloc[:0]})
    shown, capped = _timeline_rows(big)
    assert capped and len(shown) == 40
    assert "Showing the 40 members with the most events of 45" in render_case_file(big, language="en")


def test_write_case_file_creates_the_folder(tmp_path):
    path = write_case_file(_farm_case(), tmp_path / "cases" / "2026-09-12", language="en")

    assert path == tmp_path / "cases" / "2026-09-12" / "C-20260912-1042.html"
    assert path.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_module_does_not_import_dagster():
    code = "import sys, riskflows.case_file; assert 'dagster' not in sys.modules, 'dagster imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# ---------------------------------------------------------------------------------------------
# In a real browser
# ---------------------------------------------------------------------------------------------


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    # Like the PostgreSQL tests, this one never skips: .ci/run installs Debian's chromium.
    pytest.fail("chromium is not installed (apt-get install -y chromium): the case file is checked in a real browser")


def _run_chromium(chromium: str, profile, *args: str) -> str:
    command = [
        chromium,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    # Own session, so a hung browser is ended with all its helper processes.
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    assert process.returncode == 0, f"chromium exited {process.returncode}: {err[-2000:]}"
    return out


def test_case_file_renders_in_headless_chromium(tmp_path):
    chromium = _chromium()
    path = write_case_file(_farm_case(), tmp_path / "cases")
    url = path.resolve().as_uri()

    dom = _run_chromium(chromium, tmp_path / "profile", "--virtual-time-budget=5000", "--dump-dom", url)

    rendered = re.search(r'<body[^>]*\bdata-rendered="([^"]*)"', dom)
    assert rendered, f"the page's load script did not run: {dom[:500]}"
    sizes = dict(re.findall(r"(\w+):(\d+x\d+)", rendered.group(1)))
    assert set(sizes) == {"timeline", "graph"}
    for name, size in sizes.items():
        width, height = (int(n) for n in size.split("x"))
        assert width > 100 and height > 100, f"{name} rendered at {size}"
    assert "Members / 成员" in dom
    _assert_nothing_sensitive(dom)

    screenshot = tmp_path / "case.png"
    _run_chromium(chromium, tmp_path / "profile", f"--screenshot={screenshot}", "--window-size=1400,3000", url)
    shot = screenshot.read_bytes()
    assert shot.startswith(PNG_MAGIC) and len(shot) > 20_000
