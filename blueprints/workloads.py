"""A team's inference workloads of the stack config, as ``InferenceWorkload`` arguments (both clouds)."""

import pulumi

from aiscale.components.k8s.inference_workload import InferenceWorkloadArgs
from aiscale.components.k8s.keda import PrometheusScalerArgs
from aiscale.core import monitoring
from aiscale.core.config.monitoring import InferenceWorkloadConfig


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
        "autoscaling": {
            "query": monitoring.workload_query(
                scaling.signal,
                cloud=cloud,
                namespace=team_name,
                workload=workload_name,
                queue_metric=scaling.queue_metric,
            ),
            "target": f"{scaling.target:g}",
        },
        "scaler": scaler,
        "cloud": cloud,
        "labels": labels,
    }
    if cloud == "azure":
        args["azure_workload_identity"] = True
    if scaling.activation_query is not None:
        args["autoscaling"]["activation_query"] = scaling.activation_query
    return args
