"""Regenerate src/aiposture/facts/builtin_roles.json from Microsoft's published role definitions.

Input: the page excerpts saved in scripts/builtin_roles_pages/ (Microsoft's Azure RBAC built-in
roles reference, articles/role-based-access-control/built-in-roles/<category>.md, as read from a
public copy of the MicrosoftDocs azure-docs repository) and sources.json beside them (repository,
commit and path of each page). Every role's definition is the page's ```json block, parsed as
published: nothing is typed by hand. When two pages publish the same role (the General and
Privileged pages both list Owner), the newer page (front-matter `ms.date`) wins.

    python scripts/gen_builtin_roles.py            # rewrite the shipped table
    python scripts/gen_builtin_roles.py --check    # exit 1 when the shipped table is stale

To refresh: save the new page text over the excerpt (front matter, `## Role` headings and the
JSON blocks), update the commit in sources.json, run this script, review the diff.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent
PAGES = Path(__file__).resolve().parent / "builtin_roles_pages"
TABLE = ROOT / "src" / "aiposture" / "facts" / "builtin_roles.json"
SOURCE = (
    "Microsoft Azure RBAC built-in roles reference "
    "(MicrosoftDocs azure-docs, articles/role-based-access-control/built-in-roles/*.md)"
)
_KEYS = ("actions", "notActions", "dataActions", "notDataActions")


class PageError(ValueError):
    """A saved page excerpt that does not hold what the generator needs."""


def _page_date(front: dict[str, Any], name: str) -> str:
    raw = front.get("ms.date")
    if raw is None:
        raise PageError(f"{name}: no ms.date in the front matter")
    month, day, year = (int(x) for x in str(raw).split("/"))
    return dt.date(year, month, day).isoformat()


def parse_page(text: str, name: str) -> tuple[str, list[dict[str, Any]]]:
    """(page date, the role definitions of the page's JSON blocks as published)."""
    if not text.startswith("---\n"):
        raise PageError(f"{name}: no front matter")
    front_text, _, body = text[4:].partition("\n---\n")
    front = yaml.safe_load(front_text) or {}
    date = _page_date(front, name)
    roles: list[dict[str, Any]] = []
    heading: str | None = None
    tokens = MarkdownIt("commonmark").parse(body)
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag == "h2":
            heading = tokens[i + 1].content.strip()
        elif tok.type == "fence" and tok.info.strip() == "json":
            if heading is None:
                raise PageError(f"{name}: a JSON block outside a role section")
            role = json.loads(tok.content)
            _validate(role, heading, name)
            roles.append(role)
            heading = None
    return date, roles


def _validate(role: dict[str, Any], heading: str, name: str) -> None:
    where = f"{name} '{heading}'"
    if role.get("roleName") != heading:
        raise PageError(f"{where}: JSON roleName {role.get('roleName')!r} differs from heading")
    if role.get("roleType") != "BuiltInRole":
        raise PageError(f"{where}: roleType is not BuiltInRole")
    guid = str(role.get("name", ""))
    if not role.get("id", "").endswith(f"/roleDefinitions/{guid}") or len(guid) != 36:
        raise PageError(f"{where}: id and name disagree")
    perms = role.get("permissions")
    if not isinstance(perms, list) or not perms:
        raise PageError(f"{where}: no permissions")
    for perm in perms:
        for key in _KEYS:
            if not isinstance(perm.get(key), list):
                raise PageError(f"{where}: permissions.{key} missing")


def build(pages_dir: Path = PAGES) -> dict[str, Any]:
    """The table as data (generatedAt left to the caller)."""
    meta_all = json.loads((pages_dir / "sources.json").read_text(encoding="utf-8"))
    sources = meta_all["pages"]
    chosen: dict[str, dict[str, Any]] = {}
    pages: list[dict[str, Any]] = []
    for file in sorted(sources):
        meta = sources[file]
        date, roles = parse_page((pages_dir / file).read_text(encoding="utf-8"), file)
        source = {"repo": meta["repo"], "commit": meta["commit"], "path": meta["path"]}
        pages.append({**source, "pageDate": date, "roles": len(roles)})
        for role in roles:
            guid = role["name"].lower()
            entry = {**role, "source": {**source, "pageDate": date}}
            old = chosen.get(guid)
            if old is None or old["source"]["pageDate"] < date:
                chosen[guid] = entry
    _check_required(meta_all.get("required", {}), chosen)
    roles_out = sorted(chosen.values(), key=lambda r: (r["roleName"].lower(), r["name"]))
    return {
        "source": SOURCE,
        "tableDate": max(p["pageDate"] for p in pages),
        "pages": pages,
        "roles": roles_out,
    }


def _check_required(required: dict[str, Any], chosen: dict[str, dict[str, Any]]) -> None:
    """Every role sources.json requires is in the table, or omitted there with a reason: a role
    the previous table resolved must not silently become unresolved (UNKNOWN) offline."""
    omitted = {g.lower(): str(why).strip() for g, why in required.get("omitted", {}).items()}
    for guid, name in required.get("roles", {}).items():
        if guid.lower() in chosen:
            continue
        if not omitted.get(guid.lower()):
            raise PageError(
                f"sources.json: required role {name!r} ({guid}) is on no saved page; "
                "copy its page excerpt or record it under required.omitted with a reason"
            )


def _comparable(table: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in table.items() if k != "generatedAt"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail when the shipped table is stale")
    args = ap.parse_args(argv)
    try:
        table = build()
    except (PageError, json.JSONDecodeError, OSError) as exc:
        print(f"gen_builtin_roles: {exc}", file=sys.stderr)
        return 2
    if args.check:
        shipped = json.loads(TABLE.read_text(encoding="utf-8"))
        if _comparable(shipped) != _comparable(table):
            print("builtin_roles.json is stale: run scripts/gen_builtin_roles.py", file=sys.stderr)
            return 1
        print(
            f"builtin_roles.json matches {len(table['pages'])} pages, {len(table['roles'])} roles"
        )
        return 0
    out = {"generatedAt": dt.datetime.now(dt.UTC).date().isoformat(), **table}
    TABLE.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {TABLE.relative_to(ROOT)}: {len(table['roles'])} roles")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
