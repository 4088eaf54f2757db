"""The trend picture in the digest's thread: flagged users (bars) and reward at risk
(line) over the last days, so an analyst sees at a glance whether today is a spike or a
plateau.

Rendered with matplotlib's Agg backend (no display needed). Chinese labels need a CJK
font; when matplotlib finds none, the chart falls back to English labels rather than
drawing empty boxes.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as Date

import matplotlib

matplotlib.use("Agg")  # before pyplot: workers and sensors have no display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from riskflows.notify.catalogue import languages, text  # noqa: E402
from riskflows.notify.privacy import scrub_text  # noqa: E402

_CJK_HINTS = ("CJK", "Hei", "WenQuanYi", "Source Han", "Noto Sans SC", "PingFang", "Microsoft YaHei")


@dataclass(frozen=True)
class DayPoint:
    date: Date
    flagged: int
    reward_usd_at_risk: float


def _cjk_font() -> str | None:
    for f in font_manager.fontManager.ttflist:
        if any(h in f.name for h in _CJK_HINTS):
            return f.name
    return None


def chart_languages(language: str) -> tuple[str, ...]:
    """The languages the chart can actually draw: Chinese only with a CJK font."""
    wanted = languages(language)
    if "zh" in wanted and _cjk_font() is None:
        return ("en",)
    return wanted


def render_trend_chart(points: Sequence[DayPoint], *, campaign_name: str, language: str, days: int = 14) -> bytes:
    """A PNG of flagged users and reward at risk per day, oldest left."""
    langs = chart_languages(language)
    label = lambda key, **kw: " / ".join(text(key, lang, **kw) for lang in langs)  # noqa: E731
    rc = {"font.family": ["sans-serif"]}
    cjk = _cjk_font()
    if cjk and "zh" in langs:
        rc["font.sans-serif"] = [cjk, "DejaVu Sans"]
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
        try:
            xs = [p.date.isoformat()[5:] for p in points]
            ax.bar(xs, [p.flagged for p in points], color="#d9534f", alpha=0.8, label=label("chart.flagged"))
            ax.set_ylabel(label("chart.flagged"))
            ax2 = ax.twinx()
            ax2.plot(
                xs, [p.reward_usd_at_risk for p in points], color="#1f4e79", marker="o", label=label("chart.at_risk")
            )
            ax2.set_ylabel(label("chart.at_risk"))
            ax2.set_ylim(bottom=0)
            name = scrub_text(campaign_name)
            name = name if len(name) <= 40 else name[:39] + "…"
            title = scrub_text(label("chart.title", campaign=name, days=days))
            ax.set_title("\n".join(textwrap.wrap(title, 80)), fontsize=10)
            ax.tick_params(axis="x", labelrotation=45, labelsize=8)
            fig.tight_layout()
            buf = io.BytesIO()
            # No timestamp in the metadata: the same days render to the same bytes.
            fig.savefig(buf, format="png", metadata={"Software": None})
            return buf.getvalue()
        finally:
            plt.close(fig)
