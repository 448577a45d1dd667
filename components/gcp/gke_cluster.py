"""Private regional GKE cluster for GPU workloads, with a dedicated least-privilege node service account.

Private nodes, a private control plane endpoint (or one restricted to authorized networks, never 0.0.0.0/0), VPC-
native networking on the VPC's secondary ranges, Dataplane V2 (eBPF, built-in network policy enforcement),
workload identity, shielded nodes, Kubernetes secrets encrypted with a Cloud KMS key, managed Prometheus with the
DCGM GPU metrics package, a release channel with a weekly maintenance window, deletion protection where asked.
The default node pool is removed; a ``system`` pool runs add-ons and CPU work, GPU pools are ``GkeGpuNodePool``s.
Nodes run as ``<cluster>-nodes``, a service account holding only the roles nodes need (logs, metrics, image pulls).
"""

import datetime
from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_gcp import container, projects, serviceaccount

from aiscale.components.common.control_plane import CONTROL_PLANE_DEFAULTS, ControlPlaneAccessArgs, check_control_plane
from aiscale.components.common.customer_managed_key import GcpCustomerManagedKeyArgs
from aiscale.components.common.defaults import declare, stack_default
from aiscale.components.common.maintenance import DAYS, MaintenanceWindowArgs, check_maintenance_window
from aiscale.components.common.options import after, child_options
from aiscale.components.common.tags import Labels, gcp_labels
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.core.config.gcp import GkeConfig
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("GkeCluster")
PREVIOUS_TYPE = "aiscale:gcp:GkeCluster"
#: What nodes need and nothing more (Google's hardening guide for GKE node service accounts).
NODE_ROLES = (
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/autoscaling.metricsWriter",
    "roles/artifactregistry.reader",
)
#: Managed Prometheus packages: control plane, workload state and NVIDIA DCGM GPU metrics.
MONITORING_COMPONENTS = (
    "SYSTEM_COMPONENTS",
    "APISERVER",
    "SCHEDULER",
    "CONTROLLER_MANAGER",
    "STORAGE",
    "POD",
    "DEPLOYMENT",
    "STATEFULSET",
    "DAEMONSET",
    "HPA",
    "DCGM",
)
LOGGING_COMPONENTS = ("SYSTEM_COMPONENTS", "WORKLOADS", "APISERVER")
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
RELEASE_CHANNELS = ("REGULAR", "STABLE")


class GkeSystemPoolArgs(TypedDict):
    """The cluster's general-purpose pool (system add-ons and CPU workloads)."""

    machine_type: str
    """Machine type of the nodes."""
    min_nodes: int
    """Lowest node count per zone, at least 1."""
    max_nodes: int
    """Highest node count per zone."""


class GkeClusterArgs(TypedDict):
    """Arguments of :class:`GkeCluster`."""

    cluster_name: str
    """Name of the cluster; the node service account name is derived from it."""
    project: pulumi.Input[str]
    """Google Cloud project id."""
    region: str
    """Google Cloud region (``europe-west4``)."""
    network_id: pulumi.Input[str]
    """The VPC network."""
    subnet_id: pulumi.Input[str]
    """The subnet of the nodes."""
    pods_range_name: str
    """Secondary range of the subnet for pods."""
    services_range_name: str
    """Secondary range of the subnet for services."""
    master_range: str
    """``/28`` for the private control plane."""
    system_pool: GkeSystemPoolArgs
    """The system node pool."""
    control_plane: NotRequired[ControlPlaneAccessArgs]
    """Who reaches the control plane (default: its private endpoint only). Authorized ranges apply to the private
    endpoint too: the cluster subnet belongs among them."""
    dns_endpoint: NotRequired[bool]
    """Also serve the control plane on its DNS endpoint, authorised by IAM: Pulumi and CI reach a
    private control plane without a VPN, and nothing is reachable without Google credentials and RBAC."""
    release_channel: NotRequired[str]
    """``REGULAR`` or ``STABLE``."""
    zones: NotRequired[Sequence[str]]
    """Availability zones of the nodes (default: the region's)."""
    maintenance_window: NotRequired[MaintenanceWindowArgs]
    """Weekly window (UTC) for Kubernetes and node upgrades."""
    secrets_encryption_key: NotRequired[GcpCustomerManagedKeyArgs]
    """Application-layer encryption of Kubernetes secrets; the container service agent needs the key role."""
    disk_encryption_key: NotRequired[GcpCustomerManagedKeyArgs]
    """Encryption of the node boot disks; the compute service agent needs the key role."""
    security_group: NotRequired[str]
    """Google Groups for RBAC (``gke-security-groups@<domain>``)."""
    deletion_protection: NotRequired[bool]
    """GKE's own guard: the provider refuses to delete the cluster (default False)."""
    cost_allocation: NotRequired[bool]
    """GKE cost allocation: the billing export splits the cluster's cost by namespace and Kubernetes label."""
    labels: NotRequired[Labels]
    """Resource labels of the cluster and its nodes."""
    protect: NotRequired[bool]
    """Pulumi refuses to delete the cluster."""


DEFAULTS = declare(
    GkeClusterArgs,
    release_channel="REGULAR",
    dns_endpoint=True,
    cost_allocation=stack_default(GkeConfig, "cost_allocation"),
)
"""Defaults of the optional args of ``GkeClusterArgs``."""


def _validate(args: GkeClusterArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    check_control_plane(COMPONENT, args.get("control_plane", {}), ranges_need_public=False)
    channel = args.get("release_channel", DEFAULTS["release_channel"])
    if channel not in RELEASE_CHANNELS:
        fail("release_channel", f"{channel!r} is not one of {', '.join(RELEASE_CHANNELS)}")
    if not args["master_range"].endswith("/28"):
        fail("master_range", f"{args['master_range']} must be a /28")
    pool = args["system_pool"]
    if not 1 <= pool["min_nodes"] <= pool["max_nodes"]:
        fail("system_pool", f"need 1 <= min_nodes ({pool['min_nodes']}) <= max_nodes ({pool['max_nodes']})")
    check_maintenance_window(COMPONENT, args.get("maintenance_window"))
    gcp_labels(COMPONENT, args.get("labels"))


def recurring_window(window: MaintenanceWindowArgs) -> container.ClusterMaintenancePolicyRecurringWindowArgs:
    """A weekly window anchored on a fixed date (never "now", so the plan is the same on every run)."""
    weekday = DAYS.index(window["day_of_week"])
    # 2026-01-05 is a Monday: the first occurrence of the window's weekday from then on anchors the recurrence.
    start = datetime.datetime(2026, 1, 5, window["start_hour"], tzinfo=datetime.UTC) + datetime.timedelta(days=weekday)
    end = start + datetime.timedelta(hours=window["duration_hours"])
    return container.ClusterMaintenancePolicyRecurringWindowArgs(
        start_time=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        end_time=end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        recurrence=f"FREQ=WEEKLY;BYDAY={window['day_of_week'][:2].upper()}",
    )


class _SharedNodeConfig(TypedDict):
    service_account: pulumi.Input[str]
    oauth_scopes: list[str]
    boot_disk_kms_key: pulumi.Input[str] | None
    disk_type: str
    metadata: dict[str, str]


class ClusterNodeConfigDefaults(_SharedNodeConfig):
    """Keyword arguments of ``container.ClusterNodeConfigArgs`` (the cluster's own, default, node config)."""

    shielded_instance_config: container.ClusterNodeConfigShieldedInstanceConfigArgs
    workload_metadata_config: container.ClusterNodeConfigWorkloadMetadataConfigArgs


class NodePoolNodeConfigDefaults(_SharedNodeConfig):
    """Keyword arguments of ``container.NodePoolNodeConfigArgs``."""

    shielded_instance_config: container.NodePoolNodeConfigShieldedInstanceConfigArgs
    workload_metadata_config: container.NodePoolNodeConfigWorkloadMetadataConfigArgs


# The cluster's and the pools' nested types differ in name only; these fill either.
_SHIELDED: container.NodePoolNodeConfigShieldedInstanceConfigArgsDict = {
    "enable_secure_boot": True,
    "enable_integrity_monitoring": True,
}
_GKE_METADATA_SERVER: container.NodePoolNodeConfigWorkloadMetadataConfigArgsDict = {"mode": "GKE_METADATA"}


def _shared_node_config(
    service_account: pulumi.Input[str], boot_disk_key: pulumi.Input[str] | None
) -> _SharedNodeConfig:
    return {
        "service_account": service_account,
        "oauth_scopes": [CLOUD_PLATFORM_SCOPE],
        "boot_disk_kms_key": boot_disk_key,
        "disk_type": "pd-balanced",
        "metadata": {"disable-legacy-endpoints": "true"},
    }


def node_pool_node_config_defaults(
    service_account: pulumi.Input[str], boot_disk_key: pulumi.Input[str] | None
) -> NodePoolNodeConfigDefaults:
    """Settings every node pool shares: the node service account, shielded VMs, GKE metadata server, CMEK disks."""
    return {
        **_shared_node_config(service_account, boot_disk_key),
        "shielded_instance_config": container.NodePoolNodeConfigShieldedInstanceConfigArgs(**_SHIELDED),
        "workload_metadata_config": container.NodePoolNodeConfigWorkloadMetadataConfigArgs(**_GKE_METADATA_SERVER),
    }


def cluster_node_config_defaults(
    service_account: pulumi.Input[str], boot_disk_key: pulumi.Input[str] | None
) -> ClusterNodeConfigDefaults:
    """The same settings for the cluster's own (default) node config."""
    return {
        **_shared_node_config(service_account, boot_disk_key),
        "shielded_instance_config": container.ClusterNodeConfigShieldedInstanceConfigArgs(**_SHIELDED),
        "workload_metadata_config": container.ClusterNodeConfigWorkloadMetadataConfigArgs(**_GKE_METADATA_SERVER),
    }


class GkeCluster(pulumi.ComponentResource):
    """A private regional GKE cluster for GPU workloads with a least-privilege node service account.

    Children: ``<name>-nodes-sa`` and its role grants, ``<name>-cluster``, ``<name>-system`` (node pool).
    """

    cluster: container.Cluster
    node_service_account: serviceaccount.Account
    cluster_id: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    """IP address of the control plane (private unless ``control_plane.private`` is off)."""
    control_plane_host: pulumi.Output[str]
    """Where clients reach the control plane: the DNS endpoint, else the IP endpoint."""
    ca_certificate: pulumi.Output[str] | None
    """Base64 PEM of the cluster CA (a secret) for the IP endpoint; None with the DNS endpoint (public CA)."""
    node_service_account_email: pulumi.Output[str]
    workload_pool: pulumi.Output[str]
    """Workload identity pool of the cluster (``<project>.svc.id.goog``)."""

    def __init__(self, name: str, args: GkeClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        _validate(args)
        self.node_service_account = serviceaccount.Account(
            f"{name}-nodes-sa",
            account_id=f"{args['cluster_name']}-nodes"[:30],
            project=args["project"],
            display_name=f"Nodes of GKE cluster {args['cluster_name']}",
            opts=child_options(self),
        )
        grants = self._node_roles(name, args)
        self.cluster = self._cluster(name, args, grants)
        self.cluster_name = after(self.cluster, args["cluster_name"])
        self._system_pool(name, args)

        self.cluster_id = self.cluster.id
        self.endpoint = self.cluster.endpoint
        if args.get("dns_endpoint", DEFAULTS["dns_endpoint"]):
            self.control_plane_host = self.cluster.control_plane_endpoints_config.apply(
                lambda c: (c.dns_endpoint_config.endpoint if c and c.dns_endpoint_config else None) or ""
            )
            self.ca_certificate = None
        else:
            self.control_plane_host = self.cluster.endpoint
            self.ca_certificate = pulumi.Output.secret(
                self.cluster.master_auth.apply(lambda auth: (auth.cluster_ca_certificate if auth else None) or "")
            )
        self.node_service_account_email = self.node_service_account.email
        self.workload_pool = pulumi.Output.from_input(args["project"]).apply(lambda p: f"{p}.svc.id.goog")
        self.register_outputs(
            {
                "clusterId": self.cluster_id,
                "clusterName": self.cluster_name,
                "endpoint": self.endpoint,
                "nodeServiceAccount": self.node_service_account_email,
            }
        )

    def _node_roles(self, name: str, args: GkeClusterArgs) -> list[pulumi.Resource]:
        """``<name>-nodes-<role>``: the node service account's project roles, each a separate member."""
        email = self.node_service_account.email
        return [
            projects.IAMMember(
                f"{name}-nodes-{role.removeprefix('roles/').replace('.', '-').lower()}",
                project=args["project"],
                role=role,
                member=email.apply(lambda address: f"serviceAccount:{address}"),
                opts=child_options(self),
            )
            for role in NODE_ROLES
        ]

    def _cluster(self, name: str, args: GkeClusterArgs, grants: list[pulumi.Resource]) -> container.Cluster:
        """``<name>-cluster``: private nodes, Dataplane V2, workload identity, managed Prometheus with DCGM."""
        project = args["project"]
        access = args.get("control_plane", {})
        secrets_key = args.get("secrets_encryption_key")
        window = args.get("maintenance_window")
        return container.Cluster(
            f"{name}-cluster",
            name=args["cluster_name"],
            project=project,
            location=args["region"],
            node_locations=list(args.get("zones", [])) or None,
            network=args["network_id"],
            subnetwork=args["subnet_id"],
            networking_mode="VPC_NATIVE",
            ip_allocation_policy=container.ClusterIpAllocationPolicyArgs(
                cluster_secondary_range_name=args["pods_range_name"],
                services_secondary_range_name=args["services_range_name"],
            ),
            private_cluster_config=container.ClusterPrivateClusterConfigArgs(
                enable_private_nodes=True,
                enable_private_endpoint=access.get("private", CONTROL_PLANE_DEFAULTS["private"]),
                master_ipv4_cidr_block=args["master_range"],
                master_global_access_config=container.ClusterPrivateClusterConfigMasterGlobalAccessConfigArgs(
                    enabled=True
                ),
            ),
            master_authorized_networks_config=container.ClusterMasterAuthorizedNetworksConfigArgs(
                cidr_blocks=[
                    container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(cidr_block=cidr, display_name=cidr)
                    for cidr in access.get("authorized_ranges", [])
                ],
                gcp_public_cidrs_access_enabled=False,
            ),
            control_plane_endpoints_config=container.ClusterControlPlaneEndpointsConfigArgs(
                dns_endpoint_config=container.ClusterControlPlaneEndpointsConfigDnsEndpointConfigArgs(
                    allow_external_traffic=True
                )
            )
            if args.get("dns_endpoint", DEFAULTS["dns_endpoint"])
            else None,
            master_auth=container.ClusterMasterAuthArgs(
                client_certificate_config=container.ClusterMasterAuthClientCertificateConfigArgs(
                    issue_client_certificate=False
                )
            ),
            enable_legacy_abac=False,
            enable_shielded_nodes=True,
            datapath_provider="ADVANCED_DATAPATH",
            workload_identity_config=container.ClusterWorkloadIdentityConfigArgs(
                workload_pool=pulumi.Output.from_input(project).apply(lambda p: f"{p}.svc.id.goog")
            ),
            release_channel=container.ClusterReleaseChannelArgs(
                channel=args.get("release_channel", DEFAULTS["release_channel"])
            ),
            database_encryption=container.ClusterDatabaseEncryptionArgs(
                state="ENCRYPTED", key_name=secrets_key["key_id"]
            )
            if secrets_key is not None
            else None,
            monitoring_config=container.ClusterMonitoringConfigArgs(
                enable_components=list(MONITORING_COMPONENTS),
                managed_prometheus=container.ClusterMonitoringConfigManagedPrometheusArgs(enabled=True),
            ),
            logging_config=container.ClusterLoggingConfigArgs(enable_components=list(LOGGING_COMPONENTS)),
            addons_config=container.ClusterAddonsConfigArgs(
                gce_persistent_disk_csi_driver_config=container.ClusterAddonsConfigGcePersistentDiskCsiDriverConfigArgs(
                    enabled=True
                ),
                # Model servers mount model artifacts from Cloud Storage.
                gcs_fuse_csi_driver_config=container.ClusterAddonsConfigGcsFuseCsiDriverConfigArgs(enabled=True),
            ),
            authenticator_groups_config=container.ClusterAuthenticatorGroupsConfigArgs(
                security_group=args["security_group"]
            )
            if "security_group" in args
            else None,
            maintenance_policy=container.ClusterMaintenancePolicyArgs(recurring_window=recurring_window(window))
            if window is not None
            else None,
            # The default pool is created and removed at once; it still runs as the node account with CMEK disks.
            remove_default_node_pool=True,
            initial_node_count=1,
            node_config=container.ClusterNodeConfigArgs(
                **cluster_node_config_defaults(self.node_service_account.email, _disk_key(args))
            ),
            deletion_protection=args.get("deletion_protection", False),
            cost_management_config=container.ClusterCostManagementConfigArgs(enabled=True)
            if args.get("cost_allocation", DEFAULTS["cost_allocation"])
            else None,
            resource_labels=args.get("labels"),
            opts=child_options(self, protect=args.get("protect", False), depends_on=grants),
        )

    def _system_pool(self, name: str, args: GkeClusterArgs) -> container.NodePool:
        """``<name>-system``: the autoscaled pool for add-ons and CPU work."""
        pool = args["system_pool"]
        return container.NodePool(
            f"{name}-system",
            name="system",
            project=args["project"],
            location=args["region"],
            cluster=self.cluster_name,
            autoscaling=container.NodePoolAutoscalingArgs(
                min_node_count=pool["min_nodes"], max_node_count=pool["max_nodes"], location_policy="BALANCED"
            ),
            management=container.NodePoolManagementArgs(auto_repair=True, auto_upgrade=True),
            upgrade_settings=container.NodePoolUpgradeSettingsArgs(max_surge=1, max_unavailable=0),
            node_config=container.NodePoolNodeConfigArgs(
                machine_type=pool["machine_type"],
                image_type="COS_CONTAINERD",
                labels={"aiscale.io/purpose": "system"},
                resource_labels=args.get("labels"),
                **node_pool_node_config_defaults(self.node_service_account.email, _disk_key(args)),
            ),
            # The autoscaler owns the node count.
            opts=child_options(self, ignore_changes=["nodeCount", "initialNodeCount"]),
        )


def _disk_key(args: GkeClusterArgs) -> pulumi.Input[str] | None:
    key = args.get("disk_encryption_key")
    return key["key_id"] if key is not None else None
