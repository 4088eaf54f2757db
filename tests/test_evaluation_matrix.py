"""The evaluation matrix's row for a world: what README's table shows."""

from __future__ import annotations

import pandas as pd

from riskflows.evaluation import Evaluation
from riskflows.evaluation_worlds import WorldSpec, matrix_markdown, summary_row


def _result(flagged: int, caught: int, abusers: int) -> Evaluation:
    per_campaign = pd.DataFrame({"campaign_id": ["air"], "participants": [9168]})
    per_pattern = pd.DataFrame({"pattern": ["sybil_farm"], "abusers": [abusers], "caught": [caught], "recall": [0.5]})
    honest = pd.DataFrame(
        {"group": ["dao_contributors"], "participations": [82], "flagged": [6], "flagged_share": [0.0732]}
    )
    overall = {
        "flagged": flagged,
        "caught": caught,
        "abusers": abusers,
        "precision": round(caught / flagged, 4) if flagged else None,
        "recall": round(caught / abusers, 4),
    }
    return Evaluation(per_campaign, per_pattern, honest, overall)


def test_precision_and_recall_are_rounded_once():
    """398 of 408 listed is 0.97549: 0.975, not 0.976 (the four-place 0.9755 rounded again)."""
    row = summary_row(WorldSpec.parse("harbor:13:onchain"), _result(flagged=408, caught=398, abusers=573))
    table = matrix_markdown([row])
    assert "| 408 | 0.975 | 0.695 |" in table, table
    assert "| sybil_farm 0.50 | dao_contributors 7.3% |" in table, table


def test_a_world_that_lists_nobody_shows_no_precision():
    row = summary_row(WorldSpec.parse("harbor:13:onchain"), _result(flagged=0, caught=0, abusers=573))
    assert row["precision"] is None and row["recall"] == 0.0
    assert "| 0 |  | 0.000 |" in matrix_markdown([row])
