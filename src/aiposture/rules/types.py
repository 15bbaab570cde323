"""Rule metadata, verdicts and findings."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from aiposture.facts.base import Fact, known, unknown_fact
from aiposture.model.entities import Resource
from aiposture.model.types import Pillar, Severity, Status

if TYPE_CHECKING:
    from aiposture.config import Settings
    from aiposture.model.inventory import Inventory

R = TypeVar("R", bound=Resource)

# Placeholders a remediation template may use; filled per finding and escaped per form.
PLACEHOLDERS = ("<NAME>", "<RG>", "<SUB>", "<ID>", "<LOCATION>", "<PARENT>", "<PARENT_ID>")


@dataclass(frozen=True)
class PolicyFix:
    """A built-in Azure Policy that keeps the problem from coming back."""

    definition_id: str  # GUID of the built-in definition
    effect: str  # Audit | Deny | Modify | DeployIfNotExists | ...
    display_name: str = ""


@dataclass(frozen=True)
class Remediation:
    summary: str
    az_cli: str
    bicep: str
    terraform: str
    portal: str
    policy: tuple[PolicyFix, ...] = ()


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


@dataclass(frozen=True)
class Evidence:
    """A property path and the value seen there (None = absent)."""

    path: str
    value: Any


@dataclass(frozen=True)
class Verdict:
    status: Status
    message: str
    evidence: tuple[Evidence, ...] = ()
    missing: tuple[str, ...] = ()  # for UNKNOWN: the collections or properties not available


def ev(path: str, value: Any) -> Evidence:
    return Evidence(path, value)


def passed(message: str, *evidence: Evidence) -> Verdict:
    return Verdict(Status.PASS, message, evidence)


def failed(message: str, *evidence: Evidence) -> Verdict:
    return Verdict(Status.FAIL, message, evidence)


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
    _graph: Any = None
    graph_factory: Callable[[], Any] | None = None

    @property
    def graph(self) -> Any:
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


@dataclass(frozen=True)
class Finding:
    rule: RuleSpec[Any]
    resource_id: str
    resource_type: str
    resource_name: str
    status: Status
    severity: Severity
    message: str
    evidence: tuple[Evidence, ...]
    missing: tuple[str, ...]
    placeholders: Mapping[str, str]  # values for the remediation templates
    fingerprint: str
    subscription_id: str = ""
    resource_group: str = ""
    suppression: SuppressionInfo | None = field(default=None)

    @cached_property
    def remediation(self) -> RenderedRemediation:
        """The rule's remediation filled for this resource (rendered on first use: most
        findings of a large tenant are never shown with their fix)."""
        return render_remediation(self.rule.remediation, dict(self.placeholders))

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None and not self.suppression.expired

    @property
    def is_failure(self) -> bool:
        return self.status is Status.FAIL and not self.suppressed


def fingerprint(rule_id: str, resource_id: str) -> str:
    return hashlib.sha256(f"{rule_id}|{resource_id.lower()}".encode()).hexdigest()[:32]


# ---- remediation templates --------------------------------------------------------------------


def _bicep_str(v: str) -> str:
    return v.replace("\\", "\\\\").replace("'", "\\'").replace("${", "\\${")


def _tf_str(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${").replace("%{", "%%{")


def _plain(v: str) -> str:
    return v if v.isprintable() else "".join(ch for ch in v if ch.isprintable())


_PLACEHOLDER_RE = re.compile("(" + "|".join(re.escape(ph) for ph in PLACEHOLDERS) + ")")


@functools.lru_cache(maxsize=4096)
def _template_parts(template: str) -> tuple[str, ...] | None:
    """The template split into literal text (even indices) and placeholders (odd indices);
    None when the literal text itself holds a "<" (then only the replace loop is exact)."""
    parts = tuple(_PLACEHOLDER_RE.split(template))
    if any("<" in lit for lit in parts[::2]):
        return None
    return parts


def _fill_by_replace(template: str, values: Mapping[str, str], esc: Callable[[str], str]) -> str:
    out = template
    for ph in PLACEHOLDERS:
        if ph in out:
            out = out.replace(ph, esc(values.get(ph, ph)))
    return out


def _fill(template: str, values: Mapping[str, str], esc: Callable[[str], str]) -> str:
    """Placeholders are replaced one kind after another, in PLACEHOLDERS order. When neither the
    template's literal text nor any filled value holds a "<", no replacement can form or hide
    another placeholder, and filling the split template in one pass gives the same text."""
    parts = _template_parts(template)
    if parts is None:
        return _fill_by_replace(template, values, esc)
    if len(parts) == 1:
        return template
    out = list(parts)
    for i in range(1, len(parts), 2):
        v = esc(values.get(parts[i], parts[i]))
        if "<" in v:
            return _fill_by_replace(template, values, esc)
        out[i] = v
    return "".join(out)


def _az_str(v: str) -> str:
    return shlex.quote(_plain(v))


def fill_remediation(rem: Remediation, values: Mapping[str, str]) -> tuple[str, str, str, str, str]:
    """summary, az_cli, bicep, terraform and portal with the placeholders filled. az CLI values
    are shell-quoted; Bicep/Terraform placeholders sit inside string literals and are escaped
    for them; names are attacker-controlled text."""
    return (
        _fill(rem.summary, values, _plain),
        _fill(rem.az_cli, values, _az_str),
        _fill(rem.bicep, values, _bicep_str),
        _fill(rem.terraform, values, _tf_str),
        _fill(rem.portal, values, _plain),
    )


def render_remediation(rem: Remediation, values: dict[str, str]) -> RenderedRemediation:
    """Fill the placeholders (see fill_remediation)."""
    return RenderedRemediation(*fill_remediation(rem, values), policy=rem.policy)
