"""`aiposture logs synth`: deterministic synthetic AI logs with labelled anomalies.

Six weeks (by default) of Azure OpenAI RequestResponse and Key Vault AuditEvent logs
(AzureDiagnostics), API
Management LLM gateway logs and AzureActivity, from callers with weekly seasonality
(business hours, nightly batch, flat) and Poisson noise, plus injected anomalies of every
kind the AIP-DET detections look for. ground_truth.json lists each injected anomaly with the
detection that must find it ("expected") and the ones that may also fire ("acceptable",
e.g. a caller burst also raises its deployment's rate); change_admins.txt is the
synthetic tenant's change-admin list. Same seed, same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aiposture.detect.schemas import SCHEMAS

START = dt.datetime(2026, 10, 5, tzinfo=dt.UTC)  # a Monday
SUB = "00000000-0000-0000-0000-00000000a1a1"
ACCOUNT = (
    f"/SUBSCRIPTIONS/{SUB.upper()}/RESOURCEGROUPS/RG-AI/PROVIDERS/"
    "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/OAI-SYNTH"
)
APIM = (
    f"/subscriptions/{SUB}/resourceGroups/rg-ai/providers/Microsoft.ApiManagement/"
    "service/apim-synth"
)
KV_AI = (
    f"/SUBSCRIPTIONS/{SUB.upper()}/RESOURCEGROUPS/RG-AI/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-AI"
)
KV_FIN = (
    f"/SUBSCRIPTIONS/{SUB.upper()}/RESOURCEGROUPS/RG-FIN/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-FIN"
)
STG_GROUNDING = (
    f"/subscriptions/{SUB}/resourceGroups/rg-ai/providers/Microsoft.Storage/"
    "storageAccounts/stgrounding"
)
STG_TRAINING = (
    f"/subscriptions/{SUB}/resourceGroups/rg-ml/providers/Microsoft.Storage/"
    "storageAccounts/sttraining"
)
STG_HR = (
    f"/subscriptions/{SUB}/resourceGroups/rg-hr/providers/Microsoft.Storage/"
    "storageAccounts/sthrrecords"
)
DEPLOYMENTS = ("gpt-4o", "gpt-4o-mini", "text-embedding-3-large")
CHANGE_ADMINS = ("platform-admin@contoso.example", "11111111-2222-3333-4444-555555555555")
FORMATS = ("csv", "jsonl")


@dataclass(frozen=True, slots=True)
class Caller:
    id: str  # object id, or "" for key-authenticated callers
    ip: str
    deployment: str
    rate: float  # requests per hour at the profile's peak
    profile: str  # business | batch | flat

    @property
    def entity(self) -> str:
        return self.id or self.ip


@dataclass(frozen=True, slots=True)
class Label:
    kind: str
    detection: str
    entity: str
    start: str
    end: str
    acceptable: tuple[tuple[str, str], ...] = ()  # (detection, entity) that may also fire


@dataclass
class SynthStats:
    rows: dict[str, int] = field(default_factory=dict)
    labels: int = 0


def _profile(name: str, when: dt.datetime) -> float:
    h, weekday = when.hour, when.weekday() < 5
    if name == "business":
        if weekday and 8 <= h < 18:
            return 1.0
        return 0.25 if weekday and 6 <= h < 21 else 0.06
    if name == "batch":
        return 1.0 if h in (1, 2) else 0.05
    return 0.5


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def _guid(rng: random.Random) -> str:
    return "%08x-%04x-%04x-%04x-%012x" % (  # noqa: UP031
        rng.getrandbits(32),
        rng.getrandbits(16),
        rng.getrandbits(16),
        rng.getrandbits(16),
        rng.getrandbits(48),
    )


def _ip(rng: random.Random) -> str:
    return (
        f"{rng.randint(11, 200)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    )


class _Writer:
    """One file per table, CSV (with a header) or JSON lines, columns in schema order."""

    def __init__(self, out_dir: Path, table: str, fmt: str) -> None:
        self.columns = [c for c, _ in SCHEMAS[table]]
        self.path = out_dir / f"{table}.{fmt}"
        self._fh = self.path.open("w", encoding="utf-8", newline="")
        self._fmt = fmt
        self.rows = 0
        self._csv = csv.writer(self._fh) if fmt == "csv" else None
        if self._csv is not None:
            self._csv.writerow(self.columns)

    def write(self, row: dict[str, Any]) -> None:
        self.rows += 1
        if self._csv is not None:
            self._csv.writerow(["" if row.get(c) is None else row.get(c) for c in self.columns])
        else:
            self._fh.write(json.dumps({c: row.get(c) for c in self.columns if c in row}) + "\n")

    def close(self) -> None:
        self._fh.close()


def _hours(weeks: int) -> Iterator[dt.datetime]:
    for n in range(weeks * 168):
        yield START + dt.timedelta(hours=n)


def synth_logs(
    out_dir: Path, *, seed: int = 1, weeks: int = 6, scale: float = 1.0, fmt: str = "csv"
) -> SynthStats:
    """Write the tables and ground_truth.json into out_dir (created if missing)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    if weeks < 3:
        raise ValueError("at least 3 weeks are needed for an hour-of-week baseline")
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    callers = [
        Caller(_guid(rng), _ip(rng), DEPLOYMENTS[0], 60 * scale, "business"),
        Caller(_guid(rng), _ip(rng), DEPLOYMENTS[0], 30 * scale, "flat"),
        Caller(_guid(rng), _ip(rng), DEPLOYMENTS[1], 50 * scale, "business"),
        Caller(_guid(rng), _ip(rng), DEPLOYMENTS[2], 300 * scale, "batch"),
        Caller("", _ip(rng), DEPLOYMENTS[1], 20 * scale, "business"),
        Caller(_guid(rng), _ip(rng), DEPLOYMENTS[1], 10 * scale, "flat"),
    ]
    apim_keys = [(f"{rng.getrandbits(64):016x}", _ip(rng), r * scale) for r in (40, 25, 15, 60)]
    hours = list(_hours(weeks))
    # Anomalies start after the first two weeks, at most one of each kind per day.
    candidates = hours[2 * 168 : -4]
    picks = rng.sample(range(len(candidates) // 24), 6)
    starts = [candidates[p * 24 + rng.randrange(24)] for p in picks]
    labels: list[Label] = []
    extra: dict[dt.datetime, list[tuple[Caller, float, float]]] = {}  # hour -> (caller, λ, p400)
    token_boost: dict[tuple[dt.datetime, str], float] = {}

    def inject(start: dt.datetime, n_hours: int, rows: list[tuple[Caller, float, float]]) -> str:
        for k in range(n_hours):
            extra.setdefault(start + dt.timedelta(hours=k), []).extend(rows)
        return _iso(start + dt.timedelta(hours=n_hours))

    def dep_id(name: str) -> str:
        return f"{ACCOUNT}/DEPLOYMENTS/{name}"

    # 1. an existing caller bursts
    c = callers[rng.choice((0, 1, 2, 5))]
    n = rng.randint(1, 3)
    lam = max(12 * c.rate, 150.0)
    end = inject(starts[0], n, [(c, lam, 0.0)])
    labels.append(
        Label(
            "caller_burst",
            "AIP-DET-001",
            c.entity,
            _iso(starts[0]),
            end,
            (("AIP-DET-002", dep_id(c.deployment)),),
        )
    )
    # 2. a new key-authenticated caller at volume
    new = Caller("", _ip(rng), rng.choice(DEPLOYMENTS[:2]), 0, "flat")
    lam = rng.uniform(200, 400)
    end = inject(starts[1], 2, [(new, lam, 0.0)])
    labels.append(
        Label(
            "new_caller",
            "AIP-DET-001",
            new.entity,
            _iso(starts[1]),
            end,
            (("AIP-DET-002", dep_id(new.deployment)),),
        )
    )
    # 3. many new callers, each quiet, on one deployment
    dep = rng.choice(DEPLOYMENTS[:2])
    swarm = [Caller("", _ip(rng), dep, 0, "flat") for _ in range(40)]
    end = inject(starts[2], 3, [(s, 8.0, 0.0) for s in swarm])
    labels.append(Label("distributed", "AIP-DET-002", dep_id(dep), _iso(starts[2]), end))
    # 4. a jailbreak campaign: many filtered prompts from one caller
    jb = Caller(_guid(rng), _ip(rng), DEPLOYMENTS[0], 0, "flat")
    lam = rng.uniform(30, 50)
    end = inject(starts[3], rng.randint(2, 3), [(jb, lam, 0.55)])
    labels.append(Label("jailbreak", "AIP-DET-004", jb.entity, _iso(starts[3]), end))
    # 5. token spike on an APIM key (long outputs, slightly more requests)
    key = apim_keys[rng.randrange(len(apim_keys))]
    n = rng.randint(2, 4)
    for k in range(n):
        token_boost[(starts[4] + dt.timedelta(hours=k), key[0])] = 15.0
    end = _iso(starts[4] + dt.timedelta(hours=n))
    labels.append(Label("token_spike", "AIP-DET-003", key[0], _iso(starts[4]), end))

    # 6. an AI workload identity harvests secrets from a vault it never read. Key Vault rows
    # have their own random stream so that adding them left the other tables unchanged.
    kv_rng = random.Random(seed * 7919 + 6)
    ml_mi, search_mi, human = _guid(kv_rng), _guid(kv_rng), _guid(kv_rng)
    readers = ((ml_mi, KV_AI, 4.0, "flat"), (search_mi, KV_AI, 8.0, "business"),
               (human, KV_FIN, 3.0, "business"))  # fmt: skip
    kv_start = kv_rng.choice(hours[2 * 168 : -4])
    kv_hours = kv_rng.randint(1, 2)
    kv_lam = kv_rng.uniform(60, 120)
    harvest = {kv_start + dt.timedelta(hours=k) for k in range(kv_hours)}
    labels.append(
        Label(
            "secret_harvest",
            "AIP-DET-006",
            f"{ml_mi}|{KV_FIN}",
            _iso(kv_start),
            _iso(kv_start + dt.timedelta(hours=kv_hours)),
        )
    )

    def secret_get(t: dt.datetime, oid: str, vault: str) -> dict[str, Any]:
        return {
            "TimeGenerated": _iso(t),
            "ResourceId": vault,
            "ResourceProvider": "MICROSOFT.KEYVAULT",
            "ResourceType": "VAULTS",
            "Resource": vault.rsplit("/", 1)[-1],
            "ResourceGroup": "RG-AI",
            "SubscriptionId": SUB,
            "Category": "AuditEvent",
            "OperationName": "SecretGet",
            "CallerIPAddress": "10.20.0.4",
            "ResultSignature": "OK",
            "ResultType": "Success",
            "DurationMs": kv_rng.randint(2, 40),
            "identity_claim_oid_g": oid,
            "id_s": f"https://{vault.rsplit('/', 1)[-1].lower()}.vault.azure.net/secrets/"
            f"s{kv_rng.randint(1, 40)}",
        }

    stats = SynthStats()
    diag = _Writer(out_dir, "AzureDiagnostics", fmt)
    try:
        for hour in hours:
            batch = [(c, _poisson(rng, c.rate * _profile(c.profile, hour)), 0.004) for c in callers]
            batch += [(c, _poisson(rng, lam), p) for c, lam, p in extra.get(hour, [])]
            for c, count, p400 in batch:
                for _ in range(count):
                    t = hour + dt.timedelta(seconds=rng.random() * 3600)
                    status = "400" if rng.random() < p400 else "200"
                    diag.write(
                        {
                            "TimeGenerated": _iso(t),
                            "ResourceId": ACCOUNT,
                            "ResourceProvider": "MICROSOFT.COGNITIVESERVICES",
                            "ResourceType": "ACCOUNTS",
                            "Resource": "OAI-SYNTH",
                            "ResourceGroup": "RG-AI",
                            "SubscriptionId": SUB,
                            "Category": "RequestResponse",
                            "OperationName": "ChatCompletions_Create",
                            "CallerIPAddress": c.ip,
                            "ResultSignature": status,
                            "ResultType": "Succeeded" if status == "200" else "Failed",
                            "DurationMs": round(rng.uniform(200, 4000), 1),
                            "properties_s": json.dumps(
                                {
                                    "apiName": "Azure OpenAI API version 2024-10-21",
                                    "objectId": c.id,
                                    "streamType": "Non-Streaming",
                                    "modelDeploymentName": c.deployment,
                                    "modelName": c.deployment,
                                }
                            ),
                        }
                    )
            for oid, vault, rate, profile in readers:
                for _ in range(_poisson(kv_rng, rate * _profile(profile, hour))):
                    t = hour + dt.timedelta(seconds=kv_rng.random() * 3600)
                    diag.write(secret_get(t, oid, vault))
            if hour in harvest:
                for _ in range(_poisson(kv_rng, kv_lam)):
                    t = hour + dt.timedelta(seconds=kv_rng.random() * 3600)
                    diag.write(secret_get(t, ml_mi, KV_FIN))
    finally:
        diag.close()
    stats.rows["AzureDiagnostics"] = diag.rows

    llm = _Writer(out_dir, "ApiManagementGatewayLlmLog", fmt)
    gw = _Writer(out_dir, "ApiManagementGatewayLogs", fmt)
    try:
        for hour in hours:
            for sub_key, ip, rate in apim_keys:
                boost = token_boost.get((hour, sub_key), 1.0)
                lam = rate * _profile("business", hour)
                if boost > 1:  # the stolen key is used at volume, day or night
                    lam = max(1.5 * lam, 12.0)
                count = _poisson(rng, lam)
                for _ in range(count):
                    t = hour + dt.timedelta(seconds=rng.random() * 3600)
                    corr = _guid(rng)
                    prompt = int(rng.lognormvariate(6.0, 0.5))
                    completion = int(rng.lognormvariate(5.5, 0.6) * boost)
                    parts = 2 if completion > 3000 else 1
                    for seq in range(parts):
                        llm.write(
                            {
                                "TimeGenerated": _iso(t),
                                "CorrelationId": corr,
                                "RequestId": corr,
                                "DeploymentName": DEPLOYMENTS[0],
                                "ModelName": "gpt-4o",
                                "OperationName": "ChatCompletions_Create",
                                "ApiVersion": "2024-10-21",
                                "PromptTokens": prompt,
                                "CompletionTokens": completion,
                                "TotalTokens": prompt + completion,
                                "SequenceNumber": seq,
                                "IsStreamCompletion": False,
                                "Region": "swedencentral",
                                "_ResourceId": APIM,
                            }
                        )
                    gw.write(
                        {
                            "TimeGenerated": _iso(t),
                            "CorrelationId": corr,
                            "ApimSubscriptionId": sub_key,
                            "CallerIpAddress": ip,
                            "ApiId": "azure-openai",
                            "OperationId": "chat-completions",
                            "Method": "POST",
                            "Url": "https://apim-synth.azure-api.net/openai/deployments/gpt-4o/chat/completions",
                            "ResponseCode": 200,
                            "BackendResponseCode": 200,
                            "IsRequestSuccess": True,
                            "_ResourceId": APIM,
                        }
                    )
    finally:
        llm.close()
        gw.close()
    stats.rows["ApiManagementGatewayLlmLog"] = llm.rows
    stats.rows["ApiManagementGatewayLogs"] = gw.rows

    act = _Writer(out_dir, "AzureActivity", fmt)
    account_id = ACCOUNT.lower()
    intruder = f"contractor{rng.randint(1, 99)}@contoso.example"
    bad_ops = (
        (
            "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/RAIPOLICIES/DELETE",
            f"{account_id}/raipolicies/strict",
        ),
        ("MICROSOFT.COGNITIVESERVICES/ACCOUNTS/LISTKEYS/ACTION", account_id),
        (
            "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE",
            f"{account_id}/providers/microsoft.insights/diagnosticsettings/to-law",
        ),
        (
            "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE",
            f"{account_id}/providers/microsoft.authorization/roleassignments/{_guid(rng)}",
        ),
    )
    bad_at = {starts[5] + dt.timedelta(minutes=7 * k): op for k, op in enumerate(bad_ops)}
    vm = (
        f"/subscriptions/{SUB}/resourcegroups/rg-app/providers/microsoft.compute/virtualmachines/v1"
    )

    def activity(t: dt.datetime, caller: str, op: str, res: str, status: str = "Success") -> None:
        act.write(
            {
                "TimeGenerated": _iso(t),
                "OperationNameValue": op,
                "Caller": caller,
                "CallerIpAddress": "203.0.113.10" if caller == intruder else "198.51.100.7",
                "ActivityStatusValue": status,
                "CategoryValue": "Administrative",
                "ResourceProviderValue": op.split("/")[0],
                "_ResourceId": res,
                "ResourceGroup": "rg-ai",
                "SubscriptionId": SUB,
                "CorrelationId": _guid(rng),
            }
        )

    try:
        for hour in hours:
            t = hour + dt.timedelta(minutes=rng.randint(0, 59))
            if hour.hour == 3:  # the CI pipeline (a change admin) reads keys nightly
                activity(
                    t,
                    CHANGE_ADMINS[1],
                    "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/LISTKEYS/ACTION",
                    account_id,
                )
            if hour.weekday() == 2 and hour.hour == 10:  # weekly change window
                for op, res in (
                    (
                        "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/DEPLOYMENTS/WRITE",
                        f"{account_id}/deployments/gpt-4o",
                    ),
                    (
                        "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/RAIPOLICIES/WRITE",
                        f"{account_id}/raipolicies/strict",
                    ),
                ):
                    activity(t, CHANGE_ADMINS[0], op, res, "Start")
                    activity(t, CHANGE_ADMINS[0], op, res)
            if rng.random() < 0.2:  # reads and non-AI changes by anyone: not alerts
                activity(t, intruder, "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/READ", account_id)
                activity(t, intruder, "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", vm)
            if rng.random() < 0.01:  # a denied attempt is not a change
                activity(
                    t,
                    intruder,
                    "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/LISTKEYS/ACTION",
                    account_id,
                    "Failure",
                )
            for when, (op, res) in bad_at.items():
                if hour <= when < hour + dt.timedelta(hours=1):
                    activity(when, intruder, op, res)
    finally:
        act.close()
    stats.rows["AzureActivity"] = act.rows
    last = max(bad_at)
    labels.append(
        Label(
            "config_change",
            "AIP-DET-005",
            intruder,
            _iso(starts[5]),
            _iso(last + dt.timedelta(minutes=1)),
        )
    )

    stats.rows["StorageBlobLogs"] = _blob_logs(out_dir, fmt, seed, hours, labels)
    stats.rows["SecurityAlert"] = _security_alerts(out_dir, fmt, seed, hours, labels)
    stats.rows["AzureMetrics"] = _token_metrics(out_dir, fmt, seed, hours, labels)

    truth = {
        "seed": seed,
        "weeks": weeks,
        "scale": scale,
        "start": _iso(START),
        "change_admins": list(CHANGE_ADMINS),
        "anomalies": [asdict(label) for label in labels],
    }
    (out_dir / "ground_truth.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    # The synthetic tenant's configured change-admin list (what --change-admins-file takes).
    (out_dir / "change_admins.txt").write_text("\n".join(CHANGE_ADMINS) + "\n", encoding="utf-8")
    stats.labels = len(labels)
    return stats


def _blob_logs(
    out_dir: Path, fmt: str, seed: int, hours: list[dt.datetime], labels: list[Label]
) -> int:
    """StorageBlobLogs: a search indexer and an ML training job read their own stores on a
    schedule, a person reads HR records by day, a key-authenticated batch copies nightly (no
    identity: not attributable); the injected anomaly is the indexer's identity bulk-reading a
    store it never read. Own random stream, so the other tables are unchanged by it."""
    rng = random.Random(seed * 7919 + 7)
    indexer, trainer, person = _guid(rng), _guid(rng), _guid(rng)
    readers = (
        (indexer, STG_GROUNDING, 60.0, "business", "OAuth"),
        (trainer, STG_TRAINING, 120.0, "batch", "OAuth"),
        (person, STG_HR, 8.0, "business", "OAuth"),
        ("", STG_TRAINING, 150.0, "batch", "AccountKey"),
    )
    start = rng.choice(hours[2 * 168 : -4])
    n_hours = rng.randint(1, 3)
    lam = rng.uniform(400, 900)
    harvest = {start + dt.timedelta(hours=k) for k in range(n_hours)}
    labels.append(
        Label(
            "blob_harvest",
            "AIP-DET-007",
            f"{indexer}|{STG_HR.upper()}",
            _iso(start),
            _iso(start + dt.timedelta(hours=n_hours)),
        )
    )

    def get_blob(t: dt.datetime, oid: str, account: str, auth: str) -> dict[str, Any]:
        name = account.rsplit("/", 1)[-1]
        key = f"data/part-{rng.randint(1, 5000):05d}.json"
        return {
            "TimeGenerated": _iso(t),
            "AccountName": name,
            "Category": "StorageRead",
            "OperationName": "GetBlob",
            "StatusCode": "200",
            "StatusText": "Success",
            "AuthenticationType": auth,
            "RequesterObjectId": oid or None,
            "RequesterAppId": None,
            "RequesterUpn": None,
            "CallerIpAddress": f"10.30.0.{rng.randint(4, 60)}:{rng.randint(1024, 65000)}",
            "Uri": f"https://{name}.blob.core.windows.net:443/{key}",
            "ObjectKey": f"/{name}/{key}",
            "ResponseBodySize": int(rng.lognormvariate(10.0, 1.0)),
            "_ResourceId": account,
        }

    out = _Writer(out_dir, "StorageBlobLogs", fmt)
    try:
        for hour in hours:
            for oid, account, rate, profile, auth in readers:
                for _ in range(_poisson(rng, rate * _profile(profile, hour))):
                    t = hour + dt.timedelta(seconds=rng.random() * 3600)
                    out.write(get_blob(t, oid, account, auth))
            if hour in harvest:
                for _ in range(_poisson(rng, lam)):
                    t = hour + dt.timedelta(seconds=rng.random() * 3600)
                    out.write(get_blob(t, indexer, STG_HR, "OAuth"))
            if rng.random() < 0.05:  # failed and non-read requests are not reads
                t = hour + dt.timedelta(seconds=rng.random() * 3600)
                row = get_blob(t, indexer, STG_HR, "OAuth")
                row.update(StatusCode="403", StatusText="AuthorizationPermissionMismatch")
                out.write(row)
    finally:
        out.close()
    return out.rows


AI_ALERT_TYPES = (
    ("AI.Azure_Jailbreak.ContentFiltering.BlockedAttempt", "Medium"),
    ("AI.Azure_Jailbreak.ContentFiltering.DetectedAttempt", "Medium"),
    ("AI.Azure_CredentialTheftAttempt", "Medium"),
)


def _security_alerts(
    out_dir: Path, fmt: str, seed: int, hours: list[dt.datetime], labels: list[Label]
) -> int:
    """SecurityAlert: Defender for Cloud alerts on other resources now and then (not AI: not
    findings), and one campaign of Defender for AI alerts on the AI account, each alert
    written twice (raised, then its status update) as Defender exports them."""
    rng = random.Random(seed * 7919 + 8)
    vm = (
        f"/SUBSCRIPTIONS/{SUB.upper()}/RESOURCEGROUPS/RG-APP/PROVIDERS/"
        "MICROSOFT.COMPUTE/VIRTUALMACHINES/VM-WEB"
    )
    start = rng.choice(hours[2 * 168 : -6])
    n_hours = rng.randint(1, 4)
    labels.append(
        Label(
            "defender_ai_alerts",
            "AIP-DET-008",
            ACCOUNT,
            _iso(start),
            _iso(start + dt.timedelta(hours=n_hours)),
        )
    )

    def alert(
        t: dt.datetime, kind: str, severity: str, resource: str, status: str, aid: str
    ) -> dict[str, Any]:
        return {
            "TimeGenerated": _iso(t),
            "SystemAlertId": aid,
            "AlertName": kind.rsplit(".", 1)[-1],
            "AlertType": kind,
            "AlertSeverity": severity,
            "ProductName": "Azure Security Center",
            "ProviderName": "Azure Security Center",
            "VendorName": "Microsoft",
            "ResourceId": resource,
            "CompromisedEntity": resource.rsplit("/", 1)[-1],
            "Status": status,
            "StartTime": _iso(t),
            "EndTime": _iso(t),
        }

    out = _Writer(out_dir, "SecurityAlert", fmt)
    try:
        for hour in hours:
            if rng.random() < 0.01:
                t = hour + dt.timedelta(seconds=rng.random() * 3600)
                out.write(alert(t, "VM_SuspiciousCommandLine", "Medium", vm, "New", _guid(rng)))
            if start <= hour < start + dt.timedelta(hours=n_hours):
                for _ in range(rng.randint(2, 6)):
                    t = hour + dt.timedelta(seconds=rng.random() * 3000)
                    kind, severity = AI_ALERT_TYPES[rng.randrange(len(AI_ALERT_TYPES))]
                    aid = _guid(rng)
                    out.write(alert(t, kind, severity, ACCOUNT, "New", aid))
                    later = t + dt.timedelta(minutes=rng.randint(1, 9))
                    out.write(alert(later, kind, severity, ACCOUNT, "InProgress", aid))
    finally:
        out.close()
    return out.rows


ACCOUNT_2 = (
    f"/SUBSCRIPTIONS/{SUB.upper()}/RESOURCEGROUPS/RG-AI/PROVIDERS/"
    "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/OAI-SYNTH-EU"
)


def _token_metrics(
    out_dir: Path, fmt: str, seed: int, hours: list[dt.datetime], labels: list[Label]
) -> int:
    """AzureMetrics TokenTransaction per minute for two accounts (a business-hours chat
    account, a nightly-batch embedding account), plus ProcessedPromptTokens rows that the
    detection must not add up twice; the anomaly is hours of extraction-sized volume on the
    chat account (LLM-jacking with a stolen key leaves no request log behind)."""
    rng = random.Random(seed * 7919 + 9)
    accounts = ((ACCOUNT_2, 60000.0, "business"), (ACCOUNT, 90000.0, "batch"))
    start = rng.choice(hours[2 * 168 : -5])
    n_hours = rng.randint(2, 4)
    boost = rng.uniform(400000, 800000)  # extra tokens per hour
    labels.append(
        Label(
            "token_metrics_spike",
            "AIP-DET-009",
            ACCOUNT_2,
            _iso(start),
            _iso(start + dt.timedelta(hours=n_hours)),
        )
    )
    out = _Writer(out_dir, "AzureMetrics", fmt)
    try:
        for hour in hours:
            for account, rate, profile in accounts:
                per_hour = rate * _profile(profile, hour)
                if account == ACCOUNT_2 and start <= hour < start + dt.timedelta(hours=n_hours):
                    per_hour += boost
                for minute in range(0, 60, 5):  # PT1M rows, every fifth minute kept
                    t = hour + dt.timedelta(minutes=minute)
                    total = max(0.0, rng.gauss(per_hour / 12, per_hour / 60 + 50))
                    for metric, share in (
                        ("TokenTransaction", 1.0),
                        ("ProcessedPromptTokens", 0.7),
                    ):
                        out.write(
                            {
                                "TimeGenerated": _iso(t),
                                "ResourceId": account,
                                "ResourceProvider": "MICROSOFT.COGNITIVESERVICES",
                                "Resource": account.rsplit("/", 1)[-1],
                                "MetricName": metric,
                                "Total": round(total * share),
                                "Count": 1,
                                "Maximum": round(total * share),
                                "Minimum": round(total * share),
                                "Average": round(total * share),
                                "TimeGrain": "PT1M",
                                "UnitName": "Count",
                            }
                        )
    finally:
        out.close()
    return out.rows
