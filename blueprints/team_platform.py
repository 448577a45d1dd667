"""``TeamPlatform``: a team on the platform's shared GPU cluster, in the team's own stack.

The platform stack (``stacks/``) owns the clusters; each team owns a stack of its own that reads what it needs
from the platform stack through a ``StackReference`` (the contract of :mod:`aiscale.blueprints.platform_contract`:
cluster, OIDC issuer, kubeconfig, resource group) and builds, with the team's rights only: its namespace (quotas,
network policies, workload identity, its group's deploy rights, ``TeamNamespace``) and its model servers on the
GPU pools (``InferenceWorkload``). The platform's config lists no team that has a stack of its own.

Offline, ``aiscale plan TEAM --stack-outputs ORG/PROJECT/STACK=platform.json`` plans the team stack with the
outputs of a recorded plan of the platform stack.
"""

import re
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict, cast

import pulumi

from aiscale.blueprints.platform_contract import platform_output
from aiscale.blueprints.workloads import autoscaling_args
from aiscale.components.common.defaults import declare, stack_default
from aiscale.components.common.options import child_options
from aiscale.components.common.tags import Labels, Tags, azure_tags, kubernetes_labels
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.components.k8s.inference_workload import InferenceWorkload, InferenceWorkloadArgs
from aiscale.components.k8s.keda import PrometheusScalerArgs
from aiscale.components.k8s.provider import cluster_provider
from aiscale.components.k8s.team_namespace import (
    ContainerDefaultsArgs,
    TeamNamespace,
    TeamNamespaceArgs,
    TeamQuotaArgs,
)
from aiscale.core import monitoring
from aiscale.core.config.monitoring import WorkloadScalingConfig
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("TeamPlatform")
CLOUDS = ("azure", "gcp")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class TeamWorkloadScalingArgs(TypedDict):
    """What the platform's KEDA scales a team's model server on (the stack file's ``scaling`` of a workload)."""

    signal: str
    """``queue_depth`` (requests waiting per replica) or ``gpu_utilization`` (GPU utilisation per replica, %)."""
    target: float
    """Value per replica the autoscaler holds."""
    queue_metric: NotRequired[str]
    """Gauge of waiting requests the model server exports."""
    activation_query: NotRequired[str]
    """PromQL measured outside the workload's pods (a gateway's request rate to it): above 0 it wakes a workload
    scaled to zero. Required with ``min_replicas`` 0."""


SCALING_DEFAULTS = declare(TeamWorkloadScalingArgs, queue_metric=stack_default(WorkloadScalingConfig, "queue_metric"))
"""Defaults of the optional args of ``TeamWorkloadScalingArgs``."""


class TeamWorkloadArgs(TypedDict):
    """A model server of the team on the platform's GPU pools (an ``InferenceWorkload`` in the team's namespace)."""

    image: str
    """Model server image, with a tag or digest."""
    gpu_pools: Sequence[str]
    """GPU pools (``aiscale.io/gpu-pool``) the pods may run on: pools of the platform."""
    min_replicas: int
    """Lowest replica count; 0 scales to zero (needs ``scaling.activation_query``)."""
    max_replicas: int
    """Highest replica count."""
    scaling: TeamWorkloadScalingArgs
    """What the platform's KEDA scales the workload on (a Prometheus trigger on the cluster's managed Prometheus)."""
    gpus_per_replica: NotRequired[int]
    """Whole GPUs per pod (default 1)."""
    cpu: NotRequired[str]
    """CPU per pod, requests = limits (default ``"4"``)."""
    memory: NotRequired[str]
    """Memory per pod, requests = limits (default ``"16Gi"``)."""
    port: NotRequired[int]
    """Container port of the model server (default 8080)."""
    metrics_port: NotRequired[int]
    """Port of the model server's Prometheus metrics (default 8002, Triton's)."""
    readiness_path: NotRequired[str]
    """HTTP path of the readiness probe (default ``/v2/health/ready``)."""
    liveness_path: NotRequired[str]
    """HTTP path of the liveness probe (default ``/v2/health/live``)."""
    spot: NotRequired[bool]
    """Tolerate spot nodes (interruptible work only)."""
    env: NotRequired[Mapping[str, str]]
    """Environment variables of the model server."""


class TeamPlatformArgs(TypedDict):
    """Arguments of :class:`TeamPlatform`."""

    platform_stack: str
    """The platform stack, fully qualified (``acme/aiscale/prod``): the cluster comes from its outputs."""
    cloud: str
    """``azure`` (the platform's AKS cluster) or ``gcp`` (its GKE cluster)."""
    team: str
    """The team's name: the name of its namespace (a DNS label)."""
    group: str
    """The team's group: an Entra ID group object id (AKS) or a Google group address (GKE)."""
    quota: TeamQuotaArgs
    """What the team's pods may request in total."""
    workloads: NotRequired[Mapping[str, TeamWorkloadArgs]]
    """Model servers by name."""
    pod_security: NotRequired[str]
    """``restricted`` (default) or ``baseline``."""
    container_defaults: NotRequired[ContainerDefaultsArgs]
    """Requests and limits of containers that set none."""
    gateway_namespaces: NotRequired[Sequence[str]]
    """Namespaces whose pods may reach the team's pods (ingress controllers, gateways)."""
    https_egress: NotRequired[bool]
    """Allow HTTPS to public addresses (default True)."""
    egress_cidrs: NotRequired[Sequence[str]]
    """Private ranges the team may reach (private endpoints of storage, registries, databases)."""
    identity_name: NotRequired[str]
    """AKS: name of the user-assigned identity of the team's workloads (default ``id-<team>``)."""
    labels: NotRequired[Labels]
    """Kubernetes labels on every object (owner, cost-center, environment ...)."""
    tags: NotRequired[Tags]
    """AKS: Azure tags of the team's identity."""


def _validate(args: TeamPlatformArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    if args["cloud"] not in CLOUDS:
        fail("cloud", f"{args['cloud']!r} is not one of {', '.join(CLOUDS)}")
    parts = args["platform_stack"].split("/")
    if len(parts) != 3 or not all(parts):
        fail("platform_stack", f"{args['platform_stack']!r} is not ORG/PROJECT/STACK")
    if args["cloud"] == "azure" and not _UUID.fullmatch(args["group"]):
        fail("group", f"{args['group']!r} is not an Entra ID object id (AKS teams have an Entra ID group)")
    if args["cloud"] == "gcp" and not _EMAIL.fullmatch(args["group"]):
        fail("group", f"{args['group']!r} is not a Google group address (GKE teams have a Google group)")
    for workload, spec in args.get("workloads", {}).items():
        if spec["scaling"]["signal"] not in monitoring.WORKLOAD_SIGNALS:
            fail(
                f"workloads.{workload}.scaling.signal",
                f"{spec['scaling']['signal']!r} is not one of {', '.join(monitoring.WORKLOAD_SIGNALS)}",
            )
    kubernetes_labels(COMPONENT, args.get("labels"))
    azure_tags(COMPONENT, args.get("tags"))


class TeamPlatform(pulumi.ComponentResource):
    """A team on the platform's shared GPU cluster: its namespace and model servers, from the platform's outputs.

    Children: ``<name>-platform`` (the stack reference), ``<name>-k8s`` (the cluster's provider), ``<name>-team``
    (``TeamNamespace``), ``<name>-<workload>`` (``InferenceWorkload``) per workload.
    """

    namespace: pulumi.Output[str]
    """The team's namespace."""
    workload_identity: pulumi.Output[str]
    """Client id (AKS) or e-mail (GKE) of the cloud identity the team's workloads act as."""
    service_names: dict[str, pulumi.Output[str]]
    """The ClusterIP service of each workload, by workload."""

    def __init__(self, name: str, args: TeamPlatformArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts))
        _validate(args)
        cloud = args["cloud"]
        self.platform = pulumi.StackReference(
            f"{name}-platform", stack_name=args["platform_stack"], opts=child_options(self)
        )
        kubeconfig = platform_output(self.platform, cloud, "kubeconfig")
        self.k8s_provider = cluster_provider(f"{name}-k8s", pulumi.Output.secret(kubeconfig), parent=self)
        on_cluster = child_options(self, providers=[self.k8s_provider])
        self.team = TeamNamespace(f"{name}-team", self._namespace_args(args), opts=on_cluster)
        self.workloads = {
            workload: InferenceWorkload(
                f"{name}-{workload}",
                self._workload_args(args, workload, spec),
                opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=[self.team])),
            )
            for workload, spec in args.get("workloads", {}).items()
        }

        self.namespace = self.team.namespace_name
        self.workload_identity = self.team.workload_identity
        self.service_names = {workload: server.service_name for workload, server in self.workloads.items()}
        self.register_outputs(
            {
                "namespace": self.namespace,
                "workloadIdentity": self.workload_identity,
                "serviceNames": self.service_names,
            }
        )

    def _namespace_args(self, args: TeamPlatformArgs) -> TeamNamespaceArgs:
        """The team's namespace, wired to the platform's cluster and identity provider."""
        team, cloud = args["team"], args["cloud"]
        namespace: TeamNamespaceArgs = {"namespace": team, "quota": args["quota"]}
        if "pod_security" in args:
            namespace["pod_security"] = args["pod_security"]
        if "container_defaults" in args:
            namespace["container_defaults"] = args["container_defaults"]
        if "gateway_namespaces" in args:
            namespace["gateway_namespaces"] = args["gateway_namespaces"]
        if "https_egress" in args:
            namespace["https_egress"] = args["https_egress"]
        if "egress_cidrs" in args:
            namespace["egress_cidrs"] = args["egress_cidrs"]
        if "labels" in args:
            namespace["labels"] = args["labels"]
        if cloud == "azure":
            namespace["azure_identity"] = {
                "resource_group_name": platform_output(self.platform, cloud, "resource_group_name"),
                "location": platform_output(self.platform, cloud, "location"),
                "oidc_issuer_url": platform_output(self.platform, cloud, "oidc_issuer_url"),
                "identity_name": args.get("identity_name", f"id-{team}"),
            }
            namespace["azure_access"] = {
                "group_object_id": args["group"],
                "cluster_id": platform_output(self.platform, cloud, "cluster_id"),
                "subscription_id": platform_output(self.platform, cloud, "subscription_id"),
            }
            if "tags" in args:
                namespace["tags"] = args["tags"]
        else:
            namespace["gcp_identity"] = {
                "project": platform_output(self.platform, cloud, "project"),
                "account_id": f"{team}-workload"[:30],
            }
            namespace["group_access"] = {"group": args["group"]}
        return namespace

    def _scaler(self, cloud: str) -> PrometheusScalerArgs:
        """The platform's KEDA: where its triggers query, and the identity its operator signs in as."""
        scaler: PrometheusScalerArgs = {
            "server_address": platform_output(self.platform, cloud, "keda_server_address"),
            "pod_identity_provider": "azure-workload" if cloud == "azure" else "gcp",
        }
        if cloud == "azure":
            scaler["identity_id"] = platform_output(self.platform, cloud, "keda_identity_id")
        return scaler

    def _workload_args(self, args: TeamPlatformArgs, workload: str, spec: TeamWorkloadArgs) -> InferenceWorkloadArgs:
        """A model server in the team's namespace, running as the team's workload identity, scaled by the
        platform's KEDA on the same queries as the platform's own teams' workloads."""
        cloud, scaling = args["cloud"], spec["scaling"]
        # The rest of a team workload's keys are InferenceWorkload's own, with the same meaning.
        settings = {key: value for key, value in spec.items() if key != "scaling"}
        server = cast(
            InferenceWorkloadArgs,
            {
                **settings,
                "workload_name": workload,
                "namespace": self.team.namespace_name,
                "service_account": "workload",
                "azure_workload_identity": cloud == "azure",
                "autoscaling": autoscaling_args(
                    scaling["signal"],
                    scaling["target"],
                    cloud=cloud,
                    namespace=args["team"],
                    workload=workload,
                    queue_metric=scaling.get("queue_metric", SCALING_DEFAULTS["queue_metric"]),
                    activation_query=scaling.get("activation_query"),
                ),
                "scaler": self._scaler(cloud),
                "cloud": cloud,
            },
        )
        if "labels" in args:
            server["labels"] = args["labels"]
        return server
