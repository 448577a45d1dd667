"""AKS clusters and node pools (catalogue rows 1-17). Any ``azure-native`` ManagedCluster or AgentPool."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from aiscale.core import gpu
from aiscale.policies._support import Rule, azure_type, config_number, has, items, path, resource_policy

CLUSTER = azure_type("containerservice", "ManagedCluster")
POOL = azure_type("containerservice", "AgentPool")
GPU_TAINT_KEY = "nvidia.com/gpu"


def is_gpu_size(vm_size: Any) -> bool:
    """GPU sizes: the table's, and any N-series size (NC, ND, NV) the table does not know yet."""
    size = str(vm_size or "")
    return size in gpu.azure_gpu_skus() or size.startswith(("Standard_NC", "Standard_ND", "Standard_NV"))


def pools(args: ResourceValidationArgs) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every pool a resource defines: inline profiles of a cluster, or the AgentPool itself."""
    if CLUSTER.fullmatch(args.resource_type):
        for profile in items(args.props.get("agentPoolProfiles")):
            yield f"pool {profile.get('name')}", profile
    else:
        yield f"pool {args.props.get('agentPoolName') or args.name}", args.props


def _private_api(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    access = args.props.get("apiServerAccessProfile")
    if path(access, "enablePrivateCluster") is True:
        return
    ranges = [str(r) for r in items(path(access, "authorizedIPRanges"))]
    # Absent: a public API server open to every address.
    if not ranges:
        yield "the API server is public and reachable from any address: make it private or set authorizedIPRanges"
    elif any(r in ("0.0.0.0/0", "*", "0.0.0.0") for r in ranges):
        yield "authorizedIPRanges contains 0.0.0.0/0"


def _local_accounts(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if args.props.get("disableLocalAccounts") is not True:
        yield "local accounts are enabled (absent means enabled): a static admin kubeconfig exists"


def _entra_rbac(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if args.props.get("enableRBAC") is False:
        yield "Kubernetes RBAC is disabled"
    aad = args.props.get("aadProfile")
    if path(aad, "managed") is not True or path(aad, "enableAzureRBAC") is not True:
        yield "Entra ID integration with Azure RBAC is not enabled (aadProfile.managed and enableAzureRBAC)"


def _network_policy(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    engine = path(args.props, "networkProfile", "networkPolicy")
    if engine not in ("azure", "calico", "cilium"):
        yield f"no network policy engine (networkProfile.networkPolicy is {engine!r}): NetworkPolicy objects do nothing"


def _disk_encryption_set(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if not has(args.props, "diskEncryptionSetID"):
        yield "node disks are not encrypted with a customer-managed key (diskEncryptionSetID is absent)"


def _encryption_at_host(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    for label, pool in pools(args):
        if pool.get("enableEncryptionAtHost") is not True:
            yield f"{label}: encryption at host is off (absent means off): temp and cache disks are unencrypted"


def _no_public_ip(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    for label, pool in pools(args):
        # Absent means no public IP (the AKS default).
        if pool.get("enableNodePublicIP") is True:
            yield f"{label}: nodes get public IP addresses"


def _policy_addon(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if path(args.props, "addonProfiles", "azurepolicy", "enabled") is not True:
        yield "the Azure Policy add-on is off"


def _upgrades(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    profile = args.props.get("autoUpgradeProfile")
    if path(profile, "upgradeChannel") in (None, "none"):
        yield "no Kubernetes auto-upgrade channel (absent means none)"
    if path(profile, "nodeOSUpgradeChannel") in (None, "None"):
        yield "no node OS upgrade channel"


def _container_insights(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    oms = path(args.props, "addonProfiles", "omsagent")
    insights = path(oms, "enabled") is True and has(oms, "config", "logAnalyticsWorkspaceResourceID")
    metrics = path(args.props, "azureMonitorProfile", "metrics", "enabled") is True
    if not insights and not metrics:
        yield "neither Container Insights (omsagent to Log Analytics) nor Azure Monitor metrics are on"


def _workload_identity(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if path(args.props, "securityProfile", "workloadIdentity", "enabled") is not True:
        yield "workload identity is off: pods would need secrets to reach Azure"
    if path(args.props, "oidcIssuerProfile", "enabled") is not True:
        yield "the OIDC issuer is off (workload identity needs it)"


def _etcd_kms(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    kms = path(args.props, "securityProfile", "azureKeyVaultKms")
    if path(kms, "enabled") is not True or not has(kms, "keyId"):
        yield "Kubernetes secrets are not encrypted with a Key Vault key (securityProfile.azureKeyVaultKms)"


def _paid_tier(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    tier = path(args.props, "sku", "tier")
    # Absent means Free: no uptime SLA.
    if tier not in ("Standard", "Premium"):
        yield f"tier {tier or 'Free'} has no uptime SLA; serving clusters need Standard or Premium"


def _gpu_pool_isolation(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    for label, pool in pools(args):
        if not is_gpu_size(pool.get("vmSize")):
            continue
        taints = [str(t) for t in items(pool.get("nodeTaints"))]
        if not any(t.startswith(GPU_TAINT_KEY) and t.endswith(":NoSchedule") for t in taints):
            yield f"{label}: GPU nodes carry no {GPU_TAINT_KEY} NoSchedule taint (AKS adds none): any pod lands there"
        if pool.get("mode") == "System":
            yield f"{label}: a GPU pool runs in System mode; system add-ons would occupy GPU nodes"


def _gpu_pool_bounds(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    limit = config_number(config, "maxGpuNodes", GPU_POOL_BOUNDS)
    for label, pool in pools(args):
        if not is_gpu_size(pool.get("vmSize")):
            continue
        if pool.get("enableAutoScaling") is not True:
            yield f"{label}: GPU pool without autoscaling (absent means off): it never scales down"
            continue
        maximum = pool.get("maxCount")
        if maximum is None or float(maximum) > limit:
            yield f"{label}: maxCount {maximum} exceeds the ceiling of {limit:g} GPU nodes per pool"
        minimum = pool.get("minCount")
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
            "apiServerAccessProfile absent means a public API server open to every address.",
            "Set apiServerAccessProfile.enablePrivateCluster, or authorizedIPRanges without 0.0.0.0/0.",
            "AKS",
        ),
        (CLUSTER,),
        _private_api,
    ),
    resource_policy(
        Rule(
            "ml-aks-02",
            "AKS local accounts disabled",
            "AKS clusters disable local accounts, so every sign-in goes through Entra ID.",
            Severity.HIGH,
            ("CKV_AZURE_141", "AzP:993c2fcd-2b29-49d2-9eb0-df2c3a730c32"),
            "disableLocalAccounts absent means local accounts are enabled.",
            "Set disableLocalAccounts to true (with aadProfile.managed).",
            "AKS",
        ),
        (CLUSTER,),
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
            "enableRBAC absent passes (RBAC is on by default); aadProfile absent fails.",
            "Set aadProfile.managed and aadProfile.enableAzureRBAC to true.",
            "AKS",
        ),
        (CLUSTER,),
        _entra_rbac,
    ),
    resource_policy(
        Rule(
            "ml-aks-04",
            "AKS network policy engine",
            "AKS clusters run a network policy engine so that NetworkPolicy objects are enforced.",
            Severity.HIGH,
            ("CKV_AZURE_7", "AZU-0043", "KICS:f5342045-b935-402d-adf1-8dbbd09c0eef"),
            "networkProfile.networkPolicy absent means none.",
            "Set networkProfile.networkPolicy to cilium (with the Cilium dataplane), azure or calico.",
            "AKS",
        ),
        (CLUSTER,),
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
            "diskEncryptionSetID absent means platform-managed keys.",
            "Create a disk encryption set with a Key Vault key and set diskEncryptionSetID.",
            "AKS",
        ),
        (CLUSTER,),
        _disk_encryption_set,
    ),
    resource_policy(
        Rule(
            "ml-aks-06",
            "AKS encryption at host",
            "Every AKS node pool encrypts temp and cache disks at the host.",
            Severity.MEDIUM,
            ("CKV_AZURE_227", "AzP:41425d9f-d1a5-499a-9932-f8ed8453932c"),
            "enableEncryptionAtHost absent means off.",
            "Set enableEncryptionAtHost on every pool (the subscription needs the EncryptionAtHost feature).",
            "AKS",
        ),
        (CLUSTER, POOL),
        _encryption_at_host,
    ),
    resource_policy(
        Rule(
            "ml-aks-07",
            "AKS nodes without public IPs",
            "No AKS node pool gives its nodes public IP addresses.",
            Severity.HIGH,
            ("CKV_AZURE_143",),
            "enableNodePublicIP absent means no public IP.",
            "Remove enableNodePublicIP (or set it to false) on every pool.",
            "AKS",
        ),
        (CLUSTER, POOL),
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
            "addonProfiles.azurepolicy absent means off.",
            "Enable addonProfiles.azurepolicy.",
            "AKS",
        ),
        (CLUSTER,),
        _policy_addon,
    ),
    resource_policy(
        Rule(
            "ml-aks-09",
            "AKS upgrade channels",
            "AKS clusters have a Kubernetes auto-upgrade channel and a node OS upgrade channel.",
            Severity.MEDIUM,
            ("CKV_AZURE_171", "AzP:5c345cdf-2049-47e0-b8fe-b0e96bc2df35", "AzP:04408ca5-aa10-42ce-8536-98955cdddd4c"),
            "autoUpgradeProfile absent means no automatic upgrades.",
            "Set autoUpgradeProfile.upgradeChannel (patch or stable) and nodeOSUpgradeChannel (NodeImage).",
            "AKS",
        ),
        (CLUSTER,),
        _upgrades,
    ),
    resource_policy(
        Rule(
            "ml-aks-10",
            "AKS monitoring",
            "AKS clusters send logs to Log Analytics (Container Insights) or metrics to Azure Monitor.",
            Severity.HIGH,
            ("CKV_AZURE_4", "AZU-0040"),
            "addonProfiles.omsagent and azureMonitorProfile absent mean no monitoring.",
            "Enable the omsagent add-on with a Log Analytics workspace and azureMonitorProfile.metrics.",
            "AKS",
        ),
        (CLUSTER,),
        _container_insights,
    ),
    resource_policy(
        Rule(
            "ml-aks-11",
            "AKS workload identity",
            "AKS clusters enable workload identity and the OIDC issuer, so pods reach Azure without secrets.",
            Severity.HIGH,
            ("AzP:2cc2e023-0dac-4046-875b-178f683929d5",),
            "securityProfile.workloadIdentity and oidcIssuerProfile absent mean off.",
            "Enable securityProfile.workloadIdentity and oidcIssuerProfile.",
            "AKS",
        ),
        (CLUSTER,),
        _workload_identity,
    ),
    resource_policy(
        Rule(
            "ml-aks-12",
            "AKS secrets encrypted with Key Vault KMS",
            "AKS encrypts Kubernetes secrets in etcd with a Key Vault key.",
            Severity.HIGH,
            ("AzP:dbbdc317-9734-4dd8-9074-993b29c69008",),
            "securityProfile.azureKeyVaultKms absent means platform encryption only.",
            "Enable securityProfile.azureKeyVaultKms with a versioned key id.",
            "AKS",
        ),
        (CLUSTER,),
        _etcd_kms,
    ),
    resource_policy(
        Rule(
            "ml-aks-13",
            "AKS paid tier",
            "Serving AKS clusters run on a tier with an uptime SLA (Standard or Premium).",
            Severity.MEDIUM,
            ("CKV_AZURE_170",),
            "sku.tier absent means Free.",
            "Set sku.tier to Standard.",
            "AKS",
        ),
        (CLUSTER,),
        _paid_tier,
    ),
    resource_policy(GPU_POOL_BOUNDS, (CLUSTER, POOL), _gpu_pool_bounds),
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
        (CLUSTER, POOL),
        _gpu_pool_isolation,
    ),
]
