"""A GKE GPU node pool, validated against the GPU machine table.

The accelerator type and count come from the machine type (``g2-standard-8`` → one ``nvidia-l4``), so they can
never disagree with it. GKE installs the driver (``DEFAULT`` or ``LATEST``) unless installation is disabled for the
GPU operator. MIG partitions and GPU sharing (time-sharing or MPS) are options. Autoscaling always has explicit
bounds for the whole pool (``min_nodes`` 0 scales to zero); spot capacity for interruptible work; auto-repair and
auto-upgrade; shielded nodes with secure boot; the GKE metadata server; boot disks encrypted with the CMEK key.
Nodes carry the ``nvidia.com/gpu`` taint (as GKE adds it) and aiscale's pool labels. Alerts: the pool at
``max_nodes`` for a while, and its GPUs idle for hours (GKE's accelerator duty cycle).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_gcp import container

from aiscale.components.common.gcp_alerts import GcpAlertsArgs, alert_policy, promql
from aiscale.components.common.options import child_options
from aiscale.components.gcp.gke_cluster import node_config_defaults
from aiscale.core import gpu
from aiscale.core.cost import EXPECTED_LABEL
from aiscale.core.errors import InvalidArgumentError

COMPONENT = "aiscale:gcp:GkeGpuNodePool"
DRIVER_VERSIONS = ("DEFAULT", "LATEST", "INSTALLATION_DISABLED")
SHARING_STRATEGIES = ("TIME_SHARING", "MPS")
PURPOSES = ("serving", "training", "batch")


class GkeGpuPoolAlertsArgs(GcpAlertsArgs):
    at_max_minutes: NotRequired[int]
    """Alert when the pool stays at ``max_nodes`` this long (default 30)."""
    idle_hours: NotRequired[int]
    """Alert when the pool's GPUs stay idle this long; no idle alert when unset."""


class GkeGpuNodePoolArgs(TypedDict):
    """Arguments of :class:`GkeGpuNodePool`."""

    pool_name: str
    project: pulumi.Input[str]
    region: str
    cluster_id: pulumi.Input[str]
    """The cluster (``projects/<p>/locations/<region>/clusters/<name>``)."""
    cluster_name: str
    """The cluster's name: alerts select its nodes by name."""
    machine_type: str
    min_nodes: int
    max_nodes: int
    service_account_email: pulumi.Input[str]
    purpose: NotRequired[str]
    spot: NotRequired[bool]
    expected_utilization_percent: NotRequired[int]
    """Expected use of the autoscaling range (0-100), for cost estimates: the pool label
    ``aiscale.io/expected-utilization-percent``."""
    driver: NotRequired[str]
    """``DEFAULT`` (default), ``LATEST`` or ``INSTALLATION_DISABLED`` (the GPU operator installs it)."""
    partition_size: NotRequired[str]
    sharing: NotRequired[str]
    max_shared_clients: NotRequired[int]
    zones: NotRequired[Sequence[str]]
    disk_size_gb: NotRequired[int]
    boot_disk_key: NotRequired[pulumi.Input[str]]
    node_labels: NotRequired[Mapping[str, str]]
    labels: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Resource labels of the node VMs (cost attribution)."""
    alerts: NotRequired[GkeGpuPoolAlertsArgs]


def _validate(args: GkeGpuNodePoolArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    problem = gpu.gcp_pool_problem(args["machine_type"], args.get("partition_size"))
    if problem:
        argument = "partition_size" if problem.startswith("gpu_partition_size") else "machine_type"
        fail(argument, problem)
    if not 0 <= args.get("expected_utilization_percent", 0) <= 100:
        fail("expected_utilization_percent", f"must be 0-100 (got {args.get('expected_utilization_percent')})")
    if not 0 <= args["min_nodes"] <= args["max_nodes"] or args["max_nodes"] < 1:
        fail(
            "min_nodes", f"need 0 <= min_nodes ({args['min_nodes']}) <= max_nodes ({args['max_nodes']}), max_nodes >= 1"
        )
    for key, choices in (("driver", DRIVER_VERSIONS), ("sharing", SHARING_STRATEGIES), ("purpose", PURPOSES)):
        if key in args and args[key] not in choices:  # type: ignore[literal-required]
            fail(key, f"{args[key]!r} is not one of {', '.join(choices)}")  # type: ignore[literal-required]
    if ("sharing" in args) != ("max_shared_clients" in args):
        fail("max_shared_clients", "goes together with sharing")
    if args.get("sharing") == "MPS" and "partition_size" in args:
        fail("sharing", "MPS cannot be combined with MIG partitions; use TIME_SHARING")


class GkeGpuNodePool(pulumi.ComponentResource):
    """``<name>-pool``; with ``alerts`` ``<name>-alert-at-max`` and ``<name>-alert-idle``."""

    pool: container.NodePool

    def __init__(self, name: str, args: GkeGpuNodePoolArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        _validate(args)
        machine = gpu.gcp_gpu_machines()[args["machine_type"]]
        pool_name = args["pool_name"]
        node_labels = {
            **dict(args.get("node_labels", {})),
            "aiscale.io/gpu-pool": pool_name,
            "aiscale.io/purpose": args.get("purpose", "serving"),
            "aiscale.io/gpu-model": machine.accelerator_type,
            "aiscale.io/gpu-count": str(machine.gpus),
        }
        if "expected_utilization_percent" in args:
            # The offline estimate and CrossGuard read it from the pool's inputs, like any other record.
            node_labels[EXPECTED_LABEL] = str(args["expected_utilization_percent"])
        accelerator = container.NodePoolNodeConfigGuestAcceleratorArgs(
            type=machine.accelerator_type,
            count=machine.gpus,
            gpu_driver_installation_config=container.NodePoolNodeConfigGuestAcceleratorGpuDriverInstallationConfigArgs(
                gpu_driver_version=args.get("driver", "DEFAULT")
            ),
            gpu_partition_size=args.get("partition_size"),
            gpu_sharing_config=container.NodePoolNodeConfigGuestAcceleratorGpuSharingConfigArgs(
                gpu_sharing_strategy=args["sharing"], max_shared_clients_per_gpu=args["max_shared_clients"]
            )
            if "sharing" in args
            else None,
        )
        self.pool = container.NodePool(
            f"{name}-pool",
            name=pool_name,
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
                spot=args.get("spot", False),
                # The operator path needs Ubuntu; GKE-managed drivers run on Container-Optimized OS.
                image_type="UBUNTU_CONTAINERD" if args.get("driver") == "INSTALLATION_DISABLED" else "COS_CONTAINERD",
                disk_size_gb=args.get("disk_size_gb", 200),
                labels=node_labels,
                resource_labels=args.get("labels"),
                taints=[
                    container.NodePoolNodeConfigTaintArgs(key="nvidia.com/gpu", value="present", effect="NO_SCHEDULE")
                ],
                **node_config_defaults(args["service_account_email"], args.get("boot_disk_key")),  # type: ignore[arg-type]
            ),
            # The autoscaler owns the node count.
            opts=child_options(self, ignore_changes=["nodeCount", "initialNodeCount"]),
        )
        if "alerts" in args:
            self._alerts(name, args)
        self.register_outputs({"poolName": pool_name})

    def _alerts(self, name: str, args: GkeGpuNodePoolArgs) -> None:
        alerts = args["alerts"]
        pool, max_nodes = args["pool_name"], args["max_nodes"]
        # GKE names a pool's nodes gke-<cluster>-<pool>-<suffix>.
        nodes = (
            f'monitored_resource="k8s_node",cluster_name="{args["cluster_name"]}",'
            f'node_name=~"gke-{args["cluster_name"]}-{pool}-.*"'
        )
        common = {"args": alerts, "watched": [self.pool], "labels": args.get("labels"), "parent": self}
        minutes = alerts.get("at_max_minutes", 30)
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
            **common,  # type: ignore[arg-type]
        )
        if "idle_hours" in alerts:
            hours = alerts["idle_hours"]
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
                **common,  # type: ignore[arg-type]
            )
