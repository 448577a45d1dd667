"""An AKS GPU node pool: a separate ``AgentPool`` validated against the GPU size table.

Autoscaling is always on with explicit bounds (``min_nodes`` 0 scales to zero). The pool is tainted
``nvidia.com/gpu=present:NoSchedule`` and labelled so that only GPU workloads that tolerate the taint land on it
(AKS adds no GPU taint by itself). Nodes never get public IPs. Spot capacity, MIG partitioning, the driver
(``platform``: AKS installs it; ``operator``: the NVIDIA GPU operator does), encryption at host and upgrade
settings are options. The vocabulary is the one ``GkeGpuNodePool`` uses (:mod:`aiscale.components.common.gpu_pool`).
"""

import re
from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import alertsmanagement, containerservice

from aiscale.components.common.azure_alerts import AzureAlertRoutingArgs, PrometheusAlert, prometheus_alerts
from aiscale.components.common.defaults import declare, stack_default
from aiscale.components.common.gpu_pool import (
    ALERT_DEFAULTS,
    GpuPoolAlertsArgs,
    check_pool,
    pool_labels,
    team_cost_labels,
)
from aiscale.components.common.options import child_options
from aiscale.components.common.tags import Labels, Tags, azure_tags
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.core import gpu
from aiscale.core.config.azure import AzureGpuPoolConfig
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("AksGpuNodePool")
PREVIOUS_TYPE = "aiscale:azure:GpuNodePool"
GPU_TAINT = "nvidia.com/gpu=present:NoSchedule"
EVICTION_POLICIES = ("Delete", "Deallocate")


class AksGpuNodePoolArgs(TypedDict):
    """Arguments of :class:`AksGpuNodePool`."""

    pool_name: str
    """AKS pool name: 1-12 lowercase letters and digits, starting with a letter."""
    cluster_name: pulumi.Input[str]
    """Name of the AKS cluster the pool joins."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the component's resources."""
    vm_size: str
    """A GPU VM size of the GPU table (``Standard_NC24ads_A100_v4``)."""
    min_nodes: int
    """Lowest node count; 0 scales the pool to zero."""
    max_nodes: int
    """Highest node count the autoscaler may reach (the cost ceiling)."""
    subnet_id: pulumi.Input[str]
    """Subnet of the nodes."""
    purpose: NotRequired[str]
    """``serving``, ``training`` or ``batch``: the ``aiscale.io/purpose`` label."""
    driver: NotRequired[str]
    """``platform`` (AKS installs the driver) or ``operator`` (the NVIDIA GPU operator does)."""
    spot: NotRequired[bool]
    """Spot capacity: much cheaper, evictable; for interruptible work."""
    spot_max_price: NotRequired[float]
    """Highest hourly price of a spot node; -1 (the default with spot) caps at the on-demand price."""
    eviction_policy: NotRequired[str]
    """What happens to evicted spot nodes: ``Delete`` or ``Deallocate``."""
    expected_utilization_percent: NotRequired[int]
    """Expected use of the autoscaling range (0-100), for cost estimates: the pool label
    ``aiscale.io/expected-utilization-percent``."""
    mig_profile: NotRequired[str]
    """Multi-Instance GPU partitioning (``MIG1g`` ...), on sizes whose GPU supports it."""
    encryption_at_host: NotRequired[bool]
    """Encrypt temp and cache disks at the host."""
    os_disk_size_gb: NotRequired[int]
    """OS disk size of each node, in GB."""
    max_surge: NotRequired[str]
    """Nodes added during an upgrade (a count or a percentage); spot pools cannot surge."""
    drain_timeout_minutes: NotRequired[int]
    """Minutes an upgrade waits for a node to drain."""
    zones: NotRequired[Sequence[str]]
    """Availability zones of the nodes (default: the region's)."""
    node_labels: NotRequired[Labels]
    """Further Kubernetes labels of the nodes (aiscale's ``aiscale.io/*`` labels win)."""
    team: NotRequired[str]
    """The team that owns the pool: the ``aiscale.io/team`` node label and the ``team`` tag."""
    kubernetes_version: NotRequired[pulumi.Input[str]]
    """Kubernetes version (``1.33``); unset: the region's default."""
    tags: NotRequired[Tags]
    """Azure tags of the pool and its alert rules."""
    alert_routing: NotRequired[AzureAlertRoutingArgs]
    """Alert through these: PromQL rules on the pool (needs ``monitor_workspace_id`` and ``workspace_location``)."""
    alerts: NotRequired[GpuPoolAlertsArgs]
    """Alert thresholds (with ``alert_routing``)."""


DEFAULTS = declare(
    AksGpuNodePoolArgs,
    purpose=stack_default(AzureGpuPoolConfig, "purpose"),
    driver=stack_default(AzureGpuPoolConfig, "driver"),
    spot=stack_default(AzureGpuPoolConfig, "spot"),
    eviction_policy=stack_default(AzureGpuPoolConfig, "eviction_policy"),
    encryption_at_host=stack_default(AzureGpuPoolConfig, "encryption_at_host"),
    os_disk_size_gb=stack_default(AzureGpuPoolConfig, "os_disk_size_gb"),
    max_surge=stack_default(AzureGpuPoolConfig, "max_surge"),
    drain_timeout_minutes=stack_default(AzureGpuPoolConfig, "drain_timeout_minutes"),
)
"""Defaults of the optional args of ``AksGpuNodePoolArgs``."""


def _validate(args: AksGpuNodePoolArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    if not re.fullmatch(r"[a-z][a-z0-9]{0,11}", args["pool_name"]):
        fail("pool_name", f"{args['pool_name']!r} must be 1-12 lowercase letters and digits, starting with a letter")
    problem = gpu.azure_pool_problem(args["vm_size"], args.get("mig_profile"))
    if problem:
        argument = "mig_profile" if problem.startswith("mig_profile") else "vm_size"
        fail(argument, problem.removeprefix(f"{argument} "))
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
    if "spot_max_price" in args and not args.get("spot", DEFAULTS["spot"]):
        fail("spot_max_price", "only applies with spot=True")
    if args.get("eviction_policy", DEFAULTS["eviction_policy"]) not in EVICTION_POLICIES:
        fail("eviction_policy", f"{args.get('eviction_policy')!r} is not one of {', '.join(EVICTION_POLICIES)}")
    routing = args.get("alert_routing")
    if routing is not None:
        for key in ("monitor_workspace_id", "workspace_location"):
            if key not in routing:
                fail(f"alert_routing.{key}", "GPU pool alerts are PromQL rules in the Azure Monitor workspace")
    elif "alerts" in args:
        fail("alerts", "thresholds apply with alert_routing (where the alerts go)")
    azure_tags(COMPONENT, team_cost_labels(args.get("tags"), args.get("team")))


class AksGpuNodePool(pulumi.ComponentResource):
    """An AKS GPU node pool, validated against the GPU size table, tainted for GPU workloads, autoscaled.

    Children: ``<name>-pool`` (the AgentPool); ``<name>-alerts`` with ``alert_routing``.
    """

    pool: containerservice.AgentPool
    pool_name: pulumi.Output[str]

    def __init__(self, name: str, args: AksGpuNodePoolArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        _validate(args)
        self.pool = self._pool(name, args)
        self.alerts = self._alerts(name, args, args["alert_routing"]) if "alert_routing" in args else None
        self.pool_name = self.pool.name
        self.register_outputs({"poolName": self.pool_name})

    def _pool(self, name: str, args: AksGpuNodePoolArgs) -> containerservice.AgentPool:
        sku = gpu.azure_gpu_skus()[args["vm_size"]]
        spot = args.get("spot", DEFAULTS["spot"])
        labels = pool_labels(
            args["pool_name"],
            purpose=args.get("purpose", DEFAULTS["purpose"]),
            gpu_model=sku.gpu_model,
            gpu_count=sku.gpus,
            extra=args.get("node_labels", {}),
            expected_utilization_percent=args.get("expected_utilization_percent"),
            team=args.get("team"),
        )
        if "mig_profile" in args:
            labels["aiscale.io/mig-profile"] = args["mig_profile"]
        taints = [GPU_TAINT]
        if spot:
            # AKS adds this taint to spot pools itself; declaring it keeps the desired state honest.
            taints.append("kubernetes.azure.com/scalesetpriority=spot:NoSchedule")
        return containerservice.AgentPool(
            f"{name}-pool",
            agent_pool_name=args["pool_name"],
            resource_name_=args["cluster_name"],
            resource_group_name=args["resource_group_name"],
            mode="User",
            type="VirtualMachineScaleSets",
            os_type="Linux",
            os_sku="Ubuntu",
            vm_size=args["vm_size"],
            orchestrator_version=args.get("kubernetes_version"),
            enable_auto_scaling=True,
            count=args["min_nodes"],
            min_count=args["min_nodes"],
            max_count=args["max_nodes"],
            vnet_subnet_id=args["subnet_id"],
            enable_node_public_ip=False,
            enable_encryption_at_host=args.get("encryption_at_host", DEFAULTS["encryption_at_host"]),
            os_disk_size_gb=args.get("os_disk_size_gb", DEFAULTS["os_disk_size_gb"]),
            node_labels=labels,
            node_taints=taints,
            availability_zones=list(args.get("zones", [])) or None,
            gpu_profile=containerservice.GPUProfileArgs(
                driver="None" if args.get("driver", DEFAULTS["driver"]) == "operator" else "Install"
            ),
            gpu_instance_profile=args.get("mig_profile"),
            scale_set_priority="Spot" if spot else "Regular",
            scale_set_eviction_policy=args.get("eviction_policy", DEFAULTS["eviction_policy"]) if spot else None,
            spot_max_price=args.get("spot_max_price", -1) if spot else None,
            # Spot pools cannot surge; on-demand pools surge and drain gracefully.
            upgrade_settings=None
            if spot
            else containerservice.AgentPoolUpgradeSettingsArgs(
                max_surge=args.get("max_surge", DEFAULTS["max_surge"]),
                drain_timeout_in_minutes=args.get("drain_timeout_minutes", DEFAULTS["drain_timeout_minutes"]),
            ),
            tags=team_cost_labels(args.get("tags"), args.get("team")),
            # The cluster autoscaler owns the node count.
            opts=child_options(self, ignore_changes=["count"]),
        )

    def _alerts(
        self, name: str, args: AksGpuNodePoolArgs, routing: AzureAlertRoutingArgs
    ) -> alertsmanagement.PrometheusRuleGroup:
        thresholds = args.get("alerts", {})
        pool, max_nodes = args["pool_name"], args["max_nodes"]
        workspace, location = routing.get("monitor_workspace_id"), routing.get("workspace_location")
        assert workspace is not None and location is not None  # _validate requires both
        # AKS names a pool's nodes aks-<pool>-<suffix>; the GPU stack labels DCGM series with their node.
        nodes = f'kube_node_info{{node=~"aks-{pool}-.*"}}'
        rules: list[PrometheusAlert] = [
            {
                "alert": f"gpu-pool-{pool}-at-max",
                "runbook_page": "gpu-pool-at-max",
                "expression": f"count({nodes}) >= {max_nodes}",
                "for_minutes": thresholds.get("at_max_minutes", ALERT_DEFAULTS["at_max_minutes"]),
                "severity": 2,
                "summary": f"GPU pool {pool} has run at max_nodes ({max_nodes}): demand exceeds its cost ceiling",
            }
        ]
        if "idle_hours" in thresholds:
            hours = thresholds["idle_hours"]
            rules.append(
                {
                    "alert": f"gpu-pool-{pool}-idle",
                    "runbook_page": "gpu-pool-idle",
                    "expression": f'max(DCGM_FI_DEV_GPU_UTIL{{node=~"aks-{pool}-.*"}}) < 1',
                    "for_minutes": hours * 60,
                    "severity": 3,
                    "summary": f"GPU pool {pool} has nodes whose GPUs were idle for {hours} h: scale it down",
                }
            )
        return prometheus_alerts(
            name,
            rule_group_name=f"{pool}-gpu-pool-alerts",
            cluster_name=args["cluster_name"],
            rules=rules,
            args=routing,
            monitor_workspace_id=workspace,
            resource_group_name=args["resource_group_name"],
            location=location,
            watched=[self.pool],
            tags=args.get("tags"),
            parent=self,
        )
