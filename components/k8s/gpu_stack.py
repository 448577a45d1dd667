"""The GPU software stack of a cluster: the NVIDIA GPU operator and DCGM metrics for the managed Prometheus.

Who provides what:
- **AKS, pools with ``driver: none``** — the GPU operator installs the driver, container toolkit, device plugin and
  DCGM exporter (Microsoft's documented way to run the operator on AKS).
- **AKS, pools with the AKS-installed driver** — AKS images carry the driver and container toolkit but no device
  plugin and no DCGM exporter; the operator runs with ``driver`` and ``toolkit`` off and supplies the rest.
  AKS and NVIDIA both say one cluster should not mix the two, so the blueprint refuses mixed pools.
- **GKE with GKE-managed drivers** — GKE installs the driver and device plugin and exports DCGM metrics to its
  managed Prometheus (the cluster's ``DCGM`` monitoring component): nothing to install, no GpuStack.
- **GKE, pools with driver installation disabled** (Ubuntu node images) — the operator manages everything.

DCGM metrics reach the cloud's managed Prometheus through its own scrape resource: an
``azmonitoring.coreos.com/v1`` ServiceMonitor (Azure Monitor managed Prometheus) or a
``monitoring.googleapis.com/v1`` PodMonitoring (Google Cloud Managed Service for Prometheus). The GPU alerts of
the monitoring components read these series. The chart version is pinned; upgrading it is a reviewed change.
"""

from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as kubernetes

from aiscale.components.common.options import after, child_options
from aiscale.components.common.tags import Labels, kubernetes_labels
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("GpuStack")
PREVIOUS_TYPE = "aiscale:k8s:GpuStack"
GPU_OPERATOR_CHART = "gpu-operator"
GPU_OPERATOR_REPOSITORY = "https://helm.ngc.nvidia.com/nvidia"
#: Pinned chart version (NVIDIA GPU operator 25.10, the generally available series).
GPU_OPERATOR_VERSION = "v25.10.1"
#: The operator's DCGM exporter pods and service (chart defaults).
DCGM_EXPORTER_LABELS = {"app": "nvidia-dcgm-exporter"}
DCGM_METRICS_PORT = "gpu-metrics"
#: Taints the operator's daemonsets must tolerate to reach every GPU node aiscale creates.
GPU_TOLERATIONS = (
    {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "kubernetes.azure.com/scalesetpriority", "operator": "Equal", "value": "spot", "effect": "NoSchedule"},
    {"key": "cloud.google.com/gke-spot", "operator": "Equal", "value": "true", "effect": "NoSchedule"},
)
CLOUDS = ("azure", "gcp")
DRIVERS = ("operator", "platform")


class GpuStackArgs(TypedDict):
    """Arguments of :class:`GpuStack`."""

    cloud: str
    """``azure`` or ``gcp``: selects the managed Prometheus scrape resource."""
    driver: str
    """``operator``: the operator installs the driver; ``platform``: the node image has it (AKS ``Install``)."""
    chart_version: NotRequired[str]
    """Version of the GPU operator chart (default: the version aiscale pins)."""
    namespace: NotRequired[str]
    """Namespace of the operator (default ``gpu-operator``)."""
    values: NotRequired[Mapping[str, Any]]
    """Chart values merged over aiscale's (deep merge; yours win)."""
    labels: NotRequired[Labels]
    """Kubernetes labels of every object."""


def _validate(args: GpuStackArgs) -> None:
    if args["cloud"] not in CLOUDS:
        raise InvalidArgumentError(COMPONENT, "cloud", f"{args['cloud']!r} is not one of {', '.join(CLOUDS)}")
    if args["driver"] not in DRIVERS:
        raise InvalidArgumentError(COMPONENT, "driver", f"{args['driver']!r} is not one of {', '.join(DRIVERS)}")
    if args["cloud"] == "gcp" and args["driver"] == "platform":
        raise InvalidArgumentError(
            COMPONENT,
            "driver",
            "GKE-managed drivers come with GKE's device plugin and managed DCGM metrics; no GPU stack is needed",
        )
    kubernetes_labels(COMPONENT, args.get("labels"))


def operator_values(args: GpuStackArgs) -> dict[str, Any]:
    """The chart values aiscale sets, with the caller's ``values`` merged over them."""
    installs_driver = args["driver"] == "operator"
    tolerations = [dict(toleration) for toleration in GPU_TOLERATIONS]
    values: dict[str, Any] = {
        "driver": {"enabled": installs_driver},
        "toolkit": {"enabled": installs_driver},
        "devicePlugin": {"enabled": True},
        # Scraping is configured for the cloud's managed Prometheus below, not for a Prometheus operator.
        "dcgmExporter": {"enabled": True, "serviceMonitor": {"enabled": False}},
        "daemonsets": {"tolerations": tolerations},
        "node-feature-discovery": {"worker": {"tolerations": tolerations}},
    }
    return _merge(values, args.get("values", {}))


def _merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _scrape_resource(cloud: str) -> tuple[str, str, dict[str, Any]]:
    """API version, kind and spec (less its selector) of the managed Prometheus scrape resource of ``cloud``."""
    endpoint: dict[str, Any] = {"port": DCGM_METRICS_PORT, "interval": "30s"}
    if cloud == "azure":
        # GPU series carry the node they ran on: pool alerts select nodes by name.
        relabel = {"sourceLabels": ["__meta_kubernetes_pod_node_name"], "targetLabel": "node"}
        return "azmonitoring.coreos.com/v1", "ServiceMonitor", {"endpoints": [{**endpoint, "relabelings": [relabel]}]}
    return (
        "monitoring.googleapis.com/v1",
        "PodMonitoring",
        {"endpoints": [endpoint], "targetLabels": {"metadata": ["pod", "container", "node"]}},
    )


class GpuStack(pulumi.ComponentResource):
    """The GPU software stack of a cluster: the NVIDIA GPU operator and DCGM metrics for the managed Prometheus.

    Children: ``<name>-namespace``, ``<name>-gpu-operator`` (Helm release), ``<name>-dcgm-scrape``.

    Needs a Kubernetes provider in ``opts.providers``.
    """

    release: kubernetes.helm.v3.Release
    namespace_name: pulumi.Output[str]
    """The operator's namespace, once the operator is installed."""

    def __init__(self, name: str, args: GpuStackArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        _validate(args)
        namespace_name = args.get("namespace", "gpu-operator")
        labels = {**dict(args.get("labels", {})), "app.kubernetes.io/managed-by": "aiscale"}

        namespace = kubernetes.core.v1.Namespace(
            f"{name}-namespace",
            metadata={
                "name": namespace_name,
                # The operator's daemonsets load kernel modules and manage devices: they must run privileged.
                # A platform namespace, not a tenant's (the tenancy policy skips it).
                "labels": {**labels, "pod-security.kubernetes.io/enforce": "privileged", "aiscale.io/system": "true"},
            },
            opts=child_options(self),
        )
        self.release = kubernetes.helm.v3.Release(
            f"{name}-gpu-operator",
            name="gpu-operator",
            chart=GPU_OPERATOR_CHART,
            version=args.get("chart_version", GPU_OPERATOR_VERSION),
            repository_opts=kubernetes.helm.v3.RepositoryOptsArgs(repo=GPU_OPERATOR_REPOSITORY),
            namespace=after(namespace, namespace_name),
            values=operator_values(args),
            # Wait for the operator's pods so that a broken upgrade fails the update instead of passing silently.
            atomic=True,
            cleanup_on_fail=True,
            timeout=900,
            opts=child_options(self),
        )
        # Scraping starts once the operator is in (its exporter service must exist to be selected).
        api_version, kind, spec = _scrape_resource(args["cloud"])
        kubernetes.apiextensions.CustomResource(
            f"{name}-dcgm-scrape",
            api_version=api_version,
            kind=kind,
            metadata={"name": "dcgm-exporter", "namespace": after(self.release, namespace_name), "labels": labels},
            spec={"selector": {"matchLabels": dict(DCGM_EXPORTER_LABELS)}, **spec},
            opts=child_options(self),
        )
        self.namespace_name = after(self.release, namespace_name)
        self.register_outputs({"namespace": self.namespace_name})
