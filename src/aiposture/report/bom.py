"""The AI bill of materials as a terminal table, JSON, or CycloneDX 1.6.

CycloneDX mapping: AI services, workspaces, search services and AKS clusters are `services`;
model deployments are `machine-learning-model` components; computes and GPU node pools are
`platform` components; AI-linked stores, vaults and registries are `data` components. Each
service depends on its deployments, computes and linked stores. The output is validated with
cyclonedx-python-lib's JSON schema validator before it is returned. Strings in the JSON and
CycloneDX documents are data (secrets masked, lengths capped); the terminal table goes through
the human-readable sanitizer.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from aiposture import __version__
from aiposture.errors import AiPostureError
from aiposture.graph.bom import AiBom, BomIdentity, BomResource
from aiposture.model.sanitize import NAME_LIMIT, TEXT_LIMIT, one_line, tree
from aiposture.report.graph_export import short_scope


class BomValidationError(AiPostureError):
    """The generated CycloneDX document does not validate (a bug: please report it)."""


# ---- terminal -------------------------------------------------------------------------------


def _t(value: object, limit: int = NAME_LIMIT) -> Text:
    # Text, not markup, and sanitized: resource names and tags are attacker-controlled.
    return Text("" if value is None else one_line(value, limit))


def _yn(value: bool | None) -> str:
    return "?" if value is None else ("yes" if value else "no")


def _column(table: Table, name: str, *, wraps: bool = False) -> None:
    del wraps  # every cell is one line: see _print_table
    table.box = box.SIMPLE_HEAD
    table.pad_edge = False
    table.title_justify = "left"
    table.add_column(name, no_wrap=True)


def _print_table(console: Console, table: Table) -> None:
    """The table when every cell fits on one line at the console's width; otherwise each row
    as a record ("name: value; name: value"), which wraps between words. A squeezed table
    would break names mid-word or drop columns."""
    cells = [
        [c.plain if isinstance(c, Text) else str(c) for c in col.cells] for col in table.columns
    ]
    need = sum(
        max([len(str(col.header)), *(len(x) for x in cs)]) + 3
        for col, cs in zip(table.columns, cells, strict=True)
    )
    if need <= console.width:
        console.print(table)
        return
    console.print(Text(str(table.title or ""), style="italic"))
    for i in range(table.row_count):
        parts = [
            f"{col.header}: {cs[i]}"
            for col, cs in zip(table.columns, cells, strict=True)
            if cs[i] not in ("", "-")
        ]
        console.print(Text("- " + "; ".join(parts)))
    console.print()


def render_bom_terminal(bom: AiBom, console: Console) -> None:
    console.print(
        _t(
            f"AI bill of materials: tenant {bom.tenant_id or '?'}, "
            f"{len(bom.resources)} AI resources, {bom.deployment_count} model deployments, "
            f"{len(bom.stores)} AI-linked stores"
        )
    )
    res_table = Table(title="AI resources", show_lines=False, expand=False)
    # Identities: how many (what each can do is the "What the AI identities can do" table).
    for col in ("name", "category", "kind", "location", "subscription", "public", "keys", "ids"):
        _column(res_table, col, wraps=col in ("subscription", "ids"))
    for r in bom.resources:
        res_table.add_row(
            _t(r.name),
            _t(r.category),
            _t(r.kind),
            _t(r.location),
            _t(r.subscription_name or r.subscription_id),
            _t(_yn(r.public_network)),
            _t(_yn(r.local_auth) if r.local_auth is not None else "-"),
            _t(str(len(r.identities)) if r.identities else "-"),
        )
    _print_table(console, res_table)

    deps = Table(title="Model deployments")
    for col in (
        "account",
        "deployment",
        "model",
        "version",
        "sku",
        "capacity",
        "filter",
        "shields",
    ):
        _column(deps, col, wraps=col == "filter")
    for r in bom.resources:
        for d in r.deployments:
            deps.add_row(
                _t(r.name),
                _t(d.name),
                _t(d.model_name),
                _t(d.model_version),
                _t(d.sku),
                _t(d.capacity),
                _t(f"{d.content_filter} ({d.content_filter_origin})"),
                _t(_yn(d.prompt_shields)),
            )
    if deps.row_count:
        _print_table(console, deps)

    comp = Table(title="Compute")
    for col in ("parent", "name", "type", "vm size", "count", "gpu"):
        _column(comp, col, wraps=col == "type")
    for r in bom.resources:
        for c in r.computes:
            comp.add_row(
                _t(r.name), _t(c.name), _t(c.compute_type), _t(c.vm_size), _t(""), _t(_yn(c.gpu))
            )
        for p in r.node_pools:
            comp.add_row(
                _t(r.name),
                _t(p.name),
                _t(f"node pool ({p.mode})"),
                _t(p.vm_size),
                _t(p.count),
                _t(_yn(p.gpu)),
            )
    if comp.row_count:
        _print_table(console, comp)

    idt = Table(title="What the AI identities can do")
    for col in ("resource", "identity", "capability", "target", "role", "granted at"):
        _column(idt, col, wraps=col in ("role", "granted at", "target"))
    for owner, ident in _all_identities(bom):
        for cap in ident.capabilities:
            where = short_scope(cap.scope) + (" (inherited)" if cap.inherited else "")
            idt.add_row(
                _t(owner),
                _t(ident.name),
                _t(cap.kind),
                _t(cap.target_name),
                _t(cap.role),
                _t(where, TEXT_LIMIT),
            )
    if idt.row_count:
        _print_table(console, idt)

    st = Table(title="AI-linked stores, vaults and registries")
    for col in ("name", "type", "location", "used by"):
        _column(st, col, wraps=col == "used by")
    for s in bom.stores:
        st.add_row(
            _t(s.name),
            _t(s.type),
            _t(s.location),
            _t(", ".join(u.rsplit("/", 1)[-1] for u in s.used_by), TEXT_LIMIT),
        )
    if st.row_count:
        _print_table(console, st)


def _all_identities(bom: AiBom) -> list[tuple[str, BomIdentity]]:
    out: list[tuple[str, BomIdentity]] = []
    for r in bom.resources:
        out.extend((r.name, i) for i in r.identities)
        for c in r.computes:
            out.extend((f"{r.name}/{c.name}", i) for i in c.identities)
    return out


# ---- JSON -----------------------------------------------------------------------------------


def bom_dict(bom: AiBom) -> dict[str, Any]:
    data = dataclasses.asdict(bom)
    for r in data["resources"]:
        r["tags"] = dict(r["tags"])
    return {"schema": "aiposture-aibom/1", "tool_version": __version__, **data}


def render_bom_json(bom: AiBom) -> bytes:
    doc = tree(bom_dict(bom))
    return json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8", "replace") + b"\n"


# ---- CycloneDX ------------------------------------------------------------------------------


def render_bom_cyclonedx(bom: AiBom) -> bytes:
    from cyclonedx.model import Property
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.service import Service
    from cyclonedx.output.json import JsonV1Dot6
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    def props(pairs: list[tuple[str, object]]) -> list[Property]:
        return [
            Property(name=f"aiposture:{k}", value=str(v))
            for k, v in pairs
            if v is not None and v != ""
        ]

    doc = Bom()
    root = doc.metadata.component = Component(
        name=f"Azure tenant {bom.tenant_id or 'unknown'}",
        type=ComponentType.PLATFORM,
        bom_ref=f"tenant:{bom.tenant_id or 'unknown'}",
        properties=props([("source", bom.source), ("generator", f"aiposture {__version__}")]),
    )
    components: dict[str, Component] = {}

    def component(ref: str, **kw: Any) -> Component:
        if ref not in components:
            components[ref] = Component(bom_ref=ref, **kw)
            doc.components.add(components[ref])
        return components[ref]

    for s in bom.stores:
        component(
            s.id.lower(),
            name=s.name,
            type=ComponentType.DATA,
            group=s.type,
            properties=props([("azure:id", s.id), ("azure:location", s.location)]),
        )

    for r in bom.resources:
        svc = Service(
            name=r.name,
            bom_ref=r.id.lower(),
            group=r.type,
            description=f"{r.category} ({r.kind or r.type}) in {r.location or '?'}",
            x_trust_boundary=r.public_network,
            properties=props(_resource_props(r)),
        )
        doc.services.add(svc)
        depends: list[Component] = []
        for d in r.deployments:
            depends.append(
                component(
                    d.id.lower(),
                    name=d.model_name or d.name,
                    version=d.model_version,
                    publisher=d.model_publisher,
                    type=ComponentType.MACHINE_LEARNING_MODEL,
                    properties=props(
                        [
                            ("azure:id", d.id),
                            ("deployment", d.name),
                            ("model:format", d.model_format),
                            ("sku", d.sku),
                            ("sku:capacity", d.capacity),
                            ("versionUpgradeOption", d.version_upgrade_option),
                            ("contentFilter", d.content_filter),
                            ("contentFilter:origin", d.content_filter_origin),
                            ("contentFilter:mode", d.content_filter_mode),
                            ("promptShields", _yn(d.prompt_shields)),
                        ]
                    ),
                )
            )
        for c in r.computes:
            depends.append(
                component(
                    c.id.lower(),
                    name=c.name,
                    type=ComponentType.PLATFORM,
                    properties=props(
                        [
                            ("azure:id", c.id),
                            ("computeType", c.compute_type),
                            ("vmSize", c.vm_size),
                            ("gpu", _yn(c.gpu)),
                            *_identity_props(c.identities),
                        ]
                    ),
                )
            )
        for p in r.node_pools:
            depends.append(
                component(
                    f"{r.id.lower()}/agentpools/{p.name.lower()}",
                    name=p.name,
                    type=ComponentType.PLATFORM,
                    properties=props(
                        [
                            ("mode", p.mode),
                            ("vmSize", p.vm_size),
                            ("count", p.count),
                            ("gpu", _yn(p.gpu)),
                        ]
                    ),
                )
            )
        for link in r.links:
            if link.role == "hub":
                continue
            depends.append(
                component(
                    link.id.lower(),
                    name=link.name,
                    type=ComponentType.DATA,
                    group=link.type or None,
                    properties=props([("azure:id", link.id), ("link", link.role)]),
                )
            )
        doc.register_dependency(svc, depends)

    doc.register_dependency(root, list(doc.services))
    # Secrets masked and lengths capped over the whole document (names, tags, descriptions).
    text = json.dumps(tree(json.loads(JsonV1Dot6(doc).output_as_string())), indent=2)
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise BomValidationError(f"CycloneDX output failed schema validation: {error}")
    return text.encode("utf-8") + b"\n"


def _resource_props(r: BomResource) -> list[tuple[str, object]]:
    pairs: list[tuple[str, object]] = [
        ("azure:id", r.id),
        ("category", r.category),
        ("azure:kind", r.kind),
        ("azure:location", r.location),
        ("azure:subscription", r.subscription_id),
        ("azure:subscriptionName", r.subscription_name),
        ("azure:managementGroups", " > ".join(r.management_groups)),
        ("azure:resourceGroup", r.resource_group),
        ("azure:sku", r.sku),
        ("publicNetwork", _yn(r.public_network)),
        ("localAuth", None if r.local_auth is None else _yn(r.local_auth)),
    ]
    pairs += [(f"tag:{k}", v) for k, v in r.tags]
    pairs += _identity_props(r.identities)
    return pairs


def _identity_props(idents: tuple[BomIdentity, ...]) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for i in idents:
        out.append((f"identity:{i.kind}", f"{i.name} ({i.principal_id})"))
        for c in i.capabilities:
            out.append(
                (
                    f"identity:{i.name}:{c.kind}",
                    f"{c.target_name} via {c.role} at {c.scope}"
                    + (" (inherited)" if c.inherited else ""),
                )
            )
    return out
