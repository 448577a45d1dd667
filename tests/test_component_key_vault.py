"""aiscale:index:KeyVault: exact children and inputs, and argument validation."""

import uuid
from typing import Any

import pulumi
import pytest

from aiscale.components.azure import KeyVault, KeyVaultArgs
from aiscale.components.common.options import stable_guid
from aiscale.core.engine import record_program
from aiscale.core.errors import InvalidArgumentError
from tests.conftest import changed, children, find

SUBSCRIPTION = "6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a01"
TENANT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
PRINCIPAL = "11111111-2222-4333-8444-555555555555"


def args(**changes: Any) -> KeyVaultArgs:
    base: KeyVaultArgs = {
        "vault_name": "kv-unit-weu",
        "resource_group_name": "rg-unit",
        "location": "westeurope",
        "tenant_id": TENANT,
        "subscription_id": SUBSCRIPTION,
        "keys": {"disks": {"key_type": "RSA-HSM", "key_size": 3072}, "etcd": {"rotate_after_days": 30}},
        "key_access": {"des": {"principal_id": PRINCIPAL, "keys": ["disks"]}},
        "tags": {"owner": "ml-platform"},
        "protect": True,
    }
    return changed(base, changes)


def record(component_args: KeyVaultArgs) -> Any:
    return record_program(lambda: KeyVault("kv", component_args))


def test_children() -> None:
    run = record(args())
    component = find(run, "aiscale:index:KeyVault", "kv")
    assert children(run, component) == [
        ("azure-native:keyvault:Vault", "kv-vault"),
        ("azure-native:keyvault:Key", "kv-key-disks"),
        ("azure-native:keyvault:Key", "kv-key-etcd"),
        ("azure-native:authorization:RoleAssignment", "kv-des-disks"),
    ]
    assert len(run.registrations) == 5


def test_vault_is_private_rbac_and_purge_protected() -> None:
    vault = find(record(args()), "azure-native:keyvault:Vault", "kv-vault")
    assert vault.protect
    assert vault.inputs == {
        "location": "westeurope",
        "resourceGroupName": "rg-unit",
        "tags": {"owner": "ml-platform"},
        "vaultName": "kv-unit-weu",
        "properties": {
            "enablePurgeProtection": True,
            "enableRbacAuthorization": True,
            "enableSoftDelete": True,
            "enabledForDeployment": False,
            "enabledForDiskEncryption": False,
            "enabledForTemplateDeployment": False,
            "networkAcls": {"bypass": "AzureServices", "defaultAction": "Deny"},
            "publicNetworkAccess": "Disabled",
            "sku": {"family": "A", "name": "premium"},  # an HSM key needs premium
            "softDeleteRetentionInDays": 90,
            "tenantId": TENANT,
        },
    }


def test_keys_carry_rotation_policies() -> None:
    run = record(args())
    vault = find(run, "azure-native:keyvault:Vault", "kv-vault")
    disks = find(run, "azure-native:keyvault:Key", "kv-key-disks")
    etcd = find(run, "azure-native:keyvault:Key", "kv-key-etcd")
    assert disks.protect and etcd.protect
    assert disks.dependencies == [vault.urn]
    assert disks.inputs == {
        "keyName": "disks",
        "resourceGroupName": "rg-unit",
        "tags": {"owner": "ml-platform"},
        "vaultName": "kv-unit-weu",
        "properties": {
            "kty": "RSA-HSM",
            "keySize": 3072,
            "rotationPolicy": {
                "attributes": {"expiryTime": "P365D"},
                "lifetimeActions": [
                    {"action": {"type": "rotate"}, "trigger": {"timeAfterCreate": "P90D"}},
                    {"action": {"type": "notify"}, "trigger": {"timeBeforeExpiry": "P30D"}},
                ],
            },
        },
    }
    assert etcd.inputs["properties"]["kty"] == "RSA"
    assert etcd.inputs["properties"]["rotationPolicy"]["lifetimeActions"][0]["trigger"] == {"timeAfterCreate": "P30D"}


def test_role_assignment_is_scoped_to_the_key_with_a_stable_name() -> None:
    run = record(args())
    disks = find(run, "azure-native:keyvault:Key", "kv-key-disks")
    assignment = find(run, "azure-native:authorization:RoleAssignment", "kv-des-disks")
    assert not assignment.protect
    assert assignment.inputs == {
        "description": "aiscale: des uses key disks",
        "principalId": PRINCIPAL,
        "principalType": "ServicePrincipal",
        "roleAssignmentName": stable_guid("kv-des-disks"),
        "roleDefinitionId": f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
        "e147488a-f6f5-4113-8e2d-b22465e65bf6",
        "scope": "[unknown]",
    }
    assert assignment.property_dependencies["scope"] == [disks.urn]
    assert uuid.UUID(stable_guid("kv-des-disks")).version == 5


def test_public_vault_with_firewall_rules_and_diagnostics() -> None:
    run = record(
        args(
            public_network_access=True,
            allowed_ip_ranges=["203.0.113.0/24"],
            allowed_subnet_ids=[
                "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/a"
            ],
            diagnostics={
                "workspace_id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/w"
            },
            keys={},
            key_access={},
            protect=False,
        )
    )
    vault = find(run, "azure-native:keyvault:Vault", "kv-vault")
    assert not vault.protect
    assert vault.inputs["properties"]["publicNetworkAccess"] == "Enabled"
    assert vault.inputs["properties"]["sku"] == {"family": "A", "name": "standard"}
    assert vault.inputs["properties"]["networkAcls"] == {
        "bypass": "AzureServices",
        "defaultAction": "Deny",
        "ipRules": [{"value": "203.0.113.0/24"}],
        "virtualNetworkRules": [
            {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/a"}
        ],
    }
    diagnostics = find(run, "azure-native:monitor:DiagnosticSetting", "kv-diagnostics")
    assert diagnostics.inputs == {
        "logAnalyticsDestinationType": "Dedicated",
        "logs": [{"categoryGroup": "allLogs", "enabled": True}],
        "metrics": [{"category": "AllMetrics", "enabled": True}],
        "name": "kv-diagnostics",
        "resourceUri": "[unknown]",
        "workspaceId": "/subscriptions/s/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/w",
    }
    assert diagnostics.property_dependencies["resourceUri"] == [vault.urn]


def test_outputs() -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        vault = KeyVault("kv", args())
        pulumi.Output.all(vault.key_ids, vault.vault_name).apply(lambda v: seen.update(ids=v[0], name=v[1]))

    record_program(program, preview=False)
    assert set(seen["ids"]) == {"disks", "etcd"}
    assert seen["name"] == "kv-unit-weu"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"vault_name": "1-bad"}, "aiscale:index:KeyVault: vault_name: '1-bad' must be 3-24 characters"),
        ({"keys": {"k": {"key_type": "AES"}}}, "keys.k.key_type: 'AES' is not one of RSA, RSA-HSM, EC, EC-HSM"),
        (
            {"keys": {"k": {"rotate_after_days": 120}}},
            "keys.k.rotate_after_days: rotation every 120 days exceeds the maximum of 90 days",
        ),
        ({"sku": "standard"}, "sku: HSM-protected keys need 'premium'"),
        ({"sku": "gold", "keys": {}, "key_access": {}}, "sku: 'gold' is not one of standard, premium"),
        ({"allowed_ip_ranges": ["203.0.113.0/24"]}, "allowed_ip_ranges: only apply with public_network_access=True"),
        (
            {"key_access": {"x": {"principal_id": PRINCIPAL, "keys": ["nope"]}}},
            "key_access.x.keys: ['nope'] are not keys",
        ),
        (
            {"key_access": {"x": {"principal_id": PRINCIPAL, "keys": ["disks"], "role": "owner"}}},
            "key_access.x.role: 'owner' is not one of",
        ),
        ({"soft_delete_retention_days": 3}, "soft_delete_retention_days: 3 is outside 7-90"),
    ],
)
def test_invalid_arguments_name_the_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record(args(**changes))
    assert message in str(caught.value)
