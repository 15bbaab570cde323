"""Attack paths: from entry points to what an attacker wants, hop by hop, with the cheapest cut.

Entry points: the Internet, guest users, service principals with a client secret (or from
another tenant), AI workload identities, and principals outside the admin set (anyone not
already holding role-assignment rights at a management group, subscription or the root).
Targets: data in storage accounts and key vaults, privileged scopes, AI account keys and model
safety settings, and storage that feeds training or grounding data into AI.

Each search starts from the few nodes that matter for one AIP-PATH rule (public AI endpoints,
workload identities, AI accounts, AI-fed storage, computes) and walks group membership in
either direction, so the cost follows the AI estate, not the number of role assignments.
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from aiposture.facts.permissions import Grant, PermissionIndex, permission_index
from aiposture.graph.build import (
    INTERNET,
    MG_PREFIX,
    UAMI_TYPE,
    Edge,
    EdgeKind,
    Node,
    NodeKind,
    SecurityGraph,
    gc_paused,
)
from aiposture.model.types import Severity

MAX_PATHS_PER_SUBJECT = 50  # enough to show and cut; the total is still counted
MAX_GROUP_DEPTH = 8

ACCOUNT_TYPE = "microsoft.cognitiveservices/accounts"
STORAGE_TYPE = "microsoft.storage/storageaccounts"
KV_TYPE = "microsoft.keyvault/vaults"
AI_ENDPOINT_TYPES = frozenset(
    {
        ACCOUNT_TYPE,
        "microsoft.search/searchservices",
        "microsoft.machinelearningservices/workspaces",
    }
)
COMPUTE_WRITE_ACTIONS = (
    "Microsoft.Compute/virtualMachines/write",
    "Microsoft.MachineLearningServices/workspaces/computes/write",
    "Microsoft.ContainerService/managedClusters/write",
    "Microsoft.Web/sites/write",
)

RULE_SEVERITY = {
    "AIP-PATH-001": Severity.CRITICAL,
    "AIP-PATH-002": Severity.CRITICAL,
    "AIP-PATH-003": Severity.HIGH,
    "AIP-PATH-004": Severity.HIGH,
    "AIP-PATH-005": Severity.HIGH,
}
_LOWER = {
    Severity.CRITICAL: Severity.HIGH,
    Severity.HIGH: Severity.MEDIUM,
    Severity.MEDIUM: Severity.LOW,
    Severity.LOW: Severity.LOW,
    Severity.INFO: Severity.INFO,
}


@dataclass(slots=True)
class Hop:
    src: Node
    dst: Node
    edge: Edge

    def explain(self) -> str:
        return f"{self.src.label} --{self.edge.kind.value}--> {self.dst.label}: {self.edge.why}"

    @property
    def cut_key(self) -> str:
        return self.edge.cut_key


@dataclass(frozen=True, slots=True)
class AttackPath:
    rule_id: str
    subject: str  # key of the resource the finding attaches to
    entry: Node
    entry_kind: str  # internet | guest | password-credential | external | ai-workload | ...
    target: Node
    target_kind: str  # data-read | data-write | secrets | privileged-scope | ai-keys | ...
    hops: tuple[Hop, ...]
    severity: Severity

    @property
    def cut_keys(self) -> set[str]:
        return {k for h in self.hops if (k := h.edge.cut_key)}

    def summary(self) -> str:
        names = [_short(self.hops[0].src)] + [_short(h.dst) for h in self.hops]
        return " -> ".join(names)


def _short(n: Node) -> str:
    return f"{n.name} (identity)" if n.kind is NodeKind.MANAGED_IDENTITY else n.name


@dataclass(frozen=True, slots=True)
class Cut:
    key: str
    hop: Hop
    breaks: int  # how many of the considered paths this cut breaks
    of: int

    def fix(self) -> dict[str, str]:
        return cut_fix(self.hop)


@dataclass
class PathSet:
    paths: list[AttackPath] = field(default_factory=list)
    totals: Counter[tuple[str, str]] = field(default_factory=Counter)  # (rule, subject) -> n
    _by: dict[tuple[str, str], list[AttackPath]] = field(default_factory=dict)

    def full(self, rule_id: str, subject: str) -> bool:
        return len(self._by.get((rule_id, subject), ())) >= MAX_PATHS_PER_SUBJECT

    def count(self, rule_id: str, subject: str, n: int) -> None:
        """Paths beyond the kept ones are counted, not built."""
        self.totals[(rule_id, subject)] += n

    def add(self, path: AttackPath) -> None:
        k = (path.rule_id, path.subject)
        self.totals[k] += 1
        bucket = self._by.setdefault(k, [])
        if len(bucket) < MAX_PATHS_PER_SUBJECT:
            bucket.append(path)
            self.paths.append(path)

    def for_subject(self, rule_id: str, subject: str) -> list[AttackPath]:
        return self._by.get((rule_id, subject.lower()), [])

    def total(self, rule_id: str, subject: str) -> int:
        return self.totals[(rule_id, subject.lower())]

    def only(self, rule_ids: Iterable[str]) -> PathSet:
        """The paths (and the counts) of some rules only."""
        wanted = set(rule_ids)
        out = PathSet()
        out.paths = [p for p in self.paths if p.rule_id in wanted]
        out.totals = Counter({k: v for k, v in self.totals.items() if k[0] in wanted})
        out._by = {k: v for k, v in self._by.items() if k[0] in wanted}
        return out

    def worst_first(self) -> list[AttackPath]:
        return sorted(
            self.paths, key=lambda p: (-p.severity.rank, p.rule_id, len(p.hops), p.summary())
        )


def cut_counts(paths: Iterable[AttackPath]) -> Counter[str]:
    """How many of the paths each cut key (assignment, membership, setting) appears in."""
    counts: Counter[str] = Counter()
    for p in paths:
        counts.update(p.cut_keys)
    return counts


def _rank(counts: Counter[str], hop: Hop, key: str, pos: int) -> tuple[int, int, int, str]:
    # More paths broken first; then role assignments (removable without redesign); then the
    # hop nearest the target (the narrowest change).
    return (counts[key], 1 if hop.edge.assignment_id else 0, pos, key)


def _best_hop(
    path: AttackPath, counts: Counter[str], best: tuple[tuple[int, int, int, str], Hop] | None
) -> tuple[tuple[int, int, int, str], Hop] | None:
    for pos, hop in enumerate(path.hops):
        key = hop.edge.cut_key  # composed once per hop: it lower-cases an assignment id
        if key:
            r = _rank(counts, hop, key, pos)
            if best is None or r > best[0]:
                best = (r, hop)
    return best


def cheapest_cut(paths: Iterable[AttackPath], counts: Counter[str] | None = None) -> Cut | None:
    """The single assignment, membership or setting whose removal breaks the most paths.
    `counts`: cut_counts(paths), when the caller has it already."""
    plist = list(paths)
    if counts is None:
        counts = cut_counts(plist)
    best: tuple[tuple[int, int, int, str], Hop] | None = None
    for p in plist:
        best = _best_hop(p, counts, best)
    if best is None:
        return None
    hop = best[1]
    return Cut(best[0][3], hop, counts[best[0][3]], len(plist))


def path_cut(path: AttackPath, counts: Counter[str], of: int) -> Cut | None:
    """This path's cheapest cut: its hop whose removal breaks the most of the paths counted."""
    best = _best_hop(path, counts, None)
    if best is None:
        return None
    return Cut(best[0][3], best[1], counts[best[0][3]], of)


def cut_fix(hop: Hop) -> dict[str, str]:
    """The four remediation forms for removing one hop."""
    e = hop.edge
    if e.assignment_id:
        aid = e.assignment_id
        name = aid.rstrip("/").rsplit("/", 1)[-1]
        what = "eligibility schedule" if e.eligible else "role assignment"
        return {
            "summary": f"Remove the {what} of '{e.role}' to {hop.src.name} at {e.scope}, or "
            "replace it with a narrower role at the resource that needs it.",
            "az_cli": (
                f"az role assignment delete --ids {shlex.quote(aid)}"
                if not e.eligible
                else "az rest --method put --url "
                + shlex.quote(
                    f"https://management.azure.com{e.scope}/providers/Microsoft.Authorization/"
                    f"roleEligibilityScheduleRequests/{name}-remove?api-version=2020-10-01"
                )
                + ' --body \'{"properties":{"requestType":"AdminRemove"}}\''
            ),
            "bicep": f"// Delete the Microsoft.Authorization/roleAssignments resource named "
            f"'{_bicep(name)}' at scope '{_bicep(e.scope)}' from the template and deploy "
            "(complete mode, or delete it with the az CLI form: Bicep does not delete).",
            "terraform": f'# Remove the azurerm_role_assignment whose id is "{_tf(aid)}" '
            "and run terraform apply.",
            "portal": f"Azure portal > the scope {e.scope} > Access control (IAM) > Role "
            f"assignments > {hop.src.name} / {e.role} > Remove.",
        }
    if e.kind is EdgeKind.MEMBER_OF:
        member, group = hop.src, hop.dst
        return {
            "summary": f"Remove {member.name} from group {group.name}.",
            "az_cli": f"az ad group member remove --group {shlex.quote(group.key)} "
            f"--member-id {shlex.quote(member.key)}",
            "bicep": "// Group membership is an Entra ID object: use the az CLI or Graph.",
            "terraform": "# Remove the azuread_group_member with group_object_id = "
            f'"{_tf(group.key)}" and member_object_id = "{_tf(member.key)}".',
            "portal": f"Entra admin center > Groups > {group.name} > Members > {member.name} > "
            "Remove.",
        }
    if e.kind is EdgeKind.ADD_CREDENTIAL:
        who, role_id = hop.src, e.setting.rsplit("|", 1)[-1]
        url = (
            "https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignments"
            f"?$filter=principalId eq '{who.key}' and roleDefinitionId eq '{role_id}'"
        )
        return {
            "summary": f"Remove the tenant-wide Entra role '{e.role}' from {who.name}, or scope "
            "it to the applications they manage (administrative units / app-level owners).",
            "az_cli": f"az rest --method get --url {shlex.quote(url)} --query 'value[].id' -o tsv"
            "\n# then for each id: az rest --method delete --url "
            "https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignments/<id>",
            "bicep": "// Entra role assignments are not ARM resources: use the az CLI or the "
            "Microsoft Graph Bicep extension (Microsoft.Graph/...).",
            "terraform": "# Remove the azuread_directory_role_assignment with principal_object_id "
            f'= "{_tf(who.key)}" and role_id = "{_tf(role_id)}".',
            "portal": f"Entra admin center > Roles & admins > {e.role} > Assignments > "
            f"{who.name} > Remove.",
        }
    if e.kind is EdgeKind.PUBLIC_ACCESS:
        res = hop.dst
        rid = res.resource_id or res.key
        return {
            "summary": f"Disable public network access on {res.name} and reach it through a "
            "private endpoint.",
            "az_cli": f"az resource update --ids {shlex.quote(rid)} "
            "--set properties.publicNetworkAccess=Disabled",
            "bicep": f"// in the declaration of '{_bicep(res.name)}':\nproperties: {{\n"
            "  publicNetworkAccess: 'Disabled'\n}",
            "terraform": f"# in the resource block of {_tf(res.name)}:\n"
            "public_network_access_enabled = false",
            "portal": f"Azure portal > {res.name} > Networking > Public network access: "
            "Disabled > Save.",
        }
    return {
        "summary": f"Break the hop {hop.explain()}",
        "az_cli": "",
        "bicep": "",
        "terraform": "",
        "portal": "",
    }


def _bicep(v: str) -> str:
    return v.replace("\\", "\\\\").replace("'", "\\'")


def _tf(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${")


# ---------------------------------------------------------------------------------------------
# Search


class _Walker:
    """Group-membership walks with memoization (memberships are shared by many searches)."""

    def __init__(self, sg: SecurityGraph) -> None:
        self.sg = sg
        self._up: dict[str, list[tuple[str, tuple[Hop, ...]]]] = {}
        self._down: dict[str, list[tuple[str, tuple[Hop, ...]]]] = {}

    def up(self, key: str) -> list[tuple[str, tuple[Hop, ...]]]:
        """The principal itself and every group it is (transitively) in, with the hops."""
        hit = self._up.get(key)
        if hit is None:
            hit = self._walk(key, forward=True)
            self._up[key] = hit
        return hit

    def down(self, key: str) -> list[tuple[str, tuple[Hop, ...]]]:
        """The principal itself and every (transitive) member, with the hops member -> key."""
        hit = self._down.get(key)
        if hit is None:
            hit = self._walk(key, forward=False)
            self._down[key] = hit
        return hit

    def _walk(self, key: str, forward: bool) -> list[tuple[str, tuple[Hop, ...]]]:
        sg = self.sg
        adjacency = sg.groups_of if forward else sg.members_of
        out: list[tuple[str, tuple[Hop, ...]]] = [(key, ())]
        if key not in adjacency:
            return out
        seen = {key}
        frontier: list[tuple[str, tuple[Hop, ...]]] = [(key, ())]
        depth = 0
        while frontier and depth < MAX_GROUP_DEPTH:
            nxt: list[tuple[str, tuple[Hop, ...]]] = []
            for k, hops in frontier:
                here = sg.g[sg.index[k]]
                for other_key, e in adjacency.get(k, ()):
                    if other_key in seen:
                        continue
                    seen.add(other_key)
                    other = sg.g[sg.index[other_key]]
                    hop = Hop(here, other, e) if forward else Hop(other, here, e)
                    chain = (*hops, hop) if forward else (hop, *hops)
                    out.append((other_key, chain))
                    nxt.append((other_key, chain))
            frontier = nxt
            depth += 1
        return out


def _severity(rule_id: str, hops: Iterable[Hop]) -> Severity:
    sev = RULE_SEVERITY[rule_id]
    if any(h.edge.eligible or h.edge.conditional for h in hops):
        sev = _LOWER[sev]  # needs a PIM activation, or an ABAC condition may narrow it
    return sev


def _entry_kind(n: Node) -> str | None:
    if n.kind is NodeKind.GUEST:
        return "guest"
    if n.kind is NodeKind.SERVICE_PRINCIPAL and n.password_credential:
        return "password-credential"
    if n.kind is NodeKind.SERVICE_PRINCIPAL and n.external:
        return "external"
    return None


def _is_broad(scope: str) -> bool:
    return scope == "/" or scope.startswith(MG_PREFIX) or scope.count("/") == 2


class PathFinder:
    def __init__(self, sg: SecurityGraph, extra_admins: Iterable[str] = ()) -> None:
        self.sg = sg
        self.inv = sg.inventory
        self.admins = sg.admins | {a.lower() for a in extra_admins}
        self.walk = _Walker(sg)
        self.out = PathSet()
        self._compute_writers: dict[str, bool] = {}
        self._compute_roles: dict[str, bool] = {}  # role guid -> can write some compute
        self._members_cache: dict[str, list[tuple[str, tuple[Hop, ...], Node, str | None]]] = {}

    # ---- terminals ---------------------------------------------------------------------

    def _data_terminals(self, pid: str) -> list[tuple[tuple[Hop, ...], str]]:
        """Data a principal (or its groups) can read or write: (hops, target kind)."""
        sg = self.sg
        found: list[tuple[tuple[Hop, ...], str]] = []
        for holder, chain in self.walk.up(pid):
            here = sg.g[sg.index[holder]]
            for dst, e in sg.out_edges(holder):
                kind = self._data_kind(dst, e)
                if kind:
                    found.append(((*chain, Hop(here, dst, e)), kind))
        return found

    def _data_kind(self, dst: Node, e: Edge) -> str:
        if dst.rtype == STORAGE_TYPE:
            if e.kind is EdgeKind.READ_DATA:
                return "data-read"
            if e.kind is EdgeKind.WRITE_DATA:
                return "data-write"
            if e.kind is EdgeKind.MANAGE_KEYS and self._shared_key(dst.key):
                return "data-write"
        if dst.rtype == KV_TYPE and e.kind is EdgeKind.READ_SECRETS:
            return "secrets"
        return ""

    def _shared_key(self, key: str) -> bool:
        st = self.inv.storage_accounts.get(key)
        return st is None or st.allow_shared_key_access is not False

    def _control_terminals(self, pid: str) -> list[tuple[tuple[Hop, ...], str]]:
        sg = self.sg
        found: list[tuple[tuple[Hop, ...], str]] = []
        for holder, chain in self.walk.up(pid):
            here = sg.g[sg.index[holder]]
            for dst, e in sg.out_edges(holder):
                if e.kind is EdgeKind.CONTROL:
                    found.append(((*chain, Hop(here, dst, e)), "privileged-scope"))
        return found

    def _emit(
        self,
        rule_id: str,
        subject: str,
        entry: Node,
        entry_kind: str,
        hops: tuple[Hop, ...],
        target_kind: str,
    ) -> None:
        if self.out.full(rule_id, subject):
            self.out.count(rule_id, subject, 1)
            return
        self.out.add(
            AttackPath(
                rule_id=rule_id,
                subject=subject,
                entry=entry,
                entry_kind=entry_kind,
                target=hops[-1].dst,
                target_kind=target_kind,
                hops=hops,
                severity=_severity(rule_id, hops),
            )
        )

    # ---- the five searches -------------------------------------------------------------

    def run(self, rule_ids: Iterable[str] | None = None) -> PathSet:
        """Every search, or only those of `rule_ids` (each search emits its own rule only)."""
        wanted = None if rule_ids is None else set(rule_ids)
        for rule_id, search in (
            ("AIP-PATH-001", self.internet_to_data),
            ("AIP-PATH-002", self.workload_escalation),
            ("AIP-PATH-003", self.credential_to_ai_control),
            ("AIP-PATH-004", self.poisoning),
            ("AIP-PATH-005", self.identity_hijack),
        ):
            if wanted is None or rule_id in wanted:
                search()
        return self.out

    def internet_to_data(self) -> None:
        """AIP-PATH-001: Internet -> public AI endpoint -> its identity -> storage/KV data."""
        sg = self.sg
        internet = sg.g[sg.index[INTERNET]]
        for res, pub in sg.out_edges(INTERNET):
            if pub.kind is not EdgeKind.PUBLIC_ACCESS or res.rtype not in AI_ENDPOINT_TYPES:
                continue
            first = Hop(internet, res, pub)
            own = self._own_stores(res.key)
            for mi, e in sg.out_edges(res.key):
                if e.kind is not EdgeKind.HAS_IDENTITY:
                    continue
                for chain, kind in self._data_terminals(mi.key):
                    last = chain[-1]
                    if last.dst.key in own and not last.edge.inherited:
                        continue  # by design: a workspace's own storage / vault, granted there
                    hops = (first, Hop(res, mi, e), *chain)
                    self._emit("AIP-PATH-001", res.key, internet, "internet", hops, kind)

    def _members(self, key: str) -> list[tuple[str, tuple[Hop, ...], Node, str | None]]:
        """The principal and its transitive members, with hops and entry kind (memoized)."""
        hit = self._members_cache.get(key)
        if hit is None:
            sg = self.sg
            hit = []
            for pid, chain in self.walk.down(key):
                node = sg.g[sg.index[pid]]
                hit.append((pid, chain, node, _entry_kind(node)))
            self._members_cache[key] = hit
        return hit

    def _own_stores(self, key: str) -> set[str]:
        """Stores an AI resource is built on (workspace storage and vault, account user-owned
        storage): its identity needs access to them."""
        ws = self.inv.workspaces.get(key)
        if ws is not None:
            return {k for k in (ws.storage_account, ws.key_vault) if k}
        acc = self.inv.accounts.get(key)
        return set(acc.user_owned_storage) if acc is not None else set()

    def workload_escalation(self) -> None:
        """AIP-PATH-002: AI workload identity -> can write role assignments somewhere."""
        sg = self.sg
        for node in list(sg.nodes()):
            if node.kind is not NodeKind.RESOURCE or not node.ai:
                continue
            for mi, e in sg.out_edges(node.key):
                if e.kind is not EdgeKind.HAS_IDENTITY:
                    continue
                for chain, kind in self._control_terminals(mi.key):
                    hops = (Hop(node, mi, e), *chain)
                    self._emit("AIP-PATH-002", node.key, node, "ai-workload", hops, kind)

    def credential_to_ai_control(self) -> None:
        """AIP-PATH-003: guest / secret-bearing SP -> role -> account keys or model safety."""
        sg = self.sg
        for acc in self.inv.accounts.values():
            target = sg.node(acc.key)
            if target is None:
                continue
            keys_on = acc.disable_local_auth is not True
            for holder, e in sg.in_edges(acc.key):
                if e.kind is EdgeKind.MANAGE_KEYS and keys_on:
                    kind = "ai-keys"
                elif e.kind is EdgeKind.MODIFY_SAFETY:
                    kind = "model-safety"
                else:
                    continue
                last = Hop(holder, target, e)
                for _pid, chain, entry, ek in self._members(holder.key):
                    if ek is not None:
                        self._emit("AIP-PATH-003", acc.key, entry, ek, (*chain, last), kind)
                    if entry.kind is NodeKind.SERVICE_PRINCIPAL:
                        self._app_admins(acc.key, entry, (*chain, last), kind)

    def _app_admins(self, subject: str, sp: Node, hops: tuple[Hop, ...], kind: str) -> None:
        """Entra application administrators outside the admin set who can add a secret to
        the service principal at the start of `hops`."""
        sg = self.sg
        for admin, e in sg.in_edges(sp.key):
            if e.kind is not EdgeKind.ADD_CREDENTIAL or admin.key in self.admins:
                continue
            self._emit(
                "AIP-PATH-003", subject, admin, "app-admin", (Hop(admin, sp, e), *hops), kind
            )

    def poisoning(self) -> None:
        """AIP-PATH-004: Internet (anonymous), guest, secret SP or broad writer -> storage
        that feeds an ML workspace, AI Search or an AI account."""
        sg = self.sg
        internet = sg.g[sg.index[INTERNET]]
        for st in list(sg.nodes()):
            if st.rtype != STORAGE_TYPE:
                continue
            feeds = [(c, e) for c, e in sg.out_edges(st.key) if e.kind is EdgeKind.DATA_FLOW]
            if not feeds:
                continue
            consumer, flow = feeds[0]
            flow_hop = Hop(st, consumer, flow)
            consumer_ids = {
                mi.key
                for c, _e in feeds
                for mi, e2 in sg.out_edges(c.key)
                if e2.kind is EdgeKind.HAS_IDENTITY
            }
            for src, e in sg.in_edges(st.key):
                if e.kind is EdgeKind.PUBLIC_ACCESS and "anonymous" in e.guard.split("+"):
                    self._emit(
                        "AIP-PATH-004",
                        st.key,
                        internet,
                        "internet",
                        (Hop(internet, st, e), flow_hop),
                        "poisoning",
                    )
                    continue
                writes = e.kind is EdgeKind.WRITE_DATA or (
                    e.kind is EdgeKind.MANAGE_KEYS and self._shared_key(st.key)
                )
                if not writes:
                    continue
                last = Hop(src, st, e)
                broad = _is_broad(e.scope)
                for pid, chain, entry, ek in self._members(src.key):
                    if ek is None:
                        if not broad or entry.kind is NodeKind.GROUP:
                            continue
                        if pid in self.admins or pid in consumer_ids:
                            continue
                        ek = "broad-writer"
                    self._emit(
                        "AIP-PATH-004", st.key, entry, ek, (*chain, last, flow_hop), "poisoning"
                    )

    def identity_hijack(self) -> None:
        """AIP-PATH-005: a non-admin who can run code on a compute, or attach a user-assigned
        identity to compute they control, acts as that identity and reaches its data."""
        sg = self.sg
        rule = "AIP-PATH-005"
        for node in list(sg.nodes()):
            if node.kind is not NodeKind.RESOURCE:
                continue
            is_uami = node.rtype == UAMI_TYPE
            ways = [
                (holder, e)
                for holder, e in sg.in_edges(node.key)
                if e.kind is EdgeKind.RUN_AS or (e.kind is EdgeKind.ASSIGN_IDENTITY and is_uami)
            ]
            if not ways:
                continue
            idents = [
                (mi, e2) for mi, e2 in sg.out_edges(node.key) if e2.kind is EdgeKind.HAS_IDENTITY
            ]
            own = {mi.key for mi, _e2 in idents}
            tails: list[tuple[tuple[Hop, ...], str]] = [
                ((Hop(node, mi, e2), *chain), kind)
                for mi, e2 in idents
                for chain, kind in (
                    *self._data_terminals(mi.key),
                    *self._control_terminals(mi.key),
                )
            ]
            if not tails:
                continue
            for holder, e in ways:
                last = Hop(holder, node, e)
                for pid, chain, entry, ek0 in self._members(holder.key):
                    if entry.kind is NodeKind.GROUP or pid in self.admins or pid in own:
                        continue
                    if e.kind is EdgeKind.ASSIGN_IDENTITY and not self._writes_compute(pid):
                        continue
                    if self.out.full(rule, node.key):
                        self.out.count(rule, node.key, len(tails))
                        continue
                    ek = ek0 or "non-admin"
                    for tail, kind in tails:
                        self._emit(rule, node.key, entry, ek, (*chain, last, *tail), kind)

    def _writes_compute(self, pid: str) -> bool:
        """Can the principal (or a group it is in) create or change some compute to attach an
        identity to? Managed Identity Operator alone cannot."""
        hit = self._compute_writers.get(pid)
        if hit is None:
            pidx = permission_index(self.inv)
            hit = any(
                self._role_writes_compute(pidx, g)
                for holder, _chain in self.walk.up(pid)
                for g in pidx.grants_of(holder, include_eligible=True)
            )
            self._compute_writers[pid] = hit
        return hit

    def _role_writes_compute(self, pidx: PermissionIndex, g: Grant) -> bool:
        hit = self._compute_roles.get(g.role_guid)
        if hit is None:
            hit = any(pidx.permits(g, action) for action in COMPUTE_WRITE_ACTIONS)
            self._compute_roles[g.role_guid] = hit
        return hit


_CACHE_ATTR = "_paths_cache"


def find_paths(sg: SecurityGraph, extra_admins: Iterable[str] = ()) -> PathSet:
    """Every attack path of the graph (cached per admin set: rules share one search)."""
    admins = frozenset(a.lower() for a in extra_admins)
    cache: dict[frozenset[str], PathSet] = sg.__dict__.setdefault(_CACHE_ATTR, {})
    hit = cache.get(admins)
    if hit is None:
        with gc_paused():
            hit = PathFinder(sg, admins).run()
        cache[admins] = hit
    return hit


_RULE_CACHE_ATTR = "_rule_paths_cache"


def find_rule_paths(sg: SecurityGraph, rule_id: str, extra_admins: Iterable[str] = ()) -> PathSet:
    """The attack paths of one AIP-PATH rule: the same paths and counts as find_paths gives for
    that rule. The all-rules search is used when it is cached; otherwise only this rule's
    search runs, and only the last rule's paths are kept (the rules run one after the other:
    at 1M resources the five rules' kept paths together took ~400 MiB)."""
    admins = frozenset(a.lower() for a in extra_admins)
    full = sg.__dict__.get(_CACHE_ATTR, {}).get(admins)
    if isinstance(full, PathSet):
        return full
    last = sg.__dict__.get(_RULE_CACHE_ATTR)
    if last is not None and last[0] == (rule_id, admins):
        found: PathSet = last[1]
        return found
    sg.__dict__.pop(_RULE_CACHE_ATTR, None)  # free the previous rule's paths first
    with gc_paused():
        found = PathFinder(sg, admins).run([rule_id])
    sg.__dict__[_RULE_CACHE_ATTR] = ((rule_id, admins), found)
    return found
