"""GKE clusters and node pools (catalogue rows 20-36). Any pulumi-gcp Cluster or NodePool."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from aiscale.core import gpu
from aiscale.policies._support import UNKNOWN, Field, Rule, config_number, has, items, path, resource_policy

CLUSTER = "gcp:container/cluster:Cluster"
NODE_POOL = "gcp:container/nodePool:NodePool"


SDK = "pulumi_gcp.container"
#: GKE enrols new Standard clusters in a release channel by default (REGULAR, the API's default; "no channel" is
#: deprecated and closed to new customers). The SDK documents no default, so this one rests on GKE's documentation.
RELEASE_CHANNEL = Field(("releaseChannel", "channel"), "REGULAR")
SECURE_BOOT = Field(
    ("shieldedInstanceConfig", "enableSecureBoot"),
    False,
    f"{SDK}:ClusterNodeConfigShieldedInstanceConfigArgs.enable_secure_boot",
    "Defaults to `false`.",
)
INTEGRITY_MONITORING = Field(
    ("shieldedInstanceConfig", "enableIntegrityMonitoring"),
    True,
    f"{SDK}:ClusterNodeConfigShieldedInstanceConfigArgs.enable_integrity_monitoring",
    "Defaults to `true`.",
)
SHIELDED_NODES = Field(
    ("enableShieldedNodes",), True, f"{SDK}:ClusterArgs.enable_shielded_nodes", "Defaults to `true`."
)
LEGACY_ABAC = Field(("enableLegacyAbac",), False, f"{SDK}:ClusterArgs.enable_legacy_abac", "Defaults to `false`")
DATAPATH = Field(
    ("datapathProvider",),
    "LEGACY_DATAPATH",
    f"{SDK}:ClusterArgs.datapath_provider",
    "This is set to `LEGACY_DATAPATH` by default",
)
SERVICE_ACCOUNT = Field(
    ("serviceAccount",),
    "default",
    f"{SDK}:ClusterNodeConfigArgs.service_account",
    'the "default" service account is used.',
)
AUTO_REPAIR = Field(
    ("management", "autoRepair"), True, f"{SDK}:NodePoolManagementArgs.auto_repair", "Enabled by default."
)
AUTO_UPGRADE = Field(
    ("management", "autoUpgrade"), True, f"{SDK}:NodePoolManagementArgs.auto_upgrade", "Enabled by default."
)
LOGGING = Field(
    ("loggingService",),
    "logging.googleapis.com/kubernetes",
    f"{SDK}:ClusterArgs.logging_service",
    "Defaults to `logging.googleapis.com/kubernetes`",
)
MONITORING = Field(
    ("monitoringService",),
    "monitoring.googleapis.com/kubernetes",
    f"{SDK}:ClusterArgs.monitoring_service",
    "Defaults to `monitoring.googleapis.com/kubernetes`",
)


def node_configs(args: ResourceValidationArgs) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Node configurations a resource defines: the cluster's default pool (unless the cluster removes it or is
    Autopilot) or the pool's."""
    if args.resource_type != CLUSTER:
        yield f"node pool {args.props.get('name') or args.name}", args.props.get("nodeConfig") or {}
    elif default_pool_absent(args) is None:
        yield "default node pool", args.props.get("nodeConfig") or {}


def default_pool_absent(args: ResourceValidationArgs) -> str | None:
    """Why a cluster has no default node pool to judge, or None when it keeps one."""
    if args.props.get("enableAutopilot") is True:
        return "an Autopilot cluster: Google manages its nodes"
    if args.props.get("removeDefaultNodePool") is True:
        # It boots once while the cluster is created, then goes: it never runs workloads.
        return "the cluster removes its default node pool (removeDefaultNodePool): its nodeConfig never runs workloads"
    return None


def pool_configs(args: ResourceValidationArgs) -> list[tuple[str, Mapping[str, Any]]]:
    """:func:`node_configs` for policies that judge nothing else: a cluster without a default pool is not
    applicable to them, with the reason."""
    found = list(node_configs(args))
    reason = default_pool_absent(args) if args.resource_type == CLUSTER else None
    if reason is not None:
        args.not_applicable(reason)
    return found


def is_gpu_pool(node_config: Mapping[str, Any]) -> bool:
    return (
        bool(items(node_config.get("guestAccelerators")))
        or str(node_config.get("machineType")) in gpu.gcp_gpu_machines()
    )


def _private_nodes(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if path(args.props, "privateClusterConfig", "enablePrivateNodes") is not True:
        yield "nodes get external IP addresses (privateClusterConfig.enablePrivateNodes is absent or false)"


def _control_plane(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if path(args.props, "privateClusterConfig", "enablePrivateEndpoint") is True:
        return
    blocks = [
        str(path(b, "cidrBlock")) for b in items(path(args.props, "masterAuthorizedNetworksConfig", "cidrBlocks"))
    ]
    if not blocks:
        yield "the control plane endpoint is public with no authorized networks"
    elif "0.0.0.0/0" in blocks:
        yield "master authorized networks include 0.0.0.0/0"


def _shielded_nodes(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if SHIELDED_NODES.read(args.props) is False:
        yield "shielded GKE nodes are disabled"


def _secure_boot(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    for label, node_config in pool_configs(args):
        if SECURE_BOOT.read(node_config) is not True:
            yield f"{label}: secure boot is off (absent means off)"
        if INTEGRITY_MONITORING.read(node_config) is False:
            yield f"{label}: integrity monitoring is off"


def _workload_identity(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if args.resource_type == CLUSTER and not has(args.props, "workloadIdentityConfig", "workloadPool"):
        yield "workload identity is off (workloadIdentityConfig.workloadPool is absent)"
        return  # no node can run the GKE metadata server then: that is the finding
    for label, node_config in node_configs(args):
        # Absent: nodes of a cluster with workload identity get the GKE metadata server (GKE's default there);
        # a cluster without it is reported itself.
        mode = path(node_config, "workloadMetadataConfig", "mode")
        if mode not in (None, "GKE_METADATA"):
            yield f"{label}: pods can reach the node's metadata server (workloadMetadataConfig.mode is {mode})"


def _legacy_abac(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if LEGACY_ABAC.read(args.props) is True:
        yield "legacy ABAC is on: it bypasses RBAC"


def _client_certificates(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if path(args.props, "masterAuth", "clientCertificateConfig", "issueClientCertificate") is True:
        yield "the cluster issues a client certificate (a static credential)"


def _release_channel(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    channel = RELEASE_CHANNEL.read(args.props)
    if channel not in ("REGULAR", "STABLE", UNKNOWN):
        yield f"release channel {channel}: use REGULAR or STABLE for managed upgrades"


def _auto_repair_upgrade(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if AUTO_REPAIR.read(args.props) is False:
        yield "node auto-repair is off"
    if AUTO_UPGRADE.read(args.props) is False:
        yield "node auto-upgrade is off"


def _network_policy(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    dataplane_v2 = DATAPATH.read(args.props) == "ADVANCED_DATAPATH"
    if not dataplane_v2 and path(args.props, "networkPolicy", "enabled") is not True:
        yield "NetworkPolicy objects are not enforced: use Dataplane V2 (ADVANCED_DATAPATH) or networkPolicy"


def _secrets_cmek(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    encryption = args.props.get("databaseEncryption")
    if path(encryption, "state") != "ENCRYPTED" or not has(encryption, "keyName"):
        yield "Kubernetes secrets are not encrypted with a Cloud KMS key (databaseEncryption)"


def _boot_disk_cmek(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    for label, node_config in pool_configs(args):
        if not has(node_config, "bootDiskKmsKey"):
            yield f"{label}: boot disks are not encrypted with a Cloud KMS key (bootDiskKmsKey is absent)"


def _node_service_account(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    for label, node_config in pool_configs(args):
        account = SERVICE_ACCOUNT.read(node_config)
        if account is UNKNOWN:
            continue  # an account created in the same update: not the default one
        # The default compute service account holds Editor on the project by default.
        if str(account) == "default" or str(account).endswith("-compute@developer.gserviceaccount.com"):
            yield f"{label}: nodes run as the default compute service account"


def _logging_monitoring(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if LOGGING.read(args.props) == "none" or (
        "loggingConfig" in args.props and not items(path(args.props, "loggingConfig", "enableComponents"))
    ):
        yield "cluster logging is disabled"
    if MONITORING.read(args.props) == "none" or (
        "monitoringConfig" in args.props
        and not items(path(args.props, "monitoringConfig", "enableComponents"))
        and path(args.props, "monitoringConfig", "managedPrometheus", "enabled") is not True
    ):
        yield "cluster monitoring is disabled"


def _gpu_pool_hygiene(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    node_config = args.props.get("nodeConfig") or {}
    if not is_gpu_pool(node_config):
        return
    label = f"node pool {args.props.get('name') or args.name}"
    taints = items(node_config.get("taints"))
    if not any(path(t, "key") == "nvidia.com/gpu" and path(t, "effect") == "NO_SCHEDULE" for t in taints):
        yield f"{label}: no nvidia.com/gpu NO_SCHEDULE taint declared"
    autoscaling = args.props.get("autoscaling")
    maximum = path(autoscaling, "totalMaxNodeCount") or path(autoscaling, "maxNodeCount")
    limit = config_number(config, "maxGpuNodes", GPU_POOL_HYGIENE)
    if autoscaling is None or maximum is None:
        yield f"{label}: GPU pool without autoscaling bounds"
    elif float(maximum) > limit:
        yield f"{label}: max nodes {maximum:g} exceed the ceiling of {limit:g}"
    minimum = path(autoscaling, "totalMinNodeCount") or path(autoscaling, "minNodeCount") or 0
    if config.get("environment") != "prod" and float(minimum) > 0:
        yield f"{label}: min nodes {minimum:g} keep GPU nodes running outside prod; scale to zero"
    for accelerator in items(node_config.get("guestAccelerators")):
        if path(accelerator, "gpuDriverInstallationConfig", "gpuDriverVersion") is None:
            yield f"{label}: no GPU driver installation config (say DEFAULT, LATEST or INSTALLATION_DISABLED)"


GPU_POOL_HYGIENE = Rule(
    "ml-gke-14",
    "GKE GPU pool hygiene",
    "GPU node pools are tainted, autoscale within a node ceiling, scale to zero outside prod and state their driver.",
    Severity.MEDIUM,
    ("custom:cost",),
    "autoscaling absent means a fixed-size pool; taints absent means GKE's implicit taint only.",
    "Declare the nvidia.com/gpu taint, autoscaling with min 0 outside prod and max ≤ maxGpuNodes, and the driver.",
    "GKE",
    {"maxGpuNodes": {"type": "number", "minimum": 1, "default": 20}},
)

POLICIES = [
    resource_policy(
        Rule(
            "ml-gke-01",
            "GKE private nodes",
            "GKE nodes have no external IP addresses.",
            Severity.HIGH,
            ("CKV_GCP_64", "CKV_GCP_25", "GCP-0059", "KICS:6ccb85d7-0420-4907-9380-50313f80946b"),
            "privateClusterConfig absent means public nodes.",
            "Set privateClusterConfig.enablePrivateNodes to true.",
            "GKE",
        ),
        (CLUSTER,),
        _private_nodes,
    ),
    resource_policy(
        Rule(
            "ml-gke-02",
            "GKE control plane not public",
            "The GKE control plane has a private endpoint, or a public one restricted to authorized networks.",
            Severity.CRITICAL,
            ("CKV_GCP_20", "CKV_GCP_18", "GCP-0061", "GCP-0053"),
            "Both absent means a public endpoint open to all.",
            "Set privateClusterConfig.enablePrivateEndpoint, or masterAuthorizedNetworksConfig without 0.0.0.0/0.",
            "GKE",
        ),
        (CLUSTER,),
        _control_plane,
    ),
    resource_policy(
        Rule(
            "ml-gke-03",
            "GKE shielded nodes",
            "GKE clusters keep shielded nodes on.",
            Severity.HIGH,
            ("CKV_GCP_71", "GCP-0055", "KICS:579a0727-9c29-4d58-8195-fc5802a8bdb4"),
            "enableShieldedNodes absent passes (on by default); only false fails.",
            "Remove enableShieldedNodes: false.",
            "GKE",
        ),
        (CLUSTER,),
        _shielded_nodes,
    ),
    resource_policy(
        Rule(
            "ml-gke-04",
            "GKE secure boot and integrity monitoring",
            "Every GKE node configuration has secure boot and integrity monitoring.",
            Severity.HIGH,
            ("CKV_GCP_68", "CKV_GCP_72", "OrgP:compute.requireShieldedVm"),
            "enableSecureBoot absent means off; enableIntegrityMonitoring absent means on. A cluster that removes its "
            "default node pool (or is Autopilot) is not applicable.",
            "Set nodeConfig.shieldedInstanceConfig.enableSecureBoot (GKE-managed GPU drivers are signed).",
            "GKE",
        ),
        (CLUSTER, NODE_POOL),
        _secure_boot,
    ),
    resource_policy(
        Rule(
            "ml-gke-05",
            "GKE workload identity",
            "GKE clusters use workload identity and nodes hide their metadata server behind the GKE metadata server.",
            Severity.HIGH,
            ("CKV_GCP_69", "GCP-0057", "GCP-0048"),
            "workloadIdentityConfig absent means off (and no node can use the GKE metadata server); "
            "workloadMetadataConfig absent means GKE_METADATA on a cluster with workload identity (GKE's default for "
            "its node pools), so only GCE_METADATA fails.",
            "Set workloadIdentityConfig.workloadPool and nodeConfig.workloadMetadataConfig.mode GKE_METADATA.",
            "GKE",
        ),
        (CLUSTER, NODE_POOL),
        _workload_identity,
    ),
    resource_policy(
        Rule(
            "ml-gke-06",
            "GKE legacy ABAC off",
            "GKE clusters never enable legacy ABAC.",
            Severity.CRITICAL,
            ("CKV_GCP_7", "GCP-0062", "KICS:5baa92d2-d8ee-4c75-88a4-52d9d8bb8067"),
            "enableLegacyAbac absent means off.",
            "Remove enableLegacyAbac: true.",
            "GKE",
        ),
        (CLUSTER,),
        _legacy_abac,
    ),
    resource_policy(
        Rule(
            "ml-gke-07",
            "GKE no client certificates",
            "GKE clusters issue no client certificate (a static admin credential).",
            Severity.HIGH,
            ("CKV_GCP_13", "GCP-0064"),
            "masterAuth absent means no client certificate (the current GKE default).",
            "Remove masterAuth.clientCertificateConfig.issueClientCertificate: true.",
            "GKE",
        ),
        (CLUSTER,),
        _client_certificates,
    ),
    resource_policy(
        Rule(
            "ml-gke-08",
            "GKE release channel",
            "GKE clusters follow the REGULAR or STABLE release channel.",
            Severity.MEDIUM,
            ("CKV_GCP_70",),
            "releaseChannel absent passes: GKE enrols new Standard clusters in the REGULAR channel by default (GKE's "
            "release-channel documentation; the SDK states no default). UNSPECIFIED, RAPID and EXTENDED fail.",
            "Set releaseChannel.channel to REGULAR or STABLE.",
            "GKE",
        ),
        (CLUSTER,),
        _release_channel,
    ),
    resource_policy(
        Rule(
            "ml-gke-09",
            "GKE node auto-repair and auto-upgrade",
            "GKE node pools repair and upgrade themselves.",
            Severity.MEDIUM,
            ("CKV_GCP_10", "CKV_GCP_9", "GCP-0058", "GCP-0063"),
            "management absent passes (both on by default).",
            "Set management.autoRepair and management.autoUpgrade to true.",
            "GKE",
        ),
        (NODE_POOL,),
        _auto_repair_upgrade,
    ),
    resource_policy(
        Rule(
            "ml-gke-10",
            "GKE network policy enforcement",
            "GKE clusters enforce NetworkPolicy objects (Dataplane V2 or the network policy add-on).",
            Severity.HIGH,
            ("CKV_GCP_12", "GCP-0056"),
            "datapathProvider and networkPolicy absent mean no enforcement.",
            "Set datapathProvider to ADVANCED_DATAPATH.",
            "GKE",
        ),
        (CLUSTER,),
        _network_policy,
    ),
    resource_policy(
        Rule(
            "ml-gke-11",
            "GKE secrets encrypted with Cloud KMS",
            "GKE encrypts Kubernetes secrets with a Cloud KMS key (application-layer encryption).",
            Severity.HIGH,
            ("KICS:83d1c89f-e07c-4748-9d96-51a78c49637c",),
            "databaseEncryption absent means Google-managed encryption only.",
            "Set databaseEncryption.state ENCRYPTED with keyName; grant the container service agent the key role.",
            "GKE",
        ),
        (CLUSTER,),
        _secrets_cmek,
    ),
    resource_policy(
        Rule(
            "ml-gke-12",
            "GKE boot disks with Cloud KMS keys",
            "Every GKE node configuration encrypts boot disks with a Cloud KMS key.",
            Severity.HIGH,
            ("OrgP:gcp.restrictNonCmekServices",),
            "bootDiskKmsKey absent means Google-managed keys. A cluster that removes its default node pool (or is "
            "Autopilot) is not applicable.",
            "Set nodeConfig.bootDiskKmsKey; grant the compute service agent the key role.",
            "GKE",
        ),
        (CLUSTER, NODE_POOL),
        _boot_disk_cmek,
    ),
    resource_policy(
        Rule(
            "ml-gke-13",
            "GKE dedicated node service account",
            "GKE nodes run as a dedicated least-privilege service account, not the default compute account.",
            Severity.HIGH,
            ("CKV2_GCP_1", "GCP-0050"),
            "nodeConfig.serviceAccount absent means the default compute service account. A cluster that removes its "
            "default node pool (or is Autopilot) is not applicable.",
            "Create a node service account with logging/monitoring/registry roles and set nodeConfig.serviceAccount.",
            "GKE",
        ),
        (CLUSTER, NODE_POOL),
        _node_service_account,
    ),
    resource_policy(GPU_POOL_HYGIENE, (NODE_POOL,), _gpu_pool_hygiene),
    resource_policy(
        Rule(
            "ml-gke-15",
            "GKE logging and monitoring",
            "GKE clusters keep system logging and monitoring on.",
            Severity.HIGH,
            ("CKV_GCP_1", "CKV_GCP_8", "GCP-0060", "GCP-0052"),
            "loggingService/monitoringService absent pass (on by default); none or empty components fail.",
            "Enable loggingConfig and monitoringConfig components (and managed Prometheus).",
            "GKE",
        ),
        (CLUSTER,),
        _logging_monitoring,
    ),
]
