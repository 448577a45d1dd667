"""A team's inference workloads of the stack config, as ``InferenceWorkload`` arguments (both clouds)."""

import pulumi

from aiscale.components.k8s.inference_workload import InferenceWorkload, InferenceWorkloadArgs, WorkloadAutoscalingArgs
from aiscale.components.k8s.keda import Keda, PrometheusScalerArgs
from aiscale.components.k8s.team_namespace import TeamNamespace
from aiscale.core import monitoring
from aiscale.core.config.monitoring import InferenceWorkloadConfig


def autoscaling_args(
    signal: str,
    target: float,
    *,
    cloud: str,
    namespace: str,
    workload: str,
    queue_metric: str,
    activation_query: str | None,
) -> WorkloadAutoscalingArgs:
    """What KEDA scales a workload on: its total load on ``signal``, ``target`` per replica (platform and team
    stacks alike)."""
    autoscaling: WorkloadAutoscalingArgs = {
        "query": monitoring.workload_query(
            signal, cloud=cloud, namespace=namespace, workload=workload, queue_metric=queue_metric
        ),
        "target": f"{target:g}",
    }
    if activation_query is not None:
        autoscaling["activation_query"] = activation_query
    return autoscaling


def workload_args(
    workload_name: str,
    workload: InferenceWorkloadConfig,
    *,
    namespace: pulumi.Input[str],
    team_name: str,
    cloud: str,
    scaler: PrometheusScalerArgs,
    labels: dict[str, str],
) -> InferenceWorkloadArgs:
    """The model server in the team's namespace, running as the team's workload identity, scaled by KEDA."""
    scaling = workload.scaling
    args: InferenceWorkloadArgs = {
        "workload_name": workload_name,
        "namespace": namespace,
        "image": workload.image,
        "gpu_pools": list(workload.gpu_pools),
        "min_replicas": workload.min_replicas,
        "max_replicas": workload.max_replicas,
        "gpus_per_replica": workload.gpus_per_replica,
        "cpu": workload.cpu,
        "memory": workload.memory,
        "port": workload.port,
        "metrics_port": workload.metrics_port,
        # TeamNamespace's service account, bound to the team's cloud identity.
        "service_account": "workload",
        "autoscaling": autoscaling_args(
            scaling.signal,
            scaling.target,
            cloud=cloud,
            namespace=team_name,
            workload=workload_name,
            queue_metric=scaling.queue_metric,
            activation_query=scaling.activation_query,
        ),
        "scaler": scaler,
        "cloud": cloud,
        "labels": labels,
    }
    if cloud == "azure":
        args["azure_workload_identity"] = True
    return args


def team_workload(
    name: str,
    workload: InferenceWorkloadConfig,
    *,
    workload_name: str,
    team_name: str,
    team: TeamNamespace,
    cloud: str,
    keda: Keda,
    labels: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> InferenceWorkload:
    """A team's workload of the stack config, on the cluster once its namespace and KEDA's grants exist."""
    args = workload_args(
        workload_name,
        workload,
        namespace=team.namespace_name,
        team_name=team_name,
        cloud=cloud,
        scaler=keda.prometheus_scaler(),
        labels=labels,
    )
    return InferenceWorkload(
        name, args, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[team, keda.ready]))
    )
