"""What the served snapshot knows, per collection and scope, and how the fake says so.

The fake Azure reproduces the served snapshot's coverage instead of inventing data:

* COMPLETE: the rows are served (an empty list is a real "there are none");
* DENIED: ARM answers 403 `AuthorizationFailed`, Microsoft Graph 403
  `Authorization_RequestDenied`, with the bodies the real services send;
* PARTIAL: the rows the snapshot has are served and the result says it is cut short the way
  the real API does: Resource Graph marks its last page `resultTruncated: "true"` (with
  `totalRecords` above the rows served); ARM and Graph lists end with a next link whose page
  answers `501 NotCollected` ("no further pages are held");
* NOT_COLLECTED (no record at all): `501 Not Implemented` with error code `NotCollected`;
* FAILED: `501 Not Implemented` with error code `CollectionFailed`.

501 is not retried by azure-core (nor by the collector's Resource Graph loop) and no client
mistakes it for an empty success. aiposture's collector records `NotCollected` as
not_collected and `CollectionFailed` as failed (collect/live/clients.py keeps the same codes;
the two packages may not import each other).

Coverage is looked up with the scan's own CoverageIndex: the most specific record whose scope
contains the request's scope wins. Rows the snapshot holds under a collection it did not
record (or recorded as failed) are served as PARTIAL: they exist, the rest is unknown.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from aiposture.model.inventory import CoverageIndex
from aiposture.model.snapshot import Coverage
from aiposture.model.types import CoverageStatus

NOT_COLLECTED: Final = "NotCollected"
COLLECTION_FAILED: Final = "CollectionFailed"
NOT_SERVED_STATUS: Final = 501


@dataclass(frozen=True, slots=True)
class Verdict:
    """How to answer one collection at one scope."""

    status: CoverageStatus
    scope: str  # the coverage record's scope ("" for tenant-wide or no record)
    reason: str

    @property
    def serves_rows(self) -> bool:
        return self.status in (CoverageStatus.COMPLETE, CoverageStatus.PARTIAL)


class CoverageOracle:
    """Coverage of the served snapshot, as verdicts for requests."""

    def __init__(self, records: Iterable[Coverage]) -> None:
        self.index = CoverageIndex(records)

    def verdict(self, collection: str, key: str = "", *, has_rows: bool = False) -> Verdict:
        """The verdict for `collection` at `key` (a lower-cased ARM id, "" for the tenant)."""
        ans = self.index.status(collection, key.lower().rstrip("/"))
        status = ans.status
        if has_rows and status in (CoverageStatus.NOT_COLLECTED, CoverageStatus.FAILED):
            status = CoverageStatus.PARTIAL
        return Verdict(status, ans.scope, ans.reason)

    def worst(self, collections: Iterable[str], key: str = "") -> Verdict:
        """The least complete verdict over several collections answered by one request."""
        order = {
            CoverageStatus.DENIED: 0,
            CoverageStatus.NOT_COLLECTED: 1,
            CoverageStatus.FAILED: 2,
            CoverageStatus.PARTIAL: 3,
            CoverageStatus.COMPLETE: 4,
        }
        verdicts = [self.verdict(c, key) for c in collections]
        return min(verdicts, key=lambda v: order[v.status])


def not_served_code(status: CoverageStatus) -> str:
    return COLLECTION_FAILED if status is CoverageStatus.FAILED else NOT_COLLECTED


def not_served_message(collection: str, scope: str, reason: str) -> str:
    where = scope or "the tenant"
    if reason:
        return (
            f"The served snapshot holds no data for collection '{collection}' at {where} "
            f"({reason}); the fake Azure does not invent it."
        )
    return f"The served snapshot holds no data for collection '{collection}' at {where}."


def arm_denied_message(action: str, scope: str, object_id: str) -> str:
    """ARM's AuthorizationFailed message (the wording of the real service)."""
    return (
        f"The client '{object_id}' with object id '{object_id}' does not have authorization to "
        f"perform action '{action}' over scope '{scope}' or the scope is invalid. If access was "
        "recently granted, please refresh your credentials."
    )


def graph_error(code: str, message: str) -> dict[str, object]:
    """A Microsoft Graph error body: code, message and the innerError Graph always adds."""
    rid = str(uuid.uuid4())
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": rid,
                "client-request-id": rid,
            },
        }
    }
