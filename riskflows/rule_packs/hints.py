"""The "did you mean" hint every rule-pack message about an unknown name ends with."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(
    word: str, choices: Iterable[str], *, cutoff: float = 0.6, quote: str = "'", listed: str | None = None
) -> str:
    """`` (did you mean 'x'?)`` for the choice closest to ``word`` (difflib, ``cutoff``).

    With no close choice: ``; <listed>: a, b, c`` listing every choice in the order given
    when ``listed`` names them, else nothing.
    """
    choices = list(choices)
    close = difflib.get_close_matches(word, choices, n=1, cutoff=cutoff)
    if close:
        return f" (did you mean {quote}{close[0]}{quote}?)"
    return f"; {listed}: {', '.join(choices)}" if listed else ""
