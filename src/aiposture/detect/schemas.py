"""Column schemas of the Log Analytics tables the detections read (the columns we use).

From the Azure Monitor table reference (learn.microsoft.com/azure/azure-monitor/reference/
tables/<table>). The same schemas declare the tables to the Kusto language service in tests
and type the columns of offline exports loaded into DuckDB.
"""

from __future__ import annotations

from collections.abc import Mapping

# table -> ((column, KQL type), ...)
SCHEMAS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "AzureDiagnostics": (
        ("TimeGenerated", "datetime"),
        ("ResourceId", "string"),
        ("ResourceProvider", "string"),
        ("ResourceType", "string"),
        ("Resource", "string"),
        ("ResourceGroup", "string"),
        ("SubscriptionId", "string"),
        ("Category", "string"),
        ("OperationName", "string"),
        ("CallerIPAddress", "string"),
        ("ResultSignature", "string"),
        ("ResultType", "string"),
        ("DurationMs", "real"),
        ("properties_s", "string"),
        ("CorrelationId", "string"),
        # Key Vault AuditEvent rows (ResourceProvider MICROSOFT.KEYVAULT)
        ("identity_claim_oid_g", "guid"),
        ("id_s", "string"),
    ),
    "AzureActivity": (
        ("TimeGenerated", "datetime"),
        ("OperationNameValue", "string"),
        ("Caller", "string"),
        ("CallerIpAddress", "string"),
        ("ActivityStatusValue", "string"),
        ("CategoryValue", "string"),
        ("ResourceProviderValue", "string"),
        ("_ResourceId", "string"),
        ("ResourceGroup", "string"),
        ("SubscriptionId", "string"),
        ("CorrelationId", "string"),
        ("Properties_d", "dynamic"),
    ),
    "ApiManagementGatewayLlmLog": (
        ("TimeGenerated", "datetime"),
        ("CorrelationId", "string"),
        ("RequestId", "string"),
        ("DeploymentName", "string"),
        ("ModelName", "string"),
        ("OperationName", "string"),
        ("ApiVersion", "string"),
        ("PromptTokens", "int"),
        ("CompletionTokens", "int"),
        ("TotalTokens", "int"),
        ("SequenceNumber", "int"),
        ("IsStreamCompletion", "bool"),
        ("Region", "string"),
        ("_ResourceId", "string"),
    ),
    "ApiManagementGatewayLogs": (
        ("TimeGenerated", "datetime"),
        ("CorrelationId", "string"),
        ("ApimSubscriptionId", "string"),
        ("CallerIpAddress", "string"),
        ("ApiId", "string"),
        ("OperationId", "string"),
        ("Method", "string"),
        ("Url", "string"),
        ("ResponseCode", "int"),
        ("BackendResponseCode", "int"),
        ("IsRequestSuccess", "bool"),
        ("_ResourceId", "string"),
    ),
    # Blob data-plane requests of a storage account (diagnostic setting on blobServices/default,
    # categories StorageRead / StorageWrite / StorageDelete).
    "StorageBlobLogs": (
        ("TimeGenerated", "datetime"),
        ("AccountName", "string"),
        ("Category", "string"),
        ("OperationName", "string"),
        ("StatusCode", "string"),
        ("StatusText", "string"),
        ("AuthenticationType", "string"),
        ("RequesterObjectId", "string"),
        ("RequesterAppId", "string"),
        ("RequesterUpn", "string"),
        ("CallerIpAddress", "string"),
        ("Uri", "string"),
        ("ObjectKey", "string"),
        ("ResponseBodySize", "long"),
        ("_ResourceId", "string"),
    ),
    # Platform metrics sent by a diagnostic setting (category AllMetrics), one row per metric,
    # resource and time grain (PT1M).
    "AzureMetrics": (
        ("TimeGenerated", "datetime"),
        ("ResourceId", "string"),
        ("ResourceProvider", "string"),
        ("Resource", "string"),
        ("MetricName", "string"),
        ("Total", "real"),
        ("Count", "real"),
        ("Maximum", "real"),
        ("Minimum", "real"),
        ("Average", "real"),
        ("TimeGrain", "string"),
        ("UnitName", "string"),
    ),
    # Alerts from Microsoft Defender for Cloud (and other products) in Sentinel / Log Analytics.
    # One alert can appear in several rows (status updates), keyed by SystemAlertId.
    "SecurityAlert": (
        ("TimeGenerated", "datetime"),
        ("SystemAlertId", "string"),
        ("AlertName", "string"),
        ("AlertType", "string"),
        ("AlertSeverity", "string"),
        ("ProductName", "string"),
        ("ProviderName", "string"),
        ("VendorName", "string"),
        ("ResourceId", "string"),
        ("CompromisedEntity", "string"),
        ("Status", "string"),
        ("StartTime", "datetime"),
        ("EndTime", "datetime"),
        ("Tactics", "string"),
        ("Techniques", "string"),
        ("Entities", "string"),
        ("ExtendedProperties", "string"),
    ),
}

DUCKDB_TYPES: Mapping[str, str] = {
    "datetime": "TIMESTAMP",
    "string": "VARCHAR",
    "int": "INTEGER",
    "long": "BIGINT",
    "real": "DOUBLE",
    "bool": "BOOLEAN",
    "dynamic": "VARCHAR",
    "guid": "VARCHAR",
}


def kql_schema(table: str) -> str:
    """`(col:type, ...)`, the form TableSymbol.From takes."""
    return "(" + ", ".join(f"{name}:{kind}" for name, kind in SCHEMAS[table]) + ")"
