"""Settings from aiposture.toml (+ flags), validated in one place.

scope = "ai"                       # or "all": storage / key vault / ACR rules on every resource
[rules]
disable = ["AIP-NET-002"]
severity = { "AIP-IDN-004" = "medium" }
[tags]
required = ["owner", "environment", "data-classification"]
[models]
approved = [{ publisher = "OpenAI", name = "gpt-4o", version = "2024-08-06" }]
admins = ["<object id>"]
max_admins = 5
retirements = [{ name = "gpt-35-turbo", version = "0613", retires = "2025-02-13" }]
allowed_registries = ["azureml", "azure-openai"]
registries_only = false
[regions]
allowed = ["westeurope", "swedencentral"]
[[suppress]]
rule = "AIP-NET-002"
resource = "/subscriptions/*/resourceGroups/rg-sandbox/*"
reason = "sandbox, no data"
expires = "2027-01-31"
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from aiposture.errors import ConfigError, describe_os_error, short_path
from aiposture.model.types import Severity

DEFAULT_REQUIRED_TAGS = ("owner", "environment", "data-classification")
# AIP-MDL-011: Azure ML registries whose models endpoints may serve. Microsoft's curated
# catalog registries (the model catalog's azureml / azure-openai, and the partner collections
# Microsoft publishes for Meta, Mistral and Cohere).
DEFAULT_ALLOWED_REGISTRIES = (
    "azureml",
    "azure-openai",
    "azureml-meta",
    "azureml-mistral",
    "azureml-cohere",
)
MAX_CONFIG_BYTES = 1 << 20  # a real aiposture.toml is a few KiB


@dataclass(frozen=True)
class ApprovedModel:
    name: str
    publisher: str | None = None
    version: str | None = None  # None = any version

    def matches(self, publisher: str | None, name: str | None, version: str | None) -> bool:
        if (name or "").lower() != self.name.lower():
            return False
        if self.publisher and (publisher or "").lower() != self.publisher.lower():
            return False
        return not self.version or (version or "").lower() == self.version.lower()


@dataclass(frozen=True)
class ModelRetirement:
    name: str
    version: str
    retires: dt.date


@dataclass(frozen=True)
class Suppression:
    rule: str  # rule id or glob ("AIP-NET-*")
    resource: str  # resource id or glob, compared case-insensitively
    reason: str
    expires: dt.date | None = None

    def matches(self, rule_id: str, resource_id: str) -> bool:
        return fnmatch.fnmatchcase(rule_id.upper(), self.rule.upper()) and fnmatch.fnmatchcase(
            resource_id.lower(), self.resource.lower()
        )

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(frozen=True)
class Settings:
    scope: str = "ai"
    disabled_rules: frozenset[str] = frozenset()
    severity_overrides: Mapping[str, Severity] = field(default_factory=dict)
    required_tags: tuple[str, ...] = DEFAULT_REQUIRED_TAGS
    approved_models: tuple[ApprovedModel, ...] = ()
    model_admins: frozenset[str] = frozenset()
    max_model_admins: int = 5
    model_retirements: tuple[ModelRetirement, ...] = ()
    allowed_registries: tuple[str, ...] = DEFAULT_ALLOWED_REGISTRIES  # lower-case
    # True when the config names allowed_registries; otherwise AIP-MDL-011 takes the allow-list
    # from the tenant's registry-model policy assignments (19539b54 / 12e5dd16) when it has any.
    allowed_registries_configured: bool = False
    registries_only: bool = False  # AIP-MDL-011: workspace (non-registry) models fail too
    allowed_regions: tuple[str, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    source: str = ""  # the config file, for messages

    def check_rule_ids(self, known: Iterable[str]) -> None:
        """Fail on rule ids that match no rule (a typo would silently disable nothing)."""
        ids = {k.upper() for k in known}
        where = self.source or "config"
        for section, rule_ids in (
            ("rules.disable", sorted(self.disabled_rules)),
            ("rules.severity", sorted(self.severity_overrides)),
        ):
            for rid in rule_ids:
                if rid not in ids:
                    raise ConfigError(
                        f"{where}: {section}: unknown rule id {rid!r}; "
                        "`aiposture rules` lists the ids"
                    )
        for sup in self.suppressions:
            if not any(fnmatch.fnmatchcase(i, sup.rule.upper()) for i in ids):
                raise ConfigError(
                    f"{where}: [[suppress]] rule {sup.rule!r} matches no rule; "
                    "`aiposture rules` lists the ids"
                )


# ---- file schema (msgspec validates types and unknown keys) ---------------------------------


class _Rules(msgspec.Struct, forbid_unknown_fields=True):
    disable: list[str] = []
    severity: dict[str, str] = {}


class _Tags(msgspec.Struct, forbid_unknown_fields=True):
    required: list[str] = msgspec.field(default_factory=lambda: list(DEFAULT_REQUIRED_TAGS))


class _Approved(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    publisher: str | None = None
    version: str | None = None


class _Retirement(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    version: str
    retires: dt.date


class _Models(msgspec.Struct, forbid_unknown_fields=True):
    approved: list[_Approved] = []
    admins: list[str] = []
    max_admins: int = 5
    retirements: list[_Retirement] = []
    allowed_registries: list[str] | None = None  # None: not named (defaults apply)
    registries_only: bool = False


class _Regions(msgspec.Struct, forbid_unknown_fields=True):
    allowed: list[str] = []


class _Suppress(msgspec.Struct, forbid_unknown_fields=True):
    rule: str
    resource: str
    reason: str
    expires: dt.date | None = None


class _File(msgspec.Struct, forbid_unknown_fields=True):
    scope: str = "ai"
    rules: _Rules = msgspec.field(default_factory=_Rules)
    tags: _Tags = msgspec.field(default_factory=_Tags)
    models: _Models = msgspec.field(default_factory=_Models)
    regions: _Regions = msgspec.field(default_factory=_Regions)
    suppress: list[_Suppress] = []


def settings_from_mapping(data: Mapping[str, Any], source: str = "<config>") -> Settings:
    try:
        f = msgspec.convert(dict(data), _File)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{source}: {exc}; see aiposture.example.toml") from None
    if f.scope not in ("ai", "all"):
        raise ConfigError(f'{source}: scope must be "ai" or "all", not {f.scope!r}')
    overrides: dict[str, Severity] = {}
    for rule_id, sev in f.rules.severity.items():
        try:
            overrides[rule_id.upper()] = Severity.parse(sev)
        except ValueError as exc:
            raise ConfigError(f"{source}: rules.severity.{rule_id}: {exc}") from None
    if f.models.max_admins < 0:
        raise ConfigError(f"{source}: models.max_admins must be >= 0")
    for s in f.suppress:
        if not s.reason.strip():
            raise ConfigError(f"{source}: suppression for {s.rule} needs a reason")
    return Settings(
        scope=f.scope,
        disabled_rules=frozenset(r.upper() for r in f.rules.disable),
        severity_overrides=overrides,
        required_tags=tuple(f.tags.required),
        approved_models=tuple(
            ApprovedModel(name=a.name, publisher=a.publisher, version=a.version)
            for a in f.models.approved
        ),
        model_admins=frozenset(a.lower() for a in f.models.admins),
        max_model_admins=f.models.max_admins,
        model_retirements=tuple(
            ModelRetirement(r.name, r.version, r.retires) for r in f.models.retirements
        ),
        allowed_registries=DEFAULT_ALLOWED_REGISTRIES
        if f.models.allowed_registries is None
        else tuple(r.strip().lower() for r in f.models.allowed_registries),
        allowed_registries_configured=f.models.allowed_registries is not None,
        registries_only=f.models.registries_only,
        allowed_regions=tuple(r.lower().replace(" ", "") for r in f.regions.allowed),
        suppressions=tuple(
            Suppression(rule=s.rule, resource=s.resource, reason=s.reason, expires=s.expires)
            for s in f.suppress
        ),
        source=source,
    )


def load_settings(path: Path | None) -> Settings:
    """Settings from `path`, or from ./aiposture.toml when present, else defaults."""
    if path is None:
        default = Path("aiposture.toml")
        if not default.is_file():
            return Settings()
        path = default
    where = short_path(path)
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)  # bounded: `--config /dev/zero` must not eat RAM
    except FileNotFoundError:
        raise ConfigError(f"{where}: config file not found; check --config") from None
    except OSError as exc:
        raise ConfigError(describe_os_error(exc, where, "cannot read config")) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{where}: config file is larger than {MAX_CONFIG_BYTES // 1024} KiB; "
            "is --config the right file?"
        )
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: config file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(
            f"{where}: TOML nested too deeply to read; aiposture.toml needs two levels "
            "(see aiposture.example.toml)"
        ) from None
    try:
        return settings_from_mapping(data, str(path))
    except RecursionError:
        raise ConfigError(f"{where}: TOML nested too deeply to check") from None
