"""aiscale:index:AksCluster and aiscale:index:AksGpuNodePool: exact children and inputs, validation."""

from typing import Any

import pytest

from aiscale.components.azure.aks import AksCluster, AksClusterArgs
from aiscale.components.azure.gpu_node_pool import AksGpuNodePool, AksGpuNodePoolArgs
from aiscale.components.common.customer_managed_key import AzureCustomerManagedKeyArgs
from aiscale.core.engine import record_program
from aiscale.core.errors import InvalidArgumentError
from tests.conftest import changed, children, find

SUB = "6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a01"
TENANT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
ADMINS = "3f6c0f5e-8a41-4c8e-9d2b-7a1e5c3b9f01"
KEY: AzureCustomerManagedKeyArgs = {
    "key_vault_id": "/vault",
    "key_vault_uri": "https://kv/",
    "key_name": "k",
    "key_id": "/vault/keys/k",
    "key_uri": "https://kv/keys/k",
    "key_versioned_uri": "https://kv/keys/k/1",
}


def cluster_args(**changes: Any) -> AksClusterArgs:
    base: AksClusterArgs = {
        "cluster_name": "aks-unit",
        "resource_group_name": "rg",
        "location": "westeurope",
        "subscription_id": SUB,
        "tenant_id": TENANT,
        "admin_group_object_ids": [ADMINS],
        "vnet_id": "/vnet",
        "system_subnet_id": "/vnet/subnets/system",
        "system_pool": {"vm_size": "Standard_D4ds_v5", "min_nodes": 2, "max_nodes": 5},
        "log_analytics_workspace_id": "/logs",
        "control_plane": {"private": True},
        "private_dns_zone_id": "/zone",
        "api_server_subnet_id": "/vnet/subnets/apiserver",
        "maintenance_window": {"day_of_week": "Sunday", "start_hour": 2, "duration_hours": 4},
        "disk_encryption_key": KEY,
        "secrets_encryption_key": KEY,
        "prometheus": {"monitor_workspace_id": "/amw"},
        "diagnostics": {"workspace_id": "/logs"},
        "tags": {"owner": "team"},
        "protect": True,
    }
    return changed(base, changes)


def test_cluster_children() -> None:
    run = record_program(lambda: AksCluster("aks", cluster_args()))
    assert children(run, find(run, "aiscale:index:AksCluster", "aks")) == [
        ("azure-native:managedidentity:UserAssignedIdentity", "aks-identity"),
        ("azure-native:authorization:RoleAssignment", "aks-network-contributor"),
        ("azure-native:authorization:RoleAssignment", "aks-dns-contributor"),
        ("azure-native:authorization:RoleAssignment", "aks-kms-crypto-user"),
        ("azure-native:authorization:RoleAssignment", "aks-kms-vault-contributor"),
        ("azure-native:compute:DiskEncryptionSet", "aks-des"),
        ("azure-native:authorization:RoleAssignment", "aks-des-key-user"),
        ("azure-native:containerservice:ManagedCluster", "aks-cluster"),
        ("azure-native:containerservice:MaintenanceConfiguration", "aks-maintenance-kubernetes"),
        ("azure-native:containerservice:MaintenanceConfiguration", "aks-maintenance-node-os"),
        ("azure-native:monitor:DataCollectionEndpoint", "aks-prometheus-dce"),
        ("azure-native:monitor:DataCollectionRule", "aks-prometheus-dcr"),
        ("azure-native:monitor:DataCollectionRuleAssociation", "aks-prometheus-dcra"),
        ("azure-native:monitor:DiagnosticSetting", "aks-diagnostics"),
    ]


def test_private_cmk_cluster_inputs() -> None:
    run = record_program(lambda: AksCluster("aks", cluster_args()))
    cluster = find(run, "azure-native:containerservice:ManagedCluster", "aks-cluster")
    assert cluster.protect
    assert cluster.ignore_changes == ["agentPoolProfiles[0].count"]
    assert cluster.inputs == {
        "aadProfile": {"adminGroupObjectIDs": [ADMINS], "enableAzureRBAC": True, "managed": True, "tenantID": TENANT},
        "addonProfiles": {
            "azurepolicy": {"enabled": True},
            "omsagent": {"config": {"logAnalyticsWorkspaceResourceID": "/logs", "useAADAuth": "true"}, "enabled": True},
        },
        "agentPoolProfiles": [
            {
                "count": 2,
                "enableAutoScaling": True,
                "enableEncryptionAtHost": True,
                "enableNodePublicIP": False,
                "maxCount": 5,
                "minCount": 2,
                "mode": "System",
                "name": "system",
                "nodeTaints": ["CriticalAddonsOnly=true:NoSchedule"],
                "osDiskType": "Managed",
                "osSKU": "AzureLinux",
                "osType": "Linux",
                "type": "VirtualMachineScaleSets",
                "upgradeSettings": {"maxSurge": "33%"},
                "vmSize": "Standard_D4ds_v5",
                "vnetSubnetID": "/vnet/subnets/system",
            }
        ],
        "apiServerAccessProfile": {
            "disableRunCommand": True,
            "enablePrivateCluster": True,
            "enablePrivateClusterPublicFQDN": False,
            "enableVnetIntegration": True,
            "privateDNSZone": "/zone",
            "subnetId": "/vnet/subnets/apiserver",
        },
        "autoUpgradeProfile": {"nodeOSUpgradeChannel": "NodeImage", "upgradeChannel": "patch"},
        "azureMonitorProfile": {"metrics": {"enabled": True}},
        "disableLocalAccounts": True,
        "diskEncryptionSetID": "[unknown]",
        "dnsPrefix": "aks-unit",
        "enableRBAC": True,
        "identity": {"type": "UserAssigned", "userAssignedIdentities": ["[unknown]"]},
        "location": "westeurope",
        "networkProfile": {
            "dnsServiceIP": "172.16.0.10",
            "loadBalancerSku": "standard",
            "networkDataplane": "cilium",
            "networkPlugin": "azure",
            "networkPluginMode": "overlay",
            "networkPolicy": "cilium",
            "outboundType": "loadBalancer",
            "podCidr": "10.244.0.0/16",
            "serviceCidr": "172.16.0.0/16",
        },
        "nodeResourceGroup": "aks-unit-nodes",
        "oidcIssuerProfile": {"enabled": True},
        "publicNetworkAccess": "Disabled",
        "resourceGroupName": "rg",
        "resourceName": "aks-unit",
        "securityProfile": {
            "azureKeyVaultKms": {
                "enabled": True,
                "keyId": "https://kv/keys/k/1",
                "keyVaultNetworkAccess": "Private",
                "keyVaultResourceId": "/vault",
            },
            "workloadIdentity": {"enabled": True},
        },
        "sku": {"name": "Base", "tier": "Standard"},
        "tags": {"owner": "team"},
    }
    # Permissions exist before the cluster is created.
    assignments = [r.urn for r in run.registrations if r.type == "azure-native:authorization:RoleAssignment"]
    assert set(assignments) <= set(cluster.dependencies)


def test_disk_encryption_set_and_role() -> None:
    run = record_program(lambda: AksCluster("aks", cluster_args()))
    des = find(run, "azure-native:compute:DiskEncryptionSet", "aks-des")
    role = find(run, "azure-native:authorization:RoleAssignment", "aks-des-key-user")
    assert des.protect
    assert des.inputs == {
        "activeKey": {"keyUrl": "https://kv/keys/k/1", "sourceVault": {"id": "/vault"}},
        "diskEncryptionSetName": "aks-unit-des",
        "encryptionType": "EncryptionAtRestWithCustomerKey",
        "identity": {"type": "SystemAssigned"},
        "location": "westeurope",
        "resourceGroupName": "rg",
        "rotationToLatestKeyVersionEnabled": True,
        "tags": {"owner": "team"},
    }
    assert role.inputs["scope"] == "/vault/keys/k"
    assert role.inputs["roleDefinitionId"].endswith("/e147488a-f6f5-4113-8e2d-b22465e65bf6")
    assert role.property_dependencies["principalId"] == [des.urn]


def test_maintenance_windows() -> None:
    run = record_program(lambda: AksCluster("aks", cluster_args()))
    kubernetes = find(run, "azure-native:containerservice:MaintenanceConfiguration", "aks-maintenance-kubernetes")
    node_os = find(run, "azure-native:containerservice:MaintenanceConfiguration", "aks-maintenance-node-os")
    assert kubernetes.inputs == {
        "configName": "aksManagedAutoUpgradeSchedule",
        "maintenanceWindow": {
            "durationHours": 4,
            "schedule": {"weekly": {"dayOfWeek": "Sunday", "intervalWeeks": 1}},
            "startTime": "02:00",
            "utcOffset": "+00:00",
        },
        "resourceGroupName": "rg",
        "resourceName": "aks-unit",
    }
    assert node_os.inputs["configName"] == "aksManagedNodeOSUpgradeSchedule"


def test_prometheus_collection() -> None:
    run = record_program(lambda: AksCluster("aks", cluster_args()))
    rule = find(run, "azure-native:monitor:DataCollectionRule", "aks-prometheus-dcr")
    assert rule.inputs == {
        "dataCollectionEndpointId": "[unknown]",
        "dataCollectionRuleName": "aks-unit-prometheus",
        "dataFlows": [{"destinations": ["monitor-workspace"], "streams": ["Microsoft-PrometheusMetrics"]}],
        "dataSources": {"prometheusForwarder": [{"name": "prometheus", "streams": ["Microsoft-PrometheusMetrics"]}]},
        "destinations": {"monitoringAccounts": [{"accountResourceId": "/amw", "name": "monitor-workspace"}]},
        "kind": "Linux",
        "location": "westeurope",
        "resourceGroupName": "rg",
        "tags": {"owner": "team"},
    }


def test_public_cluster_without_cmk() -> None:
    args = cluster_args(control_plane={"private": False, "authorized_ranges": ["203.0.113.0/24"]})
    for key in ("disk_encryption_key", "private_dns_zone_id", "api_server_subnet_id"):
        del args[key]
    run = record_program(lambda: AksCluster("aks", args))
    cluster = find(run, "azure-native:containerservice:ManagedCluster", "aks-cluster")
    assert cluster.inputs["apiServerAccessProfile"] == {
        "authorizedIPRanges": ["203.0.113.0/24"],
        "disableRunCommand": True,
        "enablePrivateCluster": False,
    }
    assert cluster.inputs["publicNetworkAccess"] == "Enabled"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"control_plane": {"private": False}}, "control_plane.authorized_ranges: a public control plane needs them"),
        ({"control_plane": {"private": False, "authorized_ranges": ["0.0.0.0/0"]}}, "must not contain 0.0.0.0/0"),
        (
            {"control_plane": {"private": True, "authorized_ranges": ["203.0.113.0/24"]}},
            "apply to a public control plane only",
        ),
        (
            {"control_plane": {"private": False, "authorized_ranges": ["203.0.113.0/24"]}},
            "private_dns_zone_id: applies to a private API server only",
        ),
        ({"admin_group_object_ids": []}, "admin_group_object_ids: at least one Entra ID group"),
        ({"network_policy": "none"}, "network_policy: 'none' is not one of cilium, azure, calico"),
        (
            {"maintenance_window": {"day_of_week": "Sunday", "start_hour": 2, "duration_hours": 2}},
            "maintenance_window.duration_hours: must be 4 to 24 hours",
        ),
        ({"lock": {"level": "Frozen"}}, "lock.level: 'Frozen' is not one of CanNotDelete, ReadOnly"),
        ({"tags": {"a/b": "x"}}, "tags: tag name 'a/b' is longer than 512 characters or contains one of"),
        ({"diagnostics": {"workspace_id": "/logs", "log_category_groups": ["all"]}}, "['all'] are not among"),
    ],
)
def test_cluster_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: AksCluster("aks", cluster_args(**changes)))
    assert message in str(caught.value)


def test_cost_analysis_splits_the_cluster_cost_by_namespace() -> None:
    run = record_program(lambda: AksCluster("aks", cluster_args(tier="Standard", cost_analysis=True)))
    cluster = find(run, "azure-native:containerservice:ManagedCluster", "aks-cluster")
    assert cluster.inputs["metricsProfile"] == {"costAnalysis": {"enabled": True}}
    assert cluster.inputs["sku"] == {"name": "Base", "tier": "Standard"}
    off = record_program(lambda: AksCluster("aks", cluster_args()))
    assert "metricsProfile" not in find(off, "azure-native:containerservice:ManagedCluster", "aks-cluster").inputs


def test_cost_analysis_on_the_free_tier_names_the_field() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: AksCluster("aks", cluster_args(tier="Free", cost_analysis=True)))
    assert str(caught.value) == (
        "aiscale:index:AksCluster: cost_analysis: AKS cost analysis needs tier Standard or Premium (tier is Free): "
        "set tier: Standard, or turn it off"
    )


def pool_args(**changes: Any) -> AksGpuNodePoolArgs:
    base: AksGpuNodePoolArgs = {
        "pool_name": "a100",
        "cluster_name": "aks-unit",
        "resource_group_name": "rg",
        "vm_size": "Standard_NC24ads_A100_v4",
        "min_nodes": 0,
        "max_nodes": 3,
        "subnet_id": "/vnet/subnets/gpu",
    }
    return changed(base, changes)


def test_gpu_pool_on_demand() -> None:
    run = record_program(lambda: AksGpuNodePool("gpu", pool_args(mig_profile="MIG3g", node_labels={"team": "fraud"})))
    assert children(run, find(run, "aiscale:index:AksGpuNodePool", "gpu")) == [
        ("azure-native:containerservice:AgentPool", "gpu-pool")
    ]
    pool = find(run, "azure-native:containerservice:AgentPool", "gpu-pool")
    assert pool.ignore_changes == ["count"]
    assert pool.inputs == {
        "agentPoolName": "a100",
        "count": 0,
        "enableAutoScaling": True,
        "enableEncryptionAtHost": True,
        "enableNodePublicIP": False,
        "gpuInstanceProfile": "MIG3g",
        "gpuProfile": {"driver": "Install"},
        "maxCount": 3,
        "minCount": 0,
        "mode": "User",
        "nodeLabels": {
            "aiscale.io/gpu-count": "1",
            "aiscale.io/gpu-model": "A100",
            "aiscale.io/gpu-pool": "a100",
            "aiscale.io/mig-profile": "MIG3g",
            "aiscale.io/purpose": "serving",
            "team": "fraud",
        },
        "nodeTaints": ["nvidia.com/gpu=present:NoSchedule"],
        "osDiskSizeGB": 128,
        "osSKU": "Ubuntu",
        "osType": "Linux",
        "resourceGroupName": "rg",
        "resourceName": "aks-unit",
        "scaleSetPriority": "Regular",
        "type": "VirtualMachineScaleSets",
        "upgradeSettings": {"drainTimeoutInMinutes": 30, "maxSurge": "10%"},
        "vmSize": "Standard_NC24ads_A100_v4",
        "vnetSubnetID": "/vnet/subnets/gpu",
    }


def test_gpu_pool_spot_for_the_gpu_operator() -> None:
    run = record_program(
        lambda: AksGpuNodePool("gpu", pool_args(spot=True, spot_max_price=1.5, driver="operator", purpose="training"))
    )
    pool = find(run, "azure-native:containerservice:AgentPool", "gpu-pool")
    assert pool.inputs["scaleSetPriority"] == "Spot"
    assert pool.inputs["scaleSetEvictionPolicy"] == "Delete"
    assert pool.inputs["spotMaxPrice"] == 1.5
    assert pool.inputs["gpuProfile"] == {"driver": "None"}
    assert pool.inputs["nodeTaints"] == [
        "nvidia.com/gpu=present:NoSchedule",
        "kubernetes.azure.com/scalesetpriority=spot:NoSchedule",
    ]
    assert "upgradeSettings" not in pool.inputs
    assert pool.inputs["nodeLabels"]["aiscale.io/purpose"] == "training"


def test_gpu_pool_of_a_team_carries_the_team_on_nodes_and_scale_set() -> None:
    run = record_program(lambda: AksGpuNodePool("gpu", pool_args(team="search", tags={"owner": "ml"})))
    pool = find(run, "azure-native:containerservice:AgentPool", "gpu-pool")
    # Cost Management splits by the scale set's tag; kubectl and the scheduler see the node label.
    assert pool.inputs["tags"] == {"owner": "ml", "team": "search"}
    assert pool.inputs["nodeLabels"] == {
        "aiscale.io/gpu-count": "1",
        "aiscale.io/gpu-model": "A100",
        "aiscale.io/gpu-pool": "a100",
        "aiscale.io/purpose": "serving",
        "aiscale.io/team": "search",
    }
    shared = find(
        record_program(lambda: AksGpuNodePool("gpu", pool_args())),
        "azure-native:containerservice:AgentPool",
        "gpu-pool",
    )
    assert "tags" not in shared.inputs and "aiscale.io/team" not in shared.inputs["nodeLabels"]


ROUTING: dict[str, Any] = {
    "action_group_id": "/ag/platform",
    "runbook_base_url": "https://runbooks.example.com/aiscale/",
    "monitor_workspace_id": "/amw/platform",
    "workspace_location": "westeurope",
}
THRESHOLDS = {"at_max_minutes": 45, "idle_hours": 3}


def test_gpu_pool_alerts_are_promql_rules_that_cover_the_pool() -> None:
    args = pool_args(alert_routing=ROUTING, alerts=THRESHOLDS, tags={"owner": "ml"})
    run = record_program(lambda: AksGpuNodePool("gpu", args))
    assert children(run, find(run, "aiscale:index:AksGpuNodePool", "gpu")) == [
        ("azure-native:containerservice:AgentPool", "gpu-pool"),
        ("azure-native:alertsmanagement:PrometheusRuleGroup", "gpu-alerts"),
    ]
    pool = find(run, "azure-native:containerservice:AgentPool", "gpu-pool")
    rules = find(run, "azure-native:alertsmanagement:PrometheusRuleGroup", "gpu-alerts")
    # The rule group's scope is the monitor workspace: it covers the pool through an explicit dependency.
    assert pool.urn in rules.dependencies

    def rule(alert: str, page: str, expression: str, for_: str, severity: int, summary: str) -> dict[str, Any]:
        return {
            "actions": [{"actionGroupId": "/ag/platform"}],
            "alert": alert,
            "annotations": {"runbook_url": f"https://runbooks.example.com/aiscale/{page}", "summary": summary},
            "enabled": True,
            "expression": expression,
            "for": for_,
            "resolveConfiguration": {"autoResolved": True, "timeToResolve": "PT10M"},
            "severity": severity,
        }

    assert rules.inputs == {
        "clusterName": "aks-unit",
        "description": "aiscale alerts for a100-gpu-pool-alerts",
        "enabled": True,
        "interval": "PT1M",
        "location": "westeurope",
        "resourceGroupName": "rg",
        "ruleGroupName": "a100-gpu-pool-alerts",
        "rules": [
            rule(
                "gpu-pool-a100-at-max",
                "gpu-pool-at-max",
                'count(kube_node_info{node=~"aks-a100-.*"}) >= 3',
                "PT45M",
                2,
                "GPU pool a100 has run at max_nodes (3): demand exceeds its cost ceiling",
            ),
            rule(
                "gpu-pool-a100-idle",
                "gpu-pool-idle",
                'max(DCGM_FI_DEV_GPU_UTIL{node=~"aks-a100-.*"}) < 1',
                "PT3H",
                3,
                "GPU pool a100 has nodes whose GPUs were idle for 3 h: scale it down",
            ),
        ],
        "scopes": ["/amw/platform"],
        "tags": {"owner": "ml"},
    }


def test_gpu_pool_without_idle_hours_has_only_the_at_max_alert() -> None:
    run = record_program(lambda: AksGpuNodePool("gpu", pool_args(alert_routing=ROUTING)))
    rules = find(run, "azure-native:alertsmanagement:PrometheusRuleGroup", "gpu-alerts")
    assert [(r["alert"], r["for"]) for r in rules.inputs["rules"]] == [("gpu-pool-a100-at-max", "PT30M")]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"vm_size": "Standard_D4s_v5"},
            "vm_size: 'Standard_D4s_v5' is not a GPU size aiscale knows; choose one of: Standard_NC16as_T4_v3,",
        ),
        (
            {"vm_size": "Standard_NC8as_T4_v3", "mig_profile": "MIG1g"},
            "mig_profile: MIG1g needs a size whose GPU has known MIG profiles",
        ),
        ({"vm_size": "Standard_NV6ads_A10_v5"}, "has a fraction of a GPU"),
        ({"pool_name": "GPU-Pool"}, "pool_name: 'GPU-Pool' must be 1-12 lowercase letters and digits"),
        ({"min_nodes": 4, "max_nodes": 2}, "min_nodes: need 0 <= min_nodes (4) <= max_nodes (2)"),
        ({"spot_max_price": 2.0}, "spot_max_price: only applies with spot=True"),
        ({"driver": "none"}, "driver: 'none' is not one of platform, operator"),
        (
            {"alert_routing": {k: v for k, v in ROUTING.items() if k != "monitor_workspace_id"}},
            "alert_routing.monitor_workspace_id: GPU pool alerts are PromQL rules",
        ),
        ({"alert_routing": ROUTING, "alerts": {"at_max_minutes": 2}}, "alerts.at_max_minutes: must be at least 5"),
        ({"alerts": THRESHOLDS}, "alerts: thresholds apply with alert_routing"),
        ({"eviction_policy": "Stop"}, "eviction_policy: 'Stop' is not one of Delete, Deallocate"),
        ({"team": "a<b"}, "team: 'a<b' is not a team name: 2-40 lowercase letters, digits and dashes"),
    ],
)
def test_gpu_pool_validation_names_field_and_choices(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: AksGpuNodePool("gpu", pool_args(**changes)))
    assert message in str(caught.value)


def test_cluster_lock_guards_the_cluster_against_deletion() -> None:
    run = record_program(lambda: AksCluster("aks", cluster_args(lock={})))
    cluster = find(run, "azure-native:containerservice:ManagedCluster", "aks-cluster")
    lock = find(run, "azure-native:authorization:ManagementLockByScope", "aks-cluster-lock")
    assert lock.parent == find(run, "aiscale:index:AksCluster", "aks").urn
    assert lock.inputs == {
        "level": "CanNotDelete",
        "lockName": "aks-cluster-lock",
        "notes": "aiscale: stateful resource; remove the lock in the stack config before deleting",
        "scope": "[unknown]",
    }
    assert lock.property_dependencies["scope"] == [cluster.urn]


def test_components_keep_their_previous_type_as_an_alias() -> None:
    run = record_program(lambda: AksGpuNodePool("gpu", pool_args()), keep_aliases=True)
    assert find(run, "aiscale:index:AksGpuNodePool", "gpu").aliases == 1
