"""The report's data: every finding and the inventory tables, embedded once as compact JSON.

Why: a tenant of 200,000 resources has about 280,000 findings. Written as HTML rows they made a
1.35 GB page no browser could open; as columns of small integers pointing into one table of
distinct strings, gzip-compressed and base64-encoded, they fit in a few megabytes, and the page
(report.js) renders only the rows a reader asks for.

Layout (all strings are indices into `s`, the string table; every string is sanitized here,
exactly as the templates' filters did: secrets masked, cut to a display limit, control and bidi
characters shown visibly):

    {"v": 1, "s": [...], "statuses": [...], "severities": [...], "pillars": [[value, label]],
     "rules": [{"id", "title", "pillar", "rationale", "refs": [[kind, text]]}],
     "f": {"r": [rule], "st": [status], "sv": [severity], "n": [name], "id": [resource id],
           "t": [type], "g": [resource group], "m": [message], "b": [baseline state],
           "fpl": [fingerprint of each FAIL row: they come first],
           "fp": {row: fingerprint} of other rows where the page cannot derive it (sha256 of
                 the rule id and the lower-cased resource id, as rules.types.fingerprint)},
     "tables": {"bom": [table], "identities": table, "reach": table, "components": table,
                "resolved": table}}

and, in a second element the page decodes after drawing the first screen (a finding's detail
is only needed when it is opened; the list is what must show fast), with its own strings:

    {"v": 1, "d": [[evidence [[path, value]], missing, suppression, fix]] per finding,
     "rem": [[summary, az, bicep, terraform, portal, policy]], "s": [...]}

A fix is only given to FAIL and UNKNOWN findings; most of a rule's findings share one (the
finding's own resource id, name and group are tokens in it, see TOKENS).

A table is {"title", "cols": [...], "rows": [[cell]]} where a cell is a string index, or a list
whose first element says what it is: ["T", title, text] (text with a tooltip), ["F", (key, value
pairs)...] (facts), ["C", class, text] (text in a coloured span).

Written piece by piece through a gzip compressor (no giant string): the JSON is never held
whole. Small reports (under COMPRESS_FROM bytes) are embedded as plain JSON instead, so a
reader can still search the file; `<`, `>` and `&` are then written as JSON escapes, so the
data can never close its <script> element or open a comment.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from aiposture.app import ScanResult
from aiposture.model.sanitize import NAME_LIMIT, TEXT_LIMIT, multi_line, tree
from aiposture.model.types import Pillar, Severity, Status
from aiposture.report.baseline import resolved_entries, state_of
from aiposture.report.views import clean, inventory_entries, sort_findings
from aiposture.rules.types import Finding, fingerprint

COMPRESS_FROM = 1_000_000  # bytes of JSON: below it the data stays plain text
STATUSES = [s.value for s in Status] + ["SUPPRESSED"]
BASELINE_STATES = ["", "new", "unchanged", "resolved"]
_HTML_SAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


class Strings:
    """The string table: each distinct (kind, text) sanitized once and stored once."""

    def __init__(self) -> None:
        self.table: list[str] = []
        self._index: dict[str, int] = {}
        self._seen: dict[tuple[int, str], int] = {}

    def _add(self, shown: str) -> int:
        i = self._index.get(shown)
        if i is None:
            i = self._index[shown] = len(self.table)
            self.table.append(shown)
        return i

    def name(self, text: object) -> int:
        return self._put(0, text, lambda t: clean(t, NAME_LIMIT))

    def text(self, text: object) -> int:
        return self._put(1, text, clean)

    def block(self, text: object) -> int:
        return self._put(2, text, multi_line)

    def json(self, value: Any, own: tuple[str, str, str] | None = None) -> int:
        shown = clean(json.dumps(tree(value, TEXT_LIMIT), sort_keys=True, default=str))
        return self._add(shown) if own is None else self.own(shown, own)

    def own(self, shown: str, own: tuple[str, str, str]) -> int:
        """Already-sanitized text of one finding, its own resource values as TOKENS."""
        return self._add(tokenize(shown, own))

    def _put(self, kind: int, text: object, show: Callable[[str], str]) -> int:
        raw = "" if text is None else str(text)
        key = (kind, raw)
        i = self._seen.get(key)
        if i is None:
            i = self._seen[key] = self._add(show(raw))
        return i


def _refs(f: Finding) -> list[list[str]]:
    return [
        [k.replace("_", " "), ", ".join(v)] for k, v in f.rule.references.as_dict().items() if v
    ]


# Tokens for the finding's own resource id, name and group in its texts: the same rule's fix,
# message and evidence then read the same for every resource, and are stored once. They are
# control characters, which sanitized text never holds (model.sanitize shows them visibly), so
# putting the shown values back (report.js, `own`) gives exactly the text written here.
TOKENS = ("\x01", "\x02", "\x03")
MIN_TOKEN_VALUE = 4  # shorter values would turn ordinary words into tokens for no gain


def own_values(f: Finding) -> tuple[str, str, str]:
    """The finding's resource id, name and group as the page shows them (its columns)."""
    return (
        clean(f.resource_id),
        clean(f.resource_name, NAME_LIMIT),
        clean(f.resource_group, NAME_LIMIT),
    )


def tokenize(shown: str, values: tuple[str, str, str]) -> str:
    """`shown` with the finding's own values replaced by TOKENS (longest value first)."""
    for tok, v in sorted(zip(TOKENS, values, strict=True), key=lambda tv: -len(tv[1])):
        if len(v) >= MIN_TOKEN_VALUE and v in shown:
            shown = shown.replace(v, tok)
    return shown


def untokenize(text: str, values: tuple[str, str, str]) -> str:
    """The inverse of tokenize (what report.js does)."""
    for tok, v in zip(TOKENS, values, strict=True):
        text = text.replace(tok, v)
    return text


def _remediation(s: Strings, f: Finding, own: tuple[str, str, str]) -> list[int]:
    rem = f.remediation
    policy = "; ".join(
        f"{p.display_name or p.definition_id} ({p.effect}, {p.definition_id})" for p in rem.policy
    )
    return [
        s.own(multi_line(rem.summary), own),
        s.own(multi_line(rem.az_cli), own),
        s.own(multi_line(rem.bicep), own),
        s.own(multi_line(rem.terraform), own),
        s.own(multi_line(rem.portal), own),
        s.block(policy),
    ]


def _suppression(s: Strings, f: Finding) -> Any:
    sup = f.suppression
    if sup is None:
        return 0
    return [s.text(sup.reason), s.text(sup.expires or ""), 1 if sup.expired else 0]


class Columns:
    """The findings as columns, in report order (FAIL, UNKNOWN, PASS, N/A; worst first)."""

    def __init__(self, result: ScanResult, s: Strings, sd: Strings) -> None:
        """`s`: the strings the list shows and searches; `sd`: those of a finding's detail
        (evidence, fixes), in their own document that the page decodes after the first
        screen."""
        findings = sort_findings(result.findings)
        rule_ix: dict[str, int] = {}
        self.rules: list[dict[str, Any]] = []
        status_ix = {v: i for i, v in enumerate(STATUSES)}
        sev_ix = {sv: i for i, sv in enumerate(Severity)}
        base_ix = {v: i for i, v in enumerate(BASELINE_STATES)}
        cols: dict[str, list[Any]] = {
            k: [] for k in ("r", "st", "sv", "n", "id", "t", "g", "m", "b")
        }
        self.detail: list[list[Any]] = []
        fps: dict[int, str] = {}
        fail_fps: list[str] = []
        self.rem: list[list[int]] = []
        with_baseline = isinstance(result.baseline, dict)
        rem_ix: dict[tuple[int, ...], int] = {}
        for f in findings:
            own = own_values(f)
            r = rule_ix.get(f.rule.id)
            if r is None:
                r = rule_ix[f.rule.id] = len(self.rules)
                self.rules.append(
                    {
                        "id": f.rule.id,
                        "title": clean(f.rule.title),
                        "pillar": f.rule.pillar.value,
                        "rationale": multi_line(f.rule.rationale),
                        "refs": _refs(f),
                    }
                )
            status = "SUPPRESSED" if f.suppressed else f.status.value
            cols["r"].append(r)
            cols["st"].append(status_ix[status])
            cols["sv"].append(sev_ix[f.severity])
            cols["n"].append(s.name(f.resource_name))
            cols["id"].append(s.text(f.resource_id))
            cols["t"].append(s.name(f.resource_type))
            cols["g"].append(s.name(f.resource_group))
            cols["m"].append(s.own(clean(f.message), own))
            cols["b"].append(base_ix.get(state_of(result, f) or "", 0) if with_baseline else 0)
            if f.status is Status.FAIL:
                # Failing findings (the first rows) carry their fingerprint as text: it is how
                # a reader finds one from the JSON, SARIF or a ticket (search the file).
                fail_fps.append(f.fingerprint)
            elif not own[0].isascii() or fingerprint(f.rule.id, own[0]) != f.fingerprint:
                # The page derives a fingerprint from the rule id and the shown resource id
                # (report.js, sha256); where the shown id is not the real one, it is written.
                fps[len(cols["r"]) - 1] = f.fingerprint
            rem = -1
            if f.status in (Status.FAIL, Status.UNKNOWN):
                forms = tuple(_remediation(sd, f, own))  # the same for most of a rule's findings
                rem = rem_ix.get(forms, -1)
                if rem < 0:
                    rem = rem_ix[forms] = len(self.rem)
                    self.rem.append(list(forms))
            evidence = [
                [sd.text(e.path), -1 if e.value is None else sd.json(e.value, own)]
                for e in f.evidence
            ]
            missing = sd.text(", ".join(f.missing)) if f.missing else -1
            self.detail.append([evidence, missing, _suppression(sd, f), rem])
        if not with_baseline:
            del cols["b"]
        self.cols = cols
        self.fingerprints = fps
        self.fail_fingerprints = fail_fps
        self.count = len(findings)


def _cell_title(s: Strings, title: object, text: object, name: bool = True) -> list[Any]:
    return ["T", s.text(title), s.name(text) if name else s.text(text)]


def _facts(s: Strings, facts: dict[str, Any], tags: Iterable[tuple[str, str]]) -> list[Any]:
    out: list[Any] = ["F"]
    for k, v in facts.items():
        if v is None or v == []:
            continue
        if v is True:
            shown = "yes"
        elif v is False:
            shown = "no"
        elif isinstance(v, str):
            shown = v.rsplit("/", 1)[-1] if v.startswith("/subscriptions/") else v
        else:
            shown = json.dumps(tree(v, TEXT_LIMIT), sort_keys=True, default=str)
        out.append([s.text(k.replace("_", " ")), s.text(shown), 0])
    for k, v in tags:
        out.append([s.text(k), s.text(v), 1])
    return out


def _shields(s: Strings, value: Any) -> list[Any]:
    if value is None:
        return ["C", "unk", s.text("unknown")]
    return ["C", "ok", s.text("on")] if value else ["C", "bad", s.text("off")]


BOM_SECTIONS = (
    "AI services accounts",
    "Model deployments",
    "Machine learning workspaces and compute",
    "Search services",
    "AKS clusters with GPU",
    "Other AI resources",
    "Linked data stores, vaults and registries",
)


def _section(e: dict[str, Any]) -> str:
    t = str(e["type"])
    if e["role"] == "ai-linked":
        return BOM_SECTIONS[6]
    if t == "microsoft.cognitiveservices/accounts":
        return BOM_SECTIONS[0]
    if t.endswith("/deployments"):
        return BOM_SECTIONS[1]
    if t.startswith("microsoft.machinelearningservices/"):
        return BOM_SECTIONS[2]
    if t == "microsoft.search/searchservices":
        return BOM_SECTIONS[3]
    if t == "microsoft.containerservice/managedclusters":
        return BOM_SECTIONS[4]
    return BOM_SECTIONS[5]


def bom_tables(result: ScanResult, s: Strings) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The AI bill of materials as tables (one per section), and the managed identities."""
    entries = inventory_entries(result.inventory)
    names = {str(e["id"]).lower(): str(e["name"]) for e in entries}
    rows: dict[str, list[list[Any]]] = {k: [] for k in BOM_SECTIONS}
    idents: list[list[Any]] = []
    for e in entries:
        sec = _section(e)
        facts = e["facts"]
        name_cell = _cell_title(s, e["id"], e["name"])
        if sec == BOM_SECTIONS[1]:
            account = str(e["id"]).split("/deployments/")[0].rsplit("/", 1)[-1]
            sku = str(facts.get("sku") or "-")
            if facts.get("capacity") is not None:
                sku += f" / {facts['capacity']}"
            rows[sec].append(
                [
                    name_cell,
                    s.text(account),
                    s.text(facts.get("model") or "-"),
                    s.text(facts.get("version") or "-"),
                    s.text(sku),
                    s.text(facts.get("content_filter") or "default"),
                    _shields(s, facts.get("prompt_shields")),
                ]
            )
        else:
            res = result.inventory.resource(str(e["id"]))
            tags = sorted(res.tags.items()) if res is not None else []
            kind = f" ({e['kind']})" if e["kind"] else ""
            row = [
                name_cell,
                s.text(str(e["type"]).replace("microsoft.", "") + kind),
                s.text(e["resource_group"] or "-"),
                s.text(e["location"] or "-"),
                _facts(s, facts, tags),
            ]
            if sec == BOM_SECTIONS[6]:
                used = [names.get(k, k.rsplit("/", 1)[-1]) for k in e["used_by"]]
                row.append(s.text(", ".join(used)))
            rows[sec].append(row)
        ident = e["identity"]
        if ident["type"] or ident["principal_ids"]:
            idents.append(
                [
                    s.text(e["name"]),
                    s.text(ident["type"] or "-"),
                    s.text(", ".join(ident["principal_ids"])),
                ]
            )
    generic = ["Name", "Type", "Resource group", "Location", "Facts and tags"]
    deploy = ["Deployment", "Account", "Model", "Version", "SKU / capacity", "Content filter"]
    tables = []
    for title in BOM_SECTIONS:
        if not rows[title]:
            continue
        if title == BOM_SECTIONS[1]:
            cols = [*deploy, "Prompt shields"]
        elif title == BOM_SECTIONS[6]:
            cols = [*generic, "Used by"]
        else:
            cols = generic
        tables.append({"title": title, "cols": cols, "rows": rows[title]})
    identities = {
        "title": "Managed identities",
        "cols": ["Resource", "Identity type", "Principal ids"],
        "rows": idents,
        "mono": [2],
    }
    return tables, identities


def reach_table(rows: list[dict[str, Any]], s: Strings) -> dict[str, Any]:
    return {
        "title": "What AI identities can reach",
        "cols": ["AI resource", "Identity", "Can", "Target", "Through role", "At scope", "Notes"],
        "rows": [
            [
                s.text(r["resource"]),
                s.text(r["identity"]),
                s.text(r["can"]),
                _cell_title(s, r["target_id"], r["target"], name=False),
                s.text(r["role"]),
                s.text(r["scope"]),
                s.text(r["flags"]),
            ]
            for r in rows
        ],
        "mono": [5],
    }


def components_table(comps: list[dict[str, str]], s: Strings) -> dict[str, Any]:
    return {
        "title": "Components",
        "cols": ["Name", "Type", "Version", "Description"],
        "rows": [
            [
                _cell_title(s, c["ref"], c["name"], name=False),
                s.text(c["type"]),
                s.text(c["version"]),
                s.text(c["description"]),
            ]
            for c in comps
        ],
    }


def resolved_table(result: ScanResult, s: Strings) -> dict[str, Any]:
    return {
        "title": "Resolved",
        "cols": ["Resolved", "Rule", "Resource", "Severity", "Now"],
        "rows": [
            [
                s.text(r["title"]),
                s.text(r["rule_id"]),
                _cell_title(s, r["resource_id"], r["resource_name"]),
                s.text(r["severity"]),
                s.text(r["status_now"] or "gone"),
            ]
            for r in resolved_entries(result)
        ],
    }


def _pieces(doc_head: dict[str, Any], cols: Columns, s: Strings) -> Iterator[str]:
    """The JSON document as text pieces (each column or string chunk encoded on its own)."""
    dumps = json.dumps
    yield dumps(doc_head, separators=(",", ":"), ensure_ascii=False)[:-1]
    yield ',"f":{'
    first = True
    for k, v in cols.cols.items():
        yield ("" if first else ",") + dumps(k) + ":"
        first = False
        step = 50_000
        yield "["
        for i in range(0, len(v), step):
            chunk = dumps(v[i : i + step], separators=(",", ":"), ensure_ascii=False)[1:-1]
            yield ("," if i and chunk else "") + chunk
        yield "]"
    yield f',"fp":{dumps(cols.fingerprints)},"fpl":{dumps(cols.fail_fingerprints)}}}'
    yield from _strings(s)


def _list(name: str, items: list[Any], step: int = 20_000) -> Iterator[str]:
    yield f',"{name}":['
    for i in range(0, len(items), step):
        chunk = json.dumps(items[i : i + step], separators=(",", ":"), ensure_ascii=False)
        yield ("," if i and len(chunk) > 2 else "") + chunk[1:-1]
    yield "]"


def _strings(s: Strings) -> Iterator[str]:
    yield from _list("s", s.table)
    yield "}"


def _detail_pieces(cols: Columns, sd: Strings) -> Iterator[str]:
    """The detail document: {"d": [[evidence, missing, suppression, fix]] per finding,
    "rem": [fix forms], "s": its strings}."""
    yield '{"v":1'
    yield from _list("d", cols.detail)
    yield from _list("rem", cols.rem)
    yield from _strings(sd)


def build(result: ScanResult, reach: list[dict[str, Any]], comps: list[dict[str, str]]) -> Any:
    """The data document's parts: (head dict, findings columns, string table)."""
    s, sd = Strings(), Strings()
    cols = Columns(result, s, sd)
    bom, identities = bom_tables(result, s)
    head = {
        "v": 1,
        "statuses": STATUSES,
        "severities": [sv.value for sv in Severity],
        "pillars": [[p.value, p.label] for p in Pillar],
        "baseline": BASELINE_STATES if "b" in cols.cols else [],
        "rules": cols.rules,
        "count": cols.count,
        "tables": {
            "bom": bom,
            "identities": identities,
            "reach": reach_table(reach, s),
            "components": components_table(comps, s),
            "resolved": resolved_table(result, s),
        },
    }
    return head, cols, s, sd


def write_data(fh: IO[bytes], parts: Any, *, compress: bool | None = None) -> tuple[str, str]:
    """Write the list document and the detail document into `fh`, each as its own
    <script type="application/json"> element (never executed); return their encodings
    ("json" or "gzip-base64"). `compress=None`: compress each when its JSON is large."""
    head, cols, s, sd = parts
    return (
        _element(fh, "report-data", _pieces(head, cols, s), compress),
        _element(fh, "report-detail", _detail_pieces(cols, sd), compress),
    )


def _element(
    fh: IO[bytes],
    element_id: str,
    pieces: Iterator[str],
    compress: bool | None,
    chunk: int = 1 << 16,
) -> str:
    if compress is None:
        # Look ahead until the threshold: a small document is written as it is.
        buffered: list[str] = []
        size = 0
        for p in pieces:
            buffered.append(p)
            size += len(p)
            if size >= COMPRESS_FROM:
                break
        else:
            fh.write(_open(element_id, "json"))
            fh.write("".join(buffered).translate(_HTML_SAFE).encode("utf-8", "replace"))
            fh.write(b"</script>\n")
            return "json"
        pieces = _chain(buffered, pieces)
    elif not compress:
        fh.write(_open(element_id, "json"))
        for p in pieces:
            fh.write(p.translate(_HTML_SAFE).encode("utf-8", "replace"))
        fh.write(b"</script>\n")
        return "json"
    fh.write(_open(element_id, "gzip-base64"))
    gz = zlib.compressobj(6, zlib.DEFLATED, 31)  # gzip container: DecompressionStream("gzip")
    pending = b""
    for p in pieces:
        pending += gz.compress(p.encode("utf-8", "replace"))
        if len(pending) >= chunk:
            cut = len(pending) - len(pending) % 3  # base64 of whole 3-byte groups
            fh.write(base64.b64encode(pending[:cut]))
            pending = pending[cut:]
    pending += gz.flush()
    fh.write(base64.b64encode(pending))
    fh.write(b"</script>\n")
    return "gzip-base64"


def _open(element_id: str, encoding: str) -> bytes:
    return (
        f'<script type="application/json" id="{element_id}" data-encoding="{encoding}">'
    ).encode()


def _chain(first: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from first
    yield from rest


def decode(payload: bytes, encoding: str) -> Any:
    """The data document back from the page (tests, tools): the inverse of write_data."""
    if encoding == "gzip-base64":
        return json.loads(zlib.decompress(base64.b64decode(payload), 31))
    return json.loads(payload)
