"""Model monitoring and autoscaling rules shared by the config models, the components and the policy pack.

One vocabulary on both clouds: signals (``data_drift``, ``prediction_drift``, ``data_quality``), a metric and a
threshold per signal, the features they cover, a production window, reference data (training data or a fixed
past window), a schedule and an optional retraining pipeline. What each platform can do differs, and every rule
that says so is here, with the valid choices in its message:

- **Azure ML** model monitoring computes all three signals; metric names are azure-ai-ml's (the ARM enums of
  ``pulumi_azure_native.machinelearningservices`` in PascalCase), each for the feature types it measures.
- **Vertex AI** model deployment monitoring (``ModelDeploymentMonitoringJob``) watches input features only: skew
  against the training data and drift from one window to the next, both measured by a per-feature distance that
  Vertex AI picks by feature type (L-infinity for categorical, Jensen-Shannon divergence for numerical). It runs
  every N hours from the job's creation: no cron, no fixed hour, no fixed past window.

No Pulumi imports: these run anywhere.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from typing import Protocol

AZURE_ML = "azure_ml"
VERTEX_AI = "vertex_ai"
PLATFORM_NAMES = {AZURE_ML: "Azure ML", VERTEX_AI: "Vertex AI"}

SIGNALS = ("data_drift", "prediction_drift", "data_quality")
NUMERICAL, CATEGORICAL = "numerical", "categorical"
_BOTH = (NUMERICAL, CATEGORICAL)
_DRIFT_METRICS = {
    "jensen_shannon_distance": _BOTH,
    "population_stability_index": _BOTH,
    "normalized_wasserstein_distance": (NUMERICAL,),
    "two_sample_kolmogorov_smirnov_test": (NUMERICAL,),
    "pearsons_chi_squared_test": (CATEGORICAL,),
}
#: The metrics each platform computes per signal, and the feature types each one measures.
METRICS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    AZURE_ML: {
        "data_drift": dict(_DRIFT_METRICS),
        "prediction_drift": dict(_DRIFT_METRICS),
        "data_quality": {"null_value_rate": _BOTH, "data_type_error_rate": _BOTH, "out_of_bounds_rate": _BOTH},
    },
    VERTEX_AI: {"data_drift": {"distribution_distance": _BOTH}},
}
#: What each metric means on Vertex AI, where the platform chooses the distance.
METRIC_NOTES = {
    "distribution_distance": "L-infinity distance on categorical features, Jensen-Shannon divergence on numerical "
    "ones, chosen by Vertex AI",
}
#: The metric a signal uses when the config names none.
DEFAULT_METRICS: dict[str, dict[str, str]] = {
    AZURE_ML: {
        "data_drift": "jensen_shannon_distance",
        "prediction_drift": "jensen_shannon_distance",
        "data_quality": "null_value_rate",
    },
    VERTEX_AI: {"data_drift": "distribution_distance"},
}
#: Metrics bounded by 1 (rates and normalised distances); the others only need to be positive.
_AT_MOST_ONE = {"jensen_shannon_distance", "null_value_rate", "data_type_error_rate", "out_of_bounds_rate"} | {
    "distribution_distance"
}
SCHEDULE_KINDS = ("every_hours", "daily_at_hour", "cron")
#: Schedule kinds each platform runs a monitor on.
MONITOR_SCHEDULES = {AZURE_ML: SCHEDULE_KINDS, VERTEX_AI: ("every_hours",)}
#: Serverless Spark pools Azure ML model monitoring runs on (azure-ai-ml's monitor compute instance types).
AZURE_SPARK_INSTANCE_TYPES = (
    "standard_e4s_v3",
    "standard_e8s_v3",
    "standard_e16s_v3",
    "standard_e32s_v3",
    "standard_e64s_v3",
)
#: Where each platform reads training data from.
TRAINING_DATA_FORMS = {
    AZURE_ML: "an Azure ML data asset (azureml:<name>:<version>) or its ARM id",
    VERTEX_AI: "a Cloud Storage file (gs://.../*.csv or *.jsonl) or a BigQuery table (bq://<project>.<dataset>.<table>)",
}
_AZURE_ASSET = re.compile(r"^azureml:[A-Za-z0-9_.-]+:[0-9]+$|^/subscriptions/.+/data/.+/versions/.+$")
_GCS_TABLE = re.compile(r"^gs://[a-z0-9._-]{3,222}/.+\.(csv|jsonl)$")
_BQ_TABLE = re.compile(r"^bq://[a-z][a-z0-9-]{4,28}[a-z0-9]\.[A-Za-z0-9_]{1,1024}\.[A-Za-z0-9_-]{1,1024}$")
_CRON_FIELD = re.compile(
    r"^(\*|[0-9]{1,2}(-[0-9]{1,2})?)(/[0-9]{1,2})?(,(\*|[0-9]{1,2}(-[0-9]{1,2})?)(/[0-9]{1,2})?)*$"
)
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))


def _choices(values: Iterable[object]) -> str:
    return ", ".join(str(value) for value in values)


def signal_problem(platform: str, signal: str) -> str | None:
    """Why ``signal`` cannot be monitored on ``platform``, or None."""
    offered = METRICS[platform]
    if signal in offered:
        return None
    if platform == VERTEX_AI:
        return (
            f"Vertex AI model deployment monitoring watches input features only, not {signal}; "
            f"valid signals: {_choices(offered)}"
        )
    return f"{signal!r} is not a signal {PLATFORM_NAMES[platform]} monitors; valid signals: {_choices(offered)}"


def metric_problem(platform: str, signal: str, metric: str) -> str | None:
    """Why ``metric`` is not one ``platform`` computes for ``signal``, or None (the valid choices in the message)."""
    offered = METRICS[platform].get(signal, {})
    if metric in offered:
        return None
    described = [f"{name} ({METRIC_NOTES[name]})" if name in METRIC_NOTES else name for name in offered]
    return (
        f"{metric!r} is not a metric {PLATFORM_NAMES[platform]} computes for {signal}; "
        f"valid choices: {_choices(described)}"
    )


def threshold_problem(metric: str, threshold: float) -> str | None:
    """A threshold the metric can never reach (rates and normalised distances lie between 0 and 1)."""
    if threshold <= 0:
        return f"{threshold:g} must be above 0"
    if metric in _AT_MOST_ONE and threshold > 1:
        return f"{threshold:g} is above 1, the largest value {metric} takes"
    return None


def metric_data_types(platform: str, signal: str, metric: str) -> tuple[str, ...]:
    """The feature types (``numerical``, ``categorical``) a metric measures."""
    return METRICS[platform][signal][metric]


def training_data_problem(platform: str, uri: str) -> str | None:
    """Training data the platform cannot read as a reference."""
    if platform == AZURE_ML:
        valid = bool(_AZURE_ASSET.fullmatch(uri))
    else:
        valid = bool(_GCS_TABLE.fullmatch(uri) or _BQ_TABLE.fullmatch(uri))
    return None if valid else f"{uri!r} is not {TRAINING_DATA_FORMS[platform]}"


_AZURE_JOB = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.MachineLearningServices/workspaces/[^/]+/jobs/[^/]+$"
)


def azure_pipeline_job_problem(job_id: str) -> str | None:
    """A retraining pipeline Azure ML cannot run again: it takes the ARM id of an existing pipeline job."""
    if _AZURE_JOB.fullmatch(job_id):
        return None
    return (
        f"{job_id!r} is not the ARM id of an Azure ML job (/subscriptions/<id>/resourceGroups/<group>/providers/"
        "Microsoft.MachineLearningServices/workspaces/<workspace>/jobs/<name>)"
    )


def past_window_problem(platform: str, start: str, end: str) -> str | None:
    """A fixed past window as the reference: dates in order; Azure ML only."""
    if platform == VERTEX_AI:
        return (
            "Vertex AI compares serving data with its training data (skew) and with the previous window (drift), "
            "never with a fixed past window; give reference.training_data"
        )
    try:
        first, last = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
    except ValueError:
        return f"start ({start}) and end ({end}) must be dates (YYYY-MM-DD)"
    if first >= last:
        return f"start ({start}) must be before end ({end})"
    return None


def cron_problem(expression: str) -> str | None:
    """Why a five-field crontab expression (minute hour day-of-month month day-of-week) is not valid, or None."""
    fields = expression.split()
    if len(fields) != 5:
        return f"{expression!r} needs five fields: minute hour day-of-month month day-of-week"
    for field, (low, high), name in zip(
        fields, _CRON_RANGES, ("minute", "hour", "day-of-month", "month", "day-of-week"), strict=True
    ):
        if not _CRON_FIELD.fullmatch(field):
            return f"the {name} field {field!r} of {expression!r} is not *, a number, a range, a list or a step"
        numbers = [int(n) for n in re.findall(r"(?<![/0-9])[0-9]+", field)]
        if any(not low <= n <= high for n in numbers):
            return f"the {name} field {field!r} of {expression!r} must lie between {low} and {high}"
    return None


def schedule_problem(platform: str, kind: str, *, what: str = "a monitor") -> str | None:
    """A schedule kind the platform cannot run ``what`` on."""
    offered = MONITOR_SCHEDULES[platform]
    if kind in offered:
        return None
    return (
        f"Vertex AI runs {what} every N hours from the job's creation: no cron and no fixed hour; "
        f"valid choices: {_choices(offered)} (24 for daily)"
    )


def schedule_cron(kind: str, value: int | str) -> str | None:
    """The schedule as a crontab expression, or None when it has none (every N hours with N not dividing 24)."""
    if kind == "cron":
        return str(value)
    if kind == "daily_at_hour":
        return f"0 {value} * * *"
    hours = int(value)
    if hours == 24:
        return "0 0 * * *"
    if hours < 24 and 24 % hours == 0:
        return f"0 */{hours} * * *"
    if hours == 168:
        return "0 0 * * 0"
    return None


def unmonitored_serving(traffic: Mapping[str, float], monitored: set[str]) -> list[str]:
    """Deployments that take live traffic without a monitor (mirror-only deployments do not serve)."""
    return sorted(name for name, share in traffic.items() if share > 0 and name not in monitored)


class _Pausable(Protocol):
    paused: bool


def watching(monitors: Mapping[str, _Pausable]) -> set[str]:
    """The deployments whose monitor runs (a paused monitor watches nothing)."""
    return {name for name, monitor in monitors.items() if not monitor.paused}


def coverage_problem(environment: str, traffic: Mapping[str, float], monitored: set[str]) -> str | None:
    """Prod monitors every serving deployment (``ml-monitor-01`` checks the same on the registered resources)."""
    missing = unmonitored_serving(traffic, monitored)
    if environment != "prod" or not missing:
        return None
    return (
        f"prod monitors every serving deployment: {missing} take live traffic without a running monitor "
        "(give the endpoint a monitoring block, or each of them its own, and do not pause it)"
    )


# --- Autoscaling on the signal that saturates -------------------------------------------------------------

AZURE_GPU_METRIC = "GpuUtilizationPercentage"
AZURE_CPU_METRIC = "CpuUtilizationPercentage"
#: Kubernetes workloads scale on one of these (or on a PromQL query of their own).
WORKLOAD_SIGNALS = ("queue_depth", "gpu_utilization")
#: Triton's pending-request gauge: the queue depth a KServe v2 model server reports.
DEFAULT_QUEUE_METRIC = "nv_inference_pending_request_count"
#: NVIDIA DCGM GPU utilisation gauge, exported to the managed Prometheus on both clouds.
DCGM_GPU_UTILIZATION = "DCGM_FI_DEV_GPU_UTIL"


def workload_query(
    signal: str, *, cloud: str, namespace: str, workload: str, queue_metric: str = DEFAULT_QUEUE_METRIC
) -> str:
    """The PromQL of a workload's total load, which KEDA divides by the target per replica.

    Queue depth is the model server's gauge (scraped with the pod's labels). GPU utilisation is DCGM's on AKS (the
    GPU stack's exporter labels the GPU's pod ``exported_pod``) and GKE's container duty cycle on GKE.
    """
    if signal == "queue_depth":
        return f'sum({queue_metric}{{namespace="{namespace}",pod=~"{workload}-.*"}})'
    if signal != "gpu_utilization":
        raise ValueError(f"{signal!r} is not one of {_choices(WORKLOAD_SIGNALS)}")
    if cloud == "azure":
        return f'sum({DCGM_GPU_UTILIZATION}{{exported_namespace="{namespace}",exported_pod=~"{workload}-.*"}})'
    return (
        'sum(kubernetes_io:container_accelerator_duty_cycle{monitored_resource="k8s_container",'
        f'namespace_name="{namespace}",pod_name=~"{workload}-.*"}})'
    )


def scale_to_zero_problem(environment: str, min_replicas: int) -> str | None:
    """Scale to zero is for environments where a cold start is acceptable: not prod."""
    if environment == "prod" and min_replicas < 1:
        return "prod workloads keep at least one replica (min_replicas >= 1): a cold GPU start takes minutes"
    return None


def mig_scale_from_zero_problem(min_nodes: int, partitioned: bool, field: str) -> str | None:
    """A MIG pool that must scale up from zero never does: the cluster autoscaler cannot see MIG resources on a
    node that does not exist yet, so pending pods requesting ``nvidia.com/mig-*`` wait for ever."""
    if not partitioned or min_nodes > 0:
        return None
    return (
        f"{field} partitions the GPUs with MIG and min_nodes is 0: the cluster autoscaler does not scale MIG pools "
        "up from zero on MIG resource requests; keep min_nodes at 1 or more"
    )
