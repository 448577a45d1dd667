"""Which resource types are stateful: they hold data, keys or identity that a delete or replacement loses.

The one definition the project uses for this: prod protection (``protect_stateful`` and the policy that checks it
in any program), the pull-request comment's "stateful resources changed or removed" call-out, and the tests that
derive from it which resources of a prod plan must be protected.
"""

from __future__ import annotations

import re

#: Last segment of a type token that names a stateful resource, whichever provider and module it comes from.
STATEFUL_RESOURCES = (
    "Vault",
    "ManagedHsm",
    "Key",
    "KeyRing",
    "CryptoKey",
    "Workspace",
    "AzureMonitorWorkspace",
    "Registry",
    "StorageAccount",
    "BlobContainer",
    "FileShare",
    "Bucket",
    "Database",
    "DatabaseInstance",
    "Dataset",
    "Server",
    "FlexibleServer",
    "DatabaseAccount",
    "ManagedCluster",
    "Cluster",
    "Disk",
    "Snapshot",
    "Redis",
    "Instance",
    # Deleting a resource group deletes everything in it.
    "ResourceGroup",
)
#: Classic-provider (``pulumi-azure``) tokens whose last segment is too generic to list above (``Account``).
STATEFUL_TOKENS = (
    r"azure:keyvault/keyVault:KeyVault",
    r"azure:keyvault/managedHardwareSecurityModule:ManagedHardwareSecurityModule",
    r"azure:storage/account:Account",
    r"azure:storage/container:Container",
    r"azure:storage/share:Share",
    r"azure:containerservice/kubernetesCluster:KubernetesCluster",
    r"azure:operationalinsights/analyticsWorkspace:AnalyticsWorkspace",
    r"azure:cosmosdb/account:Account",
)

STATEFUL = re.compile(
    rf"^(?:(?!kubernetes:|pulumi:|aiscale:)[^:]+:[^:]+:(?:{'|'.join(STATEFUL_RESOURCES)})|{'|'.join(STATEFUL_TOKENS)})$"
)
"""Type tokens of resources that hold data or identity: changing or removing them can lose data."""


def is_stateful(resource_type: str) -> bool:
    return STATEFUL.fullmatch(resource_type) is not None
