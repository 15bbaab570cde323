"""Rule metadata, verdicts and findings."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from aiposture.facts.base import Fact, known, unknown_fact
from aiposture.model.entities import Resource
from aiposture.model.types import Pillar, Severity, Status

if TYPE_CHECKING:
    from aiposture.config import Settings
    from aiposture.graph.build import SecurityGraph
    from aiposture.model.inventory import Inventory

R = TypeVar("R", bound=Resource)

# Remediation templates hold three kinds of placeholders (docs/rules.md, "Placeholders"):
# * engine-filled `<UPPER>`: the finding's resource (PLACEHOLDERS below), always known;
# * rule-filled `<UPPER>`: declared in Remediation.fills and supplied by the rule's FAIL verdict
#   (`failed(..., fill={...})`) from what it saw, e.g. the role assignment ids it found;
# * user choices `{{UPPER}}`: values only the user can pick (a VNet, an email, a CIDR),
#   documented in USER_CHOICES and left in the fix for the user to replace. The form is a plain
#   word to bash (no redirection, no brace expansion: no comma inside) and ordinary text inside
#   Bicep and HCL strings, so a fix with one left in it still parses.
# Every value is quoted or escaped for the form it lands in (shell word, Bicep or HCL string).
PLACEHOLDERS = ("<NAME>", "<RG>", "<SUB>", "<ID>", "<LOCATION>", "<PARENT>", "<PARENT_ID>")

# What to put in place of each user-choice placeholder; a rule-filled placeholder with no value
# in a finding is rendered in this form too, so it needs an entry here when a FAIL may lack it.
USER_CHOICES: Mapping[str, str] = {
    "APIM": "the name of the API Management gateway to put in front of the account",
    "APP_ID": "the application (client) id of the app registration",
    "APPROVED_MODEL_ID": "a model asset id from an allowed registry, e.g. "
    "azureml://registries/azureml-meta/models/Meta-Llama-3.1-8B-Instruct",
    "APIM_RG": "the resource group of that API Management gateway",
    "APIM_ID": "the resource id of that API Management gateway",
    "CIDR": "the public IP range(s) allowed to reach the API server, e.g. 203.0.113.0/24",
    "DATA_CLASSIFICATION": "the data classification of the resource, e.g. confidential",
    "DBX_CONTAINER_SUBNET": "the name of the Databricks container (private) subnet, delegated "
    "to Microsoft.Databricks/workspaces",
    "DBX_HOST_SUBNET": "the name of the Databricks host (public) subnet, delegated to "
    "Microsoft.Databricks/workspaces",
    "ENVIRONMENT": "the environment of the resource, e.g. prod or dev",
    "EXPIRES_ON": "the date the exemption ends, e.g. 2027-06-30T00:00:00Z (review it then)",
    "FQDN": "a host name the account may call out to, e.g. your search service's host",
    "HTTPS_ENDPOINT": "the bot's messaging endpoint over HTTPS, e.g. "
    "https://app-contoso-bot.azurewebsites.net/api/messages",
    "PE_LOCATION": "the region of the virtual network that holds the private endpoint",
    "KEY_NAME": "the name of the key in the key vault",
    "KEY_URI": "the key identifier, https://VAULT.vault.azure.net/keys/KEY/VERSION",
    "KEY_VAULT_ID": "the resource id of the key vault holding the key (purge protection on)",
    "KEY_VAULT_NAME": "the name of the key vault holding the key (purge protection on)",
    "KEY_VERSION": "the version of the key",
    "MANAGEMENT_GROUP": "the landing-zone management group the subscription belongs under",
    "MODEL": "the model name of the deployment, e.g. gpt-4o",
    "MODEL_ADMIN_GROUP_ID": "the object id of the Entra ID group of model administrators",
    "NSG_ID": "the resource id of the network security group to attach to the subnet",
    "NSG_RG": "the resource group of the network security group",
    "OWNED_STORAGE_ID": "the resource id of the customer's storage account to keep the AI "
    "services account's data in",
    "OWNER": "the owner of the resource (a team or an email address)",
    "PRIVATE_DNS_ZONE_ID": "the resource id of that private DNS zone (one linked to the client "
    "virtual networks)",
    "RAI_POLICY_NAME": "the name of a new content filter (RAI policy) for the deployment",
    "REPO_OWNER": "the GitHub organisation or user that owns the repository",
    "REPO": "the GitHub repository whose workflow signs in",
    "SKU": "the SKU of the deployment, e.g. GlobalStandard",
    "STORAGE_ACCOUNT_ID": "the resource id of the one storage account the workload reads",
    "SUBNET": "the name of the subnet for the private endpoint",
    "SUBNET_ID": "the resource id of the subnet for the compute",
    "SUPPORTED_VERSION": "a model version that is not retired (see the model's retirement table)",
    "TARGET_RG": "the production resource group to move the resource to",
    "TARGET_SUB": "the id of the production subscription to move the resource to",
    "VERSION": "the model version of the deployment",
    "VM_SIZE": "the VM size of the compute, e.g. Standard_DS3_v2",
    "VNET": "the name of the virtual network for the private endpoint or compute",
    "VNET_ID": "the resource id of the virtual network to deploy into",
    "WORKSPACE_ID": "the resource id of the Log Analytics workspace to send the logs to",
}

# What the rules put in their own placeholders (Remediation.fills) that are not also user
# choices above: shown in the `{{NAME}}` form, with this text, in the fix of a finding that did
# not fail (nothing to fill) and so has no value for them.
RULE_FILLED: Mapping[str, str] = {
    "ASSIGNMENT_ID": "the id of the policy assignment that reports the resource NonCompliant",
    "ASSIGNMENT_NAME": "the name of that policy assignment",
    "ASSIGNMENT_SCOPE": "the scope of the policy assignment",
    "COMPUTE_TYPE": "the compute's type (ComputeInstance or AmlCompute)",
    "EXEMPTION": "the name of an exemption without expiry",
    "EXEMPTION_SCOPE": "the scope of that exemption",
    "GROUP_ID": "the object id of a group that holds the access",
    "KEY_ID": "the key id of a client secret or long-lived or expired credential",
    "MEMBER_ID": "the object id of the guest member of that group",
    "NSG": "the name of the network security group",
    "PRINCIPAL_ID": "the object id of the principal that holds the access",
    "REQUEST_GUID": "a new GUID naming the request",
    "ROLE_ASSIGNMENT_ID": "the id of a role assignment that grants the access",
    "ROLE_NAME": "the display name of the custom role",
    "RULE": "the name of a security rule open to the internet",
    "SCOPE": "the scope of the role assignment",
    "ZONE_NAME": "the privatelink DNS zone of the endpoint's target service",
}

# A rule-supplied value: one text, or several (the line holding it is repeated, see _fill).
FillValue = str | tuple[str, ...]

_TOKEN_RE = re.compile(r"<([A-Z][A-Z0-9_]*)>")
_CHOICE_RE = re.compile(r"\{\{([A-Z][A-Z0-9_]*)\}\}")


def user_choice(name: str) -> str:
    """The user-choice form of a placeholder name: `{{NAME}}`."""
    return "{{" + name + "}}"


@dataclass(frozen=True)
class PolicyFix:
    """A built-in Azure Policy that keeps the problem from coming back."""

    definition_id: str  # GUID of the built-in definition
    effect: str  # Audit | Deny | Modify | DeployIfNotExists | ...
    display_name: str = ""
    # Assignment parameters besides the effect, as (name, value) pairs; a value is a string
    # or a tuple of strings (an Array parameter).
    parameters: tuple[tuple[str, str | tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Remediation:
    summary: str
    az_cli: str
    bicep: str
    terraform: str
    portal: str
    policy: tuple[PolicyFix, ...] = ()
    # `<UPPER>` placeholders the rule's FAIL verdicts supply (Verdict.fill), beyond PLACEHOLDERS.
    fills: tuple[str, ...] = ()


@dataclass(frozen=True)
class Refs:
    mcsb: tuple[str, ...] = ()
    azure_policy: tuple[str, ...] = ()
    owasp_llm: tuple[str, ...] = ()
    atlas: tuple[str, ...] = ()
    prowler: tuple[str, ...] = ()
    checkov: tuple[str, ...] = ()
    psrule: tuple[str, ...] = ()
    other: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "mcsb": list(self.mcsb),
            "azure_policy": list(self.azure_policy),
            "owasp_llm": list(self.owasp_llm),
            "atlas": list(self.atlas),
            "prowler": list(self.prowler),
            "checkov": list(self.checkov),
            "psrule": list(self.psrule),
            "other": list(self.other),
        }


@dataclass(frozen=True, slots=True)
class Evidence:
    """A property path and the value seen there (None = absent)."""

    path: str
    value: Any


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    message: str
    evidence: tuple[Evidence, ...] = ()
    missing: tuple[str, ...] = ()  # for UNKNOWN: the collections or properties not available
    # Values for the rule's own remediation placeholders (Remediation.fills), as
    # ("<PLACEHOLDER>", value) pairs: what the rule saw, e.g. the role assignments to delete.
    fill: tuple[tuple[str, FillValue], ...] = ()


def ev(path: str, value: Any) -> Evidence:
    return Evidence(path, value)


def passed(message: str, *evidence: Evidence) -> Verdict:
    return Verdict(Status.PASS, message, evidence)


def fill_values(
    values: Mapping[str, str | Iterable[str] | None],
) -> tuple[tuple[str, FillValue], ...]:
    """Normalise rule-supplied fill values: None (not known) is dropped, so the placeholder is
    rendered as a user choice; a str is one value; any other iterable is several values (an
    empty one removes the lines that hold the placeholder: there is nothing to do there)."""
    out: list[tuple[str, FillValue]] = []
    for ph, v in values.items():
        if not _TOKEN_RE.fullmatch(ph) or ph in PLACEHOLDERS:
            raise ValueError(f"{ph!r} is not a rule placeholder (<UPPER_CASE>, not engine-filled)")
        if v is None:
            continue
        out.append((ph, v if isinstance(v, str) else tuple(v)))
    return tuple(out)


def scope_of(resource_id: str) -> str:
    """The scope an extension resource (policy assignment, exemption, role assignment) sits
    on: its id up to its last `/providers/` segment."""
    cut = resource_id.lower().rfind("/providers/")
    return resource_id[:cut] if cut > 0 else resource_id


def failed(
    message: str,
    *evidence: Evidence,
    fill: Mapping[str, str | Iterable[str] | None] | None = None,
) -> Verdict:
    """A FAIL verdict; `fill` gives values for the remediation's own placeholders."""
    return Verdict(Status.FAIL, message, evidence, (), fill_values(fill) if fill else ())


def unknown(message: str, *missing: str, evidence: Iterable[Evidence] = ()) -> Verdict:
    return Verdict(Status.UNKNOWN, message, tuple(evidence), tuple(missing))


def not_applicable(message: str) -> Verdict:
    return Verdict(Status.NOT_APPLICABLE, message)


def settle(failure: Verdict | None, success: Verdict, missing: Iterable[str]) -> Verdict:
    """The three-valued decision: a failure found in what was read is certain and stands;
    otherwise the success holds only when nothing is missing that could turn it into a
    failure; otherwise UNKNOWN naming exactly what is missing (the success's evidence kept)."""
    if failure is not None:
        return failure
    gaps = tuple(dict.fromkeys(missing))
    if not gaps:
        return success
    return unknown(
        f"{success.message}, but not everything that could change this was read: "
        + ", ".join(gaps),
        *gaps,
        evidence=success.evidence,
    )


def from_fact(fact: Fact, *, fail: Verdict, ok: Verdict) -> Verdict:
    """A Fact "the resource fails" as a verdict: true -> `fail`, false -> `ok`, unknown ->
    UNKNOWN naming the fact's missing parts."""
    if fact.value is True:
        return fail
    if fact.value is False:
        return ok
    return unknown(fact.reason, *fact.missing, evidence=ok.evidence)


@dataclass
class RuleContext:
    """What a rule may look at besides its target."""

    inventory: Inventory
    settings: Settings
    now: dt.datetime
    _graph: SecurityGraph | None = None
    graph_factory: Callable[[], SecurityGraph] | None = None

    @property
    def graph(self) -> SecurityGraph | None:
        if self._graph is None and self.graph_factory is not None:
            self._graph = self.graph_factory()
        return self._graph

    def coverage(self, collection: str, key: str = "") -> Fact:
        """Was `collection` read completely for the scope of `key`? True, or unknown naming
        the collection (never False: an unread collection says nothing either way)."""
        ans = self.inventory.coverage.status(collection, key)
        if ans.complete:
            return known(True, f"{collection} complete")
        return unknown_fact(ans.reason, collection)

    def missing(self, key: str, *collections: str) -> tuple[str, ...]:
        """The collections among `collections` not read completely for the scope of `key`."""
        status = self.inventory.coverage.status
        return tuple(c for c in collections if not status(c, key).complete)

    def missing_under(self, scope: str, *collections: str) -> tuple[str, ...]:
        """The collections among `collections` not read completely for `scope` or for any
        scope below it (a question about everything under a management group)."""
        low = scope.lower().rstrip("/")
        if not low or low.startswith("/providers/microsoft.management/"):
            # Below a management group (or the root) may be any subscription.
            return tuple(c for c in collections if not self._complete_everywhere(c))
        cov = self.inventory.coverage
        return tuple(
            c
            for c in collections
            if not cov.status(c, low).complete
            or any(
                r.collection.lower() == c.lower()
                and (r.scope.lower().rstrip("/") + "/").startswith(low + "/")
                for r in cov.gaps()
            )
        )

    def _complete_everywhere(self, collection: str) -> bool:
        """Read completely tenant-wide, or for every known subscription, with no gap."""
        inv = self.inventory

        def build() -> bool:
            cov = inv.coverage
            low = collection.lower()
            if any(r.collection.lower() == low for r in cov.gaps()):
                return False
            if cov.status(collection).complete:
                return True
            subs = list(inv.subscriptions)
            return bool(subs) and all(
                cov.status(collection, f"/subscriptions/{s}").complete for s in subs
            )

        return inv.memo(f"complete_everywhere_{collection.lower()}", build)

    def release_graph(self) -> None:
        """Drop the graph (and never rebuild it) once no remaining rule needs it."""
        self._graph = None
        self.graph_factory = None


# A rule's function takes its target type: RuleSpec keeps it as Check (targets are only known
# at run time); registry.rule() checks the function against `target` statically.
Check = Callable[[Any, RuleContext], Verdict]
Selector = Callable[["Inventory", "Settings"], Iterable[Resource]]


@dataclass(frozen=True)
class RuleSpec(Generic[R]):
    id: str
    title: str
    pillar: Pillar
    severity: Severity
    target: type[R]
    requires: tuple[str, ...]  # needed to decide anything: missing -> UNKNOWN before the check
    remediation: Remediation
    references: Refs
    check: Check
    rationale: str
    select: Selector | None = None
    target_label: str = ""
    uses_graph: bool = False  # reads ctx.graph: evaluated first, then the graph is released
    # Needed to PASS only: a FAIL found without them is certain, a PASS becomes UNKNOWN.
    requires_to_pass: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        return self.check.__module__


@dataclass(frozen=True)
class RenderedRemediation:
    summary: str
    az_cli: str
    bicep: str
    terraform: str
    portal: str
    policy: tuple[PolicyFix, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "az_cli": self.az_cli,
            "bicep": self.bicep,
            "terraform": self.terraform,
            "portal": self.portal,
            "policy": [
                {
                    "definition_id": p.definition_id,
                    "effect": p.effect,
                    "display_name": p.display_name,
                }
                for p in self.policy
            ],
        }


@dataclass(frozen=True)
class SuppressionInfo:
    reason: str
    expires: str | None
    expired: bool


@dataclass(frozen=True, slots=True)
class Finding:
    """One verdict of one rule on one resource. Slotted: a large tenant has millions, and
    they live until the reports are written (no per-instance dict: about 100 bytes less
    each)."""

    rule: RuleSpec[Any]
    resource_id: str
    resource_type: str
    resource_name: str
    status: Status
    severity: Severity
    message: str
    evidence: tuple[Evidence, ...]
    missing: tuple[str, ...]
    # Values for the remediation templates: the resource's (PLACEHOLDERS), merged with `fill`.
    placeholders: Mapping[str, FillValue]
    fingerprint: str
    subscription_id: str = ""
    resource_group: str = ""
    suppression: SuppressionInfo | None = field(default=None)
    fill: tuple[tuple[str, FillValue], ...] = ()  # the rule's own values (Verdict.fill)
    # The rendered fix, once asked for (see `remediation`); not part of the finding's value.
    _remediation: RenderedRemediation | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def remediation(self) -> RenderedRemediation:
        """The rule's remediation filled for this resource (rendered on first use and kept:
        most findings of a large tenant are never shown with their fix)."""
        rem = self._remediation
        if rem is None:
            rem = render_remediation(self.rule.remediation, dict(self.placeholders))
            object.__setattr__(self, "_remediation", rem)
        return rem

    @property
    def remediation_rendered(self) -> bool:
        """Whether `remediation` was asked for (and is kept) already."""
        return self._remediation is not None

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None and not self.suppression.expired

    @property
    def is_failure(self) -> bool:
        return self.status is Status.FAIL and not self.suppressed


def fingerprint(rule_id: str, resource_id: str) -> str:
    return hashlib.sha256(f"{rule_id}|{resource_id.lower()}".encode()).hexdigest()[:32]


# ---- remediation templates --------------------------------------------------------------------


def _escape_char(ch: str) -> str:
    o = ord(ch)
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}"


def _visible(v: str) -> str:
    """Control (C0, C1), format (bidi overrides and isolates, LRM/RLM, zero-width) and other
    non-printable characters written as visible `\\xNN` / `\\uNNNN` text: tenant data must not
    reorder, hide or break the lines of a fix a user reads and pastes."""
    return (
        v if v.isprintable() else "".join(ch if ch.isprintable() else _escape_char(ch) for ch in v)
    )


@functools.lru_cache(maxsize=1 << 16)  # names, groups, ids recur per rule
def _az_str(v: str) -> str:
    """One POSIX shell word holding exactly the (visible) value."""
    return shlex.quote(_visible(v))


_BICEP_ESC = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


@functools.lru_cache(maxsize=1 << 16)  # names, groups, ids recur per rule
def _bicep_str(v: str) -> str:
    """The inside of a Bicep single-quoted string: `\\`, `'`, `\n`, `\r`, `\t` escaped, `${` not
    an interpolation, other non-printable characters as `\\u{X}`."""
    if v.isprintable():  # the common case; tab and line breaks are not printable
        out = v.replace("\\", "\\\\").replace("'", "\\'")
    else:
        out = "".join(
            _BICEP_ESC.get(ch) or (ch if ch.isprintable() else f"\\u{{{ord(ch):X}}}") for ch in v
        )
    return out.replace("${", "\\${")


_HCL_ESC = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _hcl_char(ch: str) -> str:
    o = ord(ch)
    return f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}"


@functools.lru_cache(maxsize=1 << 16)  # names, groups, ids recur per rule
def _tf_str(v: str) -> str:
    """The inside of an HCL (Terraform) double-quoted string: `\\`, `"`, `\n`, `\r`, `\t`
    escaped, `${` and `%{` not template sequences, other non-printable characters as `\\uNNNN`."""
    if v.isprintable():  # the common case; tab and line breaks are not printable
        out = v.replace("\\", "\\\\").replace('"', '\\"')
    else:
        out = "".join(_HCL_ESC.get(ch) or (ch if ch.isprintable() else _hcl_char(ch)) for ch in v)
    return out.replace("${", "$${").replace("%{", "%%{")


_Line = tuple[str, ...]  # literal text (even indices) and placeholders (odd indices)


def _split_line(line: str) -> _Line:
    parts: list[str] = []
    pos = 0
    for m in _TOKEN_RE.finditer(line):
        parts += [line[pos : m.start()], m.group(0)]
        pos = m.end()
    parts.append(line[pos:])
    return tuple(parts)


@functools.lru_cache(maxsize=4096)
def _parsed(template: str) -> tuple[_Line, tuple[_Line, ...]]:
    """The template split into literal text and placeholders, whole and line by line (once per
    template)."""
    return _split_line(template), tuple(_split_line(line) for line in template.split("\n"))


def _fill(
    template: str,
    values: Mapping[str, FillValue],
    esc: Callable[[str], str],
    multi_valued: bool = True,
) -> str:
    """Fill every `<UPPER>` placeholder of the template in one pass over the template itself:
    a filled value is never searched again, so a value holding `<LOCATION>` stays that text.
    Each value goes through `esc` for the form's language. A placeholder without a value is
    written as the user-choice form `{{NAME}}`. A placeholder with several values repeats its
    line once per value (zipped with the line's other multi-valued placeholders when they
    have as many values, every combination otherwise); with none, the line is left out.
    `multi_valued=False` says no value is a tuple (the common case: one pass, no lines)."""
    if "<" not in template:
        return template
    whole, lines = _parsed(template)
    if len(whole) == 1:
        return template
    if not multi_valued or not any(type(values.get(ph)) is tuple for ph in whole[1::2]):
        return _fill_line(whole, values, esc)
    out: list[str] = []
    for parts in lines:
        multi = {ph: v for ph in parts[1::2] if isinstance(v := values.get(ph), tuple)}
        if not multi:
            out.append(_fill_line(parts, values, esc) if len(parts) > 1 else parts[0])
            continue
        lists = list(multi.values())
        if any(not vs for vs in lists):
            continue
        combos: Iterable[tuple[str, ...]] = (
            zip(*lists, strict=True)
            if len({len(vs) for vs in lists}) == 1
            else itertools.product(*lists)
        )
        for combo in combos:
            out.append(_fill_line(parts, {**values, **dict(zip(multi, combo, strict=True))}, esc))
    return "\n".join(out)


def _fill_line(parts: _Line, values: Mapping[str, FillValue], esc: Callable[[str], str]) -> str:
    out = list(parts)
    for i in range(1, len(parts), 2):
        v = values.get(parts[i])
        out[i] = user_choice(parts[i][1:-1]) if v is None else esc(str(v))
    return "".join(out)


def choices_in(*texts: str) -> list[str]:
    """The user-choice placeholder names in the texts, in order of first appearance."""
    seen: dict[str, None] = {}
    for t in texts:
        if "{{" in t:
            for m in _CHOICE_RE.finditer(t):
                seen.setdefault(m.group(1), None)
    return list(seen)


def _choices_note(names: list[str]) -> str:
    what = [USER_CHOICES.get(n) or RULE_FILLED.get(n, "your value") for n in names]
    return (
        " Replace "
        + "; ".join(f"{user_choice(n)} with {w}" for n, w in zip(names, what, strict=True))
        + "."
    )


# A remediation compiled for the one-valued case (see _fill_compiled): the five forms as
# `str.format_map` patterns (literal braces doubled, each placeholder a field named after its
# escape and itself), the (field, placeholder, escape) triples they use, and whether a
# template itself holds `{{`.
_Compiled = tuple[tuple[str, ...], tuple[tuple[str, str, Callable[[str], str]], ...], bool]
_COMPILED: dict[int, tuple[Remediation, _Compiled]] = {}
# The note naming the user choices a rendered fix holds, by (remediation, placeholders without
# a value), when no filled value holds a brace (then it depends on nothing else).
_CHOICES: dict[tuple[int, tuple[str, ...]], str] = {}


def _compiled(rem: Remediation) -> _Compiled:
    """A rule's remediation compiled once (rules are module constants; the entry keeps `rem`
    alive so its id is never reused)."""
    hit = _COMPILED.get(id(rem))
    if hit is not None:
        return hit[1]
    templates = (rem.summary, rem.az_cli, rem.bicep, rem.terraform, rem.portal)
    escapes: tuple[Callable[[str], str], ...] = (_visible, _az_str, _bicep_str, _tf_str, _visible)
    fields: dict[tuple[str, int], str] = {}  # (placeholder, escape) -> field name
    triples: list[tuple[str, str, Callable[[str], str]]] = []
    patterns: list[str] = []
    for template, esc in zip(templates, escapes, strict=True):
        whole = _parsed(template)[0] if "<" in template else (template,)
        parts: list[str] = []
        for i, part in enumerate(whole):
            if i % 2 == 0:
                parts.append(part.replace("{", "{{").replace("}", "}}"))
                continue
            name = fields.get((part, id(esc)))
            if name is None:
                name = fields[(part, id(esc))] = f"f{len(triples)}"
                triples.append((name, part, esc))
            parts.append("{" + name + "}")
        patterns.append("".join(parts))
    compiled = (tuple(patterns), tuple(triples), any("{{" in t for t in templates))
    _COMPILED[id(rem)] = (rem, compiled)
    return compiled


def fill_remediation(
    rem: Remediation, values: Mapping[str, FillValue]
) -> tuple[str, str, str, str, str]:
    """summary, az_cli, bicep, terraform and portal with the placeholders filled (see _fill).
    az CLI values are shell-quoted words; Bicep/Terraform placeholders sit inside string
    literals and are escaped for them; summary and portal text get visible escapes for
    non-printable characters. Names are attacker-controlled text. When user-choice
    placeholders remain, the summary says what to put in each.

    One-valued placeholders (nearly every finding) take a compiled path: each value is
    escaped once per escape, each form is one `str.format_map`, and the user-choice note is
    composed once per rule and set of unfilled placeholders; the output is `_fill`'s."""
    multi = any(type(v) is tuple for v in values.values())
    if not multi:
        return _fill_compiled(rem, values)
    return _fill_slow(rem, values, multi)


def _fill_compiled(
    rem: Remediation, values: Mapping[str, FillValue]
) -> tuple[str, str, str, str, str]:
    patterns, triples, literal_braces = _compiled(rem)
    filled: dict[str, str] = {}
    unfilled: list[str] = []
    brace = False
    get = values.get
    for name, ph, esc in triples:
        v = get(ph)
        if v is None:
            if ph not in unfilled:
                unfilled.append(ph)
            filled[name] = "{{" + ph[1:-1] + "}}"
        else:
            text = filled[name] = esc(v if type(v) is str else str(v))
            if "{" in text:
                brace = True
    p0, p1, p2, p3, p4 = patterns
    summary_ = p0.format_map(filled)
    az_cli = p1.format_map(filled)
    bicep = p2.format_map(filled)
    terraform = p3.format_map(filled)
    portal = p4.format_map(filled)
    if not (brace or unfilled or literal_braces) or (
        "{{" not in summary_
        and "{{" not in az_cli
        and "{{" not in bicep
        and "{{" not in terraform
        and "{{" not in portal
    ):
        return summary_, az_cli, bicep, terraform, portal
    if brace:
        names = choices_in(summary_, az_cli, bicep, terraform, portal)
        note = _choices_note(names) if names else ""
    else:
        key = (id(rem), tuple(unfilled))
        note = _CHOICES.get(key)  # type: ignore[assignment]
        if note is None:
            names = choices_in(summary_, az_cli, bicep, terraform, portal)
            note = _CHOICES[key] = _choices_note(names) if names else ""
    return summary_ + note, az_cli, bicep, terraform, portal


def _fill_slow(
    rem: Remediation, values: Mapping[str, FillValue], multi: bool
) -> tuple[str, str, str, str, str]:
    forms = (
        _fill(rem.summary, values, _visible, multi),
        _fill(rem.az_cli, values, _az_str, multi),
        _fill(rem.bicep, values, _bicep_str, multi),
        _fill(rem.terraform, values, _tf_str, multi),
        _fill(rem.portal, values, _visible, multi),
    )
    if not any("{{" in form for form in forms):
        return forms
    names = choices_in(*forms)
    return (forms[0] + _choices_note(names), *forms[1:]) if names else forms


def render_remediation(rem: Remediation, values: Mapping[str, FillValue]) -> RenderedRemediation:
    """Fill the placeholders (see fill_remediation)."""
    return RenderedRemediation(*fill_remediation(rem, values), policy=rem.policy)
