"""Workload defaults for a GPU model server: Deployment, Service, PodDisruptionBudget and KEDA autoscaling.

The pods request whole GPUs (requests equal limits, so they get the Guaranteed QoS class), tolerate the GPU taint
(and the spot taints where the pool is spot), and must land on the named GPU pools through the
``aiscale.io/gpu-pool`` node label every aiscale GPU pool carries. They run under the ``restricted`` Pod Security
profile (non-root, no privilege escalation, no capabilities, read-only root file system with a writable
``/tmp``) and are spread across nodes. Readiness and liveness probes default to the KServe v2 / Triton health
paths.

A KEDA ``ScaledObject`` scales the Deployment on a PromQL query of the cluster's managed Prometheus — the queue of
waiting requests, or GPU utilisation — holding ``target`` per replica; its ``TriggerAuthentication`` signs the
queries in with the KEDA operator's workload identity (``Keda.prometheus_scaler``), so no metric adapter is
needed and nothing scales on a metric nobody serves. The model server's own metrics reach the managed Prometheus
through a scrape resource of the cloud (``PodMonitor`` on AKS, ``PodMonitoring`` on GKE). ``min_replicas`` 0 scales
to zero: pods cannot report their own load when none runs, so that needs an ``activation_query`` measured outside
them (a gateway's request rate) to wake the workload.
"""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as kubernetes

from aiscale.components.common.defaults import declare, stack_default
from aiscale.components.common.options import child_options
from aiscale.components.common.tags import Labels, kubernetes_labels
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.components.k8s.keda import PrometheusScalerArgs
from aiscale.core.config.monitoring import InferenceWorkloadConfig
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("InferenceWorkload")
PREVIOUS_TYPE = "aiscale:k8s:InferenceWorkload"
GPU_RESOURCE = "nvidia.com/gpu"
#: The managed Prometheus scrape resource of each cloud (API version, kind).
SCRAPE_RESOURCES = {
    "azure": ("azmonitoring.coreos.com/v1", "PodMonitor"),
    "gcp": ("monitoring.googleapis.com/v1", "PodMonitoring"),
}
KEDA_API = "keda.sh/v1alpha1"
SPOT_TOLERATIONS: tuple[kubernetes.core.v1.TolerationArgsDict, ...] = (
    {"key": "kubernetes.azure.com/scalesetpriority", "operator": "Equal", "value": "spot", "effect": "NoSchedule"},
    {"key": "cloud.google.com/gke-spot", "operator": "Equal", "value": "true", "effect": "NoSchedule"},
)


class WorkloadAutoscalingArgs(TypedDict):
    """What KEDA scales the workload on."""

    query: str
    """PromQL returning the workload's total load (``sum(...)``): replicas = total / ``target``."""
    target: str
    """Load per replica to hold (``"8"`` waiting requests, ``"70"`` percent of a GPU)."""
    activation_query: NotRequired[str]
    """With ``min_replicas`` 0: PromQL measured outside the workload's pods; above 0 it wakes the workload."""


class InferenceWorkloadArgs(TypedDict):
    """Arguments of :class:`InferenceWorkload`."""

    workload_name: str
    """Name of the Deployment, Service, PodDisruptionBudget and autoscaler."""
    namespace: pulumi.Input[str]
    """Namespace of the workload (a team namespace)."""
    image: str
    """Model server image, with a tag or digest."""
    gpu_pools: Sequence[str]
    """``aiscale.io/gpu-pool`` values the pods may run on."""
    min_replicas: int
    """Lowest replica count; 0 scales to zero (needs ``autoscaling.activation_query``)."""
    max_replicas: int
    """Highest replica count."""
    autoscaling: WorkloadAutoscalingArgs
    """What KEDA scales the workload on."""
    scaler: PrometheusScalerArgs
    """Where KEDA queries and how it signs in (``Keda.prometheus_scaler()``)."""
    cloud: str
    """``azure`` or ``gcp``: which managed Prometheus scrape resource collects the model server's metrics."""
    gpus_per_replica: NotRequired[int]
    """Whole GPUs per pod."""
    cpu: NotRequired[str]
    """CPU per pod, requests = limits."""
    memory: NotRequired[str]
    """Memory per pod, requests = limits."""
    port: NotRequired[int]
    """Container port of the model server."""
    metrics_port: NotRequired[int]
    """Port of the model server's Prometheus metrics."""
    readiness_path: NotRequired[str]
    """HTTP path of the readiness probe."""
    liveness_path: NotRequired[str]
    """HTTP path of the liveness probe."""
    spot: NotRequired[bool]
    """Tolerate spot nodes (interruptible work only)."""
    service_account: NotRequired[str]
    """Kubernetes service account of the pods (the team namespace's workload identity account)."""
    azure_workload_identity: NotRequired[bool]
    """Label pods for the AKS workload identity webhook."""
    env: NotRequired[Mapping[str, str]]
    """Environment variables of the model server."""
    labels: NotRequired[Labels]
    """Kubernetes labels of every object."""


DEFAULTS = declare(
    InferenceWorkloadArgs,
    gpus_per_replica=1,
    spot=False,
    cpu="4",
    memory="16Gi",
    port=8080,
    metrics_port=stack_default(InferenceWorkloadConfig, "metrics_port"),
    readiness_path="/v2/health/ready",
    liveness_path="/v2/health/live",
)
"""Defaults of the optional args of ``InferenceWorkloadArgs``."""


def _validate(args: InferenceWorkloadArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    if not args["gpu_pools"]:
        fail("gpu_pools", "name at least one GPU pool (its aiscale.io/gpu-pool label)")
    if not 0 <= args["min_replicas"] <= args["max_replicas"] or args["max_replicas"] < 1:
        fail(
            "min_replicas", f"need 0 <= min_replicas ({args['min_replicas']}) <= max_replicas ({args['max_replicas']})"
        )
    if args["min_replicas"] == 0 and "activation_query" not in args["autoscaling"]:
        fail(
            "autoscaling.activation_query",
            "min_replicas 0 needs a query measured outside the workload's pods: with no pod running, none reports load",
        )
    if args["cloud"] not in SCRAPE_RESOURCES:
        fail("cloud", f"{args['cloud']!r} is not one of {', '.join(SCRAPE_RESOURCES)}")
    provider = args["scaler"]["pod_identity_provider"]
    if provider not in ("azure-workload", "gcp"):
        fail("scaler.pod_identity_provider", f"{provider!r} is not one of azure-workload, gcp")
    if (provider == "azure-workload") != ("identity_id" in args["scaler"]):
        fail("scaler.identity_id", "the azure-workload pod identity names its identity (and only it)")
    if args.get("port", DEFAULTS["port"]) == args.get("metrics_port", DEFAULTS["metrics_port"]):
        fail("metrics_port", "must differ from port")
    if args.get("gpus_per_replica", DEFAULTS["gpus_per_replica"]) < 1:
        fail("gpus_per_replica", "a GPU workload requests at least one GPU")
    if ":" not in args["image"].rsplit("/", 1)[-1] and "@" not in args["image"]:
        fail("image", f"{args['image']!r} has no tag or digest; pin the model server version")
    kubernetes_labels(COMPONENT, args.get("labels"))


class InferenceWorkload(pulumi.ComponentResource):
    """A GPU model server on the cluster: Deployment, Service, PodDisruptionBudget and KEDA autoscaling.

    Children: ``<name>-deployment``, ``<name>-service``, ``<name>-pdb``, ``<name>-metrics``, ``<name>-trigger-auth``,
    ``<name>-scaler``. Needs a Kubernetes provider.
    """

    service: kubernetes.core.v1.Service
    service_name: pulumi.Output[str]
    """The ClusterIP service in front of the model server (port 80)."""

    def __init__(self, name: str, args: InferenceWorkloadArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts, PREVIOUS_TYPE))
        _validate(args)
        workload = args["workload_name"]
        selector = {"app.kubernetes.io/name": workload}
        labels = {**dict(args.get("labels", {})), **selector, "app.kubernetes.io/managed-by": "aiscale"}
        metadata: kubernetes.meta.v1.ObjectMetaArgsDict = {
            "name": workload,
            "namespace": args["namespace"],
            "labels": labels,
        }

        # Annotated here, not on the class: class annotations are evaluated, which would import
        # pulumi_kubernetes.apps in every stack that imports the component, uses it or not.
        self.deployment: kubernetes.apps.v1.Deployment = kubernetes.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=metadata,
            spec={
                "replicas": args["min_replicas"],
                "selector": {"match_labels": selector},
                "strategy": {"type": "RollingUpdate", "rolling_update": {"max_surge": 1, "max_unavailable": 0}},
                "template": {"metadata": {"labels": self._pod_labels(args, labels)}, "spec": self._pod_spec(args)},
            },
            # The autoscaler owns the replica count.
            opts=child_options(self, ignore_changes=["spec.replicas"]),
        )
        self.service = kubernetes.core.v1.Service(
            f"{name}-service",
            metadata=metadata,
            spec={
                "type": "ClusterIP",
                "selector": selector,
                "ports": [{"name": "http", "port": 80, "target_port": "http", "protocol": "TCP"}],
            },
            opts=child_options(self),
        )
        kubernetes.policy.v1.PodDisruptionBudget(
            f"{name}-pdb",
            metadata=metadata,
            # One pod at a time: node drains and upgrades proceed without taking the service down.
            spec={"max_unavailable": 1, "selector": {"match_labels": selector}},
            opts=child_options(self),
        )
        self._metrics(name, args, metadata, selector)
        self._scaler(name, args, metadata)
        self.service_name = self.service.metadata.apply(lambda m: m.name or workload)
        self.register_outputs({"serviceName": self.service_name})

    def _metrics(
        self, name: str, args: InferenceWorkloadArgs, metadata: Mapping[str, Any], selector: Mapping[str, str]
    ) -> None:
        """``<name>-metrics``: the managed Prometheus scrapes the model server (its queue depth, latencies)."""
        api_version, kind = SCRAPE_RESOURCES[args["cloud"]]
        endpoint = {"port": "metrics", "interval": "30s", "path": "/metrics"}
        spec: dict[str, Any] = {"selector": {"matchLabels": dict(selector)}}
        if args["cloud"] == "azure":
            spec["podMetricsEndpoints"] = [endpoint]
        else:
            spec["endpoints"] = [endpoint]
            spec["targetLabels"] = {"metadata": ["pod", "container"]}
        kubernetes.apiextensions.CustomResource(
            f"{name}-metrics",
            api_version=api_version,
            kind=kind,
            metadata=dict(metadata),
            spec=spec,
            opts=child_options(self, depends_on=[self.deployment]),
        )

    def _scaler(self, name: str, args: InferenceWorkloadArgs, metadata: Mapping[str, Any]) -> None:
        """``<name>-trigger-auth`` and ``<name>-scaler``: KEDA holds ``target`` per replica of the query's load."""
        workload, scaler, scaling = args["workload_name"], args["scaler"], args["autoscaling"]
        identity: dict[str, Any] = {"provider": scaler["pod_identity_provider"]}
        if "identity_id" in scaler:
            identity["identityId"] = scaler["identity_id"]
        authentication = kubernetes.apiextensions.CustomResource(
            f"{name}-trigger-auth",
            api_version=KEDA_API,
            kind="TriggerAuthentication",
            metadata={**metadata, "name": f"{workload}-prometheus"},
            spec={"podIdentity": identity},
            opts=child_options(self),
        )

        # At zero replicas no pod reports its load: an empty answer is zero then, and an error otherwise.
        ignore_empty = "true" if args["min_replicas"] == 0 else "false"

        def trigger(query: str, threshold: str, activation: str) -> dict[str, Any]:
            return {
                "type": "prometheus",
                "metadata": {
                    "serverAddress": scaler["server_address"],
                    "query": query,
                    "threshold": threshold,
                    "activationThreshold": activation,
                    "ignoreNullValues": ignore_empty,
                },
                "authenticationRef": {"name": f"{workload}-prometheus"},
            }

        triggers = [trigger(scaling["query"], scaling["target"], "0")]
        if "activation_query" in scaling:
            triggers.append(trigger(scaling["activation_query"], scaling["target"], "0"))
        kubernetes.apiextensions.CustomResource(
            f"{name}-scaler",
            api_version=KEDA_API,
            kind="ScaledObject",
            metadata=dict(metadata),
            spec={
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": workload},
                "minReplicaCount": args["min_replicas"],
                "maxReplicaCount": args["max_replicas"],
                "pollingInterval": 30,
                # Scale to zero only after the load has stayed at zero this long.
                "cooldownPeriod": 600,
                "triggers": triggers,
                "advanced": {
                    "horizontalPodAutoscalerConfig": {
                        # GPU nodes take minutes to arrive: scale up at once, scale down only after load stays low.
                        "behavior": {
                            "scaleUp": {"stabilizationWindowSeconds": 0},
                            "scaleDown": {
                                "stabilizationWindowSeconds": 600,
                                "policies": [{"type": "Pods", "value": 1, "periodSeconds": 300}],
                            },
                        }
                    }
                },
            },
            opts=child_options(self, depends_on=[self.deployment, authentication]),
        )

    @staticmethod
    def _pod_labels(args: InferenceWorkloadArgs, labels: Mapping[str, str]) -> dict[str, str]:
        pod_labels = dict(labels)
        if args.get("azure_workload_identity", False):
            pod_labels["azure.workload.identity/use"] = "true"
        return pod_labels

    @staticmethod
    def _pod_spec(args: InferenceWorkloadArgs) -> kubernetes.core.v1.PodSpecArgsDict:
        gpus = str(args.get("gpus_per_replica", DEFAULTS["gpus_per_replica"]))
        resources = {
            "cpu": args.get("cpu", DEFAULTS["cpu"]),
            "memory": args.get("memory", DEFAULTS["memory"]),
            GPU_RESOURCE: gpus,
        }
        tolerations: list[kubernetes.core.v1.TolerationArgsDict] = [
            {"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"}
        ]
        if args.get("spot", DEFAULTS["spot"]):
            tolerations += SPOT_TOLERATIONS

        def probe(path: str, delay: int) -> kubernetes.core.v1.ProbeArgsDict:
            return {
                "http_get": {"path": path, "port": "http"},
                "initial_delay_seconds": delay,
                "period_seconds": 10,
                "failure_threshold": 6,
            }

        spec: kubernetes.core.v1.PodSpecArgsDict = {
            "security_context": {"run_as_non_root": True, "seccomp_profile": {"type": "RuntimeDefault"}},
            "affinity": {
                "node_affinity": {
                    "required_during_scheduling_ignored_during_execution": {
                        "node_selector_terms": [
                            {
                                "match_expressions": [
                                    {"key": "aiscale.io/gpu-pool", "operator": "In", "values": list(args["gpu_pools"])}
                                ]
                            }
                        ]
                    }
                }
            },
            "tolerations": tolerations,
            "topology_spread_constraints": [
                {
                    "max_skew": 1,
                    "topology_key": "kubernetes.io/hostname",
                    "when_unsatisfiable": "ScheduleAnyway",
                    "label_selector": {"match_labels": {"app.kubernetes.io/name": args["workload_name"]}},
                }
            ],
            "containers": [
                {
                    "name": "model-server",
                    "image": args["image"],
                    "ports": [
                        {"name": "http", "container_port": args.get("port", DEFAULTS["port"]), "protocol": "TCP"},
                        {
                            "name": "metrics",
                            "container_port": args.get("metrics_port", DEFAULTS["metrics_port"]),
                            "protocol": "TCP",
                        },
                    ],
                    "env": [{"name": key, "value": value} for key, value in sorted(args.get("env", {}).items())],
                    "resources": {"requests": resources, "limits": resources},
                    "readiness_probe": probe(args.get("readiness_path", DEFAULTS["readiness_path"]), 10),
                    "liveness_probe": probe(args.get("liveness_path", DEFAULTS["liveness_path"]), 60),
                    "security_context": {
                        "allow_privilege_escalation": False,
                        "read_only_root_filesystem": True,
                        "capabilities": {"drop": ["ALL"]},
                    },
                    "volume_mounts": [{"name": "tmp", "mount_path": "/tmp"}],
                }
            ],
            "volumes": [{"name": "tmp", "empty_dir": {}}],
        }
        if "service_account" in args:
            spec["service_account_name"] = args["service_account"]
        return spec
