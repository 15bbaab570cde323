# ruff: noqa: E501 (the shell script templates below keep their own line lengths)
"""`aiposture export-script`: a self-contained script a customer runs with the Azure CLI only.

The script asks what the live collector asks (collect/live/): the same Resource Graph queries
(`TABLES`, `table_query`, `tenant_level_query`), the same ARM child lists (`arm.child_tasks`,
`subscription_tasks`, `management_group_tasks`, `diagnostics_task`) and the same Microsoft Graph
collections (`graph_api.COLLECTIONS`), generated from those definitions so that the two cannot
drift apart. It writes one directory of raw responses plus `aiposture-manifest.json`
(docs/export-manifest.md) and a `.tar.gz` (bash) or `.zip` (PowerShell) of it; `scan --input`
reads either. Read-only: Resource Graph queries (POST, read-only by design) and `az rest
--method get`. An error in one collection is recorded in the manifest and the script goes on.

Values are never spliced into the script unchecked: subscription ids must be GUIDs and
management group names ARM names, checked here at generation time; everything the script reads
back from Azure (ids, names, skip tokens) stays in quoted variables.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from aiposture import __version__
from aiposture.collect.live import arm as arm_mod
from aiposture.collect.live import graph_api
from aiposture.collect.live.collector import (
    CHILD_COLLECTIONS,
    MANAGEMENT_GROUP,
    SUBSCRIPTION,
    TABLES,
    tenant_level_query,
)
from aiposture.collect.live.resourcegraph import MAX_BATCH, MAX_PAGE, RowHead, table_query
from aiposture.errors import ConfigError
from aiposture.model.snapshot import collection_of

SHELLS = ("bash", "pwsh")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# ARM management group names: letters, digits, - _ ( ) . (at most 90).
_MG_NAME = re.compile(r"^[A-Za-z0-9_().-]{1,90}$")
# What may appear literally inside a double-quoted shell word (paths, api-versions, queries
# are checked against it before they are written into the script).
_SAFE_PATH = re.compile(r"^[A-Za-z0-9/._@-]*$")
_PLACEHOLDER = "@ID@"
_ROOT_KINDS = ("", "openai", "aiservices")
_PARENT_TYPES = (
    "microsoft.cognitiveservices/accounts",
    "microsoft.machinelearningservices/workspaces",
    "microsoft.apimanagement/service",
    "microsoft.operationalinsights/workspaces",
    # Private DNS zone groups: the script lists them for every private endpoint (the live
    # collector only for those of AI resources; a script cannot read the connection targets
    # without a JSON parser), a superset the scan reads the same way.
    "microsoft.network/privateendpoints",
)
# Resources whose diagnostic settings the script lists. The live collector asks the rules
# which resources they check (cli/live_cmd.rule_diagnostic_targets); a script cannot, so it
# lists every resource of the types those targets can have (tests/export check that the demo's
# targets are all covered).
DIAGNOSTIC_TYPES = (
    "microsoft.cognitiveservices/accounts",
    "microsoft.machinelearningservices/workspaces",
    "microsoft.machinelearningservices/registries",
    "microsoft.search/searchservices",
    "microsoft.botservice/botservices",
    "microsoft.containerservice/managedclusters",
    "microsoft.storage/storageaccounts",
    "microsoft.keyvault/vaults",
    "microsoft.containerregistry/registries",
    "microsoft.insights/components",
    "microsoft.operationalinsights/workspaces",
    "microsoft.apimanagement/service",
    "microsoft.network/networksecuritygroups",
    "microsoft.databricks/workspaces",
)


@dataclass(frozen=True, slots=True)
class ExportOptions:
    shell: str = "bash"
    subscriptions: tuple[str, ...] = ()
    management_groups: tuple[str, ...] = ()
    page_size: int = MAX_PAGE
    batch_size: int = MAX_BATCH
    max_pages: int = 1000


def validate(options: ExportOptions) -> ExportOptions:
    """Options checked for safe use in a script (ConfigError names the bad value)."""
    if options.shell not in SHELLS:
        raise ConfigError(f"--shell {options.shell!r}: choose one of {', '.join(SHELLS)}")
    subs: list[str] = []
    for s in options.subscriptions:
        s = s.strip()
        if not _GUID.match(s):
            raise ConfigError(
                f"--subscription {s!r} is not a subscription id (a GUID such as "
                "00000000-0000-0000-0000-000000000000); list them with `az account list "
                "--query [].id -o tsv`"
            )
        subs.append(s.lower())
    mgs: list[str] = []
    for m in options.management_groups:
        m = m.strip()
        if not _MG_NAME.match(m):
            raise ConfigError(
                f"--management-group {m!r} is not a management group name (letters, digits, "
                "- _ ( ) . up to 90 characters); list them with `az account management-group "
                "list --query [].name -o tsv`"
            )
        mgs.append(m)
    if subs and mgs:
        raise ConfigError("give --subscription or --management-group, not both")
    if not 1 <= options.page_size <= MAX_PAGE:
        raise ConfigError(f"page size must be 1..{MAX_PAGE}")
    return ExportOptions(
        options.shell,
        tuple(dict.fromkeys(subs)),
        tuple(dict.fromkeys(mgs)),
        options.page_size,
        max(1, min(options.batch_size, MAX_BATCH)),
        options.max_pages,
    )


# ---------------------------------------------------------------------------------------------
# The plan, from the live collector's definitions


@dataclass(frozen=True, slots=True)
class ArgStep:
    name: str
    query: str
    collections: tuple[str, ...]
    # (collection, query) asked one by one where the service holds only some of the
    # collections (NotCollected), as the live collector's _per_collection does.
    parts: tuple[tuple[str, str], ...] = ()


def _parts(
    types: Sequence[str], query: Callable[[str, Sequence[str]], str], table: str
) -> tuple[tuple[str, str], ...]:
    cols = sorted({collection_of(t, "") for t in types})
    if len(cols) < 2:
        return ()
    return tuple(
        (c, query(table, tuple(t for t in types if collection_of(t, "") == c))) for c in cols
    )


@dataclass(frozen=True, slots=True)
class ListStep:
    collection: str
    suffix: str  # path after the parent id ("/deployments")
    api_version: str


@dataclass(frozen=True, slots=True)
class Plan:
    discover_subscriptions: str
    discover_management_groups: str
    tables: tuple[ArgStep, ...]
    tenant_level: tuple[ArgStep, ...]
    children: tuple[tuple[str, str, tuple[ListStep, ...]], ...]  # (type, kind, lists)
    subscription_lists: tuple[ListStep, ...]
    pricings: ListStep
    management_group_lists: tuple[ListStep, ...]
    diagnostics: ListStep
    graph: tuple[graph_api.GraphCollection, ...]
    child_collections: tuple[str, ...]


def _suffix(task: arm_mod.ListTask, scope: str) -> ListStep:
    if not task.path.startswith(scope):
        raise AssertionError(f"{task.path} is not under {scope}")
    suffix = task.path[len(scope) :]
    for text in (suffix, task.api_version, task.collection):
        if not _SAFE_PATH.match(text):
            raise AssertionError(f"unsafe text in the export plan: {text!r}")
    return ListStep(task.collection, suffix, task.api_version)


def build_plan() -> Plan:
    """What to ask, derived from the live collector's own definitions."""
    tables = tuple(
        ArgStep(
            tq.table,
            table_query(tq.table, tq.types),
            tuple(tq.collections()),
            _parts(tq.types, table_query, tq.table),
        )
        for tq in TABLES
    )
    tenant = tuple(
        ArgStep(
            f"{tq.table}-tenant",
            tenant_level_query(tq.table, tq.types),
            tuple(tq.collections()),
            _parts(tq.types, tenant_level_query, tq.table),
        )
        for tq in TABLES
        if tq.tenant_level
    )
    children: list[tuple[str, str, tuple[ListStep, ...]]] = []
    for rtype in _PARENT_TYPES:
        for kind in _ROOT_KINDS:
            tasks = arm_mod.child_tasks(RowHead(id=_PLACEHOLDER, type=rtype, kind=kind))
            steps = tuple(_suffix(t, _PLACEHOLDER) for t in tasks)
            if kind and steps == next((s for t, k, s in children if t == rtype and not k), None):
                continue
            children.append((rtype, kind, steps))
    sub = "/subscriptions/" + _PLACEHOLDER
    sub_steps = tuple(
        _suffix(t, sub) for t in arm_mod.subscription_tasks(_PLACEHOLDER, pricings=False)
    )
    with_pricings = arm_mod.subscription_tasks(_PLACEHOLDER, pricings=True)
    pricings = next(_suffix(t, sub) for t in with_pricings if t.collection == "pricings")
    mg_scope = "/providers/Microsoft.Management/managementGroups/" + _PLACEHOLDER
    mg_steps = tuple(_suffix(t, mg_scope) for t in arm_mod.management_group_tasks(_PLACEHOLDER))
    return Plan(
        discover_subscriptions=table_query("resourcecontainers", (SUBSCRIPTION,)),
        discover_management_groups=table_query("resourcecontainers", (MANAGEMENT_GROUP,)),
        tables=tables,
        tenant_level=tenant,
        children=tuple(children),
        subscription_lists=sub_steps,
        pricings=pricings,
        management_group_lists=mg_steps,
        diagnostics=_suffix(arm_mod.diagnostics_task(_PLACEHOLDER), _PLACEHOLDER),
        graph=tuple(graph_api.COLLECTIONS),
        child_collections=tuple(CHILD_COLLECTIONS),
    )


# ---------------------------------------------------------------------------------------------
# Rendering


def _sq(text: str) -> str:
    """A bash single-quoted word."""
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _pq(text: str) -> str:
    """A PowerShell single-quoted string."""
    return "'" + text.replace("'", "''") + "'"


def _params(params: Iterable[tuple[str, str]]) -> str:
    return "&".join(f"{k}={v}" for k, v in params)


def render(options: ExportOptions, *, now: dt.datetime | None = None) -> str:
    """The script for `options` (validated here)."""
    options = validate(options)
    plan = build_plan()
    when = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    if options.shell == "pwsh":
        from aiposture.collect.export_pwsh import render_pwsh

        return render_pwsh(plan, options, when)
    return _render_bash(plan, options, when)


def command_line(options: ExportOptions) -> str:
    """The `aiposture export-script` command that generates this script."""
    parts = ["aiposture export-script"]
    if options.shell != "bash":
        parts.append(f"--shell {options.shell}")
    parts.extend(f"--subscription {s}" for s in options.subscriptions)
    parts.extend(f"--management-group {m}" for m in options.management_groups)
    return " ".join(parts)


def _render_bash(plan: Plan, o: ExportOptions, when: str) -> str:
    lines: list[str] = []
    add = lines.append
    for fn, steps in (("table_query", plan.tables), ("tenant_query", plan.tenant_level)):
        for t in steps:
            parts = "".join(f" \\\n  {_sq(c)} {_sq(q)}" for c, q in t.parts)
            add(f"{fn} {_sq(t.name)} {_sq(t.query)} {_sq(' '.join(t.collections))}{parts}")
    tables = "\n".join(lines)

    cases: list[str] = []
    # Per type: the kinds with lists of their own first, then the type's default.
    for rtype, kind, lists in sorted(plan.children, key=lambda c: (c[0], not c[1], c[1])):
        pattern = _sq(f"{rtype}|{kind}") if kind else _sq(f"{rtype}|") + "*"
        body = "; ".join(
            f'arm_list {s.collection} "$id" "$id{s.suffix}" {s.api_version}' for s in lists
        )
        cases.append(f"    {pattern}) {body or ':'} ;;")
    children = "\n".join(cases)
    sub_lists = "\n".join(
        f'    arm_list {s.collection} "/subscriptions/$sub" "/subscriptions/$sub{s.suffix}" '
        f"{s.api_version}"
        for s in plan.subscription_lists
    )
    mg_lists = "\n".join(
        f'    arm_list {s.collection} "$mgid" "$mgid{s.suffix}" {s.api_version}'
        for s in plan.management_group_lists
    )
    graph_lists = "\n".join(
        f"graph_list {c.name} {_sq(c.path)} {_sq(_params(c.params))} {_sq(c.permission)}"
        for c in plan.graph
    )
    diag_types = " ".join(plan_diag_types())
    subs = " ".join(o.subscriptions)
    mgs = " ".join(o.management_groups)
    script = _BASH
    for key, value in {
        "VERSION": __version__,
        "GENERATED": when,
        "COMMAND": command_line(o),
        "SUBS": subs,
        "MGS": mgs,
        "PAGE_SIZE": str(o.page_size),
        "BATCH": str(o.batch_size),
        "MAX_PAGES": str(o.max_pages),
        "DISCOVER_SUBS": _sq(plan.discover_subscriptions),
        "DISCOVER_MGS": _sq(plan.discover_management_groups),
        "TABLES": tables,
        "CHILD_CASES": children,
        "SUB_LISTS": sub_lists,
        "PRICINGS": (
            f'arm_list {plan.pricings.collection} "/subscriptions/$sub" '
            f'"/subscriptions/$sub{plan.pricings.suffix}" {plan.pricings.api_version}'
        ),
        "MG_LISTS": mg_lists,
        "DIAG": (
            f'arm_list {plan.diagnostics.collection} "$id" "$id{plan.diagnostics.suffix}" '
            f"{plan.diagnostics.api_version}"
        ),
        "DIAG_TYPES": diag_types,
        "CHILD_COLLECTIONS": " ".join(plan.child_collections),
        "GRAPH_LISTS": graph_lists,
        "MEMBERS_PERMISSION": graph_api.GROUP_MEMBERS_PERMISSION,
    }.items():
        script = script.replace(f"@@{key}@@", value)
    if "@@" in script:
        raise AssertionError("unfilled placeholder in the export script")
    return script


def plan_diag_types() -> Sequence[str]:
    return DIAGNOSTIC_TYPES


_BASH = r"""#!/usr/bin/env bash
# aiposture export script: generated by aiposture @@VERSION@@ on @@GENERATED@@ with
#   @@COMMAND@@
#
# What it does: reads the Azure AI estate's configuration with the Azure CLI only, read-only:
# Azure Resource Graph queries (`az graph query`, a read-only POST), ARM and Microsoft Graph
# list calls (`az rest --method get`) and `az account show`. It changes nothing in Azure.
# Output: one directory (raw responses + aiposture-manifest.json) and a .tar.gz of it; send the
# .tar.gz back. An error in one collection (403, throttling...) is recorded in the manifest and
# the script goes on.
# Needs: bash 4+, awk, sed, tar, and `az login` done (Azure Cloud Shell has all of these); the
# resource-graph extension of the Azure CLI (installed on first use if missing).
# Usage: bash aiposture-export.sh [OUTPUT_DIRECTORY]
set -u -o pipefail
umask 077
export AZURE_EXTENSION_USE_DYNAMIC_INSTALL=yes_without_prompt
export AZURE_CORE_OUTPUT=json
export AZURE_CORE_COLLECT_TELEMETRY=false

TOOL_VERSION='@@VERSION@@'
SCOPE_SUBSCRIPTIONS=(@@SUBS@@)
SCOPE_MGS=(@@MGS@@)
PAGE_SIZE=@@PAGE_SIZE@@
BATCH=@@BATCH@@
MAX_PAGES=@@MAX_PAGES@@
DIAG_TYPES=' @@DIAG_TYPES@@ '
CHILD_COLLECTIONS='@@CHILD_COLLECTIONS@@'

OUT="${1:-aiposture-export-$(date -u +%Y%m%dT%H%M%SZ)}"
if [ -e "$OUT" ] && [ -n "$(ls -A -- "$OUT" 2>/dev/null)" ]; then
  echo "aiposture export: $OUT exists and is not empty; give a new directory" >&2
  exit 2
fi
mkdir -p -- "$OUT/arg" "$OUT/arm" "$OUT/graph" "$OUT/logs" || exit 2
LOGS="$OUT/logs"
: > "$LOGS/coverage.lines"; : > "$LOGS/files.lines"; : > "$LOGS/queries.lines"
: > "$LOGS/rows.tsv"
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
SEQ=0
ERRORS=0

say() { printf 'aiposture export: %s\n' "$*" >&2; }

json_str() { # a JSON string literal of $1 (control characters become spaces)
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=$(printf '%s' "$s" | tr '\000-\037' ' ')
  printf '"%s"' "$s"
}

cover() { # collection scope status reason
  printf '{"collection": %s, "scope": %s, "status": %s, "reason": %s}\n' \
    "$(json_str "$1")" "$(json_str "$2")" "$(json_str "$3")" "$(json_str "$4")" \
    >> "$LOGS/coverage.lines"
}

add_file() { # path group page last collection [group_id]
  printf '{"path": %s, "group": %s, "page": %s, "last": %s, "collection": %s%s}\n' \
    "$(json_str "$1")" "$(json_str "$2")" "$3" "$4" "$(json_str "$5")" \
    "${6:+, \"group_id\": $(json_str "$6")}" >> "$LOGS/files.lines"
}

add_query() { # id kind text scope
  printf '{"id": %s, "kind": %s, "text": %s, "scope": %s}\n' \
    "$(json_str "$1")" "$(json_str "$2")" "$(json_str "$3")" "$(json_str "$4")" \
    >> "$LOGS/queries.lines"
}

err_status() { # stderr file -> denied | skipped | failed
  if grep -qiE 'AuthorizationFailed|Authorization_RequestDenied|Forbidden|InsufficientAccountPermissions|does not have authorization|LinkedAuthorizationFailed' "$1"; then
    echo denied
  elif grep -qiE 'NotCollected|licen[cs]e|premium' "$1"; then
    echo skipped
  else
    echo failed
  fi
}

err_reason() { # the first lines of an az error, on one line
  grep -v '^WARNING' "$1" | tr '\n\r\t' '   ' | sed 's/  */ /g' | cut -c1-400
}


rows_of() { # az JSON output (indent 2, sorted keys) -> id, type, kind, name, subscriptionId (US-separated)
  awk '
    function val(s) { sub(/^ *"[A-Za-z]+": "/, "", s); sub(/",?$/, "", s); return s }
    /^    \{/ { id = ""; ty = ""; kd = ""; nm = ""; sb = "" }
    /^      "id": "/ { id = val($0) }
    /^      "type": "/ { ty = val($0) }
    /^      "kind": "/ { kd = val($0) }
    /^      "name": "/ { nm = val($0) }
    /^      "subscriptionId": "/ { sb = val($0) }
    /^    \}/ { if (id != "") printf "%s\037%s\037%s\037%s\037%s\n", id, ty, kd, nm, sb }
  ' "$@"
}

# arg_run NAME QUERY [SCOPE ARGS...]: every page of one Resource Graph query.
# Sets RUN_STATUS (complete | partial | denied | failed | skipped), RUN_REASON, RUN_FILES.
arg_run() {
  local name=$1 query=$2
  shift 2
  local group page=1 token="" prev="" file err
  SEQ=$((SEQ + 1))
  group=$(printf 'q%04d-%s' "$SEQ" "$name")
  add_query "$group" arg "$query" "$*"
  RUN_FILES=()
  RUN_STATUS=complete
  RUN_REASON="az graph query ($group)"
  while :; do
    file=$(printf 'arg/%s-p%03d.json' "$group" "$page")
    err="$LOGS/$group-p$page.err"
    local args=(graph query -q "$query" --first "$PAGE_SIZE" --output json "$@")
    if [ -n "$token" ]; then args+=(--skip-token "$token"); fi
    if ! az "${args[@]}" > "$OUT/$file" 2> "$err"; then
      rm -f -- "$OUT/$file"
      RUN_STATUS=$(err_status "$err")
      RUN_REASON="az graph query ($group) page $page: $(err_reason "$err")"
      if [ "$page" -gt 1 ]; then RUN_STATUS=partial; fi
      ERRORS=$((ERRORS + 1))
      return 1
    fi
    RUN_FILES+=("$OUT/$file")
    prev=$token
    token=$(sed -n 's/^  "skip_token": "\(.*\)",\{0,1\}$/\1/p' "$OUT/$file")
    if [ -z "$token" ]; then
      add_file "$file" "$group" "$page" true ""
      return 0
    fi
    add_file "$file" "$group" "$page" false ""
    if [ "$token" = "$prev" ]; then
      RUN_STATUS=partial; RUN_REASON="az graph query ($group): the skip token repeats"
      return 1
    fi
    page=$((page + 1))
    if [ "$page" -gt "$MAX_PAGES" ]; then
      RUN_STATUS=partial; RUN_REASON="az graph query ($group): stopped at $MAX_PAGES pages"
      return 1
    fi
  done
}

# rest_run KIND NAME URL COLLECTION [RESOURCE] [GROUP_ID]: every page of one list (GET).
rest_run() {
  local kind=$1 name=$2 url=$3 collection=$4 resource=${5:-} gid=${6:-}
  local group page=1 file err next key=nextLink
  if [ "$kind" = graph ]; then key='@odata.nextLink'; fi
  SEQ=$((SEQ + 1))
  group=$(printf 'q%04d-%s' "$SEQ" "$name")
  add_query "$group" "$kind" "GET $url" ""
  RUN_FILES=()
  RUN_STATUS=complete
  RUN_REASON="az rest --method get ($group)"
  while :; do
    file=$(printf '%s/%s-p%03d.json' "$kind" "$group" "$page")
    err="$LOGS/$group-p$page.err"
    local args=(rest --method get --url "$url" --output json)
    if [ -n "$resource" ]; then args+=(--resource "$resource"); fi
    if ! az "${args[@]}" > "$OUT/$file" 2> "$err"; then
      rm -f -- "$OUT/$file"
      RUN_STATUS=$(err_status "$err")
      RUN_REASON="GET ${url%%\?*}: $(err_reason "$err")"
      if [ "$page" -gt 1 ]; then RUN_STATUS=partial; fi
      ERRORS=$((ERRORS + 1))
      return 1
    fi
    RUN_FILES+=("$OUT/$file")
    next=$(sed -n "s/^  \"$key\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" "$OUT/$file")
    if [ -z "$next" ]; then
      add_file "$file" "$group" "$page" true "$collection" "$gid"
      return 0
    fi
    add_file "$file" "$group" "$page" false "$collection" "$gid"
    if [ "$next" = "$url" ]; then
      RUN_STATUS=partial; RUN_REASON="GET ${url%%\?*}: the next link repeats"
      return 1
    fi
    url=$next
    page=$((page + 1))
    if [ "$page" -gt "$MAX_PAGES" ]; then
      RUN_STATUS=partial; RUN_REASON="GET ${url%%\?*}: stopped at $MAX_PAGES pages"
      return 1
    fi
  done
}

arm_list() { # collection scope path api-version
  local collection=$1 scope=$2 path=$3 api=$4
  rest_run arm "$collection" "$ARM$path?api-version=$api" "$collection"
  if [ "$RUN_STATUS" = complete ]; then
    cover "$collection" "$scope" complete "az rest --method get --url '$path?api-version=$api'"
  else
    cover "$collection" "$scope" "$RUN_STATUS" "$RUN_REASON"
  fi
}

graph_list() { # name path params permission
  local name=$1 path=$2 params=$3 permission=$4 url
  url="$GRAPH$path"
  if [ -n "$params" ]; then url="$url?$params"; fi
  rest_run graph "$name" "$url" "graph.$name" "$GRAPH_RESOURCE"
  if [ "$RUN_STATUS" = complete ]; then
    cover "graph.$name" tenant complete "az rest --method get --url '$GRAPH$path'"
  elif [ "$RUN_STATUS" = denied ]; then
    cover "graph.$name" tenant denied "needs Graph permission $permission: $RUN_REASON"
  else
    cover "graph.$name" tenant "$RUN_STATUS" "$RUN_REASON"
  fi
}

scope_of_batch() { local out=() s; for s in "$@"; do out+=("/subscriptions/$s"); done; printf '%s' "${out[*]}"; }

# Runs QUERY for the subscriptions in batches; a failed batch is retried one subscription at a
# time so that one denied subscription does not cost the others. Records every collection.
per_subscription() { # name query collections
  local name=$1 query=$2 collections=$3 i s c
  for ((i = 0; i < ${#SUBS[@]}; i += BATCH)); do
    local batch=("${SUBS[@]:i:BATCH}")
    if arg_run "$name" "$query" --subscriptions "${batch[@]}"; then
      for s in "${batch[@]}"; do
        for c in $collections; do cover "$c" "/subscriptions/$s" complete "$RUN_REASON"; done
      done
      continue
    fi
    if [ "${#batch[@]}" -gt 1 ] && [ "$RUN_STATUS" != partial ]; then
      for s in "${batch[@]}"; do
        if arg_run "$name" "$query" --subscriptions "$s"; then
          for c in $collections; do cover "$c" "/subscriptions/$s" complete "$RUN_REASON"; done
        else
          failed_sub "$name" "$s" "$collections"
        fi
      done
      continue
    fi
    for s in "${batch[@]}"; do failed_sub "$name" "$s" "$collections"; done
  done
}

# With SPLIT=1 a subscription answered NotCollected is only remembered (FAILED): the caller
# asks each collection on its own there.
failed_sub() { # name subscription collections (RUN_STATUS, RUN_REASON set)
  local c
  FAILED["$1|$2"]=$RUN_STATUS
  if [ "$SPLIT" = 1 ] && [ "$RUN_STATUS" = skipped ]; then return 0; fi
  for c in $3; do cover "$c" "/subscriptions/$2" "$RUN_STATUS" "$RUN_REASON"; done
}
SPLIT=0

declare -A FAILED
# table_query NAME QUERY COLLECTIONS [COLLECTION QUERY]...: one table for every subscription;
# where the service holds only some of its collections, each is asked on its own.
table_query() {
  local name=$1 query=$2 collections=$3 s
  shift 3
  say "Resource Graph: $name"
  SPLIT=0
  if [ $# -gt 0 ]; then SPLIT=1; fi
  per_subscription "$name" "$query" "$collections"
  SPLIT=0
  if [ $# -gt 0 ]; then
    local retry=() saved=("${SUBS[@]}")
    for s in "${SUBS[@]}"; do
      if [ "${FAILED[$name|$s]:-}" = skipped ]; then retry+=("$s"); fi
    done
    if [ "${#retry[@]}" -gt 0 ]; then
      SUBS=("${retry[@]}")
      while [ $# -gt 1 ]; do
        per_subscription "$name-$1" "$2" "$1"
        shift 2
      done
      SUBS=("${saved[@]}")
    fi
  fi
  if [ "$name" = securityresources ]; then
    local s
    for s in "${SUBS[@]}"; do
      if [ "${FAILED[securityresources|$s]:-}" = denied ]; then PRICING_FALLBACK+=("$s"); fi
    done
  fi
}

tenant_query() { # name query collections [collection query]...
  local name=$1 query=$2 collections=$3 c
  shift 3
  say "Resource Graph: $name (management-group and tenant level)"
  if arg_run "$name" "$query" "${TENANT_SCOPE[@]}"; then
    for c in $collections; do cover "$c" tenant complete "$RUN_REASON"; done
  elif [ "$RUN_STATUS" = skipped ] && [ $# -gt 0 ]; then
    while [ $# -gt 1 ]; do
      if arg_run "$name-$1" "$2" "${TENANT_SCOPE[@]}"; then
        cover "$1" tenant complete "$RUN_REASON"
      else
        cover "$1" tenant "$RUN_STATUS" "$RUN_REASON"
      fi
      shift 2
    done
  else
    for c in $collections; do cover "$c" tenant "$RUN_STATUS" "$RUN_REASON"; done
  fi
}

write_manifest() {
  local finished
  finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  {
    printf '{\n  "format": "aiposture-export-manifest",\n  "version": "1.1",\n'
    printf '  "tool": {"name": "aiposture", "version": %s},\n' "$(json_str "$TOOL_VERSION")"
    printf '  "generator": %s,\n' "$(json_str 'bash: @@COMMAND@@')"
    printf '  "tenant_id": %s,\n' "$(json_str "$TENANT")"
    printf '  "cloud": %s,\n' "$(json_str "$CLOUD")"
    printf '  "scopes": [%s],\n' "$(for s in "${ROOT_SCOPES[@]}"; do json_str "$s"; printf ','; done | sed 's/,$//')"
    printf '  "started_at": %s,\n  "finished_at": %s,\n' "$(json_str "$STARTED")" "$(json_str "$finished")"
    printf '  "queries": [\n'; sed '$!s/$/,/' "$LOGS/queries.lines"; printf '  ],\n'
    printf '  "files": [\n'; sed '$!s/$/,/' "$LOGS/files.lines"; printf '  ],\n'
    printf '  "coverage": [\n'; sed '$!s/$/,/' "$LOGS/coverage.lines"; printf '  ]\n}\n'
  } > "$OUT/aiposture-manifest.json"
}

# ---- who and where --------------------------------------------------------------------------
if ! command -v az > /dev/null 2>&1; then
  say "the Azure CLI (az) is not installed; run this in Azure Cloud Shell or install az"
  exit 2
fi
if ! TENANT=$(az account show --query tenantId --output tsv 2> "$LOGS/account.err"); then
  say "not signed in: run az login first ($(err_reason "$LOGS/account.err"))"
  exit 2
fi
CLOUD=$(az cloud show --query name --output tsv 2> /dev/null || echo unknown)
ARM=$(az cloud show --query endpoints.resourceManager --output tsv)
ARM=${ARM%/}
GRAPH_RESOURCE=$(az cloud show --query endpoints.microsoftGraphResourceId --output tsv)
GRAPH=${GRAPH_RESOURCE%/}
say "tenant $TENANT, cloud $CLOUD, writing $OUT"

TENANT_SCOPE=(--management-groups "$TENANT")
ROOT_SCOPES=()
SUBS=()
PRICING_FALLBACK=()

# ---- subscriptions and management groups ----------------------------------------------------
if [ "${#SCOPE_SUBSCRIPTIONS[@]}" -gt 0 ]; then
  SUBS=("${SCOPE_SUBSCRIPTIONS[@]}")
  for s in "${SUBS[@]}"; do ROOT_SCOPES+=("/subscriptions/$s"); done
  per_subscription subscriptions @@DISCOVER_SUBS@@ subscriptions
else
  if [ "${#SCOPE_MGS[@]}" -gt 0 ]; then
    scope_args=(--management-groups "${SCOPE_MGS[@]}")
    for m in "${SCOPE_MGS[@]}"; do ROOT_SCOPES+=("/providers/Microsoft.Management/managementGroups/$m"); done
  else
    scope_args=("${TENANT_SCOPE[@]}")
    ROOT_SCOPES=(tenant)
  fi
  if arg_run subscriptions @@DISCOVER_SUBS@@ "${scope_args[@]}"; then
    for r in "${ROOT_SCOPES[@]}"; do cover subscriptions "$r" complete "$RUN_REASON"; done
  else
    for r in "${ROOT_SCOPES[@]}"; do cover subscriptions "$r" "$RUN_STATUS" "$RUN_REASON"; done
  fi
  if [ "${#RUN_FILES[@]}" -gt 0 ]; then
    while IFS=$'\037' read -r _id _ty _kd _nm sb; do
      if [[ "$sb" =~ ^[0-9A-Fa-f-]{36}$ ]]; then SUBS+=("$sb"); fi
    done < <(rows_of "${RUN_FILES[@]}")
  fi
  if [ "${#SCOPE_MGS[@]}" -gt 0 ]; then
    for s in "${SUBS[@]}"; do cover subscriptions "/subscriptions/$s" complete "found under the management group(s)"; done
  fi
fi
say "${#SUBS[@]} subscription(s)"

MGS_FOUND=()
if arg_run managementGroups @@DISCOVER_MGS@@ "${TENANT_SCOPE[@]}"; then
  cover managementGroups tenant complete "$RUN_REASON"
else
  cover managementGroups tenant "$RUN_STATUS" "$RUN_REASON"
fi
if [ "${#RUN_FILES[@]}" -gt 0 ]; then
  while IFS=$'\037' read -r _id _ty _kd nm _sb; do
    if [ -n "$nm" ]; then MGS_FOUND+=("$nm"); fi
  done < <(rows_of "${RUN_FILES[@]}")
fi

# ---- the Resource Graph tables --------------------------------------------------------------
@@TABLES@@

# ---- ARM lists Resource Graph does not index ------------------------------------------------
say "ARM child lists and diagnostic settings"
RESOURCE_FILES=()
for f in "$OUT"/arg/q*-resources-p*.json; do
  if [ -f "$f" ]; then RESOURCE_FILES+=("$f"); fi
done
if [ "${#RESOURCE_FILES[@]}" -gt 0 ]; then rows_of "${RESOURCE_FILES[@]}" > "$LOGS/rows.tsv"; fi
while IFS=$'\037' read -r id ty kd _nm _sb; do
  case "$id" in /subscriptions/*) ;; *) continue ;; esac
  ty=${ty,,}
  kd=${kd,,}
  case "$ty|$kd" in
@@CHILD_CASES@@
  esac
  if [[ "$DIAG_TYPES" == *" $ty "* ]] && [[ "${id,,}" == */resourcegroups/* ]]; then
    @@DIAG@@
  fi
done < "$LOGS/rows.tsv"

for sub in "${SUBS[@]}"; do
@@SUB_LISTS@@
done
for sub in "${PRICING_FALLBACK[@]}"; do
  @@PRICINGS@@
done
for mg in "${MGS_FOUND[@]}"; do
  mgid="/providers/Microsoft.Management/managementGroups/$mg"
@@MG_LISTS@@
done
for sub in "${SUBS[@]}"; do
  st=${FAILED[resources|$sub]:-}
  if [ -n "$st" ]; then
    for c in $CHILD_COLLECTIONS diagnosticSettings; do
      cover "$c" "/subscriptions/$sub" "$st" "the subscription's resources could not all be read, so neither could their child resources"
    done
    continue
  fi
  for c in $CHILD_COLLECTIONS; do
    cover "$c" "/subscriptions/$sub" complete "listed for every parent resource Resource Graph returned"
  done
  cover diagnosticSettings "/subscriptions/$sub" partial "diagnostic settings are read for the resource types rules check them on"
done

# ---- Microsoft Graph ------------------------------------------------------------------------
say "Microsoft Graph"
@@GRAPH_LISTS@@
GROUP_FILES=()
for f in "$OUT"/graph/q*-groups-p*.json; do
  if [ -f "$f" ]; then GROUP_FILES+=("$f"); fi
done
if grep -q '"collection": "graph.groups", "scope": "tenant", "status": "complete"' "$LOGS/coverage.lines"; then
  total=0; bad=0; first=""
  while IFS=$'\037' read -r gid _ty _kd _nm _sb; do
    if ! [[ "$gid" =~ ^[0-9A-Fa-f-]{36}$ ]]; then continue; fi
    total=$((total + 1))
    if ! rest_run graph groupMembers "$GRAPH/v1.0/groups/$gid/members?\$select=id&\$top=999" graph.groupMembers "$GRAPH_RESOURCE" "$gid"; then
      bad=$((bad + 1)); first=${first:-$RUN_REASON}
    fi
  done < <(if [ "${#GROUP_FILES[@]}" -gt 0 ]; then rows_of "${GROUP_FILES[@]}"; fi)
  if [ "$bad" -eq 0 ]; then
    cover graph.groupMembers tenant complete "members of $total group(s) listed"
  else
    cover graph.groupMembers tenant partial "$bad of $total groups unreadable (needs @@MEMBERS_PERMISSION@@): $first"
  fi
else
  cover graph.groupMembers tenant skipped "groups could not be listed"
fi

# ---- manifest and archive -------------------------------------------------------------------
write_manifest
if tar -czf "$OUT.tar.gz" -C "$(dirname -- "$OUT")" "$(basename -- "$OUT")"; then
  say "done: send $OUT.tar.gz ($ERRORS request(s) failed; see the manifest's coverage)"
else
  say "done: the archive could not be written; send the directory $OUT"
fi
exit 0
"""
