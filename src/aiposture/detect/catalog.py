"""The AIP-DET detections, defined once. KQL and SQL are rendered from these definitions."""

from __future__ import annotations

import datetime as dt

from aiposture.detect.model import (
    AlertGroup,
    Detection,
    EntityMapping,
    EventMatch,
    Field,
    LogSource,
    RatioBurst,
    SeriesAnomaly,
)
from aiposture.model.types import Severity

_OBJECT_ID_KQL = "tostring(parse_json(properties_s).objectId)"
_OBJECT_ID_SQL = "json_extract_string(properties_s, '$.objectId')"
_DEPLOYMENT_KQL = "tostring(parse_json(properties_s).modelDeploymentName)"
_DEPLOYMENT_SQL = "json_extract_string(properties_s, '$.modelDeploymentName')"

# Azure OpenAI / AI Foundry inference requests: AzureDiagnostics, category RequestResponse.
# The caller is the Entra object id when the request used a token, else the caller IP
# (key-authenticated requests carry no identity).
AOAI_REQUESTS = LogSource(
    name="aoai_requests",
    kql_base=(
        "AzureDiagnostics\n"
        '| where ResourceProvider == "MICROSOFT.COGNITIVESERVICES" '
        'and Category == "RequestResponse"'
    ),
    sql_base=(
        "SELECT * FROM AzureDiagnostics WHERE upper(ResourceProvider) = "
        "'MICROSOFT.COGNITIVESERVICES' AND Category = 'RequestResponse'"
    ),
    fields=(
        ("time", Field("TimeGenerated", "TimeGenerated")),
        (
            "caller",
            Field(
                f"iff(isnotempty({_OBJECT_ID_KQL}), {_OBJECT_ID_KQL}, CallerIPAddress)",
                f"coalesce(nullif({_OBJECT_ID_SQL}, ''), CallerIPAddress)",
            ),
        ),
        (
            "deployment",
            Field(
                f'strcat(toupper(ResourceId), "/DEPLOYMENTS/", {_DEPLOYMENT_KQL})',
                f"upper(ResourceId) || '/DEPLOYMENTS/' || {_DEPLOYMENT_SQL}",
            ),
        ),
        ("resource", Field("ResourceId", "ResourceId")),
        # A filtered prompt or completion (content filter, Prompt Shields) answers HTTP 400.
        ("hit", Field('ResultSignature == "400"', "CAST(ResultSignature AS VARCHAR) = '400'")),
    ),
    required_columns=(
        (
            "AzureDiagnostics",
            (
                "TimeGenerated",
                "ResourceId",
                "ResourceProvider",
                "Category",
                "CallerIPAddress",
                "ResultSignature",
                "properties_s",
            ),
        ),
    ),
    connectors=(("AzureOpenAI", ("AzureDiagnostics",)),),
)

# API Management's LLM gateway log: one request may span several rows (SequenceNumber), so
# tokens are taken once per CorrelationId; the caller (APIM subscription key, else the client
# IP) comes from the gateway log of the same request.
APIM_LLM = LogSource(
    name="apim_llm",
    kql_base=(
        "ApiManagementGatewayLlmLog\n"
        "| summarize TimeGenerated = min(TimeGenerated), TotalTokens = max(TotalTokens), "
        "DeploymentName = take_any(DeploymentName), _ResourceId = take_any(_ResourceId) "
        "by CorrelationId\n"
        "| join kind=leftouter (ApiManagementGatewayLogs "
        "| project CorrelationId, ApimSubscriptionId, CallerIpAddress) on CorrelationId"
    ),
    sql_base=(
        "SELECT l.*, g.ApimSubscriptionId, g.CallerIpAddress FROM ("
        "SELECT CorrelationId, min(TimeGenerated) AS TimeGenerated, "
        "max(TotalTokens) AS TotalTokens, any_value(DeploymentName) AS DeploymentName, "
        "any_value(_ResourceId) AS _ResourceId FROM ApiManagementGatewayLlmLog "
        "GROUP BY CorrelationId) l LEFT JOIN ("
        "SELECT CorrelationId, any_value(ApimSubscriptionId) AS ApimSubscriptionId, "
        "any_value(CallerIpAddress) AS CallerIpAddress FROM ApiManagementGatewayLogs "
        "GROUP BY CorrelationId) g USING (CorrelationId)"
    ),
    fields=(
        ("time", Field("TimeGenerated", "TimeGenerated")),
        (
            "caller",
            Field(
                "iff(isnotempty(ApimSubscriptionId), ApimSubscriptionId, CallerIpAddress)",
                "coalesce(nullif(ApimSubscriptionId, ''), CallerIpAddress)",
            ),
        ),
        ("tokens", Field("TotalTokens", "TotalTokens")),
        ("resource", Field("_ResourceId", "_ResourceId")),
    ),
    required_columns=(
        ("ApiManagementGatewayLlmLog", ("TimeGenerated", "CorrelationId", "TotalTokens")),
        ("ApiManagementGatewayLogs", ("CorrelationId", "ApimSubscriptionId", "CallerIpAddress")),
    ),
    connectors=(
        ("AzureApiManagement", ("ApiManagementGatewayLlmLog", "ApiManagementGatewayLogs")),
    ),
)

ACTIVITY = LogSource(
    name="activity",
    kql_base=(
        "AzureActivity\n"
        '| where ActivityStatusValue in~ ("Success", "Succeeded")\n'
        '| where _ResourceId has_any ("/providers/microsoft.cognitiveservices/", '
        '"/providers/microsoft.machinelearningservices/", "/providers/microsoft.search/")'
    ),
    sql_base=(
        "SELECT * FROM AzureActivity WHERE lower(ActivityStatusValue) IN ('success', "
        "'succeeded') AND (lower(_ResourceId) LIKE '%/providers/microsoft.cognitiveservices/%' "
        "OR lower(_ResourceId) LIKE '%/providers/microsoft.machinelearningservices/%' "
        "OR lower(_ResourceId) LIKE '%/providers/microsoft.search/%')"
    ),
    fields=(
        ("time", Field("TimeGenerated", "TimeGenerated")),
        ("caller", Field("Caller", "Caller")),
        ("operation", Field("toupper(OperationNameValue)", "upper(OperationNameValue)")),
        ("resource", Field("_ResourceId", "_ResourceId")),
        ("ip", Field("CallerIpAddress", "CallerIpAddress")),
    ),
    required_columns=(
        (
            "AzureActivity",
            (
                "TimeGenerated",
                "OperationNameValue",
                "Caller",
                "ActivityStatusValue",
                "_ResourceId",
            ),
        ),
    ),
    connectors=(("AzureActivity", ("AzureActivity",)),),
)

# Key Vault secret reads (AuditEvent, in AzureDiagnostics). The entity is the reading identity
# and the vault together, so a vault the identity never read from has a baseline of zero.
KV_SECRET_READS = LogSource(
    name="kv_secret_reads",
    kql_base=(
        "AzureDiagnostics\n"
        '| where ResourceProvider == "MICROSOFT.KEYVAULT" and Category == "AuditEvent" '
        'and OperationName == "SecretGet"'
    ),
    sql_base=(
        "SELECT * FROM AzureDiagnostics WHERE upper(ResourceProvider) = 'MICROSOFT.KEYVAULT' "
        "AND Category = 'AuditEvent' AND OperationName = 'SecretGet'"
    ),
    fields=(
        ("time", Field("TimeGenerated", "TimeGenerated")),
        ("caller", Field("tostring(identity_claim_oid_g)", "lower(identity_claim_oid_g)")),
        (
            "identity_vault",
            Field(
                'iff(isempty(tostring(identity_claim_oid_g)), "", '
                'strcat(tostring(identity_claim_oid_g), "|", toupper(ResourceId)))',
                "lower(identity_claim_oid_g) || '|' || upper(ResourceId)",
            ),
        ),
        ("resource", Field("ResourceId", "ResourceId")),
    ),
    required_columns=(
        (
            "AzureDiagnostics",
            (
                "TimeGenerated",
                "ResourceId",
                "ResourceProvider",
                "Category",
                "OperationName",
                "identity_claim_oid_g",
            ),
        ),
    ),
    connectors=(("AzureKeyVault", ("AzureDiagnostics",)),),
    scope_field="caller",
)

# Blob reads (StorageBlobLogs, category StorageRead) authenticated with an Entra token. The
# entity is the reading identity and the storage account together, like the vault reads above.
# Key- and SAS-authenticated reads carry no identity and are not attributed here.
BLOB_READS = LogSource(
    name="blob_reads",
    kql_base=(
        "StorageBlobLogs\n"
        '| where Category == "StorageRead" and OperationName == "GetBlob" '
        'and StatusText == "Success"'
    ),
    sql_base=(
        "SELECT * FROM StorageBlobLogs WHERE Category = 'StorageRead' "
        "AND OperationName = 'GetBlob' AND StatusText = 'Success'"
    ),
    fields=(
        ("time", Field("TimeGenerated", "TimeGenerated")),
        ("caller", Field("tostring(RequesterObjectId)", "lower(RequesterObjectId)")),
        (
            "identity_account",
            Field(
                'iff(isempty(RequesterObjectId), "", '
                'strcat(tolower(RequesterObjectId), "|", toupper(_ResourceId)))',
                "CASE WHEN coalesce(RequesterObjectId, '') = '' THEN '' ELSE "
                "lower(RequesterObjectId) || '|' || upper(_ResourceId) END",
            ),
        ),
        ("resource", Field("_ResourceId", "_ResourceId")),
    ),
    required_columns=(
        (
            "StorageBlobLogs",
            (
                "TimeGenerated",
                "Category",
                "OperationName",
                "StatusText",
                "RequesterObjectId",
                "_ResourceId",
            ),
        ),
    ),
    connectors=(("AzureStorageAccount", ("StorageBlobLogs",)),),
    scope_field="caller",
)

# Azure OpenAI / AI Foundry platform metrics (diagnostic setting category AllMetrics):
# TokenTransaction is "Processed Inference Tokens", prompt plus completion tokens, per minute.
# It covers every caller, also key-authenticated ones and those not behind API Management.
AOAI_TOKENS = LogSource(
    name="aoai_token_metrics",
    kql_base=(
        "AzureMetrics\n"
        '| where ResourceProvider == "MICROSOFT.COGNITIVESERVICES" '
        'and MetricName == "TokenTransaction"'
    ),
    sql_base=(
        "SELECT * FROM AzureMetrics WHERE upper(ResourceProvider) = "
        "'MICROSOFT.COGNITIVESERVICES' AND MetricName = 'TokenTransaction'"
    ),
    fields=(
        ("time", Field("TimeGenerated", "TimeGenerated")),
        ("account", Field("toupper(ResourceId)", "upper(ResourceId)")),
        ("tokens", Field("Total", "Total")),
        ("resource", Field("ResourceId", "ResourceId")),
    ),
    required_columns=(
        (
            "AzureMetrics",
            ("TimeGenerated", "ResourceId", "ResourceProvider", "MetricName", "Total"),
        ),
    ),
    connectors=(("AzureOpenAI", ("AzureMetrics",)),),
)

# Microsoft Defender for Cloud's threat protection for AI services: alert types start "AI."
# (learn.microsoft.com/azure/defender-for-cloud/alerts-ai-workloads), the alert's ResourceId
# is the AI resource. Rows are status updates of one alert (SystemAlertId).
DEFENDER_AI_ALERTS = LogSource(
    name="defender_ai_alerts",
    kql_base='SecurityAlert\n| where AlertType startswith "AI."',
    sql_base="SELECT * FROM SecurityAlert WHERE AlertType LIKE 'AI.%'",
    fields=(
        ("time", Field("TimeGenerated", "TimeGenerated")),
        ("alert", Field("SystemAlertId", "SystemAlertId")),
        ("resource", Field("toupper(ResourceId)", "upper(ResourceId)")),
        ("kind", Field("AlertType", "AlertType")),
        ("severity", Field("AlertSeverity", "AlertSeverity")),
    ),
    required_columns=(
        (
            "SecurityAlert",
            ("TimeGenerated", "SystemAlertId", "AlertType", "AlertSeverity", "ResourceId"),
        ),
    ),
    # Not limited to the scan's resources: every AI alert counts, also on resources the scan
    # did not see (TenantScope.resources_for gives no list for this source).
    connectors=(("AzureSecurityCenter", ("SecurityAlert",)),),
)

CONFIG_OPERATIONS = (
    "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/WRITE",
    "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/DELETE",
    "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/LISTKEYS/ACTION",
    "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/REGENERATEKEY/ACTION",
    "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/RAIPOLICIES/WRITE",
    "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/RAIPOLICIES/DELETE",
    "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/DEPLOYMENTS/WRITE",
    "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/DEPLOYMENTS/DELETE",
    "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE",
    "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE",
    "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE",
    "MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/WRITE",
    "MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/LISTKEYS/ACTION",
    "MICROSOFT.SEARCH/SEARCHSERVICES/WRITE",
    "MICROSOFT.SEARCH/SEARCHSERVICES/LISTADMINKEYS/ACTION",
)

_HOUR = dt.timedelta(hours=1)
_DAY = dt.timedelta(days=1)
_CALLER_ENTITIES = (
    EntityMapping("Account", "AadUserId", "CallerObjectId"),
    EntityMapping("IP", "Address", "CallerIp"),
)

DETECTIONS: tuple[Detection, ...] = (  # in id order
    Detection(
        id="AIP-DET-001",
        title="Abnormal model invocation rate by a caller",
        description=(
            "A caller identity or IP calls the AI account's inference API far more often in "
            "an hour than its own baseline for that hour of the week. A stolen key or token "
            "used for LLM-jacking, bulk model extraction or a denial-of-wallet shows up as a "
            "burst (or as a new caller) against a seasonal pattern that is otherwise "
            "regular."
        ),
        severity=Severity.MEDIUM,
        tactics=("Impact", "Exfiltration"),
        techniques=("T1496",),
        atlas=("AML.T0034", "AML.T0024", "AML.T0029"),
        logic=SeriesAnomaly(
            source=AOAI_REQUESTS,
            entity="caller",
            metric="count",
            threshold=6.0,
            min_value=60,
            min_excess=40,
            sigma_floor=3.0,
            min_ratio=2.0,
        ),
        entities=_CALLER_ENTITIES,
        query_frequency=_HOUR,
        query_period=14 * _DAY,
    ),
    Detection(
        id="AIP-DET-002",
        title="Abnormal invocation rate of a model deployment",
        description=(
            "A model deployment receives far more requests in an hour than its baseline for "
            "that hour of the week, across all callers. Catches distributed abuse (many "
            "callers or keys, each below the per-caller threshold) and runaway clients."
        ),
        severity=Severity.MEDIUM,
        tactics=("Impact",),
        techniques=("T1496",),
        atlas=("AML.T0034", "AML.T0029"),
        logic=SeriesAnomaly(
            source=AOAI_REQUESTS,
            entity="deployment",
            metric="count",
            threshold=6.0,
            min_value=100,
            min_excess=80,
            sigma_floor=5.0,
            min_ratio=2.0,
        ),
        entities=(EntityMapping("AzureResource", "ResourceId", "Deployment"),),
        query_frequency=_HOUR,
        query_period=14 * _DAY,
    ),
    Detection(
        id="AIP-DET-003",
        title="Token consumption spike by an API Management caller",
        description=(
            "An API Management subscription key (or client IP) consumes far more tokens in an "
            "hour than its own baseline for that hour of the week, from API Management's LLM "
            "gateway logs. Long-output extraction and cost harvesting raise tokens before "
            "(or without) raising the request count."
        ),
        severity=Severity.HIGH,
        tactics=("Impact",),
        techniques=("T1496",),
        atlas=("AML.T0034", "AML.T0024.002"),
        logic=SeriesAnomaly(
            source=APIM_LLM,
            entity="caller",
            metric="tokens",
            threshold=6.0,
            min_value=20000,
            min_excess=25000,
            sigma_floor=500.0,
            min_ratio=3.0,
        ),
        entities=(
            EntityMapping("IP", "Address", "CallerIp"),
            EntityMapping("AzureResource", "ResourceId", "ResourceId"),
        ),
        query_frequency=_HOUR,
        query_period=14 * _DAY,
    ),
    Detection(
        id="AIP-DET-004",
        title="Burst of content-filter or Prompt Shields rejections by a caller",
        description=(
            "A caller has many requests rejected with HTTP 400 in one hour, and they are a "
            "large share of its requests. Azure OpenAI answers 400 when the content filter or "
            "Prompt Shields block a prompt; a jailbreak or prompt-injection campaign iterates "
            "on prompts and trips the filter again and again."
        ),
        severity=Severity.MEDIUM,
        tactics=("DefenseEvasion",),
        techniques=(),
        atlas=("AML.T0054", "AML.T0051"),
        logic=RatioBurst(
            source=AOAI_REQUESTS, entity="caller", hit="hit", min_hits=10, min_ratio=0.2
        ),
        entities=_CALLER_ENTITIES,
        query_frequency=_HOUR,
        query_period=_HOUR,
    ),
    Detection(
        id="AIP-DET-005",
        title="AI configuration change by a principal outside the change admins",
        description=(
            "A content-filter (raiPolicy), deployment, network or local-auth (account write), "
            "diagnostic-setting or role-assignment change, or a listKeys / regenerateKey call, "
            "on an AI resource by someone not on the configured change-admin list. Attackers "
            "weaken filters, silence logs, take keys or grant themselves data roles before "
            "abusing a model; legitimate changes come from a known few."
        ),
        severity=Severity.HIGH,
        tactics=("DefenseEvasion", "Persistence", "CredentialAccess"),
        techniques=("T1562.008", "T1098", "T1552"),
        atlas=("AML.T0012",),
        logic=EventMatch(source=ACTIVITY, operations=CONFIG_OPERATIONS, principal="caller"),
        entities=(
            EntityMapping("Account", "FullName", "Caller"),
            EntityMapping("IP", "Address", "CallerIp"),
            EntityMapping("AzureResource", "ResourceId", "ResourceId"),
        ),
        query_frequency=_HOUR,
        query_period=_HOUR,
    ),
    Detection(
        id="AIP-DET-006",
        title="Unusual Key Vault secret reads by an AI workload identity",
        description=(
            "The managed identity of an AI workload (AI account, ML workspace, search "
            "service) reads far more secrets from a key vault in an hour than its baseline for "
            "that hour of the week, or starts reading from a vault it never used. A hijacked "
            "agent, prompt-injected tool or compromised compute harvests the credentials its "
            "identity can reach; legitimate workloads read the same few secrets on a schedule."
        ),
        severity=Severity.HIGH,
        tactics=("CredentialAccess",),
        techniques=("T1555.006", "T1552"),
        atlas=("AML.T0055", "AML.T0053"),
        logic=SeriesAnomaly(
            source=KV_SECRET_READS,
            entity="identity_vault",
            metric="count",
            threshold=6.0,
            min_value=20,
            min_excess=15,
            sigma_floor=2.0,
            min_ratio=3.0,
        ),
        entities=(
            EntityMapping("Account", "AadUserId", "CallerObjectId"),
            EntityMapping("AzureResource", "ResourceId", "ResourceId"),
        ),
        query_frequency=_HOUR,
        query_period=14 * _DAY,
    ),
    Detection(
        id="AIP-DET-007",
        title="Unusual blob reads by an AI workload identity",
        description=(
            "The managed identity of an AI workload (AI account, ML workspace, search "
            "service) reads far more blobs from a storage account in an hour than its "
            "baseline for that hour of the week, or starts reading from an account it never "
            "read. A prompt-injected agent, a hijacked indexer or compromised compute uses "
            "the data access its identity holds to copy training or grounding data out; "
            "legitimate indexers and training jobs read the same stores on a schedule."
        ),
        severity=Severity.HIGH,
        tactics=("Collection", "Exfiltration"),
        techniques=("T1530",),
        atlas=("AML.T0025", "AML.T0036"),
        logic=SeriesAnomaly(
            source=BLOB_READS,
            entity="identity_account",
            metric="count",
            threshold=6.0,
            min_value=200,
            min_excess=150,
            sigma_floor=10.0,
            min_ratio=3.0,
        ),
        entities=(
            EntityMapping("Account", "AadUserId", "CallerObjectId"),
            EntityMapping("AzureResource", "ResourceId", "ResourceId"),
        ),
        query_frequency=_HOUR,
        query_period=14 * _DAY,
    ),
    Detection(
        id="AIP-DET-008",
        title="Defender for AI alerts on an AI resource",
        description=(
            "Microsoft Defender for Cloud's threat protection for AI services raised alerts "
            "(jailbreak attempts detected or blocked by Prompt Shields, credential theft, "
            "sensitive data in responses, wallet abuse, access from suspicious IPs or user "
            "agents) on an AI resource. Each alert arrives on its own and repeats with every "
            "status update; grouped per resource, with the alert types and severities, a "
            "campaign against one model reads as one finding to triage."
        ),
        severity=Severity.HIGH,
        tactics=("DefenseEvasion", "PrivilegeEscalation", "CredentialAccess", "Impact"),
        techniques=(),
        atlas=("AML.T0051", "AML.T0054", "AML.T0057"),
        logic=AlertGroup(
            source=DEFENDER_AI_ALERTS,
            entity="resource",
            alert_id="alert",
            kind="kind",
            severity="severity",
        ),
        entities=(EntityMapping("AzureResource", "ResourceId", "ResourceId"),),
        query_frequency=_HOUR,
        query_period=_HOUR,
    ),
    Detection(
        id="AIP-DET-009",
        title="Token consumption spike on an AI account (platform metrics)",
        description=(
            "An AI account processes far more tokens in an hour than its baseline for that "
            "hour of the week, from the account's own platform metrics (TokenTransaction). "
            "Unlike AIP-DET-003 this needs no API Management gateway and no request logs: "
            "metrics count every caller, key-authenticated ones included, so LLM-jacking "
            "with a stolen key and cost harvesting show even where nothing else is logged."
        ),
        severity=Severity.MEDIUM,
        tactics=("Impact",),
        techniques=("T1496",),
        atlas=("AML.T0034", "AML.T0024.002"),
        logic=SeriesAnomaly(
            source=AOAI_TOKENS,
            entity="account",
            metric="tokens",
            threshold=6.0,
            min_value=200000,
            min_excess=150000,
            sigma_floor=5000.0,
            min_ratio=3.0,
        ),
        entities=(EntityMapping("AzureResource", "ResourceId", "ResourceId"),),
        query_frequency=_HOUR,
        query_period=14 * _DAY,
    ),
)


def by_id(detection_id: str) -> Detection:
    for det in DETECTIONS:
        if det.id == detection_id.upper():
            return det
    raise KeyError(detection_id)
