"""aiscale:index:AzureAuditTrail, AzureCostManagement and GcpAuditTrail: exact children and inputs."""

from __future__ import annotations

from typing import Any

import pytest

from aiscale.components.azure.audit_trail import AzureAuditTrail, AzureAuditTrailArgs
from aiscale.components.azure.cost_management import AzureCostManagement, AzureCostManagementArgs
from aiscale.components.common.azure_alerts import AzureAlertRoutingArgs
from aiscale.components.gcp.audit_trail import TAMPERING_FILTER, GcpAuditTrail, GcpAuditTrailArgs
from aiscale.core.engine import record_program
from aiscale.core.errors import InvalidArgumentError
from tests.conftest import changed, children, find

ROUTING: AzureAlertRoutingArgs = {
    "action_group_id": "/actionGroups/alerts",
    "runbook_base_url": "https://runbooks.example.com/aiscale",
    "log_analytics_workspace_id": "/workspaces/logs",
    "workspace_location": "westeurope",
}
KEY = {
    "key_vault_id": "/vaults/kv",
    "key_vault_uri": "https://kv.vault.azure.net/",
    "key_name": "data",
    "key_id": "/vaults/kv/keys/data",
    "key_uri": "https://kv.vault.azure.net/keys/data",
    "key_versioned_uri": "https://kv.vault.azure.net/keys/data/1",
}
SUBSCRIPTION = "6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a03"


def azure_args(**changes: Any) -> AzureAuditTrailArgs:
    base: AzureAuditTrailArgs = {
        "storage_account_name": "staudit",
        "resource_group_name": "rg-unit",
        "resource_group_id": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-unit",
        "location": "westeurope",
        "subscription_id": SUBSCRIPTION,
        "diagnostics": {"workspace_id": "/workspaces/logs"},
        "worm_retention_days": 365,
    }
    return changed(base, changes)


def test_azure_audit_trail_minimal() -> None:
    run = record_program(lambda: AzureAuditTrail("audit", azure_args()))
    assert children(run, find(run, "aiscale:index:AzureAuditTrail", "audit")) == [
        ("azure-native:storage:StorageAccount", "audit-storage"),
        ("azure-native:storage:BlobContainer", "audit-activity-logs"),
        ("azure-native:storage:BlobContainerImmutabilityPolicy", "audit-activity-logs-worm"),
        ("azure-native:storage:BlobContainer", "audit-delivery"),
        ("azure-native:storage:BlobContainerImmutabilityPolicy", "audit-delivery-worm"),
        ("azure-native:monitor:SubscriptionDiagnosticSetting", "audit-activity-log"),
    ]
    assert find(run, "azure-native:storage:StorageAccount", "audit-storage").inputs == {
        "accountName": "staudit",
        "allowBlobPublicAccess": False,
        "allowSharedKeyAccess": False,
        "defaultToOAuthAuthentication": True,
        "enableHttpsTrafficOnly": True,
        "encryption": {
            "keySource": "Microsoft.Storage",
            "requireInfrastructureEncryption": True,
            "services": {
                "blob": {"enabled": True, "keyType": "Account"},
                "file": {"enabled": True, "keyType": "Account"},
            },
        },
        "kind": "StorageV2",
        "location": "westeurope",
        "minimumTlsVersion": "TLS1_2",
        # Azure Monitor writes through the trusted-services exception; Disabled would turn it off.
        "networkRuleSet": {"bypass": "AzureServices", "defaultAction": "Deny"},
        "publicNetworkAccess": "Enabled",
        "resourceGroupName": "rg-unit",
        "sku": {"name": "Standard_ZRS"},
    }
    assert find(run, "azure-native:storage:BlobContainer", "audit-activity-logs").inputs == {
        "accountName": "staudit",
        "containerName": "insights-activity-logs",
        "publicAccess": "None",
        "resourceGroupName": "rg-unit",
    }
    assert find(run, "azure-native:storage:BlobContainerImmutabilityPolicy", "audit-delivery-worm").inputs == {
        "accountName": "staudit",
        "allowProtectedAppendWrites": True,
        "containerName": "aiscale-delivery",
        "immutabilityPeriodSinceCreationInDays": 365,
        "immutabilityPolicyName": "default",
        "resourceGroupName": "rg-unit",
    }
    export = find(run, "azure-native:monitor:SubscriptionDiagnosticSetting", "audit-activity-log")
    assert export.inputs == {
        "logs": [
            {"category": category, "enabled": True} for category in ("Administrative", "Security", "Policy", "Alert")
        ],
        "name": "audit-activity-log",
        "storageAccountId": "[unknown]",
        "workspaceId": "/workspaces/logs",
    }
    # No activity log blob is ever written before both WORM policies exist.
    containers = {r.urn for r in run.registrations if r.type == "azure-native:storage:BlobContainer"}
    assert containers <= set(export.dependencies)
    assert [r.protect for r in run.registrations if r.custom] == [False] * 6


def test_azure_audit_trail_prod_shape() -> None:
    run = record_program(
        lambda: AzureAuditTrail(
            "audit",
            azure_args(
                categories=["Administrative", "Security"],
                customer_managed_key=KEY,
                private_endpoint={"subnet_id": "/subnets/endpoints"},
                delivery_writer_principal_id="11111111-2222-4333-8444-555555555555",
                alert_routing=ROUTING,
                tags={"owner": "ml"},
                protect=True,
                lock={"level": "CanNotDelete"},
            ),
        )
    )
    assert children(run, find(run, "aiscale:index:AzureAuditTrail", "audit")) == [
        ("azure-native:managedidentity:UserAssignedIdentity", "audit-identity"),
        ("azure-native:authorization:RoleAssignment", "audit-key-user"),
        ("azure-native:storage:StorageAccount", "audit-storage"),
        ("azure-native:storage:BlobContainer", "audit-activity-logs"),
        ("azure-native:storage:BlobContainerImmutabilityPolicy", "audit-activity-logs-worm"),
        ("azure-native:storage:BlobContainer", "audit-delivery"),
        ("azure-native:storage:BlobContainerImmutabilityPolicy", "audit-delivery-worm"),
        ("azure-native:authorization:RoleAssignment", "audit-delivery-writer"),
        ("azure-native:network:PrivateEndpoint", "audit-pe-blob"),
        ("azure-native:monitor:SubscriptionDiagnosticSetting", "audit-activity-log"),
        ("azure-native:authorization:ManagementLockByScope", "audit-storage-lock"),
        ("azure-native:monitor:ActivityLogAlert", "audit-alert-key-vault-deleted"),
        ("azure-native:monitor:ActivityLogAlert", "audit-alert-role-assignment-written"),
        ("azure-native:monitor:ActivityLogAlert", "audit-alert-diagnostic-setting-deleted"),
        ("azure-native:monitor:ActivityLogAlert", "audit-alert-lock-deleted"),
        ("azure-native:monitor:ScheduledQueryRule", "audit-alert-key-deleted"),
    ]
    protected = sorted(r.name for r in run.registrations if r.protect)
    assert protected == [
        "audit-activity-log",
        "audit-activity-logs",
        "audit-activity-logs-worm",
        "audit-delivery",
        "audit-delivery-worm",
        "audit-storage",
    ]
    account = find(run, "azure-native:storage:StorageAccount", "audit-storage")
    assert account.inputs["encryption"]["keySource"] == "Microsoft.Keyvault"
    assert account.inputs["encryption"]["keyVaultProperties"] == {
        "keyName": "data",
        "keyVaultUri": "https://kv.vault.azure.net/",
    }
    assert account.inputs["identity"] == {"type": "UserAssigned", "userAssignedIdentities": ["[unknown]"]}
    # The identity may use the key before the account is encrypted with it.
    assert find(run, "azure-native:authorization:RoleAssignment", "audit-key-user").urn in account.dependencies
    assert find(run, "azure-native:authorization:RoleAssignment", "audit-delivery-writer").inputs["scope"] == (
        "[unknown]"
    )
    assert find(run, "azure-native:authorization:ManagementLockByScope", "audit-storage-lock").inputs["level"] == (
        "CanNotDelete"
    )
    assert find(run, "azure-native:monitor:ActivityLogAlert", "audit-alert-role-assignment-written").inputs == {
        "actions": {
            "actionGroups": [
                {
                    "actionGroupId": "/actionGroups/alerts",
                    "webhookProperties": {"runbook": "https://runbooks.example.com/aiscale/role-assignment-written"},
                }
            ]
        },
        "activityLogAlertName": "staudit-role-assignment-written",
        "condition": {
            "allOf": [
                {"equals": "Administrative", "field": "category"},
                {"equals": "Succeeded", "field": "status"},
                {
                    "anyOf": [
                        {"equals": "Microsoft.Authorization/roleAssignments/write", "field": "operationName"},
                        {"equals": "Microsoft.Authorization/roleAssignments/delete", "field": "operationName"},
                    ]
                },
            ]
        },
        "description": "A role assignment was written or removed in the platform's resource group. Runbook: "
        "https://runbooks.example.com/aiscale/role-assignment-written",
        "enabled": True,
        "location": "global",
        "resourceGroupName": "rg-unit",
        "scopes": [f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-unit"],
        "tags": {"owner": "ml"},
    }
    deleted = find(run, "azure-native:monitor:ActivityLogAlert", "audit-alert-diagnostic-setting-deleted")
    assert deleted.inputs["scopes"] == [f"/subscriptions/{SUBSCRIPTION}"]
    key_alert = find(run, "azure-native:monitor:ScheduledQueryRule", "audit-alert-key-deleted")
    assert key_alert.inputs["criteria"]["allOf"][0]["query"] == (
        'AZKVAuditLogs | where OperationName in ("KeyDelete", "KeyPurge") | summarize Removed = count()'
    )
    assert key_alert.inputs["scopes"] == ["/workspaces/logs"]
    assert key_alert.inputs["actions"]["customProperties"] == {
        "runbook": "https://runbooks.example.com/aiscale/key-deleted"
    }


def prod_trail() -> Any:
    return record_program(
        lambda: AzureAuditTrail(
            "audit",
            azure_args(
                customer_managed_key=KEY,
                private_endpoint={"subnet_id": "/subnets/endpoints"},
                delivery_writer_principal_id="11111111-2222-4333-8444-555555555555",
                alert_routing=ROUTING,
                tags={"owner": "ml"},
                lock={"level": "CanNotDelete"},
            ),
        )
    )


GROUP_SCOPE = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-unit"


@pytest.mark.parametrize(
    ("alert", "operations", "scope", "description"),
    [
        (
            "key-vault-deleted",
            ["Microsoft.KeyVault/vaults/delete", "Microsoft.KeyVault/locations/deletedVaults/purge/action"],
            GROUP_SCOPE,
            "A Key Vault of the platform was deleted or purged: what its keys encrypt becomes unreadable.",
        ),
        (
            "diagnostic-setting-deleted",
            ["Microsoft.Insights/diagnosticSettings/delete"],
            f"/subscriptions/{SUBSCRIPTION}",
            "A diagnostic setting was deleted in the subscription: logs (perhaps the audit trail) stop flowing.",
        ),
        (
            "lock-deleted",
            ["Microsoft.Authorization/locks/delete"],
            f"/subscriptions/{SUBSCRIPTION}",
            "A management lock was removed in the subscription: what it protected can now be deleted.",
        ),
    ],
)
def test_azure_activity_log_alerts(alert: str, operations: list[str], scope: str, description: str) -> None:
    run = prod_trail()
    runbook = f"https://runbooks.example.com/aiscale/{alert}"
    assert find(run, "azure-native:monitor:ActivityLogAlert", f"audit-alert-{alert}").inputs == {
        "actions": {
            "actionGroups": [{"actionGroupId": "/actionGroups/alerts", "webhookProperties": {"runbook": runbook}}]
        },
        "activityLogAlertName": f"staudit-{alert}",
        "condition": {
            "allOf": [
                {"equals": "Administrative", "field": "category"},
                {"equals": "Succeeded", "field": "status"},
                {"anyOf": [{"equals": operation, "field": "operationName"} for operation in operations]},
            ]
        },
        "description": f"{description} Runbook: {runbook}",
        "enabled": True,
        "location": "global",
        "resourceGroupName": "rg-unit",
        "scopes": [scope],
        "tags": {"owner": "ml"},
    }


def test_azure_key_deletion_log_alert() -> None:
    run = prod_trail()
    runbook = "https://runbooks.example.com/aiscale/key-deleted"
    assert find(run, "azure-native:monitor:ScheduledQueryRule", "audit-alert-key-deleted").inputs == {
        "actions": {"actionGroups": ["/actionGroups/alerts"], "customProperties": {"runbook": runbook}},
        "autoMitigate": True,
        "criteria": {
            "allOf": [
                {
                    "failingPeriods": {"minFailingPeriodsToAlert": 1, "numberOfEvaluationPeriods": 1},
                    "metricMeasureColumn": "Removed",
                    "operator": "GreaterThan",
                    "query": 'AZKVAuditLogs | where OperationName in ("KeyDelete", "KeyPurge") '
                    "| summarize Removed = count()",
                    "threshold": 0,
                    "timeAggregation": "Maximum",
                }
            ]
        },
        "description": "A Key Vault key was deleted or purged: data encrypted with it is lost once it is purged. "
        f"Runbook: {runbook}",
        "enabled": True,
        "evaluationFrequency": "PT5M",
        "kind": "LogAlert",
        # Log alerts are evaluated where the workspace is.
        "location": "westeurope",
        "resourceGroupName": "rg-unit",
        "ruleName": "staudit-key-deleted",
        "scopes": ["/workspaces/logs"],
        "severity": 1,
        "tags": {"owner": "ml"},
        "windowSize": "PT15M",
    }


def test_azure_audit_access_lock_and_private_endpoint() -> None:
    run = prod_trail()
    account = find(run, "azure-native:storage:StorageAccount", "audit-storage")
    identity = find(run, "azure-native:managedidentity:UserAssignedIdentity", "audit-identity")
    assert identity.inputs == {
        "location": "westeurope",
        "resourceGroupName": "rg-unit",
        "resourceName": "staudit-identity",
        "tags": {"owner": "ml"},
    }
    key_user = find(run, "azure-native:authorization:RoleAssignment", "audit-key-user")
    assert key_user.inputs == {
        "description": "aiscale: the audit storage account encrypts with the customer key",
        "principalId": "[unknown]",
        "principalType": "ServicePrincipal",
        "roleAssignmentName": key_user.inputs["roleAssignmentName"],
        # Key Vault Crypto Service Encryption User, on the key only.
        "roleDefinitionId": f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
        "e147488a-f6f5-4113-8e2d-b22465e65bf6",
        "scope": "/vaults/kv/keys/data",
    }
    assert identity.urn in key_user.dependencies
    writer = find(run, "azure-native:authorization:RoleAssignment", "audit-delivery-writer")
    assert writer.inputs == {
        "description": "aiscale: CI ships promotion and rollout decisions to the audit store",
        "principalId": "11111111-2222-4333-8444-555555555555",
        "principalType": "ServicePrincipal",
        "roleAssignmentName": writer.inputs["roleAssignmentName"],
        # Storage Blob Data Contributor on the delivery container, not on the account.
        "roleDefinitionId": f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
        "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
        "scope": "[unknown]",
    }
    assert writer.property_dependencies["scope"] == [
        find(run, "azure-native:storage:BlobContainer", "audit-delivery").urn
    ]
    # Role assignment names are stable GUIDs: a second run plans no replacement.
    assert (key_user.inputs["roleAssignmentName"], writer.inputs["roleAssignmentName"]) == (
        find(prod_trail(), "azure-native:authorization:RoleAssignment", "audit-key-user").inputs["roleAssignmentName"],
        find(prod_trail(), "azure-native:authorization:RoleAssignment", "audit-delivery-writer").inputs[
            "roleAssignmentName"
        ],
    )
    lock = find(run, "azure-native:authorization:ManagementLockByScope", "audit-storage-lock")
    assert lock.inputs == {
        "level": "CanNotDelete",
        "lockName": "audit-storage-lock",
        "notes": "aiscale: stateful resource; remove the lock in the stack config before deleting",
        "scope": "[unknown]",
    }
    assert lock.property_dependencies["scope"] == [account.urn]
    endpoint = find(run, "azure-native:network:PrivateEndpoint", "audit-pe-blob")
    assert endpoint.inputs == {
        "customNetworkInterfaceName": "audit-pe-blob-nic",
        "location": "westeurope",
        "privateEndpointName": "audit-pe-blob",
        "privateLinkServiceConnections": [
            {"groupIds": ["blob"], "name": "audit-pe-blob", "privateLinkServiceId": "[unknown]"}
        ],
        "resourceGroupName": "rg-unit",
        "subnet": {
            "id": "/subnets/endpoints",
            "privateEndpointNetworkPolicies": "Disabled",
            "privateLinkServiceNetworkPolicies": "Enabled",
        },
        "tags": {"owner": "ml"},
    }
    assert endpoint.property_dependencies["privateLinkServiceConnections"] == [account.urn]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"categories": ["Administrative", "Audit"]}, "categories: ['Audit'] are not activity log categories"),
        ({"categories": ["Security", "Security"]}, "categories: give each category once"),
        ({"worm_retention_days": 0}, "worm_retention_days: 0 is outside 1-146000"),
        ({"lock": {"level": "ReadOnly"}}, "lock.level: ReadOnly stops Azure Monitor from writing"),
        (
            {"alert_routing": {"action_group_id": "/ag", "runbook_base_url": "https://r.example.com"}},
            "alert_routing.log_analytics_workspace_id: the key deletion alert queries",
        ),
    ],
)
def test_azure_audit_trail_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: AzureAuditTrail("audit", azure_args(**changes)))
    assert message in str(caught.value)
    assert "aiscale:index:AzureAuditTrail" in str(caught.value)


def cost_args(**changes: Any) -> AzureCostManagementArgs:
    base: AzureCostManagementArgs = {
        "subscription_id": SUBSCRIPTION,
        "display_name": "rg-aiscale-prod",
        "anomaly_alert": {"emails": ["finops@example.com"], "start_date": "2026-01-01", "end_date": "2036-01-01"},
        "alert_routing": ROUTING,
        "tag_inheritance": True,
    }
    return changed(base, changes)


def test_cost_management() -> None:
    run = record_program(lambda: AzureCostManagement("cost", cost_args()))
    assert children(run, find(run, "aiscale:index:AzureCostManagement", "cost")) == [
        ("azure-native:costmanagement:ScheduledActionByScope", "cost-anomaly-alert"),
        ("azure-native:costmanagement:TagInheritanceSetting", "cost-tag-inheritance"),
    ]
    assert find(run, "azure-native:costmanagement:ScheduledActionByScope", "cost-anomaly-alert").inputs == {
        "displayName": "rg-aiscale-prod",
        "kind": "InsightAlert",
        "name": "cost-anomaly-alert",
        "notification": {
            "message": "Spend of the subscription departs from its forecast. Runbook: "
            "https://runbooks.example.com/aiscale/cost-anomaly",
            "subject": "Cost anomaly: rg-aiscale-prod",
            "to": ["finops@example.com"],
        },
        "schedule": {"endDate": "2036-01-01T00:00:00Z", "frequency": "Daily", "startDate": "2026-01-01T00:00:00Z"},
        "scope": f"subscriptions/{SUBSCRIPTION}",
        "status": "Enabled",
        "viewId": f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.CostManagement/views/ms:DailyAnomalyByResourceGroup",
    }
    assert find(run, "azure-native:costmanagement:TagInheritanceSetting", "cost-tag-inheritance").inputs == {
        "kind": "taginheritance",
        "properties": {"preferContainerTags": False},
        "scope": f"subscriptions/{SUBSCRIPTION}",
    }


def test_cost_management_is_off_unless_asked() -> None:
    run = record_program(lambda: AzureCostManagement("cost", {"subscription_id": SUBSCRIPTION, "display_name": "rg"}))
    assert children(run, find(run, "aiscale:index:AzureCostManagement", "cost")) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"display_name": "x" * 60}, "display_name: the alert subject must fit 70 characters"),
        (
            {"anomaly_alert": {"emails": [], "start_date": "2026-01-01", "end_date": "2027-01-01"}},
            "anomaly_alert.emails: at least one address",
        ),
        (
            {"anomaly_alert": {"emails": ["a@example.com"], "start_date": "2026-01-01", "end_date": "2026-01-01"}},
            "anomaly_alert.end_date: must be after start_date",
        ),
        (
            {"alert_routing": {**ROUTING, "runbook_base_url": "https://runbooks.example.com/" + "r" * 200}},
            "alert_routing.runbook_base_url: the alert message with the link must fit 250",
        ),
    ],
)
def test_cost_management_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: AzureCostManagement("cost", cost_args(**changes)))
    assert message in str(caught.value)


def gcp_args(**changes: Any) -> GcpAuditTrailArgs:
    base: GcpAuditTrailArgs = {
        "project": "p-unit",
        "location": "europe-west4",
        "bucket_id": "aiscale-audit",
        "retention_days": 400,
    }
    return changed(base, changes)


def test_gcp_audit_trail_minimal() -> None:
    run = record_program(lambda: GcpAuditTrail("audit", gcp_args()))
    assert children(run, find(run, "aiscale:index:GcpAuditTrail", "audit")) == [
        ("gcp:projects/iAMAuditConfig:IAMAuditConfig", "audit-aiplatform-audit-logs"),
        ("gcp:projects/iAMAuditConfig:IAMAuditConfig", "audit-container-audit-logs"),
        ("gcp:projects/iAMAuditConfig:IAMAuditConfig", "audit-storage-audit-logs"),
        ("gcp:logging/projectBucketConfig:ProjectBucketConfig", "audit-bucket"),
        ("gcp:logging/projectSink:ProjectSink", "audit-sink"),
    ]
    assert find(run, "gcp:projects/iAMAuditConfig:IAMAuditConfig", "audit-aiplatform-audit-logs").inputs == {
        "auditLogConfigs": [{"logType": "DATA_READ"}, {"logType": "DATA_WRITE"}],
        "project": "p-unit",
        "service": "aiplatform.googleapis.com",
    }
    assert find(run, "gcp:logging/projectBucketConfig:ProjectBucketConfig", "audit-bucket").inputs == {
        "bucketId": "aiscale-audit",
        "description": "aiscale audit trail: Cloud Audit Logs and delivery decisions",
        "location": "europe-west4",
        "locked": False,
        "project": "p-unit",
        "retentionDays": 400,
    }
    sink = find(run, "gcp:logging/projectSink:ProjectSink", "audit-sink")
    assert sink.inputs == {
        "description": "Every Cloud Audit Log and the delivery decisions, into the audit bucket",
        "destination": "logging.googleapis.com/projects/p-unit/locations/europe-west4/buckets/aiscale-audit",
        "filter": 'logName:"cloudaudit.googleapis.com" OR logName="projects/p-unit/logs/aiscale-delivery"',
        "name": "aiscale-audit-sink",
        "project": "p-unit",
        "uniqueWriterIdentity": True,
    }
    # The sink's destination is the bucket: the policy pack follows that dependency.
    bucket = find(run, "gcp:logging/projectBucketConfig:ProjectBucketConfig", "audit-bucket")
    assert bucket.urn in sink.dependencies


def test_gcp_audit_trail_prod_shape() -> None:
    routing = {
        "notification_channels": ["projects/p-unit/notificationChannels/1"],
        "runbook_base_url": ROUTING["runbook_base_url"],
    }
    run = record_program(
        lambda: GcpAuditTrail(
            "audit",
            gcp_args(
                services=["aiplatform"],
                diagnostics={"log_types": ["DATA_READ", "DATA_WRITE", "ADMIN_READ"]},
                customer_managed_key={"key_id": "projects/p-unit/locations/europe-west4/keyRings/r/cryptoKeys/k"},
                locked=True,
                protect=True,
                alert_routing=routing,
                labels={"owner": "ml"},
            ),
        )
    )
    assert children(run, find(run, "aiscale:index:GcpAuditTrail", "audit")) == [
        ("gcp:projects/iAMAuditConfig:IAMAuditConfig", "audit-aiplatform-audit-logs"),
        ("gcp:logging/projectBucketConfig:ProjectBucketConfig", "audit-bucket"),
        ("gcp:logging/projectSink:ProjectSink", "audit-sink"),
        ("gcp:monitoring/alertPolicy:AlertPolicy", "audit-alert-audit-config-changed"),
    ]
    bucket = find(run, "gcp:logging/projectBucketConfig:ProjectBucketConfig", "audit-bucket")
    assert bucket.protect and bucket.inputs["locked"] is True
    assert bucket.inputs["cmekSettings"] == {
        "kmsKeyName": "projects/p-unit/locations/europe-west4/keyRings/r/cryptoKeys/k"
    }
    assert find(run, "gcp:logging/projectSink:ProjectSink", "audit-sink").protect
    audit = find(run, "gcp:projects/iAMAuditConfig:IAMAuditConfig", "audit-aiplatform-audit-logs")
    assert audit.inputs["auditLogConfigs"] == [
        {"logType": "DATA_READ"},
        {"logType": "DATA_WRITE"},
        {"logType": "ADMIN_READ"},
    ]
    alert = find(run, "gcp:monitoring/alertPolicy:AlertPolicy", "audit-alert-audit-config-changed")
    assert alert.inputs["conditions"] == [
        {
            "conditionMatchedLog": {"filter": TAMPERING_FILTER},
            "displayName": "Audit config, sink or bucket changed",
        }
    ]
    assert alert.inputs["documentation"]["links"] == [
        {"displayName": "Runbook", "url": "https://runbooks.example.com/aiscale/audit-config-changed"}
    ]
    assert alert.inputs["notificationChannels"] == ["projects/p-unit/notificationChannels/1"]
    assert alert.inputs["alertStrategy"]["notificationRateLimit"] == {"period": "300s"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"services": ["cloudkms"]}, "services: ['cloudkms'] are not among aiplatform, container, storage"),
        ({"retention_days": 0}, "retention_days: 0 is outside 1-3650"),
        ({"locked": True}, "locked: a locked bucket cannot be deleted while it holds entries: protect it too"),
        ({"diagnostics": {"log_types": ["DATA_DELETE"]}}, "diagnostics.log_types: ['DATA_DELETE'] are not among"),
        (
            {"location": "global", "customer_managed_key": {"key_id": "k"}},
            "location: a CMEK log bucket needs a region",
        ),
    ],
)
def test_gcp_audit_trail_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: GcpAuditTrail("audit", gcp_args(**changes)))
    assert message in str(caught.value)
