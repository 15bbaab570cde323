"""Generate src/aiposture/rules/policy_builtins.json from Azure Policy source files.

Inputs (see README.md in this folder):
- built-in policy definitions: `sources.json` here (excerpts of Azure/azure-policy files, each
  with its path and commit), or a full checkout with `--checkout PATH/azure-policy` (every
  definition under the AI-related categories is read);
- the Azure Landing Zones AI guardrail initiatives: `alz_initiatives.json` here (excerpts of
  Azure/Enterprise-Scale policySetDefinitions);
- the built-in initiatives (policySetDefinitions) holding the definitions rules look for:
  `builtin_initiatives.json` here (excerpts of Azure/azure-policy policySetDefinitions).

Output: one JSON document with, per definition GUID, display name, category, version,
preview/deprecated flags, the effect parameter and its default and allowed values, and the
source path and commit it was read from; and per ALZ or built-in initiative its members and
parameter defaults. `python tests/data/azure_policy/gen_policy_builtins.py --check` fails when the
committed file differs from what the inputs give.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
OUTPUT = ROOT / "src" / "aiposture" / "rules" / "policy_builtins.json"
CATEGORIES = (
    "Azure Ai Services",
    "Azure Databricks",
    "Cognitive Services",
    "Machine Learning",
    "Search",
    "Bot Service",
)
_PARAM = re.compile(r"^\[parameters\('([^']+)'\)\]$")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def definition_record(raw: dict[str, Any], path: str, commit: str | None) -> dict[str, Any]:
    """The fields aiposture needs from one policy definition file."""
    props = raw["properties"]
    meta = props.get("metadata") or {}
    then = str(((props.get("policyRule") or {}).get("then") or {}).get("effect", ""))
    match = _PARAM.match(then)
    effect_param = match.group(1) if match else None
    declared = (props.get("parameters") or {}).get(effect_param or "", None)
    record: dict[str, Any] = {
        "guid": str(raw["name"]).lower(),
        "displayName": props["displayName"],
        "category": meta.get("category"),
        "version": meta.get("version"),
        "preview": bool(meta.get("preview", False)),
        "deprecated": bool(meta.get("deprecated", False)),
        "effectParameter": effect_param,
        "defaultEffect": (declared or {}).get("defaultValue") if effect_param else then or None,
        "allowedEffects": list((declared or {}).get("allowedValues", []))
        if effect_param
        else ([then] if then else []),
        "source": {"repository": "Azure/azure-policy", "path": path, "commit": commit},
    }
    if effect_param and declared is None:
        record["note"] = (
            f"policyRule.then.effect references parameter '{effect_param}', which the "
            "definition does not declare"
        )
    if not _GUID.match(record["guid"]):
        raise ValueError(f"{path}: name {record['guid']!r} is not a GUID")
    return record


def from_excerpts(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [definition_record(f["excerpt"], f["path"], f["commit"]) for f in data["files"]]


def from_checkout(root: Path) -> list[dict[str, Any]]:
    """Every definition of the AI categories, and the other definitions rules cite (the paths
    sources.json names outside those categories: AKS, networking, monitoring, storage...)."""
    base = root / "built-in-policies" / "policyDefinitions"
    files = [f for category in CATEGORIES for f in sorted((base / category).glob("*.json"))]
    cited = json.loads((HERE / "sources.json").read_text(encoding="utf-8"))["files"]
    files += [root / f["path"] for f in cited if (root / f["path"]) not in files]
    out = []
    for file in files:
        raw = json.loads(file.read_text(encoding="utf-8"))
        out.append(definition_record(raw, file.relative_to(root).as_posix(), None))
    return out


def initiatives(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for f in data["files"]:
        ex = f["excerpt"]
        members = []
        for definition_id, effect_param, initiative_param, *condition in ex["policyDefinitions"]:
            ref = str(definition_id).rstrip("/").rsplit("/", 1)[-1].lower()
            member = {
                "definition": ref,
                "builtIn": str(definition_id)
                .lower()
                .startswith("/providers/microsoft.authorization/"),
                "memberEffectParameter": effect_param,
                "initiativeParameter": initiative_param,
            }
            if condition:  # effect: [if(contains(parameters(P), T), parameters(E), 'Disabled')]
                (cond,) = condition
                member["enabledIfListed"] = {
                    "parameter": cond["parameter"],
                    "contains": cond["contains"],
                }
            members.append(member)
        out.append(
            {
                "name": ex["name"],
                "displayName": ex["displayName"],
                "version": ex["version"],
                "parameterDefaults": ex["parameters"],
                "members": members,
                "source": {"repository": data["repository"], "path": f["path"]}
                | {"commit": f["commit"]},
            }
        )
    return out


def builtin_initiatives(path: Path, known: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Built-in initiatives, keyed by GUID. A member listed without an initiative parameter
    runs with its definition's default effect; each member must be a definition read above
    (the excerpt keeps only those), and each initiative parameter must have its default."""
    out = initiatives(path)
    for ini in out:
        if not _GUID.match(ini["name"]):
            raise ValueError(f"{ini['source']['path']}: name {ini['name']!r} is not a GUID")
        for m in ini["members"]:
            if m["definition"] not in known:
                raise ValueError(f"{ini['name']}: member {m['definition']} not in sources.json")
            params = [m["initiativeParameter"], (m.get("enabledIfListed") or {}).get("parameter")]
            for param in params:
                if param is not None and param not in ini["parameterDefaults"]:
                    raise ValueError(f"{ini['name']}: parameter {param} has no default")
    return out


def build(definitions: list[dict[str, Any]]) -> dict[str, Any]:
    by_guid: dict[str, dict[str, Any]] = {}
    for d in definitions:
        by_guid.setdefault(d["guid"], d)  # first file read for a GUID wins (sorted paths)
    return {
        "generator": "tests/data/azure_policy/gen_policy_builtins.py",
        "inputs": [
            "tests/data/azure_policy/sources.json",
            "tests/data/azure_policy/alz_initiatives.json",
            "tests/data/azure_policy/builtin_initiatives.json",
        ],
        "definitions": [by_guid[g] for g in sorted(by_guid)],
        "alzInitiatives": initiatives(HERE / "alz_initiatives.json"),
        "builtinInitiatives": builtin_initiatives(HERE / "builtin_initiatives.json", by_guid),
    }


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, help="a full Azure/azure-policy checkout")
    parser.add_argument("--check", action="store_true", help="fail if the output is stale")
    args = parser.parse_args(argv)
    definitions = (
        from_checkout(args.checkout) if args.checkout else from_excerpts(HERE / "sources.json")
    )
    text = render(build(definitions))
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is stale: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(definitions)} definitions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
