"""Where AI data is kept and with what credential: ML / Foundry datastores and customer-owned
storage of AI services accounts.

Datastores (Microsoft.MachineLearningServices/workspaces/datastores, API 2024-10-01): the list
returns `properties.credentials.credentialsType` but never the secret (that comes only from the
`listSecrets` action, which aiposture never calls). The stable enum (azure-rest-api-specs,
machinelearningservices mfe.json CredentialsType; .NET MachineLearningDatastoreCredentials
derived classes) is AccountKey, Certificate, None, Sas, ServicePrincipal; preview API versions
add KerberosKeytab and KerberosPassword (HDFS datastores). Every value but None stores a
secret in the workspace's key vault; None is identity-based access (the caller's Entra ID
identity, or the workspace identity for the studio).

The workspace's own system datastores (workspaceblobstore, workspacefilestore,
workspaceartifactstore, workspaceworkingdirectory) reach the default storage account with the
key or an identity according to the workspace's `systemDatastoresAuthMode`: AIP-DAT-009 judges
that once on the workspace, so the datastore rule leaves them to it.

Customer-owned storage (Microsoft.CognitiveServices/accounts): `properties.capabilities[].name`
(read-only, set by Azure for the account's kind and SKU) lists `CustomerManagedStorage` when the
account can keep its data in the customer's storage account, and `properties.userOwnedStorage
[].resourceId` names that account. Policy 46aa9b05 (v2.0.0) flags an account whose capabilities
include CustomerManagedStorage and whose userOwnedStorage is empty.
"""

from __future__ import annotations

from aiposture.facts.base import Fact, known, unknown_fact
from aiposture.model.entities import CognitiveAccount, MLDatastore

CREDENTIALS_TYPE = "properties.credentials.credentialsType"
STORED_SECRET_TYPES = frozenset(
    {"accountkey", "sas", "serviceprincipal", "certificate", "kerberoskeytab", "kerberospassword"}
)
IDENTITY_TYPES = frozenset({"none"})
# Created by Azure ML for every workspace; governed by systemDatastoresAuthMode (AIP-DAT-009).
SYSTEM_DATASTORES = frozenset(
    {
        "workspaceblobstore",
        "workspacefilestore",
        "workspaceartifactstore",
        "workspaceworkingdirectory",
    }
)

CAPABILITIES = "properties.capabilities[].name"
USER_OWNED_STORAGE = "properties.userOwnedStorage[].resourceId"
CUSTOMER_STORAGE_CAPABILITY = "customermanagedstorage"


def is_system_datastore(ds: MLDatastore) -> bool:
    return ds.name.lower() in SYSTEM_DATASTORES


def datastore_keyless(ds: MLDatastore) -> Fact:
    """True when the datastore reaches its storage with an identity (credentialsType None),
    False when it keeps a key, SAS token, client secret, certificate or Kerberos secret."""
    ctype = ds.credentials_type
    evidence = ((CREDENTIALS_TYPE, ctype), ("properties.datastoreType", ds.datastore_type))
    if ctype is None:
        return unknown_fact(
            "credentials.credentialsType is not in the datastore row",
            "datastores",
            evidence=evidence,
        )
    low = ctype.lower()
    if low in STORED_SECRET_TYPES:
        return known(False, f"the datastore stores a credential ({ctype})", *evidence)
    if low in IDENTITY_TYPES:
        return known(True, "identity-based access: no credential stored (None)", *evidence)
    return unknown_fact(
        f"credentialsType {ctype} is not one aiposture knows", "datastores", evidence=evidence
    )


def customer_storage(account: CognitiveAccount) -> Fact:
    """True when the account keeps its data in customer-owned storage or cannot (no
    CustomerManagedStorage capability); False when it can and does not."""
    caps = account.capabilities
    owned = account.user_owned_storage
    if caps is None:
        return unknown_fact(
            "properties.capabilities is not in the account row: whether the account supports "
            "customer-owned storage cannot be told",
            "resources",
            evidence=((USER_OWNED_STORAGE, list(owned)),),
        )
    capable = any(c.lower() == CUSTOMER_STORAGE_CAPABILITY for c in caps)
    evidence = ((CAPABILITIES, list(caps)), (USER_OWNED_STORAGE, list(owned)))
    if not capable:
        return known(
            True,
            "the account's kind/SKU has no CustomerManagedStorage capability (policy 46aa9b05 "
            "does not apply)",
            *evidence,
        )
    if owned:
        return known(True, f"data kept in customer-owned storage ({len(owned)})", *evidence)
    return known(
        False,
        "supports customer-owned storage (CustomerManagedStorage) but userOwnedStorage is empty",
        *evidence,
    )
