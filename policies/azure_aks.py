"""AKS clusters and node pools (catalogue rows 1-17): any ``azure-native`` ManagedCluster or AgentPool, and the
classic ``pulumi-azure`` KubernetesCluster or KubernetesClusterNodePool. Each check reads the cluster or pool
through its provider's :class:`~aiscale.policies._support.Shape`, so one function judges both."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from aiscale.core import gpu
from aiscale.policies._support import (
    Field,
    Rule,
    Shape,
    View,
    azure_type,
    classic_type,
    config_number,
    is_set,
    items,
    resource_policy,
    shape_for,
    types_of,
    view_of,
)

CLUSTER = azure_type("containerservice", "ManagedCluster")
POOL = azure_type("containerservice", "AgentPool")
CLASSIC_CLUSTER = classic_type("containerservice", "KubernetesCluster")
CLASSIC_POOL = classic_type("containerservice", "KubernetesClusterNodePool")
GPU_TAINT_KEY = "nvidia.com/gpu"
NATIVE_SDK = "pulumi_azure_native.containerservice"
CLASSIC_SDK = "pulumi_azure.containerservice"

NATIVE_CLUSTER = Shape(
    "azure-native",
    (CLUSTER,),
    {
        "private": Field(("apiServerAccessProfile", "enablePrivateCluster"), False),
        "authorized_ranges": Field(("apiServerAccessProfile", "authorizedIPRanges")),
        "local_accounts_disabled": Field(("disableLocalAccounts",), False),
        "rbac": Field(("enableRBAC",), True),
        "entra_managed": Field(("aadProfile", "managed"), False),
        "azure_rbac": Field(("aadProfile", "enableAzureRBAC"), False),
        "network_plugin": Field(("networkProfile", "networkPlugin")),
        "network_policy": Field(("networkProfile", "networkPolicy")),
        "disk_encryption_set": Field(("diskEncryptionSetID",)),
        "policy_addon": Field(("addonProfiles", "azurepolicy", "enabled"), False),
        "upgrade_channel": Field(
            ("autoUpgradeProfile", "upgradeChannel"),
            "none",
            f"{NATIVE_SDK}:ManagedClusterAutoUpgradeProfileArgs.upgrade_channel",
            "The default is 'none'.",
        ),
        "node_os_channel": Field(
            ("autoUpgradeProfile", "nodeOSUpgradeChannel"),
            "NodeImage",
            f"{NATIVE_SDK}:ManagedClusterAutoUpgradeProfileArgs.node_os_upgrade_channel",
            "The default is NodeImage.",
        ),
        "insights": Field(("addonProfiles", "omsagent", "enabled"), False),
        "insights_workspace": Field(("addonProfiles", "omsagent", "config", "logAnalyticsWorkspaceResourceID")),
        "metrics": Field(("azureMonitorProfile", "metrics", "enabled"), False),
        "workload_identity": Field(("securityProfile", "workloadIdentity", "enabled"), False),
        "oidc_issuer": Field(("oidcIssuerProfile", "enabled"), False),
        "kms": Field(("securityProfile", "azureKeyVaultKms", "enabled"), False),
        "kms_key": Field(("securityProfile", "azureKeyVaultKms", "keyId")),
        "tier": Field(
            ("sku", "tier"),
            "Free",
            f"{NATIVE_SDK}:ManagedClusterSKUArgs.tier",
            "If not specified, the default is 'Free'.",
        ),
        "cost_analysis": Field(
            ("metricsProfile", "costAnalysis", "enabled"),
            False,
            f"{NATIVE_SDK}:ManagedClusterCostAnalysisArgs.enabled",
            "If not specified, the default is false.",
        ),
    },
)
CLASSIC_CLUSTER_SHAPE = Shape(
    "azure",
    (CLASSIC_CLUSTER,),
    {
        "private": Field(
            ("privateClusterEnabled",),
            False,
            f"{CLASSIC_SDK}:KubernetesClusterArgs.private_cluster_enabled",
            "Defaults to `false`.",
        ),
        "authorized_ranges": Field(("apiServerAccessProfile", "authorizedIpRanges")),
        "local_accounts_disabled": Field(("localAccountDisabled",), False),
        "rbac": Field(
            ("roleBasedAccessControlEnabled",),
            True,
            f"{CLASSIC_SDK}:KubernetesClusterArgs.role_based_access_control_enabled",
            "Defaults to `true`.",
        ),
        # The block is Entra ID integration managed by AKS (the only kind the v6 provider creates).
        "entra_managed": Field(("azureActiveDirectoryRoleBasedAccessControl",), False, means=is_set),
        "azure_rbac": Field(("azureActiveDirectoryRoleBasedAccessControl", "azureRbacEnabled"), False),
        "network_plugin": Field(
            ("networkProfile", "networkPlugin"),
            "kubenet",
            f"{CLASSIC_SDK}:KubernetesClusterArgs.network_profile",
            "If `network_profile` is not defined, `kubenet` profile will be used by default.",
        ),
        "network_policy": Field(("networkProfile", "networkPolicy")),
        "disk_encryption_set": Field(("diskEncryptionSetId",)),
        "policy_addon": Field(("azurePolicyEnabled",), False),
        "upgrade_channel": Field(
            ("automaticUpgradeChannel",),
            "none",
            f"{CLASSIC_SDK}:KubernetesClusterArgs.automatic_upgrade_channel",
            "Omitting this field sets this value to `none`.",
        ),
        "node_os_channel": Field(
            ("nodeOsUpgradeChannel",),
            "NodeImage",
            f"{CLASSIC_SDK}:KubernetesClusterArgs.node_os_upgrade_channel",
            "Defaults to `NodeImage`.",
        ),
        "insights": Field(("omsAgent",), False, means=is_set),
        "insights_workspace": Field(("omsAgent", "logAnalyticsWorkspaceId")),
        "metrics": Field(("monitorMetrics",), False, means=is_set),
        "workload_identity": Field(
            ("workloadIdentityEnabled",),
            False,
            f"{CLASSIC_SDK}:KubernetesClusterArgs.workload_identity_enabled",
            "Defaults to `false`.",
        ),
        "oidc_issuer": Field(("oidcIssuerEnabled",), False),
        "kms": Field(("keyManagementService",), False, means=is_set),
        "kms_key": Field(("keyManagementService", "keyVaultKeyId")),
        "tier": Field(("skuTier",), "Free", f"{CLASSIC_SDK}:KubernetesClusterArgs.sku_tier", "Defaults to `Free`."),
        "cost_analysis": Field(
            ("costAnalysisEnabled",),
            False,
            f"{CLASSIC_SDK}:KubernetesClusterArgs.cost_analysis_enabled",
            "Defaults to `false`.",
        ),
    },
)
CLUSTERS = (NATIVE_CLUSTER, CLASSIC_CLUSTER_SHAPE)

#: Node pools: inline profiles and AgentPool resources (azure-native), the default pool and node pools (classic).
NATIVE_POOL = Shape(
    "azure-native",
    (CLUSTER, POOL),
    {
        "encryption_at_host": Field(("enableEncryptionAtHost",), False),
        "public_ip": Field(
            ("enableNodePublicIP",),
            False,
            f"{NATIVE_SDK}:ManagedClusterAgentPoolProfileArgs.enable_node_public_ip",
            "The default is false.",
        ),
        "vm_size": Field(("vmSize",)),
        "autoscaling": Field(("enableAutoScaling",), False),
        "min_count": Field(("minCount",)),
        "max_count": Field(("maxCount",)),
        "taints": Field(("nodeTaints",)),
        "mode": Field(("mode",)),
    },
)
CLASSIC_POOL_FIELDS = {
    "encryption_at_host": Field(("hostEncryptionEnabled",), False),
    "public_ip": Field(("nodePublicIpEnabled",), False),
    "vm_size": Field(("vmSize",)),
    "autoscaling": Field(("autoScalingEnabled",), False),
    "min_count": Field(("minCount",)),
    "max_count": Field(("maxCount",)),
    "taints": Field(("nodeTaints",)),
}
CLASSIC_POOL_SHAPE = Shape(
    "azure",
    (CLASSIC_POOL,),
    {
        **CLASSIC_POOL_FIELDS,
        "mode": Field(("mode",), "User", f"{CLASSIC_SDK}:KubernetesClusterNodePoolArgs.mode", "Defaults to `User`."),
    },
)
#: The classic cluster's ``defaultNodePool`` is its System pool (it has no mode property).
CLASSIC_DEFAULT_POOL = Shape(
    "azure",
    (CLASSIC_CLUSTER,),
    {
        **CLASSIC_POOL_FIELDS,
        "mode": Field(
            ("mode",),
            "System",
            f"{CLASSIC_SDK}:KubernetesClusterArgs.default_node_pool",
            'Specifies configuration for "System" mode node pool.',
        ),
    },
)
POOLS = (NATIVE_POOL, CLASSIC_DEFAULT_POOL, CLASSIC_POOL_SHAPE)
CLUSTER_TYPES = types_of(*CLUSTERS)
POOL_TYPES = (CLUSTER, POOL, CLASSIC_CLUSTER, CLASSIC_POOL)


def is_gpu_size(vm_size: Any) -> bool:
    """GPU sizes: the table's, and any N-series size (NC, ND, NV) the table does not know yet."""
    size = str(vm_size or "")
    return size in gpu.azure_gpu_skus() or size.startswith(("Standard_NC", "Standard_ND", "Standard_NV"))


def pools(args: ResourceValidationArgs) -> Iterator[tuple[str, View]]:
    """Every pool a resource defines: inline profiles or the default pool of a cluster, or the pool resource."""
    shape = shape_for(POOLS, args.resource_type)
    if args.resource_type == CLASSIC_CLUSTER:
        default = args.props.get("defaultNodePool") or {}
        yield f"pool {default.get('name')}", shape.view(default)
    elif CLUSTER.fullmatch(args.resource_type):
        for profile in items(args.props.get("agentPoolProfiles")):
            yield f"pool {profile.get('name')}", shape.view(profile)
    else:
        name = args.props.get("agentPoolName") or args.props.get("name") or args.name
        yield f"pool {name}", shape.view(args.props)


def _private_api(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    cluster = view_of(CLUSTERS, args)
    if cluster["private"] is True:
        return
    ranges = [str(r) for r in items(cluster["authorized_ranges"])]
    # Absent: a public API server open to every address.
    if not ranges:
        yield "the API server is public and reachable from any address: make it private or set authorized IP ranges"
    elif any(r in ("0.0.0.0/0", "*", "0.0.0.0") for r in ranges):
        yield f"{cluster.path('authorized_ranges')} contains 0.0.0.0/0"


def _local_accounts(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if view_of(CLUSTERS, args)["local_accounts_disabled"] is not True:
        yield "local accounts are enabled (absent means enabled): a static admin kubeconfig exists"


def _entra_rbac(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    cluster = view_of(CLUSTERS, args)
    if cluster["rbac"] is False:
        yield "Kubernetes RBAC is disabled"
    if cluster["entra_managed"] is not True or cluster["azure_rbac"] is not True:
        yield f"Entra ID integration with Azure RBAC is not enabled ({cluster.path('azure_rbac')})"


def _network_policy(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    cluster = view_of(CLUSTERS, args)
    if cluster["network_plugin"] == "none":
        args.not_applicable(
            "networkPlugin none: the cluster brings its own CNI, which decides how NetworkPolicy is enforced"
        )
    engine = cluster["network_policy"]
    if engine not in ("azure", "calico", "cilium"):
        yield f"no network policy engine ({cluster.path('network_policy')} is {engine!r}): NetworkPolicy objects do nothing"


def _disk_encryption_set(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    cluster = view_of(CLUSTERS, args)
    if not cluster.has("disk_encryption_set"):
        yield f"node disks are not encrypted with a customer-managed key ({cluster.path('disk_encryption_set')} is absent)"


def _encryption_at_host(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    for label, pool in pools(args):
        if pool["encryption_at_host"] is not True:
            yield f"{label}: encryption at host is off (absent means off): temp and cache disks are unencrypted"


def _no_public_ip(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    for label, pool in pools(args):
        if pool["public_ip"] is True:
            yield f"{label}: nodes get public IP addresses"


def _policy_addon(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if view_of(CLUSTERS, args)["policy_addon"] is not True:
        yield "the Azure Policy add-on is off"


def _upgrades(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    cluster = view_of(CLUSTERS, args)
    if cluster["upgrade_channel"] in ("none", None):
        yield f"no Kubernetes auto-upgrade channel ({cluster.path('upgrade_channel')} absent or none)"
    # Absent means NodeImage, the provider's documented default.
    if cluster["node_os_channel"] == "None":
        yield "no node OS upgrade channel (None): node images never get security patches"


def _container_insights(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    cluster = view_of(CLUSTERS, args)
    insights = cluster["insights"] is True and cluster.has("insights_workspace")
    if not insights and cluster["metrics"] is not True:
        yield "neither Container Insights (to Log Analytics) nor Azure Monitor managed Prometheus metrics are on"


def _workload_identity(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    cluster = view_of(CLUSTERS, args)
    if cluster["workload_identity"] is not True:
        yield "workload identity is off: pods would need secrets to reach Azure"
    if cluster["oidc_issuer"] is not True:
        yield "the OIDC issuer is off (workload identity needs it)"


def _etcd_kms(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    cluster = view_of(CLUSTERS, args)
    if cluster["kms"] is not True or not cluster.has("kms_key"):
        yield f"Kubernetes secrets are not encrypted with a Key Vault key ({cluster.path('kms_key')})"


def _paid_tier(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    tier = view_of(CLUSTERS, args)["tier"]
    if tier not in ("Standard", "Premium"):
        yield f"tier {tier} has no uptime SLA; serving clusters need Standard or Premium"


def _gpu_pool_isolation(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    for label, pool in pools(args):
        if not is_gpu_size(pool["vm_size"]):
            continue
        taints = [str(t) for t in items(pool["taints"])]
        if not any(t.startswith(GPU_TAINT_KEY) and t.endswith(":NoSchedule") for t in taints):
            yield f"{label}: GPU nodes carry no {GPU_TAINT_KEY} NoSchedule taint (AKS adds none): any pod lands there"
        if pool["mode"] == "System":
            yield f"{label}: a GPU pool runs in System mode; system add-ons would occupy GPU nodes"


def _gpu_pool_bounds(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    limit = config_number(config, "maxGpuNodes", GPU_POOL_BOUNDS)
    for label, pool in pools(args):
        if not is_gpu_size(pool["vm_size"]):
            continue
        if pool["autoscaling"] is not True:
            yield f"{label}: GPU pool without autoscaling (absent means off): it never scales down"
            continue
        maximum = pool["max_count"]
        if maximum is None or float(maximum) > limit:
            yield f"{label}: maxCount {maximum} exceeds the ceiling of {limit:g} GPU nodes per pool"
        minimum = pool["min_count"]
        if config.get("environment") != "prod" and minimum is not None and float(minimum) > 0:
            yield f"{label}: minCount {minimum:g} keeps GPU nodes running outside prod; scale to zero"


GPU_POOL_BOUNDS = Rule(
    id="ml-aks-14",
    title="AKS GPU pool autoscaling bounds",
    description="GPU pools autoscale, stay under a node ceiling, and scale to zero outside prod.",
    severity=Severity.MEDIUM,
    anchors=("CKV_AZURE_150",),
    absent="enableAutoScaling absent means off; maxCount absent means unbounded.",
    remediation="Enable autoscaling with minCount 0 outside prod and maxCount at or below maxGpuNodes.",
    area="AKS",
    config={"maxGpuNodes": {"type": "number", "minimum": 1, "default": 20}},
)

POLICIES = [
    resource_policy(
        Rule(
            "ml-aks-01",
            "AKS private API server",
            "AKS API servers are private, or public only to authorized IP ranges (never the whole internet).",
            Severity.CRITICAL,
            ("CKV_AZURE_115", "CKV_AZURE_6", "AzP:040732e8-d947-40b8-95d6-854c95024bf8", "AZU-0041", "AZU-0065"),
            "No private cluster and no authorized IP ranges means a public API server open to every address "
            "(azure-native apiServerAccessProfile; classic privateClusterEnabled, apiServerAccessProfile).",
            "Set apiServerAccessProfile.enablePrivateCluster, or authorizedIPRanges without 0.0.0.0/0.",
            "AKS",
        ),
        CLUSTER_TYPES,
        _private_api,
    ),
    resource_policy(
        Rule(
            "ml-aks-02",
            "AKS local accounts disabled",
            "AKS clusters disable local accounts, so every sign-in goes through Entra ID.",
            Severity.HIGH,
            ("CKV_AZURE_141", "AzP:993c2fcd-2b29-49d2-9eb0-df2c3a730c32"),
            "disableLocalAccounts (classic localAccountDisabled) absent means local accounts are enabled.",
            "Set disableLocalAccounts to true (with aadProfile.managed).",
            "AKS",
        ),
        CLUSTER_TYPES,
        _local_accounts,
    ),
    resource_policy(
        Rule(
            "ml-aks-03",
            "AKS Entra ID with Azure RBAC",
            "AKS clusters keep Kubernetes RBAC and use Entra ID integration with Azure RBAC.",
            Severity.HIGH,
            (
                "CKV_AZURE_5",
                "AzP:ac4a19c2-fa67-49b4-8ae5-0b2e78c49457",
                "AZU-0042",
                "KICS:86f92117-eed8-4614-9c6c-b26da20ff37f",
            ),
            "enableRBAC (classic roleBasedAccessControlEnabled) absent passes (RBAC is on by default); aadProfile "
            "(classic azureActiveDirectoryRoleBasedAccessControl) absent fails.",
            "Set aadProfile.managed and aadProfile.enableAzureRBAC to true.",
            "AKS",
        ),
        CLUSTER_TYPES,
        _entra_rbac,
    ),
    resource_policy(
        Rule(
            "ml-aks-04",
            "AKS network policy engine",
            "AKS clusters run a network policy engine so that NetworkPolicy objects are enforced.",
            Severity.HIGH,
            ("CKV_AZURE_7", "AZU-0043", "KICS:f5342045-b935-402d-adf1-8dbbd09c0eef"),
            "networkProfile.networkPolicy absent means none (a classic cluster without networkProfile runs kubenet); "
            "networkPlugin none (a cluster that brings its own CNI) is not applicable.",
            "Set networkProfile.networkPolicy to cilium (with the Cilium dataplane), azure or calico.",
            "AKS",
        ),
        CLUSTER_TYPES,
        _network_policy,
    ),
    resource_policy(
        Rule(
            "ml-aks-05",
            "AKS disks with customer-managed key",
            "AKS node OS and data disks are encrypted through a disk encryption set (customer-managed key).",
            Severity.HIGH,
            (
                "CKV_AZURE_117",
                "AzP:7d7be79c-23ba-4033-84dd-45e2a5ccdd67",
                "AZU-0067",
                "KICS:b17d8bb8-4c08-4785-867e-cb9e62a622aa",
            ),
            "diskEncryptionSetID (classic diskEncryptionSetId) absent means platform-managed keys.",
            "Create a disk encryption set with a Key Vault key and set diskEncryptionSetID.",
            "AKS",
        ),
        CLUSTER_TYPES,
        _disk_encryption_set,
    ),
    resource_policy(
        Rule(
            "ml-aks-06",
            "AKS encryption at host",
            "Every AKS node pool encrypts temp and cache disks at the host.",
            Severity.MEDIUM,
            ("CKV_AZURE_227", "AzP:41425d9f-d1a5-499a-9932-f8ed8453932c"),
            "enableEncryptionAtHost (classic hostEncryptionEnabled) absent means off.",
            "Set enableEncryptionAtHost on every pool (the subscription needs the EncryptionAtHost feature).",
            "AKS",
        ),
        POOL_TYPES,
        _encryption_at_host,
    ),
    resource_policy(
        Rule(
            "ml-aks-07",
            "AKS nodes without public IPs",
            "No AKS node pool gives its nodes public IP addresses.",
            Severity.HIGH,
            ("CKV_AZURE_143",),
            "enableNodePublicIP (classic nodePublicIpEnabled) absent means no public IP.",
            "Remove enableNodePublicIP (or set it to false) on every pool.",
            "AKS",
        ),
        POOL_TYPES,
        _no_public_ip,
    ),
    resource_policy(
        Rule(
            "ml-aks-08",
            "AKS Azure Policy add-on",
            "AKS clusters run the Azure Policy add-on for in-cluster admission guardrails.",
            Severity.LOW,
            (
                "CKV_AZURE_116",
                "AzP:0a15ec92-a229-4763-bb14-0ea34a568f8d",
                "AZU-0066",
                "KICS:43789711-161b-4708-b5bb-9d1c626f7492",
            ),
            "addonProfiles.azurepolicy (classic azurePolicyEnabled) absent means off.",
            "Enable addonProfiles.azurepolicy.",
            "AKS",
        ),
        CLUSTER_TYPES,
        _policy_addon,
    ),
    resource_policy(
        Rule(
            "ml-aks-09",
            "AKS upgrade channels",
            "AKS clusters have a Kubernetes auto-upgrade channel and a node OS upgrade channel.",
            Severity.MEDIUM,
            ("CKV_AZURE_171", "AzP:5c345cdf-2049-47e0-b8fe-b0e96bc2df35", "AzP:04408ca5-aa10-42ce-8536-98955cdddd4c"),
            "The Kubernetes upgrade channel absent means none; the node OS upgrade channel absent means NodeImage "
            "(both providers' documented defaults), so only None fails.",
            "Set autoUpgradeProfile.upgradeChannel (patch or stable) and nodeOSUpgradeChannel (NodeImage).",
            "AKS",
        ),
        CLUSTER_TYPES,
        _upgrades,
    ),
    resource_policy(
        Rule(
            "ml-aks-10",
            "AKS monitoring",
            "AKS clusters send logs to Log Analytics (Container Insights) or metrics to Azure Monitor.",
            Severity.HIGH,
            ("CKV_AZURE_4", "AZU-0040"),
            "addonProfiles.omsagent and azureMonitorProfile (classic omsAgent and monitorMetrics) absent mean no monitoring.",
            "Enable the omsagent add-on with a Log Analytics workspace and azureMonitorProfile.metrics.",
            "AKS",
        ),
        CLUSTER_TYPES,
        _container_insights,
    ),
    resource_policy(
        Rule(
            "ml-aks-11",
            "AKS workload identity",
            "AKS clusters enable workload identity and the OIDC issuer, so pods reach Azure without secrets.",
            Severity.HIGH,
            ("AzP:2cc2e023-0dac-4046-875b-178f683929d5",),
            "securityProfile.workloadIdentity and oidcIssuerProfile (classic workloadIdentityEnabled, oidcIssuerEnabled) "
            "absent mean off.",
            "Enable securityProfile.workloadIdentity and oidcIssuerProfile.",
            "AKS",
        ),
        CLUSTER_TYPES,
        _workload_identity,
    ),
    resource_policy(
        Rule(
            "ml-aks-12",
            "AKS secrets encrypted with Key Vault KMS",
            "AKS encrypts Kubernetes secrets in etcd with a Key Vault key.",
            Severity.HIGH,
            ("AzP:dbbdc317-9734-4dd8-9074-993b29c69008",),
            "securityProfile.azureKeyVaultKms (classic keyManagementService) absent means platform encryption only.",
            "Enable securityProfile.azureKeyVaultKms with a versioned key id.",
            "AKS",
        ),
        CLUSTER_TYPES,
        _etcd_kms,
    ),
    resource_policy(
        Rule(
            "ml-aks-13",
            "AKS paid tier",
            "Serving AKS clusters run on a tier with an uptime SLA (Standard or Premium).",
            Severity.MEDIUM,
            ("CKV_AZURE_170",),
            "sku.tier (classic skuTier) absent means Free.",
            "Set sku.tier (classic skuTier) to Standard.",
            "AKS",
        ),
        CLUSTER_TYPES,
        _paid_tier,
    ),
    resource_policy(GPU_POOL_BOUNDS, POOL_TYPES, _gpu_pool_bounds),
    resource_policy(
        Rule(
            "ml-aks-15",
            "AKS GPU pool isolation",
            "GPU node pools are User pools tainted nvidia.com/gpu:NoSchedule, so only GPU workloads land there.",
            Severity.MEDIUM,
            ("CKV_AZURE_232",),
            "nodeTaints absent means no taint (AKS adds none to GPU pools).",
            "Add the taint nvidia.com/gpu=present:NoSchedule and mode User to GPU pools.",
            "AKS",
        ),
        POOL_TYPES,
        _gpu_pool_isolation,
    ),
]
