"""An AKS GPU node pool: a separate ``AgentPool`` validated against the GPU size table.

Autoscaling is always on with explicit bounds (``min_nodes`` 0 scales to zero). The pool is tainted
``nvidia.com/gpu=present:NoSchedule`` and labelled so that only GPU workloads that tolerate the taint land on it
(AKS adds no GPU taint by itself). Nodes never get public IPs. Spot capacity, MIG partitioning, the driver
(AKS-installed, or ``None`` for the NVIDIA GPU operator), encryption at host and upgrade settings are options.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import alertsmanagement, containerservice

from aiscale.components.common.azure_alerts import AlertsArgs, PrometheusAlert, prometheus_alerts
from aiscale.components.common.options import child_options
from aiscale.core import gpu
from aiscale.core.cost import EXPECTED_LABEL
from aiscale.core.errors import InvalidArgumentError

COMPONENT = "aiscale:azure:GpuNodePool"
GPU_TAINT = "nvidia.com/gpu=present:NoSchedule"


class GpuPoolAlertsArgs(AlertsArgs):
    """Alerts on the pool, evaluated by managed Prometheus (needs ``monitor_workspace_id``)."""

    location: pulumi.Input[str]
    """Region of the Prometheus rule group (the monitor workspace's)."""
    at_max_minutes: NotRequired[int]
    """Alert when the pool stays at ``max_nodes`` this long (default 30): demand exceeds the cost ceiling."""
    idle_hours: NotRequired[int]
    """Alert when the pool's GPUs stay idle this long (DCGM metrics); no idle alert when unset."""


class GpuNodePoolArgs(TypedDict):
    """Arguments of :class:`GpuNodePool`."""

    pool_name: str
    """AKS pool name: 1-12 lowercase letters and digits, starting with a letter."""
    cluster_name: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    vm_size: str
    min_nodes: int
    max_nodes: int
    subnet_id: pulumi.Input[str]
    purpose: NotRequired[str]
    """``serving`` (default), ``training`` or ``batch``: the ``aiscale.io/purpose`` label."""
    spot: NotRequired[bool]
    expected_utilization_percent: NotRequired[int]
    """Expected use of the autoscaling range (0-100), for cost estimates: the pool label
    ``aiscale.io/expected-utilization-percent``."""
    spot_max_price: NotRequired[float]
    eviction_policy: NotRequired[str]
    mig_profile: NotRequired[str]
    driver: NotRequired[str]
    """``install`` (default) or ``none`` (the NVIDIA GPU operator installs it)."""
    encryption_at_host: NotRequired[bool]
    os_disk_size_gb: NotRequired[int]
    max_surge: NotRequired[str]
    drain_timeout_minutes: NotRequired[int]
    zones: NotRequired[Sequence[str]]
    labels: NotRequired[Mapping[str, str]]
    kubernetes_version: NotRequired[pulumi.Input[str]]
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    alerts: NotRequired[GpuPoolAlertsArgs]


def _validate(args: GpuNodePoolArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    import re  # noqa: PLC0415

    if not re.fullmatch(r"[a-z][a-z0-9]{0,11}", args["pool_name"]):
        fail("pool_name", f"{args['pool_name']!r} must be 1-12 lowercase letters and digits, starting with a letter")
    problem = gpu.azure_pool_problem(args["vm_size"], args.get("mig_profile"))
    if problem:
        argument = "mig_profile" if problem.startswith("mig_profile") else "vm_size"
        fail(argument, problem.removeprefix(f"{argument} "))
    if not 0 <= args.get("expected_utilization_percent", 0) <= 100:
        fail("expected_utilization_percent", f"must be 0-100 (got {args.get('expected_utilization_percent')})")
    if not 0 <= args["min_nodes"] <= args["max_nodes"] or args["max_nodes"] < 1:
        fail(
            "min_nodes", f"need 0 <= min_nodes ({args['min_nodes']}) <= max_nodes ({args['max_nodes']}), max_nodes >= 1"
        )
    if "spot_max_price" in args and not args.get("spot", False):
        fail("spot_max_price", "only applies with spot=True")
    for key, choices in (
        ("driver", ("install", "none")),
        ("eviction_policy", ("Delete", "Deallocate")),
        ("purpose", ("serving", "training", "batch")),
    ):
        if key in args and args[key] not in choices:  # type: ignore[literal-required]
            fail(key, f"{args[key]!r} is not one of {', '.join(choices)}")  # type: ignore[literal-required]
    alerts = args.get("alerts")
    if alerts is not None:
        if "monitor_workspace_id" not in alerts:
            fail("alerts.monitor_workspace_id", "GPU pool alerts are PromQL rules; give the Azure Monitor workspace")
        if alerts.get("at_max_minutes", 30) < 5:
            fail("alerts.at_max_minutes", "must be at least 5")
        if alerts.get("idle_hours", 1) < 1:
            fail("alerts.idle_hours", "must be at least 1")


class GpuNodePool(pulumi.ComponentResource):
    """``<name>-pool``: the AgentPool; ``<name>-alerts`` with ``alerts``."""

    pool: containerservice.AgentPool
    alerts: alertsmanagement.PrometheusRuleGroup | None

    def __init__(self, name: str, args: GpuNodePoolArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        _validate(args)
        sku = gpu.azure_gpu_skus()[args["vm_size"]]
        spot = args.get("spot", False)
        labels = {
            **dict(args.get("labels", {})),
            "aiscale.io/gpu-pool": args["pool_name"],
            "aiscale.io/purpose": args.get("purpose", "serving"),
            "aiscale.io/gpu-model": sku.gpu_model,
            "aiscale.io/gpu-count": str(sku.gpus),
        }
        if "mig_profile" in args:
            labels["aiscale.io/mig-profile"] = args["mig_profile"]
        if "expected_utilization_percent" in args:
            # The offline estimate and CrossGuard read it from the pool's inputs, like any other record.
            labels[EXPECTED_LABEL] = str(args["expected_utilization_percent"])
        taints = [GPU_TAINT]
        if spot:
            # AKS adds this taint to spot pools itself; declaring it keeps the desired state honest.
            taints.append("kubernetes.azure.com/scalesetpriority=spot:NoSchedule")

        self.pool = containerservice.AgentPool(
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
            enable_encryption_at_host=args.get("encryption_at_host", True),
            os_disk_size_gb=args.get("os_disk_size_gb", 128),
            node_labels=labels,
            node_taints=taints,
            availability_zones=list(args.get("zones", [])) or None,
            gpu_profile=containerservice.GPUProfileArgs(driver="None" if args.get("driver") == "none" else "Install"),
            gpu_instance_profile=args.get("mig_profile"),
            scale_set_priority="Spot" if spot else "Regular",
            scale_set_eviction_policy=args.get("eviction_policy", "Delete") if spot else None,
            spot_max_price=args.get("spot_max_price", -1) if spot else None,
            # Spot pools cannot surge; on-demand pools surge and drain gracefully.
            upgrade_settings=None
            if spot
            else containerservice.AgentPoolUpgradeSettingsArgs(
                max_surge=args.get("max_surge", "10%"),
                drain_timeout_in_minutes=args.get("drain_timeout_minutes", 30),
            ),
            tags=args.get("tags"),
            # The cluster autoscaler owns the node count.
            opts=child_options(self, ignore_changes=["count"]),
        )
        self.alerts = self._alerts(name, args) if "alerts" in args else None
        self.register_outputs({"poolName": self.pool.name})

    def _alerts(self, name: str, args: GpuNodePoolArgs) -> alertsmanagement.PrometheusRuleGroup:
        alerts = args["alerts"]
        pool, max_nodes = args["pool_name"], args["max_nodes"]
        # AKS names a pool's nodes aks-<pool>-<suffix>; the GPU stack labels DCGM series with their node.
        nodes = f'kube_node_info{{node=~"aks-{pool}-.*"}}'
        rules: list[PrometheusAlert] = [
            {
                "alert": f"gpu-pool-{pool}-at-max",
                "runbook_page": "gpu-pool-at-max",
                "expression": f"count({nodes}) >= {max_nodes}",
                "for_minutes": alerts.get("at_max_minutes", 30),
                "severity": 2,
                "summary": f"GPU pool {pool} has run at max_nodes ({max_nodes}): demand exceeds its cost ceiling",
            }
        ]
        if "idle_hours" in alerts:
            hours = alerts["idle_hours"]
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
            args=alerts,
            resource_group_name=args["resource_group_name"],
            location=alerts["location"],
            watched=[self.pool],
            tags=args.get("tags"),
            parent=self,
        )
