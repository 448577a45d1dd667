"""A GKE GPU node pool, validated against the GPU machine table.

The accelerator type and count come from the machine type (``g2-standard-8`` → one ``nvidia-l4``), so they can
never disagree with it. The driver comes from GKE (``platform``, at ``driver_version`` ``DEFAULT`` or ``LATEST``)
or from the NVIDIA GPU operator (``operator``: installation disabled, Ubuntu node images). MIG partitions and GPU
sharing (time-sharing or MPS) are options. Autoscaling always has explicit bounds for the whole pool
(``min_nodes`` 0 scales to zero); spot capacity for interruptible work; auto-repair and auto-upgrade; shielded
nodes with secure boot; the GKE metadata server; boot disks encrypted with the CMEK key. Nodes carry the
``nvidia.com/gpu`` taint (as GKE adds it) and aiscale's pool labels. Alerts: the pool at ``max_nodes`` for a
while, and its GPUs idle for hours (GKE's accelerator duty cycle). The vocabulary is the one ``AksGpuNodePool``
uses (:mod:`aiscale.components.common.gpu_pool`).
"""

from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_gcp import container

from aiscale.components.common.customer_managed_key import GcpCustomerManagedKeyArgs
from aiscale.components.common.defaults import declare, stack_default
from aiscale.components.common.gcp_alerts import GcpAlertRoutingArgs, alert_policy, promql
from aiscale.components.common.gpu_pool import (
    ALERT_DEFAULTS,
    GpuPoolAlertsArgs,
    check_pool,
    pool_labels,
    team_cost_labels,
)
from aiscale.components.common.options import after, child_options
from aiscale.components.common.tags import Labels, gcp_labels
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.components.gcp.gke_cluster import node_pool_node_config_defaults
from aiscale.core import gpu
from aiscale.core.config.gcp import GcpGpuPoolConfig
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("GkeGpuNodePool")
PREVIOUS_TYPE = "aiscale:gcp:GkeGpuNodePool"
DRIVER_VERSIONS = ("DEFAULT", "LATEST")
SHARING_STRATEGIES = ("TIME_SHARING", "MPS")


class GkeGpuNodePoolArgs(TypedDict):
    """Arguments of :class:`GkeGpuNodePool`."""

    pool_name: str
    """Name of the node pool."""
    project: pulumi.Input[str]
    """Google Cloud project id."""
    region: str
    """Google Cloud region (``europe-west4``)."""
    cluster_id: pulumi.Input[str]
    """The cluster (``projects/<p>/locations/<region>/clusters/<name>``)."""
    cluster_name: str
    """The cluster's name: alerts select its nodes by name."""
    machine_type: str
    """A GPU machine type of the GPU table (``g2-standard-8``, ``a2-highgpu-1g``)."""
    min_nodes: int
    """Lowest node count; 0 scales the pool to zero."""
    max_nodes: int
    """Highest node count the autoscaler may reach (the cost ceiling)."""
    service_account_email: pulumi.Input[str]
    """The cluster's node service account."""
    purpose: NotRequired[str]
    """``serving``, ``training`` or ``batch``: the ``aiscale.io/purpose`` label."""
    driver: NotRequired[str]
    """``platform`` (GKE installs the driver) or ``operator`` (the NVIDIA GPU operator does)."""
    driver_version: NotRequired[str]
    """GKE-installed driver version: ``DEFAULT`` or ``LATEST`` (with ``driver`` ``platform``)."""
    spot: NotRequired[bool]
    """Spot capacity: much cheaper, evictable; for interruptible work."""
    expected_utilization_percent: NotRequired[int]
    """Expected use of the autoscaling range (0-100), for cost estimates: the pool label
    ``aiscale.io/expected-utilization-percent``."""
    partition_size: NotRequired[str]
    """MIG partition size (``1g.5gb`` ...) on A100/H100 machine types."""
    sharing: NotRequired[str]
    """GPU sharing between containers: ``TIME_SHARING`` or ``MPS`` (with ``max_shared_clients``)."""
    max_shared_clients: NotRequired[int]
    """Containers sharing one GPU (2-48, with ``sharing``)."""
    zones: NotRequired[Sequence[str]]
    """Zones where the accelerator is offered (default: the cluster's)."""
    disk_size_gb: NotRequired[int]
    """Boot disk size of each node, in GB."""
    disk_encryption_key: NotRequired[GcpCustomerManagedKeyArgs]
    """Encryption of the node boot disks; the compute service agent needs the key role."""
    node_labels: NotRequired[Labels]
    """Further Kubernetes labels of the nodes (aiscale's ``aiscale.io/*`` labels win)."""
    team: NotRequired[str]
    """The team that owns the pool: the ``aiscale.io/team`` node label and the ``team`` resource label."""
    labels: NotRequired[Labels]
    """Resource labels of the node VMs (cost attribution)."""
    alert_routing: NotRequired[GcpAlertRoutingArgs]
    """Alert through these: the pool at its ceiling, its GPUs idle."""
    alerts: NotRequired[GpuPoolAlertsArgs]
    """Alert thresholds (with ``alert_routing``)."""


DEFAULTS = declare(
    GkeGpuNodePoolArgs,
    purpose=stack_default(GcpGpuPoolConfig, "purpose"),
    driver=stack_default(GcpGpuPoolConfig, "driver"),
    driver_version=stack_default(GcpGpuPoolConfig, "driver_version"),
    spot=stack_default(GcpGpuPoolConfig, "spot"),
    disk_size_gb=stack_default(GcpGpuPoolConfig, "disk_size_gb"),
)
"""Defaults of the optional args of ``GkeGpuNodePoolArgs``."""


def _validate(args: GkeGpuNodePoolArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    problem = gpu.gcp_pool_problem(args["machine_type"], args.get("partition_size"))
    if problem:
        argument = "partition_size" if problem.startswith("gpu_partition_size") else "machine_type"
        fail(argument, problem)
    check_pool(
        COMPONENT,
        min_nodes=args["min_nodes"],
        max_nodes=args["max_nodes"],
        purpose=args.get("purpose", DEFAULTS["purpose"]),
        driver=args.get("driver", DEFAULTS["driver"]),
        expected_utilization_percent=args.get("expected_utilization_percent"),
        alerts=args.get("alerts"),
        team=args.get("team"),
    )
    version = args.get("driver_version", DEFAULTS["driver_version"])
    if version not in DRIVER_VERSIONS:
        fail("driver_version", f"{version!r} is not one of {', '.join(DRIVER_VERSIONS)}")
    if "driver_version" in args and args.get("driver") == "operator":
        fail("driver_version", "the GPU operator chooses the driver version (driver: operator)")
    if "sharing" in args and args["sharing"] not in SHARING_STRATEGIES:
        fail("sharing", f"{args['sharing']!r} is not one of {', '.join(SHARING_STRATEGIES)}")
    if ("sharing" in args) != ("max_shared_clients" in args):
        fail("max_shared_clients", "goes together with sharing")
    if args.get("sharing") == "MPS" and "partition_size" in args:
        fail("sharing", "MPS cannot be combined with MIG partitions; use TIME_SHARING")
    if "alerts" in args and "alert_routing" not in args:
        fail("alerts", "thresholds apply with alert_routing (where the alerts go)")
    gcp_labels(COMPONENT, team_cost_labels(args.get("labels"), args.get("team")))


class GkeGpuNodePool(pulumi.ComponentResource):
    """A GKE GPU node pool from the GPU machine table: accelerators, driver, sharing, autoscaling, alerts.

    Children: ``<name>-pool``; with ``alert_routing`` ``<name>-alert-at-max`` and ``<name>-alert-idle``.
    """

    pool: container.NodePool
    pool_name: pulumi.Output[str]

    def __init__(self, name: str, args: GkeGpuNodePoolArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        _validate(args)
        self.pool = self._pool(name, args)
        if "alert_routing" in args:
            self._alerts(name, args, args["alert_routing"])
        self.pool_name = after(self.pool, args["pool_name"])
        self.register_outputs({"poolName": self.pool_name})

    def _pool(self, name: str, args: GkeGpuNodePoolArgs) -> container.NodePool:
        machine = gpu.gcp_gpu_machines()[args["machine_type"]]
        operator = args.get("driver", DEFAULTS["driver"]) == "operator"
        accelerator = container.NodePoolNodeConfigGuestAcceleratorArgs(
            type=machine.accelerator_type,
            count=machine.gpus,
            gpu_driver_installation_config=container.NodePoolNodeConfigGuestAcceleratorGpuDriverInstallationConfigArgs(
                gpu_driver_version="INSTALLATION_DISABLED"
                if operator
                else args.get("driver_version", DEFAULTS["driver_version"])
            ),
            gpu_partition_size=args.get("partition_size"),
            gpu_sharing_config=container.NodePoolNodeConfigGuestAcceleratorGpuSharingConfigArgs(
                gpu_sharing_strategy=args["sharing"], max_shared_clients_per_gpu=args["max_shared_clients"]
            )
            # Validation makes them go together; testing both lets the checker see it.
            if "sharing" in args and "max_shared_clients" in args
            else None,
        )
        key = args.get("disk_encryption_key")
        return container.NodePool(
            f"{name}-pool",
            name=args["pool_name"],
            project=args["project"],
            location=args["region"],
            cluster=args["cluster_id"],
            node_locations=list(args.get("zones", [])) or None,
            autoscaling=container.NodePoolAutoscalingArgs(
                total_min_node_count=args["min_nodes"],
                total_max_node_count=args["max_nodes"],
                # GPUs are scarce: take capacity in whichever zone has it.
                location_policy="ANY",
            ),
            management=container.NodePoolManagementArgs(auto_repair=True, auto_upgrade=True),
            upgrade_settings=container.NodePoolUpgradeSettingsArgs(max_surge=1, max_unavailable=0),
            node_config=container.NodePoolNodeConfigArgs(
                machine_type=args["machine_type"],
                guest_accelerators=[accelerator],
                spot=args.get("spot", DEFAULTS["spot"]),
                # The operator path needs Ubuntu; GKE-managed drivers run on Container-Optimized OS.
                image_type="UBUNTU_CONTAINERD" if operator else "COS_CONTAINERD",
                disk_size_gb=args.get("disk_size_gb", DEFAULTS["disk_size_gb"]),
                labels=pool_labels(
                    args["pool_name"],
                    purpose=args.get("purpose", DEFAULTS["purpose"]),
                    gpu_model=machine.accelerator_type,
                    gpu_count=machine.gpus,
                    extra=args.get("node_labels", {}),
                    expected_utilization_percent=args.get("expected_utilization_percent"),
                    team=args.get("team"),
                ),
                resource_labels=team_cost_labels(args.get("labels"), args.get("team")),
                taints=[
                    container.NodePoolNodeConfigTaintArgs(key="nvidia.com/gpu", value="present", effect="NO_SCHEDULE")
                ],
                **node_pool_node_config_defaults(
                    args["service_account_email"], key["key_id"] if key is not None else None
                ),
            ),
            # The autoscaler owns the node count.
            opts=child_options(self, ignore_changes=["nodeCount", "initialNodeCount"]),
        )

    def _alerts(self, name: str, args: GkeGpuNodePoolArgs, routing: GcpAlertRoutingArgs) -> None:
        thresholds = args.get("alerts", {})
        pool, max_nodes, cluster = args["pool_name"], args["max_nodes"], args["cluster_name"]
        # GKE names a pool's nodes gke-<cluster>-<pool>-<suffix>.
        nodes = f'monitored_resource="k8s_node",cluster_name="{cluster}",node_name=~"gke-{cluster}-{pool}-.*"'
        minutes = thresholds.get("at_max_minutes", ALERT_DEFAULTS["at_max_minutes"])
        alert_policy(
            name,
            alert="at-max",
            runbook_page="gpu-pool-at-max",
            display_name=f"GPU pool {pool} at max_nodes",
            summary=f"GPU pool {pool} has run at max_nodes ({max_nodes}) for {minutes} minutes: demand exceeds its cost ceiling.",
            condition=promql(
                f"{pool} nodes >= {max_nodes}",
                f"count(kubernetes_io:node_cpu_allocatable_cores{{{nodes}}}) >= {max_nodes}",
                minutes * 60,
            ),
            severity="WARNING",
            project=args["project"],
            args=routing,
            watched=[self.pool],
            labels=args.get("labels"),
            parent=self,
        )
        if "idle_hours" in thresholds:
            hours = thresholds["idle_hours"]
            alert_policy(
                name,
                alert="idle",
                runbook_page="gpu-pool-idle",
                display_name=f"GPU pool {pool} idle",
                summary=f"GPU pool {pool} has nodes whose GPUs were idle for {hours} h: scale it down.",
                condition=promql(
                    f"{pool} GPUs idle",
                    f"max(kubernetes_io:node_accelerator_duty_cycle{{{nodes}}}) < 1",
                    hours * 3600,
                ),
                severity="WARNING",
                project=args["project"],
                args=routing,
                watched=[self.pool],
                labels=args.get("labels"),
                parent=self,
            )
