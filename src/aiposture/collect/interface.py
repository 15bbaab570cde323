"""The Source protocol: anything that yields a Snapshot."""

from __future__ import annotations

from typing import Protocol

from aiposture.model.snapshot import Snapshot


class Source(Protocol):
    """Produces one snapshot. `describe()` says where it came from, for reports."""

    def load(self) -> Snapshot: ...

    def describe(self) -> str: ...
