"""Checkov-style fixtures: for every policy, a program of raw provider resources named ``pass_*``, ``fail_*`` and
``na_*``, recorded through the offline engine and evaluated through the analyzer; exactly the ``fail_*`` ones must
fail and exactly the ``na_*`` ones must be reported not applicable (with a reason). Both Azure providers'
resources (azure-native and the classic pulumi-azure) are judged by the same policies.

Resources named otherwise are context (a resource group, a budget an alert is about) and must not fail either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_azure_native
import pulumi_kubernetes as k8s
import pytest
from pulumi_azure import containerservice as classic_cs
from pulumi_azure import keyvault as classic_kv
from pulumi_azure import machinelearning as classic_ml
from pulumi_azure import monitoring as classic_monitoring
from pulumi_azure import network as classic_network
from pulumi_azure import storage as classic_storage
from pulumi_azure_native import (
    alertsmanagement,
    authorization,
    consumption,
    containerregistry,
    containerservice,
    eventgrid,
    keyvault,
    machinelearningservices,
    monitor,
    network,
    operationalinsights,
    resources,
    storage,
)
from pulumi_gcp import billing, compute, container, kms, logging, monitoring, projects, pubsub, vertex
from pulumi_gcp import storage as gcs

from aiscale.components.gcp.vertex_deployment import VertexEndpointTraffic, VertexModelDeployment
from aiscale.components.gcp.vertex_monitoring import VertexModelMonitoringJob
from aiscale.core.engine import record_program
from aiscale.policies import all_policies
from aiscale.policies.evaluation import evaluate

RG = "rg-fixture"
LOC = "westeurope"
TAGS = {"owner": "ml", "cost-center": "cc-1", "environment": "prod"}
LABELS = dict(TAGS)
TENANT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
CS = containerservice


# --- Builders of mostly-compliant resources, each with one knob to break -------------------------------------


def aks(name: str, **changes: Any) -> CS.ManagedCluster:
    base: dict[str, Any] = {
        "resource_group_name": RG,
        "location": LOC,
        "tags": TAGS,
        "sku": CS.ManagedClusterSKUArgs(name="Base", tier="Standard"),
        "disable_local_accounts": True,
        "enable_rbac": True,
        "aad_profile": CS.ManagedClusterAADProfileArgs(managed=True, enable_azure_rbac=True),
        "api_server_access_profile": CS.ManagedClusterAPIServerAccessProfileArgs(enable_private_cluster=True),
        "network_profile": CS.ContainerServiceNetworkProfileArgs(network_plugin="azure", network_policy="cilium"),
        "disk_encryption_set_id": "/des/1",
        "addon_profiles": {
            "azurepolicy": CS.ManagedClusterAddonProfileArgs(enabled=True),
            "omsagent": CS.ManagedClusterAddonProfileArgs(
                enabled=True, config={"logAnalyticsWorkspaceResourceID": "/law/1"}
            ),
        },
        "auto_upgrade_profile": CS.ManagedClusterAutoUpgradeProfileArgs(
            upgrade_channel="stable", node_os_upgrade_channel="NodeImage"
        ),
        "oidc_issuer_profile": CS.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
        "security_profile": CS.ManagedClusterSecurityProfileArgs(
            workload_identity=CS.ManagedClusterSecurityProfileWorkloadIdentityArgs(enabled=True),
            azure_key_vault_kms=CS.AzureKeyVaultKmsArgs(enabled=True, key_id="https://kv/keys/etcd/1"),
        ),
        "agent_pool_profiles": [
            CS.ManagedClusterAgentPoolProfileArgs(
                name="system", mode="System", vm_size="Standard_D4ds_v5", enable_encryption_at_host=True
            )
        ],
    }
    base.update(changes)
    return CS.ManagedCluster(name, **base)


def pool(name: str, **changes: Any) -> CS.AgentPool:
    base: dict[str, Any] = {
        "resource_group_name": RG,
        "resource_name_": "aks",
        "vm_size": "Standard_NC24ads_A100_v4",
        "mode": "User",
        "enable_auto_scaling": True,
        "min_count": 0,
        "max_count": 4,
        "enable_encryption_at_host": True,
        "node_taints": ["nvidia.com/gpu=present:NoSchedule"],
    }
    base.update(changes)
    return CS.AgentPool(name, **base)


def vault(name: str, **properties: Any) -> keyvault.Vault:
    base: dict[str, Any] = {
        "tenant_id": TENANT,
        "sku": keyvault.SkuArgs(family="A", name=keyvault.SkuName.PREMIUM),
        "enable_purge_protection": True,
        "enable_rbac_authorization": True,
        "public_network_access": "Disabled",
    }
    base.update(properties)
    return keyvault.Vault(
        name, resource_group_name=RG, location=LOC, tags=TAGS, properties=keyvault.VaultPropertiesArgs(**base)
    )


def key(name: str, rotate: str | None = "P90D", kty: str = "RSA-HSM") -> keyvault.Key:
    rotation = (
        keyvault.RotationPolicyArgs(
            lifetime_actions=[
                keyvault.LifetimeActionArgs(
                    action=keyvault.ActionArgs(type=keyvault.KeyRotationPolicyActionType.ROTATE),
                    trigger=keyvault.TriggerArgs(time_after_create=rotate),
                )
            ]
        )
        if rotate
        else None
    )
    return keyvault.Key(
        name,
        key_name=name,
        vault_name="kv",
        resource_group_name=RG,
        tags=TAGS,
        properties=keyvault.KeyPropertiesArgs(kty=kty, rotation_policy=rotation),
    )


def gke(name: str, **changes: Any) -> container.Cluster:
    node = {
        "service_account": "nodes@p.iam.gserviceaccount.com",
        "boot_disk_kms_key": "projects/p/locations/l/keyRings/r/cryptoKeys/k",
        "shielded_instance_config": container.ClusterNodeConfigShieldedInstanceConfigArgs(
            enable_secure_boot=True, enable_integrity_monitoring=True
        ),
        "workload_metadata_config": container.ClusterNodeConfigWorkloadMetadataConfigArgs(mode="GKE_METADATA"),
    }
    node.update(changes.pop("node", {}))
    base: dict[str, Any] = {
        "location": "europe-west4",
        "resource_labels": LABELS,
        "private_cluster_config": container.ClusterPrivateClusterConfigArgs(
            enable_private_nodes=True, enable_private_endpoint=True
        ),
        "workload_identity_config": container.ClusterWorkloadIdentityConfigArgs(workload_pool="p.svc.id.goog"),
        "release_channel": container.ClusterReleaseChannelArgs(channel="STABLE"),
        "datapath_provider": "ADVANCED_DATAPATH",
        "database_encryption": container.ClusterDatabaseEncryptionArgs(state="ENCRYPTED", key_name="k"),
        "node_config": container.ClusterNodeConfigArgs(**node),
    }
    base.update(changes)
    return container.Cluster(name, **base)


def node_pool(name: str, gpu: bool = True, **changes: Any) -> container.NodePool:
    node: dict[str, Any] = {
        "machine_type": "g2-standard-8" if gpu else "e2-standard-4",
        "service_account": "nodes@p.iam.gserviceaccount.com",
        "boot_disk_kms_key": "k",
        "resource_labels": LABELS,
        "shielded_instance_config": container.NodePoolNodeConfigShieldedInstanceConfigArgs(enable_secure_boot=True),
        "workload_metadata_config": container.NodePoolNodeConfigWorkloadMetadataConfigArgs(mode="GKE_METADATA"),
    }
    if gpu:
        node["guest_accelerators"] = [
            container.NodePoolNodeConfigGuestAcceleratorArgs(
                type="nvidia-l4",
                count=1,
                gpu_driver_installation_config=container.NodePoolNodeConfigGuestAcceleratorGpuDriverInstallationConfigArgs(
                    gpu_driver_version="DEFAULT"
                ),
            )
        ]
        node["taints"] = [
            container.NodePoolNodeConfigTaintArgs(key="nvidia.com/gpu", value="present", effect="NO_SCHEDULE")
        ]
    node.update(changes.pop("node", {}))
    base: dict[str, Any] = {
        "cluster": "c",
        "autoscaling": container.NodePoolAutoscalingArgs(total_min_node_count=0, total_max_node_count=4),
        "node_config": container.NodePoolNodeConfigArgs(**node),
    }
    base.update(changes)
    return container.NodePool(name, **base)


def classic_aks(name: str, **changes: Any) -> classic_cs.KubernetesCluster:
    base: dict[str, Any] = {
        "resource_group_name": RG,
        "location": LOC,
        "tags": TAGS,
        "dns_prefix": "aks",
        "sku_tier": "Standard",
        "local_account_disabled": True,
        "azure_active_directory_role_based_access_control": (
            classic_cs.KubernetesClusterAzureActiveDirectoryRoleBasedAccessControlArgs(
                azure_rbac_enabled=True, tenant_id=TENANT
            )
        ),
        "private_cluster_enabled": True,
        "network_profile": classic_cs.KubernetesClusterNetworkProfileArgs(
            network_plugin="azure", network_policy="cilium", network_data_plane="cilium"
        ),
        "disk_encryption_set_id": "/des/1",
        "azure_policy_enabled": True,
        "oms_agent": classic_cs.KubernetesClusterOmsAgentArgs(log_analytics_workspace_id="/law/1"),
        "automatic_upgrade_channel": "stable",
        "oidc_issuer_enabled": True,
        "workload_identity_enabled": True,
        "key_management_service": classic_cs.KubernetesClusterKeyManagementServiceArgs(
            key_vault_key_id="https://kv/keys/etcd/1"
        ),
        "identity": classic_cs.KubernetesClusterIdentityArgs(type="SystemAssigned"),
        "default_node_pool": classic_cs.KubernetesClusterDefaultNodePoolArgs(
            name="system", vm_size="Standard_D4ds_v5", host_encryption_enabled=True
        ),
    }
    base.update(changes)
    return classic_cs.KubernetesCluster(name, **base)


def classic_pool(name: str, **changes: Any) -> classic_cs.KubernetesClusterNodePool:
    base: dict[str, Any] = {
        "kubernetes_cluster_id": "/aks/1",
        "vm_size": "Standard_NC24ads_A100_v4",
        "auto_scaling_enabled": True,
        "min_count": 0,
        "max_count": 4,
        "host_encryption_enabled": True,
        "node_taints": ["nvidia.com/gpu=present:NoSchedule"],
        "tags": TAGS,
    }
    base.update(changes)
    return classic_cs.KubernetesClusterNodePool(name, **base)


def classic_vault(name: str, **changes: Any) -> classic_kv.KeyVault:
    base: dict[str, Any] = {
        "resource_group_name": RG,
        "location": LOC,
        "tags": TAGS,
        "tenant_id": TENANT,
        "sku_name": "premium",
        "purge_protection_enabled": True,
        "rbac_authorization_enabled": True,
        "public_network_access_enabled": False,
    }
    base.update(changes)
    return classic_kv.KeyVault(name, **base)


def classic_key(name: str, key_type: str = "RSA-HSM", **rotation: Any) -> classic_kv.Key:
    automatic = rotation.pop("automatic", {"time_after_creation": "P90D"})
    policy = classic_kv.KeyRotationPolicyArgs(
        automatic=classic_kv.KeyRotationPolicyAutomaticArgs(**automatic) if automatic else None, **rotation
    )
    return classic_kv.Key(
        name,
        key_vault_id="/kv/1",
        key_type=key_type,
        key_size=2048,
        key_opts=["wrapKey", "unwrapKey"],
        rotation_policy=policy if automatic or rotation else None,
        tags=TAGS,
    )


def classic_account(name: str, **changes: Any) -> classic_storage.Account:
    base: dict[str, Any] = {
        "resource_group_name": RG,
        "location": LOC,
        "tags": TAGS,
        "account_tier": "Standard",
        "account_replication_type": "ZRS",
        "allow_nested_items_to_be_public": False,
        "shared_access_key_enabled": False,
        "public_network_access_enabled": False,
    }
    base.update(changes)
    return classic_storage.Account(name, **base)


def classic_workspace(name: str, **changes: Any) -> classic_ml.Workspace:
    base: dict[str, Any] = {
        "resource_group_name": RG,
        "location": LOC,
        "tags": TAGS,
        "application_insights_id": "/ai/1",
        "key_vault_id": "/kv/1",
        "storage_account_id": "/sa/1",
        "identity": classic_ml.WorkspaceIdentityArgs(type="UserAssigned", identity_ids=["/uami/1"]),
        "primary_user_assigned_identity": "/uami/1",
        "public_network_access_enabled": False,
        "managed_network": classic_ml.WorkspaceManagedNetworkArgs(isolation_mode="AllowOnlyApprovedOutbound"),
        "encryption": classic_ml.WorkspaceEncryptionArgs(
            key_id="https://kv/keys/data", key_vault_id="/kv/1", user_assigned_identity_id="/uami/1"
        ),
    }
    base.update(changes)
    return classic_ml.Workspace(name, **base)


def classic_compute(name: str, **changes: Any) -> classic_ml.ComputeCluster:
    base: dict[str, Any] = {
        "machine_learning_workspace_id": "/mlw/1",
        "location": LOC,
        "tags": TAGS,
        "vm_priority": "Dedicated",
        "vm_size": "Standard_DS3_v2",
        "scale_settings": classic_ml.ComputeClusterScaleSettingsArgs(
            min_node_count=0, max_node_count=2, scale_down_nodes_after_idle_duration="PT5M"
        ),
        "local_auth_enabled": False,
        "node_public_ip_enabled": False,
        "subnet_resource_id": "/subnet/1",
    }
    base.update(changes)
    return classic_ml.ComputeCluster(name, **base)


def deployment(
    name: str,
    namespace: str | None = "team",
    *,
    resources: k8s.core.v1.ResourceRequirementsArgsDict | None = None,
    security_context: k8s.core.v1.SecurityContextArgsDict | None = None,
    host_network: bool | None = None,
) -> k8s.apps.v1.Deployment:
    container: k8s.core.v1.ContainerArgsDict = {
        "name": "server",
        "image": "server:1",
        "resources": resources or {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1", "memory": "1Gi"}},
    }
    if security_context is not None:
        container["security_context"] = security_context
    pod: k8s.core.v1.PodSpecArgsDict = {"containers": [container]}
    if host_network is not None:
        pod["host_network"] = host_network
    metadata: k8s.meta.v1.ObjectMetaArgsDict = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    return k8s.apps.v1.Deployment(
        name,
        metadata=metadata,
        spec={
            "selector": {"match_labels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": pod},
        },
    )


def ml_workspace(name: str, **changes: Any) -> machinelearningservices.Workspace:
    base: dict[str, Any] = {
        "resource_group_name": RG,
        "location": LOC,
        "tags": TAGS,
        "public_network_access": "Disabled",
        "identity": machinelearningservices.ManagedServiceIdentityArgs(
            type="UserAssigned", user_assigned_identities=["/uami/1"]
        ),
        "managed_network": machinelearningservices.ManagedNetworkSettingsArgs(
            isolation_mode="AllowOnlyApprovedOutbound"
        ),
        "encryption": machinelearningservices.EncryptionPropertyArgs(
            status="Enabled",
            key_vault_properties=machinelearningservices.KeyVaultPropertiesArgs(
                key_identifier="https://kv/keys/data", key_vault_arm_id="/kv/1"
            ),
        ),
    }
    base.update(changes)
    return machinelearningservices.Workspace(name, **base)


def online_endpoint(name: str, **properties: Any) -> machinelearningservices.OnlineEndpoint:
    base: dict[str, Any] = {"auth_mode": "AADToken", "public_network_access": "Disabled"}
    base.update(properties)
    return machinelearningservices.OnlineEndpoint(
        name,
        resource_group_name=RG,
        workspace_name="mlw",
        location=LOC,
        tags=TAGS,
        properties=machinelearningservices.OnlineEndpointPropertiesArgs(**base),
    )


def compute_cluster(name: str, **properties: Any) -> machinelearningservices.Compute:
    inner = {"subnet": machinelearningservices.ResourceIdArgs(id="/subnet/1"), "enable_node_public_ip": False}
    inner.update(properties.pop("inner", {}))
    return machinelearningservices.Compute(
        name,
        resource_group_name=RG,
        workspace_name="mlw",
        location=LOC,
        tags=TAGS,
        properties=machinelearningservices.AmlComputeArgs(
            compute_type="AmlCompute",
            disable_local_auth=properties.get("disable_local_auth", True),
            properties=machinelearningservices.AmlComputePropertiesArgs(**inner),
        ),
    )


def metric_alert(name: str, target: pulumi.CustomResource, routed: bool = True) -> monitor.MetricAlert:
    return monitor.MetricAlert(
        name,
        resource_group_name=RG,
        location="global",
        tags=TAGS,
        severity=2,
        enabled=True,
        evaluation_frequency="PT1M",
        window_size="PT5M",
        scopes=[target.id],
        criteria=monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
            odata_type="Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
            all_of=[
                monitor.MetricCriteriaArgs(
                    criterion_type="StaticThresholdCriterion",
                    name="m",
                    metric_name="m",
                    operator="GreaterThan",
                    threshold=1,
                    time_aggregation="Average",
                )
            ],
        ),
        actions=[monitor.MetricAlertActionArgs(action_group_id="/ag/1")] if routed else None,
    )


def gcp_alert(name: str, target: pulumi.Resource, routed: bool = True) -> monitoring.AlertPolicy:
    return monitoring.AlertPolicy(
        name,
        display_name=name,
        combiner="OR",
        user_labels=LABELS,
        conditions=[
            monitoring.AlertPolicyConditionArgs(
                display_name="c",
                condition_prometheus_query_language=monitoring.AlertPolicyConditionConditionPrometheusQueryLanguageArgs(
                    query="up == 0"
                ),
            )
        ],
        notification_channels=["projects/p/notificationChannels/1"] if routed else None,
        opts=pulumi.ResourceOptions(depends_on=[target]),
    )


def namespace(name: str, labels: dict[str, str] | None = None) -> k8s.core.v1.Namespace:
    return k8s.core.v1.Namespace(name, metadata={"name": name, "labels": labels or {}})


def default_deny(name: str, in_namespace: str) -> None:
    k8s.networking.v1.NetworkPolicy(
        name,
        metadata={"name": "default-deny", "namespace": in_namespace},
        spec={"pod_selector": {}, "policy_types": ["Ingress", "Egress"]},
    )


def gpu_quota(name: str, in_namespace: str, gpus: bool = True) -> None:
    hard = {"requests.cpu": "8"} | ({"requests.nvidia.com/gpu": "2"} if gpus else {})
    k8s.core.v1.ResourceQuota(name, metadata={"name": "quota", "namespace": in_namespace}, spec={"hard": hard})


def storage_account(name: str, **changes: Any) -> storage.StorageAccount:
    base: dict[str, Any] = {
        "resource_group_name": RG,
        "location": LOC,
        "tags": TAGS,
        "kind": "StorageV2",
        "sku": storage.SkuArgs(name="Standard_ZRS"),
        "allow_blob_public_access": False,
        "allow_shared_key_access": False,
        "minimum_tls_version": "TLS1_2",
        "public_network_access": "Disabled",
    }
    base.update(changes)
    return storage.StorageAccount(name, **base)


def private_endpoint(name: str, target: pulumi.CustomResource) -> None:
    network.PrivateEndpoint(
        name,
        resource_group_name=RG,
        location=LOC,
        tags=TAGS,
        subnet=network.SubnetArgs(id="/subnet/pe"),
        private_link_service_connections=[
            network.PrivateLinkServiceConnectionArgs(
                name=name,
                group_ids=["blob"],
                private_link_service_id=target.id,
            )
        ],
    )


def diagnostics(name: str, target: pulumi.CustomResource) -> None:
    monitor.DiagnosticSetting(name, resource_uri=target.id, workspace_id="/law/1")


# --- One fixture program per policy --------------------------------------------------------------------------


def f_aks_01() -> None:
    aks("pass_private")
    aks(
        "pass_authorized_ranges",
        api_server_access_profile=CS.ManagedClusterAPIServerAccessProfileArgs(authorized_ip_ranges=["203.0.113.0/24"]),
    )
    aks("fail_public", api_server_access_profile=None)
    aks(
        "fail_open_range",
        api_server_access_profile=CS.ManagedClusterAPIServerAccessProfileArgs(authorized_ip_ranges=["0.0.0.0/0"]),
    )
    classic_aks("pass_classic_private")
    classic_aks(
        "pass_classic_ranges",
        private_cluster_enabled=None,
        api_server_access_profile=classic_cs.KubernetesClusterApiServerAccessProfileArgs(
            authorized_ip_ranges=["203.0.113.0/24"]
        ),
    )
    classic_aks("fail_classic_public", private_cluster_enabled=None)


def f_aks_02() -> None:
    aks("pass_no_local")
    aks("fail_local_absent", disable_local_accounts=None)
    classic_aks("pass_classic_no_local")
    classic_aks("fail_classic_local", local_account_disabled=None)


def f_aks_03() -> None:
    aks("pass_entra")
    aks("fail_no_aad", aad_profile=None)
    aks("fail_rbac_off", enable_rbac=False)
    classic_aks("pass_classic_entra")
    classic_aks("fail_classic_no_aad", azure_active_directory_role_based_access_control=None)
    classic_aks("fail_classic_rbac_off", role_based_access_control_enabled=False)


def f_aks_04() -> None:
    aks("pass_cilium")
    aks("fail_no_policy", network_profile=CS.ContainerServiceNetworkProfileArgs(network_plugin="azure"))
    aks("na_own_cni", network_profile=CS.ContainerServiceNetworkProfileArgs(network_plugin="none"))
    classic_aks("pass_classic_cilium")
    classic_aks("fail_classic_kubenet", network_profile=None)
    classic_aks(
        "na_classic_own_cni", network_profile=classic_cs.KubernetesClusterNetworkProfileArgs(network_plugin="none")
    )


def f_aks_05() -> None:
    aks("pass_des")
    aks("fail_no_des", disk_encryption_set_id=None)
    classic_aks("pass_classic_des")
    classic_aks("fail_classic_no_des", disk_encryption_set_id=None)


def f_aks_06() -> None:
    aks("pass_host_encryption")
    pool("pass_pool")
    pool("fail_pool", enable_encryption_at_host=None)
    aks(
        "fail_cluster",
        agent_pool_profiles=[
            CS.ManagedClusterAgentPoolProfileArgs(name="system", mode="System", vm_size="Standard_D4ds_v5")
        ],
    )
    classic_aks("pass_classic_cluster")
    classic_pool("pass_classic_pool")
    classic_pool("fail_classic_pool", host_encryption_enabled=None)
    classic_aks(
        "fail_classic_default_pool",
        default_node_pool=classic_cs.KubernetesClusterDefaultNodePoolArgs(name="system", vm_size="Standard_D4ds_v5"),
    )


def f_aks_07() -> None:
    pool("pass_absent")
    pool("pass_false", enable_node_public_ip=False)
    pool("fail_public_ip", enable_node_public_ip=True)
    classic_pool("pass_classic_absent")
    classic_pool("fail_classic_public_ip", node_public_ip_enabled=True)


def f_aks_08() -> None:
    aks("pass_addon")
    aks(
        "fail_no_addon",
        addon_profiles={
            "omsagent": CS.ManagedClusterAddonProfileArgs(
                enabled=True, config={"logAnalyticsWorkspaceResourceID": "/law/1"}
            )
        },
    )
    classic_aks("pass_classic_addon")
    classic_aks("fail_classic_no_addon", azure_policy_enabled=None)


def f_aks_09() -> None:
    aks("pass_channels")
    # The node OS channel absent means NodeImage, the documented default.
    aks("pass_node_os_default", auto_upgrade_profile=CS.ManagedClusterAutoUpgradeProfileArgs(upgrade_channel="patch"))
    aks("fail_none", auto_upgrade_profile=CS.ManagedClusterAutoUpgradeProfileArgs(upgrade_channel="none"))
    aks("fail_absent", auto_upgrade_profile=None)
    aks(
        "fail_node_os_none",
        auto_upgrade_profile=CS.ManagedClusterAutoUpgradeProfileArgs(
            upgrade_channel="stable", node_os_upgrade_channel="None"
        ),
    )
    classic_aks("pass_classic_channel")
    classic_aks("fail_classic_no_channel", automatic_upgrade_channel=None)
    classic_aks("fail_classic_node_os_none", node_os_upgrade_channel="None")


def f_aks_10() -> None:
    aks("pass_insights")
    aks(
        "pass_metrics",
        addon_profiles={},
        azure_monitor_profile=CS.ManagedClusterAzureMonitorProfileArgs(
            metrics=CS.ManagedClusterAzureMonitorProfileMetricsArgs(enabled=True)
        ),
    )
    aks("fail_blind", addon_profiles={"azurepolicy": CS.ManagedClusterAddonProfileArgs(enabled=True)})
    classic_aks("pass_classic_insights")
    classic_aks(
        "pass_classic_metrics", oms_agent=None, monitor_metrics=classic_cs.KubernetesClusterMonitorMetricsArgs()
    )
    classic_aks("fail_classic_blind", oms_agent=None)


def f_aks_11() -> None:
    aks("pass_wi")
    aks("fail_no_oidc", oidc_issuer_profile=None)
    classic_aks("pass_classic_wi")
    classic_aks("fail_classic_no_wi", workload_identity_enabled=None)


def f_aks_12() -> None:
    aks("pass_kms")
    aks(
        "fail_no_kms",
        security_profile=CS.ManagedClusterSecurityProfileArgs(
            workload_identity=CS.ManagedClusterSecurityProfileWorkloadIdentityArgs(enabled=True)
        ),
    )
    classic_aks("pass_classic_kms")
    classic_aks("fail_classic_no_kms", key_management_service=None)


def f_aks_13() -> None:
    aks("pass_standard")
    aks("fail_free", sku=CS.ManagedClusterSKUArgs(name="Base", tier="Free"))
    aks("fail_absent", sku=None)
    classic_aks("pass_classic_standard")
    classic_aks("fail_classic_free", sku_tier=None)


def f_aks_14() -> None:  # dev: scale to zero expected
    pool("pass_zero")
    pool("pass_cpu_pool", vm_size="Standard_D4ds_v5", min_count=2)
    pool("fail_min_two", min_count=2)
    pool("fail_ceiling", max_count=50)
    pool("fail_fixed", enable_auto_scaling=False)
    classic_pool("pass_classic_zero")
    classic_pool("fail_classic_min_two", min_count=2)
    classic_pool("fail_classic_fixed", auto_scaling_enabled=None)


def f_aks_15() -> None:
    pool("pass_tainted")
    pool("fail_untainted", node_taints=None)
    pool("fail_system_gpu", mode="System")
    classic_pool("pass_classic_tainted")
    classic_pool("fail_classic_untainted", node_taints=None)
    # The classic default pool is the cluster's System pool.
    classic_aks(
        "fail_classic_gpu_default_pool",
        default_node_pool=classic_cs.KubernetesClusterDefaultNodePoolArgs(
            name="gpu", vm_size="Standard_NC24ads_A100_v4", host_encryption_enabled=True
        ),
    )


def f_gke_01() -> None:
    gke("pass_private_nodes")
    gke("fail_public_nodes", private_cluster_config=None)


def f_gke_02() -> None:
    gke("pass_private_endpoint")
    gke(
        "pass_authorized",
        private_cluster_config=container.ClusterPrivateClusterConfigArgs(enable_private_nodes=True),
        master_authorized_networks_config=container.ClusterMasterAuthorizedNetworksConfigArgs(
            cidr_blocks=[container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(cidr_block="10.0.0.0/8")]
        ),
    )
    gke("fail_open", private_cluster_config=container.ClusterPrivateClusterConfigArgs(enable_private_nodes=True))


def f_gke_03() -> None:
    gke("pass_default")
    gke("fail_off", enable_shielded_nodes=False)


def f_gke_04() -> None:
    gke("pass_secure_boot")
    node_pool("pass_pool")
    gke("fail_cluster", node={"shielded_instance_config": None})
    node_pool("fail_pool", node={"shielded_instance_config": None})
    gke("na_removed_default_pool", node={"shielded_instance_config": None}, remove_default_node_pool=True)


def f_gke_05() -> None:
    gke("pass_wi")
    gke("fail_no_pool", workload_identity_config=None)
    node_pool(
        "fail_metadata",
        node={"workload_metadata_config": container.NodePoolNodeConfigWorkloadMetadataConfigArgs(mode="GCE_METADATA")},
    )
    # Absent: the pool of a cluster with workload identity gets the GKE metadata server.
    node_pool("pass_metadata_default", node={"workload_metadata_config": None})
    gke("pass_cluster_metadata_default", node={"workload_metadata_config": None})


def f_gke_06() -> None:
    gke("pass_no_abac")
    gke("fail_abac", enable_legacy_abac=True)


def f_gke_07() -> None:
    gke("pass_no_cert")
    gke(
        "fail_cert",
        master_auth=container.ClusterMasterAuthArgs(
            client_certificate_config=container.ClusterMasterAuthClientCertificateConfigArgs(
                issue_client_certificate=True
            )
        ),
    )


def f_gke_08() -> None:
    gke("pass_stable")
    # GKE enrols a cluster created without a release channel in REGULAR.
    gke("pass_absent", release_channel=None)
    gke("fail_unspecified", release_channel=container.ClusterReleaseChannelArgs(channel="UNSPECIFIED"))
    gke("fail_rapid", release_channel=container.ClusterReleaseChannelArgs(channel="RAPID"))


def f_gke_09() -> None:
    node_pool("pass_default")
    node_pool("fail_no_repair", management=container.NodePoolManagementArgs(auto_repair=False, auto_upgrade=True))


def f_gke_10() -> None:
    gke("pass_dpv2")
    gke("fail_legacy_dataplane", datapath_provider=None)


def f_gke_11() -> None:
    gke("pass_cmek")
    gke("fail_no_cmek", database_encryption=None)


def f_gke_12() -> None:
    gke("pass_cmek")
    node_pool("pass_pool")
    node_pool("fail_pool", node={"boot_disk_kms_key": None})
    gke("fail_default_pool", node={"boot_disk_kms_key": None})
    gke("na_removed_default_pool", node={"boot_disk_kms_key": None}, remove_default_node_pool=True)
    gke("na_autopilot", node_config=None, enable_autopilot=True)


def f_gke_13() -> None:
    node_pool("pass_dedicated")
    node_pool("fail_default", node={"service_account": None})
    node_pool("fail_compute_default", node={"service_account": "123-compute@developer.gserviceaccount.com"})
    gke("na_removed_default_pool", node={"service_account": None}, remove_default_node_pool=True)


def f_gke_14() -> None:  # dev
    node_pool("pass_gpu")
    node_pool(
        "pass_cpu",
        gpu=False,
        autoscaling=container.NodePoolAutoscalingArgs(total_min_node_count=2, total_max_node_count=9),
    )
    node_pool("fail_untainted", node={"taints": None})
    node_pool("fail_no_bounds", autoscaling=None)
    node_pool("fail_min", autoscaling=container.NodePoolAutoscalingArgs(total_min_node_count=1, total_max_node_count=4))


def f_gke_15() -> None:
    gke("pass_default_logging")
    gke("fail_no_logs", logging_service="none")


def f_keyvault_01() -> None:
    vault("pass_purge")
    vault("fail_no_purge", enable_purge_protection=None)
    classic_vault("pass_classic_purge")
    classic_vault("fail_classic_no_purge", purge_protection_enabled=None)


def f_keyvault_02() -> None:
    vault("pass_default")
    vault("fail_soft_delete_off", enable_soft_delete=False)


def f_keyvault_03() -> None:
    vault("pass_private")
    vault(
        "pass_firewall",
        public_network_access="Enabled",
        network_acls=keyvault.NetworkRuleSetArgs(default_action="Deny"),
    )
    vault("fail_open", public_network_access=None)
    classic_vault("pass_classic_private")
    classic_vault(
        "pass_classic_firewall",
        public_network_access_enabled=None,
        network_acls=classic_kv.KeyVaultNetworkAclsArgs(default_action="Deny", bypass="AzureServices"),
    )
    classic_vault("fail_classic_open", public_network_access_enabled=None)


def f_keyvault_04() -> None:
    vault("pass_rbac")
    vault("fail_access_policies", enable_rbac_authorization=None)
    classic_vault("pass_classic_rbac")
    classic_vault("pass_classic_deprecated_switch", rbac_authorization_enabled=None, enable_rbac_authorization=True)
    classic_vault("fail_classic_access_policies", rbac_authorization_enabled=None)


def f_keyvault_05() -> None:
    key("pass_ninety")
    key("fail_yearly", rotate="P1Y")
    key("fail_never", rotate=None)
    classic_key("pass_classic_ninety")
    # Rotated 30 days before a 90-day expiry: every 60 days.
    classic_key("pass_classic_before_expiry", automatic={"time_before_expiry": "P30D"}, expire_after="P90D")
    classic_key("fail_classic_yearly", automatic={"time_after_creation": "P1Y"})
    classic_key("fail_classic_never", automatic=None)


def f_keyvault_06() -> None:
    key("pass_hsm")
    key("fail_software", kty="RSA")
    classic_key("pass_classic_hsm")
    classic_key("fail_classic_software", key_type="RSA")


def f_kms_01() -> None:
    kms.CryptoKey("pass_ninety", key_ring="r", rotation_period="7776000s", labels=LABELS)
    kms.CryptoKey("na_asymmetric", key_ring="r", purpose="ASYMMETRIC_SIGN", labels=LABELS)
    kms.CryptoKey("fail_yearly", key_ring="r", rotation_period="31536000s", labels=LABELS)
    kms.CryptoKey("fail_never", key_ring="r", labels=LABELS)


def f_kms_02() -> None:
    kms.CryptoKeyIAMMember(
        "pass_agent", crypto_key_id="k", role="r", member="serviceAccount:a@p.iam.gserviceaccount.com"
    )
    kms.CryptoKeyIAMMember("fail_all_users", crypto_key_id="k", role="r", member="allUsers")
    kms.CryptoKeyIAMBinding(
        "fail_binding", crypto_key_id="k", role="r", members=["group:g@example.com", "allAuthenticatedUsers"]
    )


def f_kms_03() -> None:
    kms.KeyRing("pass_ring", location="europe-west4", opts=pulumi.ResourceOptions(protect=True))
    kms.CryptoKey(
        "pass_key", key_ring="r", rotation_period="7776000s", labels=LABELS, opts=pulumi.ResourceOptions(protect=True)
    )
    kms.CryptoKey("fail_key", key_ring="r", rotation_period="7776000s", labels=LABELS)


def f_kms_04() -> None:
    hsm = kms.CryptoKeyVersionTemplateArgs(algorithm="GOOGLE_SYMMETRIC_ENCRYPTION", protection_level="HSM")
    kms.CryptoKey("pass_hsm", key_ring="r", version_template=hsm, labels=LABELS)
    kms.CryptoKey("fail_software", key_ring="r", labels=LABELS)


def f_aml_01() -> None:
    ml_workspace("pass_private")
    ml_workspace("fail_absent", public_network_access=None)
    ml_workspace("fail_reopened", allow_public_access_when_behind_vnet=True)
    classic_workspace("pass_classic_private")
    classic_workspace("fail_classic_absent", public_network_access_enabled=None)


def f_aml_02() -> None:
    ml_workspace("pass_cmk")
    ml_workspace("fail_microsoft_keys", encryption=None)
    classic_workspace("pass_classic_cmk")
    classic_workspace("fail_classic_microsoft_keys", encryption=None)


def f_aml_03() -> None:
    ml_workspace("pass_isolated")
    ml_workspace(
        "fail_internet",
        managed_network=machinelearningservices.ManagedNetworkSettingsArgs(isolation_mode="AllowInternetOutbound"),
    )
    classic_workspace("pass_classic_isolated")
    classic_workspace("fail_classic_no_isolation", managed_network=None)


def f_aml_04() -> None:
    compute_cluster("pass_no_local_auth")
    compute_cluster("fail_local_auth", disable_local_auth=False)
    classic_compute("pass_classic_no_local_auth")
    classic_compute("fail_classic_local_auth", local_auth_enabled=None)
    classic_ml.ComputeInstance(
        "fail_classic_instance", machine_learning_workspace_id="/mlw/1", virtual_machine_size="Standard_DS3_v2"
    )


def f_aml_05() -> None:
    compute_cluster("pass_vnet")
    compute_cluster("fail_public_ip", inner={"enable_node_public_ip": True})
    classic_compute("pass_classic_vnet")
    classic_compute("fail_classic_public_ip", node_public_ip_enabled=None)


def f_aml_06() -> None:
    online_endpoint("pass_private_token")
    online_endpoint("fail_keys", auth_mode="Key")
    online_endpoint("fail_public", public_network_access="Enabled")


def f_aml_07() -> None:
    ml_workspace("pass_user_assigned")
    ml_workspace(
        "fail_system_assigned", identity=machinelearningservices.ManagedServiceIdentityArgs(type="SystemAssigned")
    )
    classic_workspace("pass_classic_user_assigned")
    classic_workspace(
        "pass_classic_both",
        identity=classic_ml.WorkspaceIdentityArgs(type="SystemAssigned, UserAssigned", identity_ids=["/uami/1"]),
    )
    classic_workspace("fail_classic_system_assigned", identity=classic_ml.WorkspaceIdentityArgs(type="SystemAssigned"))


def f_vertex_01() -> None:
    vertex.AiEndpoint(
        "pass_cmek",
        display_name="e",
        location="europe-west4",
        labels=LABELS,
        network="projects/1/global/networks/n",
        encryption_spec=vertex.AiEndpointEncryptionSpecArgs(kms_key_name="k"),
    )
    vertex.AiEndpoint(
        "fail_google_keys",
        display_name="e",
        location="europe-west4",
        labels=LABELS,
        network="projects/1/global/networks/n",
    )


def f_vertex_02() -> None:
    spec = vertex.AiEndpointEncryptionSpecArgs(kms_key_name="k")
    vertex.AiEndpoint(
        "pass_peered",
        display_name="e",
        location="europe-west4",
        labels=LABELS,
        encryption_spec=spec,
        network="projects/1/global/networks/n",
    )
    vertex.AiEndpoint(
        "pass_psc",
        display_name="e",
        location="europe-west4",
        labels=LABELS,
        encryption_spec=spec,
        private_service_connect_config=vertex.AiEndpointPrivateServiceConnectConfigArgs(
            enable_private_service_connect=True
        ),
    )
    vertex.AiEndpoint("fail_public", display_name="e", location="europe-west4", labels=LABELS, encryption_spec=spec)


def f_net_01() -> None:
    def rule(**changes: Any) -> network.SecurityRuleArgs:
        base = {
            "name": "r",
            "priority": 100,
            "direction": "Inbound",
            "access": "Allow",
            "protocol": "Tcp",
            "source_address_prefix": "Internet",
            "source_port_range": "*",
            "destination_address_prefix": "*",
            "destination_port_range": "443",
        }
        base.update(changes)
        return network.SecurityRuleArgs(**base)

    network.NetworkSecurityGroup("pass_https", resource_group_name=RG, location=LOC, tags=TAGS, security_rules=[rule()])
    network.NetworkSecurityGroup(
        "pass_ssh_from_bastion",
        resource_group_name=RG,
        location=LOC,
        tags=TAGS,
        security_rules=[rule(destination_port_range="22", source_address_prefix="10.0.0.0/24")],
    )
    network.NetworkSecurityGroup(
        "pass_deny",
        resource_group_name=RG,
        location=LOC,
        tags=TAGS,
        security_rules=[rule(access="Deny", destination_port_range="*")],
    )
    network.NetworkSecurityGroup(
        "fail_rdp",
        resource_group_name=RG,
        location=LOC,
        tags=TAGS,
        security_rules=[rule(destination_port_ranges=["3380-3390"], destination_port_range=None)],
    )
    network.NetworkSecurityGroup(
        "fail_ipv6_any",
        resource_group_name=RG,
        location=LOC,
        tags=TAGS,
        security_rules=[
            rule(destination_port_range="22", source_address_prefix=None, source_address_prefixes=["::/0"])
        ],
    )
    classic_network.NetworkSecurityGroup(
        "fail_classic_nsg",
        resource_group_name=RG,
        location=LOC,
        tags=TAGS,
        security_rules=[
            classic_network.NetworkSecurityGroupSecurityRuleArgs(
                name="ssh",
                priority=100,
                direction="Inbound",
                access="Allow",
                protocol="Tcp",
                source_address_prefix="Internet",
                source_port_range="*",
                destination_address_prefix="*",
                destination_port_range="22",
            )
        ],
    )
    classic_network.NetworkSecurityRule(
        "fail_classic_rule_any",
        resource_group_name=RG,
        network_security_group_name="nsg",
        priority=110,
        direction="Inbound",
        access="Allow",
        protocol="Tcp",
        source_address_prefix="Any",
        source_port_range="*",
        destination_address_prefix="*",
        destination_port_range="3389",
    )
    classic_network.NetworkSecurityRule(
        "pass_classic_rule_vnet",
        resource_group_name=RG,
        network_security_group_name="nsg",
        priority=120,
        direction="Inbound",
        access="Allow",
        protocol="Tcp",
        source_address_prefix="VirtualNetwork",
        source_port_range="*",
        destination_address_prefix="*",
        destination_port_range="22",
    )
    network.SecurityRule(
        "fail_ssh_rule",
        resource_group_name=RG,
        network_security_group_name="nsg",
        priority=110,
        direction="Inbound",
        access="Allow",
        protocol="*",
        source_address_prefix="*",
        destination_port_range="22",
        source_port_range="*",
        destination_address_prefix="*",
    )


def f_net_02() -> None:
    compute.Firewall(
        "pass_https",
        network="n",
        source_ranges=["0.0.0.0/0"],
        allows=[compute.FirewallAllowArgs(protocol="tcp", ports=["443"])],
    )
    compute.Firewall(
        "pass_iap_ssh",
        network="n",
        source_ranges=["35.235.240.0/20"],
        allows=[compute.FirewallAllowArgs(protocol="tcp", ports=["22"])],
    )
    compute.Firewall(
        "fail_ssh",
        network="n",
        source_ranges=["0.0.0.0/0"],
        allows=[compute.FirewallAllowArgs(protocol="tcp", ports=["22"])],
    )
    compute.Firewall(
        "fail_all_ports", network="n", source_ranges=["0.0.0.0/0"], allows=[compute.FirewallAllowArgs(protocol="all")]
    )
    # No source ranges, tags or service accounts: Google Cloud applies the rule to 0.0.0.0/0.
    compute.Firewall("fail_no_source", network="n", allows=[compute.FirewallAllowArgs(protocol="tcp", ports=["22"])])
    compute.Firewall(
        "fail_ipv6",
        network="n",
        source_ranges=["::/0"],
        allows=[compute.FirewallAllowArgs(protocol="tcp", ports=["3389"])],
    )
    compute.Firewall(
        "pass_source_tags",
        network="n",
        source_tags=["bastion"],
        allows=[compute.FirewallAllowArgs(protocol="tcp", ports=["22"])],
    )
    compute.Firewall(
        "pass_egress",
        network="n",
        direction="EGRESS",
        destination_ranges=["0.0.0.0/0"],
        allows=[compute.FirewallAllowArgs(protocol="tcp", ports=["22"])],
    )


def f_net_03() -> None:
    network.Subnet(
        "pass_with_nsg",
        resource_group_name=RG,
        virtual_network_name="v",
        subnet_name="nodes",
        network_security_group=network.NetworkSecurityGroupArgs(id="/nsg/1"),
    )
    network.Subnet("pass_gateway", resource_group_name=RG, virtual_network_name="v", subnet_name="GatewaySubnet")
    # The NSG's id is not known before deployment: the subnet has one all the same.
    group = network.NetworkSecurityGroup("nsg_native", resource_group_name=RG, location=LOC, tags=TAGS)
    network.Subnet(
        "pass_nsg_unknown_id",
        resource_group_name=RG,
        virtual_network_name="v",
        subnet_name="nodes-2",
        network_security_group=network.NetworkSecurityGroupArgs(id=group.id),
    )
    network.Subnet("fail_bare", resource_group_name=RG, virtual_network_name="v", subnet_name="bare")
    network.VirtualNetwork(
        "fail_inline_bare",
        resource_group_name=RG,
        location=LOC,
        tags=TAGS,
        address_space=network.AddressSpaceArgs(address_prefixes=["10.0.0.0/16"]),
        subnets=[network.SubnetArgs(name="bare", address_prefix="10.0.1.0/24")],
    )
    classic_network.VirtualNetwork(
        "pass_classic_inline",
        resource_group_name=RG,
        location=LOC,
        tags=TAGS,
        address_spaces=["10.1.0.0/16"],
        subnets=[
            classic_network.VirtualNetworkSubnetArgs(
                name="nodes", address_prefixes=["10.1.1.0/24"], security_group="/nsg/1"
            )
        ],
    )
    classic_network.VirtualNetwork(
        "fail_classic_inline_bare",
        resource_group_name=RG,
        location=LOC,
        tags=TAGS,
        address_spaces=["10.2.0.0/16"],
        subnets=[classic_network.VirtualNetworkSubnetArgs(name="bare", address_prefixes=["10.2.1.0/24"])],
    )
    associated = classic_network.Subnet(
        "pass_classic_associated", resource_group_name=RG, virtual_network_name="v", address_prefixes=["10.3.1.0/24"]
    )
    group = classic_network.NetworkSecurityGroup("nsg", resource_group_name=RG, location=LOC, tags=TAGS)
    classic_network.SubnetNetworkSecurityGroupAssociation(
        "association", subnet_id=associated.id, network_security_group_id=group.id
    )
    classic_network.Subnet(
        "fail_classic_bare", resource_group_name=RG, virtual_network_name="v", address_prefixes=["10.3.2.0/24"]
    )


def f_net_04() -> None:
    log = compute.SubnetworkLogConfigArgs(aggregation_interval="INTERVAL_5_SEC")
    compute.Subnetwork(
        "pass_subnet", network="n", ip_cidr_range="10.0.0.0/24", private_ip_google_access=True, log_config=log
    )
    compute.Subnetwork(
        "na_proxy_only", network="n", ip_cidr_range="10.1.0.0/24", purpose="REGIONAL_MANAGED_PROXY", role="ACTIVE"
    )
    compute.Subnetwork("fail_no_pga", network="n", ip_cidr_range="10.2.0.0/24", log_config=log)
    compute.Subnetwork("fail_no_logs", network="n", ip_cidr_range="10.3.0.0/24", private_ip_google_access=True)


def f_storage_01() -> None:
    def registry(name: str, **changes: Any) -> None:
        base = {
            "resource_group_name": RG,
            "location": LOC,
            "tags": TAGS,
            "sku": containerregistry.SkuArgs(name="Premium"),
            "admin_user_enabled": False,
            "public_network_access": "Disabled",
        }
        base.update(changes)
        containerregistry.Registry(name, **base)

    registry("pass_locked")
    registry("fail_admin", admin_user_enabled=True)
    registry("fail_public", public_network_access=None)


def f_storage_02() -> None:
    storage_account("pass_hardened")
    # azure-native accounts (API 2024-01-01) allow no public blobs unless asked to.
    storage_account("pass_public_blobs_absent", allow_blob_public_access=None)
    storage_account("fail_public_blobs", allow_blob_public_access=True)
    storage_account("fail_shared_key", allow_shared_key_access=None)
    storage_account("fail_old_tls", minimum_tls_version="TLS1_0")
    storage_account("fail_tls_absent", minimum_tls_version=None)
    classic_account("pass_classic_hardened")
    # Classic accounts default to TLS 1.2 but allow nested public items.
    classic_account("pass_classic_tls_absent")
    classic_account("fail_classic_public_blobs", allow_nested_items_to_be_public=None)
    classic_account("fail_classic_shared_key", shared_access_key_enabled=None)
    classic_account(
        "pass_classic_firewall",
        public_network_access_enabled=None,
        network_rules=classic_storage.AccountNetworkRulesArgs(default_action="Deny", ip_rules=["203.0.113.7"]),
    )
    classic_account("fail_classic_open", public_network_access_enabled=None)


def f_storage_04() -> None:
    def container(name: str, **changes: Any) -> None:
        storage.BlobContainer(name, resource_group_name=RG, account_name="sa", **changes)

    container("pass_absent")
    container("pass_none", public_access="None")
    container("fail_blob", public_access="Blob")
    container("fail_container", public_access="Container")
    classic_storage.Container("pass_classic_absent", storage_account_id="/sa/1")
    classic_storage.Container("fail_classic_blob", storage_account_id="/sa/1", container_access_type="blob")


def f_storage_03() -> None:
    gcs.Bucket(
        "pass_locked",
        location="EU",
        labels=LABELS,
        public_access_prevention="enforced",
        uniform_bucket_level_access=True,
    )
    gcs.Bucket("fail_inherited", location="EU", labels=LABELS, uniform_bucket_level_access=True)


def f_tags_01() -> None:
    storage_account("pass_tagged")
    storage_account("fail_untagged", tags=None)
    storage_account("fail_wrong_environment", tags={**TAGS, "environment": "dev"})
    # The location will come from the provider or the resource group: the SDK says the type is tracked.
    storage_account("fail_location_from_provider", location=None, tags=None)
    classic_account("pass_classic_tagged")
    classic_account("fail_classic_untagged", tags=None)
    classic_key("pass_classic_key_no_location")
    # A type whose SDK is not installed here: its location (own or the provider's) tells whether it is tracked.
    # Types whose SDK is not installed here: the location (own, the default provider's azure:location, an
    # explicit provider's) tells whether they are tracked; with none, the policy says it cannot tell.
    pulumi.CustomResource("azure:made/up:Up", "fail_unknown_sdk", {"tags": {"owner": "ml"}})
    explicit = pulumi_azure_native.Provider("explicit", location="westeurope")
    pulumi.CustomResource(
        "azure-native:made:Up", "fail_explicit_provider", {}, pulumi.ResourceOptions(provider=explicit)
    )
    pulumi.CustomResource("azure-native:made:Up", "na_no_location", {})
    network.Subnet(
        "pass_untracked",
        resource_group_name=RG,
        virtual_network_name="v",
        subnet_name="s",
        network_security_group=network.NetworkSecurityGroupArgs(id="/nsg/1"),
    )


def f_tags_02() -> None:
    gcs.Bucket("pass_labelled", location="EU", labels=LABELS)
    gcs.Bucket("fail_unlabelled", location="EU")
    gcs.Bucket("fail_bad_value", location="EU", labels={**LABELS, "owner": "ML Team"})
    # Any type whose SDK class takes labels.
    compute.Instance(
        "fail_instance",
        machine_type="e2-small",
        boot_disk=compute.InstanceBootDiskArgs(
            initialize_params=compute.InstanceBootDiskInitializeParamsArgs(image="debian-12")
        ),
        network_interfaces=[compute.InstanceNetworkInterfaceArgs(network="n")],
    )
    compute.Network("pass_network_takes_no_labels")


def f_k8s_01() -> None:
    deployment("pass_team")
    deployment("fail_default", namespace="default")
    deployment("fail_absent", namespace=None)
    k8s.helm.v3.Release("fail_release", chart="gpu-operator")
    k8s.helm.v3.Release("pass_release", chart="gpu-operator", namespace="gpu-operator")


def f_k8s_02() -> None:
    deployment("pass_plain")
    deployment("fail_privileged", security_context={"privileged": True})
    deployment("fail_host_network", host_network=True)


def f_k8s_03() -> None:
    deployment("pass_limits")
    deployment("fail_no_limits", resources={"requests": {"cpu": "1"}})
    deployment(
        "fail_gpu_request_only",
        resources={"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"nvidia.com/gpu": "1"}},
    )


def f_k8s_04() -> None:
    namespace("pass_restricted", {"pod-security.kubernetes.io/enforce": "restricted"})
    namespace("fail_unlabelled")
    namespace("fail_privileged", {"pod-security.kubernetes.io/enforce": "privileged"})


def f_stack_01() -> None:
    pool("fail_azure_gpu")
    node_pool("pass_gcp_gpu")
    billing.Budget(
        "budget",
        billing_account="01A2B3-C4D5E6-F7A8B9",
        amount=billing.BudgetAmountArgs(
            specified_amount=billing.BudgetAmountSpecifiedAmountArgs(currency_code="EUR", units="100")
        ),
        threshold_rules=[billing.BudgetThresholdRuleArgs(threshold_percent=1.0)],
    )
    # An Azure budget that notifies nobody does not count.
    consumption.Budget(
        "silent_budget",
        scope="/subscriptions/1",
        amount=100,
        category="Cost",
        time_grain="Monthly",
        time_period=consumption.BudgetTimePeriodArgs(start_date="2026-01-01T00:00:00Z"),
    )


def f_stack_02() -> None:
    covered = online_endpoint("pass_endpoint")
    metric_alert("alert_endpoint", covered)
    unrouted = online_endpoint("fail_endpoint_unrouted")
    metric_alert("alert_unrouted", unrouted, routed=False)
    gke_pool = node_pool("pass_gke_pool")
    gcp_alert("alert_pool", gke_pool)
    node_pool("fail_gke_pool")
    aks_pool = pool("pass_aks_pool")
    alertsmanagement.PrometheusRuleGroup(
        "rules_aks_pool",
        resource_group_name=RG,
        location=LOC,
        tags=TAGS,
        scopes=["/amw/1"],
        rules=[
            alertsmanagement.PrometheusRuleArgs(
                expression="up == 0",
                alert="a",
                actions=[alertsmanagement.PrometheusRuleGroupActionArgs(action_group_id="/ag/1")],
            )
        ],
        opts=pulumi.ResourceOptions(depends_on=[aks_pool]),
    )
    vertex.AiEndpoint("fail_vertex", display_name="e", location="europe-west4", labels=LABELS)


def f_stack_03() -> None:
    covered = storage_account("pass_account")
    private_endpoint("pe_account", covered)
    storage_account("fail_account")
    vault("fail_vault")


def f_stack_04() -> None:
    namespace("pass-team")
    default_deny("deny_pass", "pass-team")
    gpu_quota("quota_pass", "pass-team")
    namespace("fail-no-deny")
    gpu_quota("quota_no_deny", "fail-no-deny")
    namespace("fail-no-gpu-quota")
    default_deny("deny_no_gpu", "fail-no-gpu-quota")
    gpu_quota("quota_cpu_only", "fail-no-gpu-quota", gpus=False)
    namespace("pass-platform", {"aiscale.io/system": "true"})
    namespace("kube-system")


def f_stack_05() -> None:
    operationalinsights.Workspace(
        "pass_retention", resource_group_name=RG, location=LOC, tags=TAGS, retention_in_days=90
    )
    operationalinsights.Workspace("fail_short", resource_group_name=RG, location=LOC, tags=TAGS, retention_in_days=7)
    diagnosed = vault("pass_vault")
    diagnostics("diag_vault", diagnosed)
    vault("fail_vault")


def gcp_budget(name: str, units: str, currency: str = "USD", period: str | None = None) -> None:
    billing.Budget(
        name,
        billing_account="01A2B3-C4D5E6-F7A8B9",
        amount=billing.BudgetAmountArgs(
            specified_amount=billing.BudgetAmountSpecifiedAmountArgs(currency_code=currency, units=units)
        ),
        budget_filter=billing.BudgetBudgetFilterArgs(calendar_period=period) if period else None,
        threshold_rules=[billing.BudgetThresholdRuleArgs(threshold_percent=1.0)],
    )


def azure_budget(name: str, amount: float, grain: str = "Monthly") -> None:
    consumption.Budget(
        name,
        scope="/subscriptions/1",
        amount=amount,
        category="Cost",
        time_grain=grain,
        time_period=consumption.BudgetTimePeriodArgs(start_date="2026-01-01T00:00:00Z"),
    )


def f_cost_01() -> None:
    # Priced from the packaged table: the GKE cluster fee, USD 0.10 an hour = 73.00 a month.
    gke("cluster")
    gcp_budget("pass_above_floor", "100")
    gcp_budget("fail_below_floor", "50")
    gcp_budget("pass_quarterly", "240", period="QUARTER")  # 80 a month
    gcp_budget("fail_yearly", "600", period="YEAR")  # 50 a month
    gcp_budget("na_other_currency", "10", currency="EUR")  # not compared (no conversion): not applicable
    # AKS Free tier costs nothing; its nodes are unpriced, so the Azure floor is 0.
    aks("aks", sku=CS.ManagedClusterSKUArgs(name="Base", tier="Free"))
    azure_budget("pass_azure", 1)


def f_cost_02() -> None:
    gke("cluster")
    gcp_budget("pass_above_ceiling", "80")
    gcp_budget("fail_below_ceiling", "60")
    azure_budget("pass_azure_quarterly", 3, grain="Quarterly")


def f_protect_01() -> None:
    protect = pulumi.ResourceOptions(protect=True)
    operationalinsights.Workspace("pass_logs", resource_group_name=RG, location=LOC, tags=TAGS, opts=protect)
    operationalinsights.Workspace("fail_logs", resource_group_name=RG, location=LOC, tags=TAGS)
    monitor.AzureMonitorWorkspace("fail_prometheus", resource_group_name=RG, location=LOC, tags=TAGS)
    gcs.Bucket("fail_bucket", location="EU", labels=LABELS)
    gcs.Bucket("pass_bucket", location="EU", labels=LABELS, opts=protect)
    # Not stateful: nothing to protect.
    monitor.ActionGroup(
        "pass_action_group", resource_group_name=RG, group_short_name="a", enabled=True, location="global"
    )


def audit_sink(name: str, bucket: logging.ProjectBucketConfig) -> None:
    logging.ProjectSink(
        name,
        project="p",
        destination=pulumi.Output.concat(
            "logging.googleapis.com/projects/p/locations/europe-west4/buckets/", bucket.bucket_id
        ),
        filter='logName:"cloudaudit.googleapis.com"',
    )


def log_bucket(name: str, *, locked: bool = True, days: int = 400, protect: bool = True) -> logging.ProjectBucketConfig:
    return logging.ProjectBucketConfig(
        name,
        project="p",
        location="europe-west4",
        bucket_id=name.replace("_", "-"),
        retention_days=days,
        locked=locked,
        opts=pulumi.ResourceOptions(protect=protect),
    )


def audit_account(name: str, *, lock: bool = True, worm_days: int | None = 365, protect: bool = True) -> None:
    account = storage_account(name, opts=pulumi.ResourceOptions(protect=protect))
    monitor.SubscriptionDiagnosticSetting(
        f"export_{name}",
        storage_account_id=account.id,
        logs=[monitor.SubscriptionLogSettingsArgs(category="Administrative", enabled=True)],
    )
    if lock:
        authorization.ManagementLockByScope(f"lock_{name}", scope=account.id, level="CanNotDelete")
    if worm_days is not None:
        storage.BlobContainerImmutabilityPolicy(
            f"worm_{name}",
            account_name=account.name,
            container_name="insights-activity-logs",
            resource_group_name=RG,
            immutability_period_since_creation_in_days=worm_days,
            allow_protected_append_writes=True,
        )


def f_audit_01() -> None:
    audit_sink("sink_pass", log_bucket("pass_bucket"))
    audit_sink("sink_unlocked", log_bucket("fail_bucket_unlocked", locked=False))
    audit_sink("sink_short", log_bucket("fail_bucket_short", days=30))
    audit_sink("sink_unprotected", log_bucket("fail_bucket_unprotected", protect=False))
    # Not an audit store: no sink routes audit logs into it.
    log_bucket("pass_other_bucket", locked=False, protect=False)
    audit_account("pass_account")
    audit_account("fail_account_unlocked", lock=False)
    audit_account("fail_account_no_worm", worm_days=None)
    audit_account("fail_account_short_worm", worm_days=30)
    # A storage account nobody exports the activity log to is no audit store.
    storage_account("pass_plain_account")


def f_audit_02() -> None:
    vertex.AiEndpoint("fail_vertex_endpoint", display_name="e", location="europe-west4", project="p", labels=LABELS)
    kms.CryptoKey("pass_key", key_ring="projects/p/locations/europe-west4/keyRings/r", labels=LABELS)
    projects.IAMAuditConfig(
        "kms_audit",
        project="p",
        service="cloudkms.googleapis.com",
        audit_log_configs=[
            projects.IAMAuditConfigAuditLogConfigArgs(log_type="DATA_READ"),
            projects.IAMAuditConfigAuditLogConfigArgs(log_type="DATA_WRITE"),
        ],
    )
    # Reads only: the Vertex AI endpoint's writes (deployments, predictions logged as writes) are not recorded.
    projects.IAMAuditConfig(
        "vertex_reads_only",
        project="p",
        service="aiplatform.googleapis.com",
        audit_log_configs=[projects.IAMAuditConfigAuditLogConfigArgs(log_type="DATA_READ")],
    )


def f_audit_03() -> None:
    resources.ResourceGroup("fail_group", location=LOC, tags=TAGS)
    # Only Administrative: Security and Policy are missing, so the stack's group fails.
    monitor.SubscriptionDiagnosticSetting(
        "export_partial",
        workspace_id="/law/1",
        logs=[monitor.SubscriptionLogSettingsArgs(category="Administrative", enabled=True)],
    )
    # A passing stack is the prod stack (tests/test_stacks.py); here a classic export of the subscription counts.
    classic_monitoring.DiagnosticSetting(
        "pass_classic_export",
        target_resource_id="/subscriptions/6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a03",
        log_analytics_workspace_id="/law/1",
        enabled_logs=[classic_monitoring.DiagnosticSettingEnabledLogArgs(category="Security")],
    )


def f_cost_03() -> None:
    aks(
        "pass_aks",
        metrics_profile=CS.ManagedClusterMetricsProfileArgs(
            cost_analysis=CS.ManagedClusterCostAnalysisArgs(enabled=True)
        ),
    )
    aks("fail_aks")
    aks("na_aks_free", sku=CS.ManagedClusterSKUArgs(name="Base", tier="Free"))
    classic_aks("pass_classic_aks", cost_analysis_enabled=True)
    classic_aks("fail_classic_aks")
    gke("pass_gke", cost_management_config=container.ClusterCostManagementConfigArgs(enabled=True))
    gke("fail_gke")


def f_residency_01() -> None:
    storage_account("pass_account")
    storage_account("fail_account_us", location="eastus")
    # Placed by its provider (azure-native:location westeurope): allowed.
    operationalinsights.Workspace("pass_provider_placed", resource_group_name=RG, tags=TAGS)
    monitor.ActionGroup("pass_global", resource_group_name=RG, group_short_name="a", enabled=True, location="global")
    gke("pass_gke", location="europe-west4", node_locations=["europe-west4-a", "europe-west4-b"])
    gke("fail_gke_zone", location="europe-west4", node_locations=["europe-west4-a", "us-central1-a"])
    kms.KeyRing("fail_key_ring", location="us-central1", project="p")
    pubsub.Topic(
        "fail_topic",
        project="p",
        message_storage_policy=pubsub.TopicMessageStoragePolicyArgs(allowed_persistence_regions=["us-east1"]),
    )
    # No place of its own and a type that takes none: not judged.
    projects.IAMMember("pass_iam", project="p", role="roles/viewer", member="user:a@example.com")


ML = machinelearningservices
T4 = "Standard_NC4as_T4_v3"


def online_deployment(name: str, deployment: str, instance_type: str = T4, **properties: Any) -> ML.OnlineDeployment:
    return ML.OnlineDeployment(
        name,
        deployment_name=deployment,
        endpoint_name="ep",
        workspace_name="mlw",
        resource_group_name=RG,
        location=LOC,
        tags=TAGS,
        properties=ML.ManagedOnlineDeploymentArgs(
            endpoint_compute_type="Managed", model="azureml:m:1", instance_type=instance_type, **properties
        ),
    )


def monitor_schedule(
    name: str,
    target: pulumi.Input[str],
    emails: list[str] | None = None,
    signal: str = "DataDrift",
    enabled: bool = True,
) -> ML.Schedule:
    data = ML.RollingInputDataArgs(
        input_data_type="Rolling",
        job_input_type="uri_folder",
        uri="azureml:d:1",
        window_size="P7D",
        window_offset="P0D",
    )
    thresholds = [ML.NumericalDataDriftMetricThresholdArgs(data_type="Numerical", metric="JensenShannonDistance")]
    signals = {
        "drift": ML.DataDriftMonitoringSignalArgs(
            signal_type="DataDrift", production_data=data, reference_data=data, metric_thresholds=thresholds
        )
        if signal == "DataDrift"
        else ML.DataQualityMonitoringSignalArgs(
            signal_type="DataQuality",
            production_data=data,
            reference_data=data,
            metric_thresholds=[
                ML.NumericalDataQualityMetricThresholdArgs(data_type="Numerical", metric="NullValueRate")
            ],
        )
    }
    return ML.Schedule(
        name,
        workspace_name="mlw",
        resource_group_name=RG,
        properties=ML.SchedulePropertiesArgs(
            is_enabled=enabled,
            trigger=ML.CronTriggerArgs(trigger_type="Cron", expression="0 3 * * *"),
            action=ML.CreateMonitorActionArgs(
                action_type="CreateMonitor",
                monitor_definition=ML.MonitorDefinitionArgs(
                    compute_configuration=ML.MonitorServerlessSparkComputeArgs(
                        compute_type="ServerlessSpark",
                        instance_type="standard_e4s_v3",
                        runtime_version="3.4",
                        compute_identity=ML.AmlTokenComputeIdentityArgs(compute_identity_type="AmlToken"),
                    ),
                    monitoring_target=ML.MonitoringTargetArgs(task_type="Classification", deployment_id=target),
                    signals=signals,
                    alert_notification_settings=ML.MonitorNotificationSettingsArgs(
                        email_notification_settings=ML.MonitorEmailNotificationSettingsArgs(emails=emails)
                    )
                    if emails
                    else None,
                ),
            ),
        ),
    )


def vertex_deployment(name: str, deployment: str, *, accelerator: bool = True, **props: Any) -> VertexModelDeployment:
    return VertexModelDeployment(
        name,
        {
            "endpoint": "projects/p/locations/europe-west4/endpoints/1",
            "deployment_name": deployment,
            "machine_type": "g2-standard-8" if accelerator else "n1-standard-4",
            "accelerator_type": "NVIDIA_L4" if accelerator else None,
            "accelerator_count": 1 if accelerator else 0,
            "min_replicas": 1,
            "max_replicas": 2,
            **props,
        },
    )


def monitoring_job(
    name: str, watched: dict[str, VertexModelDeployment], channels: list[str], paused: bool = False
) -> VertexModelMonitoringJob:
    return VertexModelMonitoringJob(
        name,
        {
            "endpoint": "projects/p/locations/europe-west4/endpoints/1",
            "objectives": {
                key: {"deployed_model_id": d.deployed_model_id, "threshold": 0.1} for key, d in watched.items()
            },
            "notification_channels": channels,
            "paused": paused,
        },
    )


def f_monitor_01() -> None:
    ML.OnlineEndpoint(
        "endpoint",
        endpoint_name="ep",
        resource_group_name=RG,
        workspace_name="mlw",
        location=LOC,
        tags=TAGS,
        properties=ML.OnlineEndpointPropertiesArgs(
            auth_mode="AADToken", traffic={"blue": 40, "named": 30, "off": 10, "green": 20, "shadow": 0}
        ),
    )
    blue = online_deployment("pass_monitored", "blue")
    monitor_schedule("monitor_blue", blue.id, emails=["a@example.com"])
    online_deployment("pass_named", "named")
    monitor_schedule("monitor_named", "azureml:ep:named", emails=["a@example.com"])
    # Takes no live traffic (mirror only): not a serving deployment.
    online_deployment("pass_mirror_only", "shadow")
    # A data quality monitor alone watches no drift.
    green = online_deployment("fail_quality_only", "green", "Standard_DS3_v2")
    monitor_schedule("monitor_quality", green.id, signal="DataQuality", emails=["a@example.com"])
    # A disabled monitor schedule (a paused monitor) watches nothing.
    off = online_deployment("fail_monitor_disabled", "off")
    monitor_schedule("monitor_off", off.id, emails=["a@example.com"], enabled=False)
    VertexEndpointTraffic(
        "vertex_traffic",
        endpoint="projects/p/locations/europe-west4/endpoints/1",
        traffic={"blue": 90, "green": 10},
        deployed_model_ids={},
    )
    watched = vertex_deployment("pass_vertex_watched", "blue")
    vertex_deployment("fail_vertex_unwatched", "green")
    monitoring_job("vertex_job", {"blue": watched}, ["projects/p/notificationChannels/1"])
    paused = vertex_deployment("fail_vertex_paused", "red")
    monitoring_job("vertex_paused_job", {"red": paused}, ["projects/p/notificationChannels/1"], paused=True)


def f_monitor_02() -> None:
    monitor_schedule("pass_emails", "azureml:ep:blue", emails=["a@example.com"])
    monitor_schedule("fail_silent", "azureml:ep:green")
    alerted = monitor_schedule("pass_event_grid", "azureml:ep:red")
    eventgrid.SystemTopicEventSubscription(
        "breach_alert",
        resource_group_name=RG,
        system_topic_name="mlw-events",
        destination=eventgrid.MonitorAlertEventSubscriptionDestinationArgs(
            endpoint_type="MonitorAlert", action_groups=["/ag/1"], severity="Sev2"
        ),
        opts=pulumi.ResourceOptions(depends_on=[alerted]),
    )
    deployment = vertex_deployment("deployed", "blue")
    monitoring_job("pass_job_channels", {"blue": deployment}, ["projects/p/notificationChannels/1"])
    monitoring_job("fail_job_silent", {"blue": deployment}, [])


def autoscale(name: str, target: ML.OnlineDeployment, metric: str) -> None:
    rule = monitor.ScaleRuleArgs(
        metric_trigger=monitor.MetricTriggerArgs(
            metric_name=metric,
            metric_resource_uri=target.id,
            operator=monitor.ComparisonOperationType.GREATER_THAN,
            statistic=monitor.MetricStatisticType.AVERAGE,
            threshold=70,
            time_aggregation=monitor.TimeAggregationType.AVERAGE,
            time_grain="PT1M",
            time_window="PT5M",
        ),
        scale_action=monitor.ScaleActionArgs(
            direction=monitor.ScaleDirection.INCREASE, type=monitor.ScaleType.CHANGE_COUNT, value="1", cooldown="PT5M"
        ),
    )
    monitor.AutoscaleSetting(
        name,
        resource_group_name=RG,
        location=LOC,
        tags=TAGS,
        target_resource_uri=target.id,
        profiles=[
            monitor.AutoscaleProfileArgs(
                name="utilization",
                capacity=monitor.ScaleCapacityArgs(minimum="1", maximum="3", default="1"),
                rules=[rule],
            )
        ],
    )


def gpu_workload(name: str, workload: str, gpus: bool = True) -> None:
    resources = {"cpu": "4", "memory": "16Gi", **({"nvidia.com/gpu": "1"} if gpus else {})}
    k8s.apps.v1.Deployment(
        name,
        metadata={"name": workload, "namespace": "team"},
        spec={
            "selector": {"match_labels": {"app": workload}},
            "template": {
                "metadata": {"labels": {"app": workload}},
                "spec": {"containers": [{"name": "server", "image": "i:1", "resources": {"limits": resources}}]},
            },
        },
    )


def hpa(
    name: str,
    workload: str,
    metric: k8s.autoscaling.v2.MetricSpecArgsDict,
    provider: pulumi.ProviderResource | None = None,
) -> None:
    k8s.autoscaling.v2.HorizontalPodAutoscaler(
        name,
        metadata={"name": workload, "namespace": "team"},
        spec={
            "scale_target_ref": {"api_version": "apps/v1", "kind": "Deployment", "name": workload},
            "min_replicas": 1,
            "max_replicas": 3,
            "metrics": [metric],
        },
        opts=pulumi.ResourceOptions(provider=provider),
    )


CPU_METRIC: k8s.autoscaling.v2.MetricSpecArgsDict = {
    "type": "Resource",
    "resource": {"name": "cpu", "target": {"type": "Utilization", "average_utilization": 70}},
}
QUEUE_METRIC: k8s.autoscaling.v2.MetricSpecArgsDict = {
    "type": "Pods",
    "pods": {"metric": {"name": "queue_depth"}, "target": {"type": "AverageValue", "average_value": "8"}},
}


def f_scale_01() -> None:
    autoscale("fail_cpu_only", online_deployment("gpu_blue", "blue"), "CpuUtilizationPercentage")
    autoscale("pass_gpu_metric", online_deployment("gpu_green", "green"), "GpuUtilizationPercentage")
    autoscale("pass_cpu_deployment", online_deployment("cpu_red", "red", "Standard_DS3_v2"), "CpuUtilizationPercentage")
    online_deployment(
        "fail_target_utilization",
        "yellow",
        scale_settings=ML.TargetUtilizationScaleSettingsArgs(scale_type="TargetUtilization", max_instances=3),
    )
    vertex_deployment("fail_vertex_default", "blue")
    vertex_deployment(
        "pass_vertex_duty_cycle",
        "green",
        autoscaling={"aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle": 60},
    )
    vertex_deployment("pass_vertex_cpu_machine", "red", accelerator=False)
    gpu_workload("scorer", "scorer")
    hpa("fail_hpa_cpu", "scorer", CPU_METRIC)
    gpu_workload("ranker", "ranker")
    hpa("pass_hpa_queue", "ranker", QUEUE_METRIC)
    gpu_workload("api", "api", gpus=False)
    hpa("pass_hpa_cpu_workload", "api", CPU_METRIC)


def scaled_object(name: str, provider: pulumi.ProviderResource) -> None:
    k8s.apiextensions.CustomResource(
        name,
        api_version="keda.sh/v1alpha1",
        kind="ScaledObject",
        metadata={"name": name.replace("_", "-"), "namespace": "team"},
        spec={
            "scaleTargetRef": {"name": "scorer"},
            "triggers": [{"type": "prometheus", "metadata": {"query": "sum(q)", "threshold": "8"}}],
        },
        opts=pulumi.ResourceOptions(provider=provider),
    )


def cluster_provider(name: str, cluster: pulumi.CustomResource) -> k8s.Provider:
    return k8s.Provider(name, kubeconfig=cluster.id.apply(lambda _id: "apiVersion: v1\nkind: Config\n"))


def f_scale_02() -> None:
    with_keda = aks(
        "aks_keda",
        workload_auto_scaler_profile=CS.ManagedClusterWorkloadAutoScalerProfileArgs(
            keda=CS.ManagedClusterWorkloadAutoScalerProfileKedaArgs(enabled=True)
        ),
    )
    keda_provider = cluster_provider("aks_keda_provider", with_keda)
    scaled_object("pass_on_keda_addon", keda_provider)
    hpa("pass_hpa_cpu", "scorer", CPU_METRIC, keda_provider)
    # KEDA serves external metrics, not pods metrics: that needs an adapter.
    hpa("fail_hpa_pods_without_adapter", "ranker", QUEUE_METRIC, keda_provider)
    bare_provider = cluster_provider("aks_bare_provider", aks("aks_bare"))
    scaled_object("fail_no_keda", bare_provider)
    charted_provider = cluster_provider("gke_provider", gke("gke"))
    k8s.helm.v3.Release(
        "keda_chart",
        chart="keda",
        version="2.20.2",
        namespace="keda",
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo="https://kedacore.github.io/charts"),
        opts=pulumi.ResourceOptions(provider=charted_provider),
    )
    scaled_object("pass_with_chart", charted_provider)
    hpa("na_hpa_on_gke", "scorer", QUEUE_METRIC, charted_provider)
    scaled_object("na_untied_provider", k8s.Provider("elsewhere", kubeconfig="apiVersion: v1\nkind: Config\n"))


#: Stack config a fixture runs with (the default provider's config, as a stack file would set it).
CONFIG: dict[str, dict[str, Any]] = {
    "ml-tags-01": {"azure:location": "westeurope"},
    "ml-residency-01": {
        "azure-native:location": "westeurope",
        "aiscale:allowed_locations": ["westeurope", "europe-west4"],
    },
}

FIXTURES: dict[str, tuple[str, Callable[[], object]]] = {
    f"ml-{name.removeprefix('f_').replace('_', '-')}": ("dev" if name in ("f_aks_14", "f_gke_14") else "prod", fixture)
    for name, fixture in list(globals().items())
    if name.startswith("f_") and callable(fixture)
}


def test_every_policy_has_a_fixture() -> None:
    assert sorted(FIXTURES) == sorted(p.name for p in all_policies())


@pytest.mark.parametrize("policy", sorted(FIXTURES))
def test_exactly_the_fail_resources_fail(policy: str) -> None:
    stack, fixture = FIXTURES[policy]
    run = record_program(fixture, stack=stack, config=CONFIG.get(policy))
    names = {r.name for r in run.registrations}
    assert any(n.startswith("pass") for n in names) and any(n.startswith("fail") for n in names), policy
    report = evaluate(run, policies=[p for p in all_policies() if p.name == policy])
    failing = {(v.urn or "stack").rsplit("::", 1)[-1] for v in report.violations}
    assert failing == {n for n in names if n.startswith("fail")}, [v.message for v in report.violations]
    skipped = {n.urn.rsplit("::", 1)[-1]: n for n in report.not_evaluated}
    assert set(skipped) == {n for n in names if n.startswith("na_")}, [n.message for n in report.not_evaluated]
    assert all(n.kind == "not-applicable" and n.message for n in skipped.values())
