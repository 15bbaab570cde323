"""Role assignments kept column by column: usually most rows of a tenant (3.5M at 1M resources).

One frozen `RoleAssignment` per row cost about 870 bytes (an 18-slot object, its id, its
lower-cased key and its name as three more strings). Here a row is one pointer per column into
interned, shared strings (principal, principal type, role, scope, and the id up to its last
segment in two parts), plus the 16 bytes of the assignment's GUID name: about 70 bytes. The
key, the subscription and the resource group are derived from the id when asked; what is rare
(a condition, a description, a name that is not the id's last segment, tags) sits in a side
table.

Code that reads many rows (the permission index, the security graph) reads the columns; code
that iterates gets `RoleAssignment` entities made on demand (equal to the ones normalization
made before, field for field).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, overload

from aiposture.model.entities import NO_IDENTITY, Identity, RoleAssignment

_intern = sys.intern
_TYPE = "microsoft.authorization/roleassignments"
_NO_GUID = bytes(16)
_SEGMENT = "/providers/microsoft.authorization/roleassignments/"
_NO_TAGS: Mapping[str, str] = {}


def _guid_bytes(text: str) -> bytes | None:
    """The 16 bytes of a lower-case canonical GUID (8-4-4-4-12), else None."""
    if len(text) != 36 or text.count("-") != 4 or text[8] != "-" or text[23] != "-":
        return None
    if text[13] != "-" or text[18] != "-" or text != text.lower():
        return None
    try:
        raw = bytes.fromhex(text.replace("-", ""))
    except ValueError:
        return None
    return raw if len(raw) == 16 else None


def _guid_text(raw: bytes) -> str:
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _sub_rg(key: str) -> tuple[str, str]:
    """Subscription id and resource group of a lower-cased id (as normalization derives them)."""
    parts = key.split("/", 5)
    sub = _intern(parts[2]) if len(parts) > 2 and parts[1] == "subscriptions" else ""
    rg = _intern(parts[4]) if len(parts) > 4 and parts[3] == "resourcegroups" else ""
    return sub, rg


class RoleAssignments(Sequence[RoleAssignment]):
    """`Inventory.role_assignments`: a sequence of `RoleAssignment`, stored as columns.

    The column lists (`principal_ids`, `principal_types`, `role_definition_ids`,
    `role_definition_guids`, `scopes`) are the store's own: read them, never change them.
    Row `i` of every column is assignment `i`; `id_of(i)` and `condition_of(i)` give the rest
    without making an entity.
    """

    __slots__ = (
        "_extra",
        "_guid",
        "_mid",
        "_prefix",
        "principal_ids",
        "principal_types",
        "role_definition_guids",
        "role_definition_ids",
        "scopes",
    )

    def __init__(self, rows: Iterable[RoleAssignment] = ()) -> None:
        # The id is prefix + mid + tail: the scope as the id spells it (interned, so shared with
        # the id of the resource it names when normalization interned that too), then
        # "/providers/Microsoft.Authorization/roleAssignments/" (interned), then the GUID.
        self._prefix: list[str] = []
        self._mid: list[str] = []
        self._guid = bytearray()  # 16 bytes per row: the last segment when it is a GUID
        self._extra: dict[int, dict[str, Any]] = {}  # row -> fields that are not the usual
        self.principal_ids: list[str] = []
        self.principal_types: list[str | None] = []
        self.role_definition_ids: list[str] = []
        self.role_definition_guids: list[str] = []
        self.scopes: list[str] = []
        for ra in rows:
            self.append(ra)

    # ---- writing ---------------------------------------------------------------------------

    def add(
        self,
        base: Mapping[str, Any],
        *,
        principal_id: str,
        principal_type: str | None,
        role_definition_id: str,
        role_definition_guid: str,
        scope: str,
        condition: str | None = None,
        description: str | None = None,
    ) -> None:
        """One row from normalization's envelope (`base`: id, key, name, type, location, ...)
        and the assignment's own fields (principal, role and scope lower-cased already)."""
        row = len(self._prefix)
        rid: str = base["id"]
        cut = rid.rfind("/") + 1
        tail = rid[cut:]
        key = base.get("key")
        derived_key = rid.lower()
        at = derived_key.rfind(_SEGMENT, 0, cut)
        if at < 0:
            at = cut
        extra: dict[str, Any] = {}
        guid = _guid_bytes(tail)
        if guid is None:
            guid = _NO_GUID
            extra["tail"] = tail
        self._prefix.append(_intern(rid[:at]))
        self._mid.append(_intern(rid[at:cut]))
        self._guid += guid
        if key is not None and key != derived_key:
            extra["key"] = key
            derived_key = key
        name = base.get("name")
        if name is not None and name != tail:
            extra["name"] = name
        rtype = base.get("type", _TYPE)
        if rtype != _TYPE:
            extra["type"] = rtype
        sub, rg = _sub_rg(derived_key)
        if base.get("subscription_id", sub) != sub:
            extra["subscription_id"] = base["subscription_id"]
        if base.get("resource_group", rg) != rg:
            extra["resource_group"] = base["resource_group"]
        for field, value in (("condition", condition), ("description", description)):
            if value is not None:
                extra[field] = value
        for field in ("location", "kind", "sku"):
            if base.get(field):
                extra[field] = base[field]
        tags = base.get("tags")
        if tags:
            extra["tags"] = tags
        identity = base.get("identity", NO_IDENTITY)
        if identity is not NO_IDENTITY and identity != NO_IDENTITY:
            extra["identity"] = identity
        if extra:
            self._extra[row] = extra
        self.principal_ids.append(principal_id)
        self.principal_types.append(principal_type)
        self.role_definition_ids.append(role_definition_id)
        self.role_definition_guids.append(role_definition_guid)
        self.scopes.append(scope)

    def append(self, ra: RoleAssignment) -> None:
        """Add an entity (tests, benchmarks and builders that make `RoleAssignment`s)."""
        self.add(
            {
                "id": ra.id,
                "key": ra.key,
                "name": ra.name,
                "type": ra.type,
                "location": ra.location,
                "subscription_id": ra.subscription_id,
                "resource_group": ra.resource_group,
                "kind": ra.kind,
                "sku": ra.sku,
                "tags": ra.tags,
                "identity": ra.identity,
            },
            principal_id=_intern(ra.principal_id),
            principal_type=_intern(ra.principal_type) if ra.principal_type else ra.principal_type,
            role_definition_id=_intern(ra.role_definition_id),
            role_definition_guid=_intern(ra.role_definition_guid),
            scope=_intern(ra.scope),
            condition=ra.condition,
            description=ra.description,
        )

    def extend(self, rows: Iterable[RoleAssignment]) -> None:
        for ra in rows:
            self.append(ra)

    # ---- reading one field -----------------------------------------------------------------

    def _tail(self, row: int, extra: Mapping[str, Any] | None) -> str:
        if extra is not None and "tail" in extra:
            tail: str = extra["tail"]
            return tail
        return _guid_text(bytes(self._guid[16 * row : 16 * row + 16]))

    def id_of(self, row: int) -> str:
        """The assignment's id as Azure gave it."""
        return self._prefix[row] + self._mid[row] + self._tail(row, self._extra.get(row))

    def key_of(self, row: int) -> str:
        extra = self._extra.get(row)
        if extra is not None and "key" in extra:
            key: str = extra["key"]
            return key
        return (self._prefix[row] + self._mid[row] + self._tail(row, extra)).lower()

    def condition_of(self, row: int) -> str | None:
        extra = self._extra.get(row)
        return None if extra is None else extra.get("condition")

    # ---- the sequence ----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._prefix)

    def __bool__(self) -> bool:
        return bool(self._prefix)

    @overload
    def __getitem__(self, index: int) -> RoleAssignment: ...

    @overload
    def __getitem__(self, index: slice) -> list[RoleAssignment]: ...

    def __getitem__(self, index: int | slice) -> RoleAssignment | list[RoleAssignment]:
        if isinstance(index, slice):
            return [self._entity(i) for i in range(*index.indices(len(self)))]
        n = len(self._prefix)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("role assignment index out of range")
        return self._entity(index)

    def __iter__(self) -> Iterator[RoleAssignment]:
        for i in range(len(self._prefix)):
            yield self._entity(i)

    def __repr__(self) -> str:
        return f"<RoleAssignments: {len(self)} rows>"

    def _entity(self, row: int) -> RoleAssignment:
        extra = self._extra.get(row)
        tail = self._tail(row, extra)
        rid = self._prefix[row] + self._mid[row] + tail
        if extra is None:
            key = rid.lower()
            sub, rg = _sub_rg(key)
            return RoleAssignment(
                id=rid,
                key=key,
                name=tail,
                type=_TYPE,
                subscription_id=sub,
                resource_group=rg,
                tags=_NO_TAGS,
                principal_id=self.principal_ids[row],
                principal_type=self.principal_types[row],
                role_definition_id=self.role_definition_ids[row],
                role_definition_guid=self.role_definition_guids[row],
                scope=self.scopes[row],
            )
        key = extra.get("key") or rid.lower()
        sub, rg = _sub_rg(key)
        identity: Identity = extra.get("identity", NO_IDENTITY)
        return RoleAssignment(
            id=rid,
            key=key,
            name=extra.get("name", tail),
            type=extra.get("type", _TYPE),
            location=extra.get("location", ""),
            subscription_id=extra.get("subscription_id", sub),
            resource_group=extra.get("resource_group", rg),
            kind=extra.get("kind", ""),
            sku=extra.get("sku", ""),
            tags=extra.get("tags", _NO_TAGS),
            identity=identity,
            principal_id=self.principal_ids[row],
            principal_type=self.principal_types[row],
            role_definition_id=self.role_definition_ids[row],
            role_definition_guid=self.role_definition_guids[row],
            scope=self.scopes[row],
            condition=extra.get("condition"),
            description=extra.get("description"),
        )

    def lookup(self, keys: Iterable[str]) -> dict[str, RoleAssignment]:
        """The assignments whose (lower-cased) key is one of `keys`, by key: one pass over the
        rows' GUID bytes, no index kept (a report names a few hundred assignments)."""
        wanted = {k.lower() for k in keys}
        if not wanted:
            return {}
        by_guid: dict[bytes, list[str]] = {}
        odd: set[str] = set()  # keys whose last segment is no GUID: compared whole
        for k in wanted:
            guid = _guid_bytes(k.rsplit("/", 1)[-1])
            if guid is None:
                odd.add(k)
            else:
                by_guid.setdefault(guid, []).append(k)
        out: dict[str, RoleAssignment] = {}
        if by_guid:
            view = memoryview(self._guid)
            for row in range(len(self._prefix)):
                ks = by_guid.get(view[16 * row : 16 * row + 16].tobytes())
                if ks is not None:
                    key = self.key_of(row)
                    if key in ks and key not in out:
                        out[key] = self._entity(row)
        if odd:
            for row, extra in self._extra.items():
                if "tail" in extra or "key" in extra:
                    key = self.key_of(row)
                    if key in odd and key not in out:
                        out[key] = self._entity(row)
        return out
