"""Security facts: the one place where security meaning is decided.

"Is it reachable from the internet", "who can write this", "what does an absent property
mean": each fact answers true, false, or unknown naming what is missing (collections not read,
role definitions not resolved, properties absent with no documented default). Rules and the
security graph both ask these facts; neither re-derives them.
"""

from __future__ import annotations

from aiposture.facts.base import Fact, known, unknown_fact

__all__ = ["Fact", "known", "unknown_fact"]
