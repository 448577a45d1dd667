"""Model monitoring and workload autoscaling in the stack config: one vocabulary, what each platform can do refused
with the valid choices, environment presets, and the rules the components and policies share."""

import copy
import json
from typing import Any

import pytest
from pulumi_azure_native.machinelearningservices import _enums as azure_ml_enums

from aiscale.core import monitoring
from aiscale.core.config import load_stack_config
from aiscale.core.config.loader import stack_warnings, validate_stack_config
from aiscale.core.engine import record_program
from aiscale.core.errors import ConfigError
from tests.test_config_azure import PLATFORM as AZURE_PLATFORM
from tests.test_config_gcp import PLATFORM as GCP_PLATFORM

FILE = "stacks/Pulumi.test.yaml"
AZURE_MONITOR: dict[str, Any] = {
    "signals": {"data_drift": {"threshold": 0.1}},
    "reference": {"training_data": "azureml:fraud-training:1", "target_column": "is_fraud"},
}
VERTEX_MONITOR: dict[str, Any] = {
    "signals": {"data_drift": {"threshold": 0.1}},
    "reference": {"training_data": "gs://models/fraud/train.csv", "target_column": "is_fraud"},
}


def azure(**endpoint: Any) -> dict[str, Any]:
    config = copy.deepcopy(AZURE_PLATFORM)
    config["ml"]["endpoints"]["fraud"].update(endpoint)
    return config


def gcp(**endpoint: Any) -> dict[str, Any]:
    config = copy.deepcopy(GCP_PLATFORM)
    config["endpoints"]["fraud"].update(endpoint)
    return config


def validate(cloud: str, section: dict[str, Any], stack: str = "dev") -> Any:
    raw = {"owner": "team", "cost_center": "cc", cloud: json.dumps(section)}
    return validate_stack_config(raw, stack=stack, stack_file=FILE)


def error_of(cloud: str, section: dict[str, Any], stack: str = "dev") -> str:
    with pytest.raises(ConfigError) as caught:
        validate(cloud, section, stack)
    return str(caught.value)


# --- What each platform computes -----------------------------------------------------------------------------


def test_the_azure_metric_table_is_the_installed_sdks() -> None:
    """The metrics and the feature types each measures: azure-native's enums (ARM) in azure-ai-ml's snake case."""

    def snake(value: str) -> str:
        return "".join(f"_{c.lower()}" if c.isupper() else c for c in value).lstrip("_")

    enums = {
        ("data_drift", "numerical"): azure_ml_enums.NumericalDataDriftMetric,
        ("data_drift", "categorical"): azure_ml_enums.CategoricalDataDriftMetric,
        ("prediction_drift", "numerical"): azure_ml_enums.NumericalPredictionDriftMetric,
        ("prediction_drift", "categorical"): azure_ml_enums.CategoricalPredictionDriftMetric,
        ("data_quality", "numerical"): azure_ml_enums.NumericalDataQualityMetric,
        ("data_quality", "categorical"): azure_ml_enums.CategoricalDataQualityMetric,
    }
    for (signal, data_type), enum in enums.items():
        offered = {metric for metric, types in monitoring.METRICS["azure_ml"][signal].items() if data_type in types}
        assert offered == {snake(member.value) for member in enum}, (signal, data_type)


@pytest.mark.parametrize(
    ("platform", "signal", "metric", "problem"),
    [
        ("azure_ml", "data_drift", "jensen_shannon_distance", None),
        (
            "azure_ml",
            "data_drift",
            "jensen_shannon_divergence",
            "'jensen_shannon_divergence' is not a metric Azure ML computes for data_drift; valid choices: "
            "jensen_shannon_distance, population_stability_index, normalized_wasserstein_distance, "
            "two_sample_kolmogorov_smirnov_test, pearsons_chi_squared_test",
        ),
        (
            "azure_ml",
            "data_quality",
            "jensen_shannon_distance",
            "'jensen_shannon_distance' is not a metric Azure ML computes for data_quality; valid choices: "
            "null_value_rate, data_type_error_rate, out_of_bounds_rate",
        ),
        (
            "vertex_ai",
            "data_drift",
            "jensen_shannon_distance",
            "'jensen_shannon_distance' is not a metric Vertex AI computes for data_drift; valid choices: "
            "distribution_distance (L-infinity distance on categorical features, Jensen-Shannon divergence on "
            "numerical ones, chosen by Vertex AI)",
        ),
    ],
)
def test_metric_rule(platform: str, signal: str, metric: str, problem: str | None) -> None:
    assert monitoring.metric_problem(platform, signal, metric) == problem


def test_signals_and_thresholds() -> None:
    assert monitoring.signal_problem("azure_ml", "prediction_drift") is None
    assert monitoring.signal_problem("vertex_ai", "data_quality") == (
        "Vertex AI model deployment monitoring watches input features only, not data_quality; valid signals: data_drift"
    )
    assert (
        monitoring.threshold_problem("null_value_rate", 1.5)
        == "1.5 is above 1, the largest value null_value_rate takes"
    )
    assert monitoring.threshold_problem("population_stability_index", 1.5) is None
    assert monitoring.threshold_problem("jensen_shannon_distance", 0) == "0 must be above 0"


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("0 3 * * *", None),
        ("*/15 8-18 * * 1-5", None),
        ("0 3 * *", "'0 3 * *' needs five fields: minute hour day-of-month month day-of-week"),
        ("0 25 * * *", "the hour field '25' of '0 25 * * *' must lie between 0 and 23"),
        ("0 3 * * mon", "the day-of-week field 'mon' of '0 3 * * mon' is not *, a number, a range, a list or a step"),
    ],
)
def test_cron_rule(expression: str, problem: str | None) -> None:
    assert monitoring.cron_problem(expression) == problem


def test_schedules_as_cron() -> None:
    assert monitoring.schedule_cron("daily_at_hour", 3) == "0 3 * * *"
    assert monitoring.schedule_cron("every_hours", 6) == "0 */6 * * *"
    assert monitoring.schedule_cron("every_hours", 24) == "0 0 * * *"
    assert monitoring.schedule_cron("every_hours", 168) == "0 0 * * 0"
    assert monitoring.schedule_cron("every_hours", 5) is None
    assert monitoring.schedule_cron("cron", "0 4 * * 1") == "0 4 * * 1"


def test_training_data_forms() -> None:
    assert monitoring.training_data_problem("azure_ml", "azureml:train:3") is None
    assert monitoring.training_data_problem("vertex_ai", "bq://aiscale-prod.training.fraud") is None
    assert monitoring.training_data_problem("vertex_ai", "gs://bucket/train.csv") is None
    assert monitoring.training_data_problem("vertex_ai", "gs://bucket/train.parquet") == (
        "'gs://bucket/train.parquet' is not a Cloud Storage file (gs://.../*.csv or *.jsonl) or a BigQuery table "
        "(bq://<project>.<dataset>.<table>)"
    )


# --- The config: one block, both clouds ----------------------------------------------------------------------


def test_presets_keep_dev_cheap() -> None:
    dev = validate("azure", azure(monitoring=AZURE_MONITOR)).azure.ml.endpoints["fraud"].monitoring
    prod = validate("azure", azure(monitoring=AZURE_MONITOR), "prod").azure.ml.endpoints["fraud"].monitoring
    assert (dev.schedule.given(), dev.sampling_rate, dev.spark_instance_type) == (
        {"every_hours": 168},
        0.1,
        "standard_e4s_v3",
    )
    assert (prod.schedule.given(), prod.sampling_rate, prod.spark_instance_type) == (
        {"every_hours": 24},
        0.5,
        "standard_e8s_v3",
    )
    assert dev.signal_metrics() == {"data_drift": ("jensen_shannon_distance", 0.1)}
    vertex = validate("gcp", gcp(monitoring=VERTEX_MONITOR)).gcp.endpoints["fraud"].monitoring
    assert vertex.signal_metrics() == {"data_drift": ("distribution_distance", 0.1)}


@pytest.mark.parametrize(
    ("cloud", "block", "message"),
    [
        (
            "azure",
            {**AZURE_MONITOR, "signals": {"data_drift": {"metric": "jensen_shannon_divergence", "threshold": 0.1}}},
            "aiscale:azure.ml.endpoints.fraud.monitoring: signals.data_drift.metric: 'jensen_shannon_divergence' is not "
            "a metric Azure ML computes for data_drift; valid choices: jensen_shannon_distance",
        ),
        (
            "azure",
            {**AZURE_MONITOR, "signals": {"data_quality": {"threshold": 2}}},
            "signals.data_quality.threshold: 2 is above 1, the largest value null_value_rate takes",
        ),
        (
            "gcp",
            {**VERTEX_MONITOR, "signals": {"prediction_drift": {"threshold": 0.1}}},
            "aiscale:gcp.endpoints.fraud.monitoring: signals.prediction_drift: Vertex AI model deployment monitoring "
            "watches input features only, not prediction_drift; valid signals: data_drift",
        ),
        (
            "gcp",
            {**VERTEX_MONITOR, "reference": {"past_window": {"start": "2026-05-04", "end": "2026-05-10"}}},
            "reference.past_window: Vertex AI compares serving data with its training data (skew) and with the "
            "previous window (drift), never with a fixed past window; give reference.training_data",
        ),
        (
            "gcp",
            {**VERTEX_MONITOR, "schedule": {"cron": "0 3 * * *"}},
            "schedule.cron: Vertex AI runs a monitor every N hours from the job's creation: no cron and no fixed hour; "
            "valid choices: every_hours (24 for daily)",
        ),
        (
            "azure",
            {**AZURE_MONITOR, "schedule": {"cron": "0 3 * *"}},
            "schedule: cron: '0 3 * *' needs five fields",
        ),
        (
            "azure",
            {**AZURE_MONITOR, "schedule": {"cron": "0 3 * * *", "daily_at_hour": 3}},
            "schedule: give exactly one of every_hours, daily_at_hour, cron",
        ),
        (
            "azure",
            {**AZURE_MONITOR, "reference": {"training_data": "azureml:fraud-training:1"}},
            "reference: training_data needs target_column (the column the model predicts)",
        ),
        (
            "azure",
            {**AZURE_MONITOR, "reference": {"training_data": "gs://bucket/train.csv", "target_column": "y"}},
            "reference.training_data: 'gs://bucket/train.csv' is not an Azure ML data asset",
        ),
        (
            "azure",
            {**AZURE_MONITOR, "retraining": {"pipeline": "fraud-retrain", "schedule": {"cron": "0 4 * * 1"}}},
            "retraining.pipeline: 'fraud-retrain' is not the ARM id of an Azure ML job",
        ),
        (
            "gcp",
            {**VERTEX_MONITOR, "retraining": {"pipeline": "gs://p/pipeline.json", "schedule": {"every_hours": 5}}},
            "retraining.schedule.every_hours: Vertex AI schedules take cron: 5 hours is no cron interval",
        ),
        (
            "gcp",
            {**VERTEX_MONITOR, "retraining": {"pipeline": "gs://p/pipeline.json", "schedule": {"daily_at_hour": 4}}},
            "retraining.pipeline_root: required on Vertex AI",
        ),
        ("azure", {**AZURE_MONITOR, "signals": {}}, "monitoring.signals: give at least one of data_drift"),
    ],
)
def test_what_a_platform_cannot_do_is_refused_with_the_choices(cloud: str, block: dict[str, Any], message: str) -> None:
    section = azure(monitoring=block) if cloud == "azure" else gcp(monitoring=block)
    assert message in error_of(cloud, section)


def test_prod_monitors_every_serving_deployment() -> None:
    unmonitored = azure(monitoring=None)
    del unmonitored["ml"]["endpoints"]["fraud"]["monitoring"]
    assert error_of("azure", unmonitored, "prod").endswith(
        "aiscale:azure.ml.endpoints.fraud: prod monitors every serving deployment: ['blue'] take live traffic "
        "without a running monitor (give the endpoint a monitoring block, or each of them its own, and do not "
        "pause it)"
    )
    validate("azure", unmonitored, "staging")  # dev and staging may leave a deployment unmonitored
    # A mirror-only deployment does not serve: its own block is enough for the one that does.
    mirrored = copy.deepcopy(unmonitored)
    endpoint = mirrored["ml"]["endpoints"]["fraud"]
    endpoint["deployments"]["blue"]["monitoring"] = AZURE_MONITOR
    endpoint["deployments"]["green"] = {"model": "azureml:fraud:4", "instance_type": "Standard_NC4as_T4_v3"}
    endpoint["mirror_traffic"] = {"green": 20}
    config = validate("azure", mirrored, "prod").azure.ml.endpoints["fraud"]
    assert sorted(config.monitors()) == ["blue"]


@pytest.mark.parametrize("cloud", ["azure", "gcp"])
def test_a_paused_monitor_watches_nothing(cloud: str) -> None:
    block = {**(AZURE_MONITOR if cloud == "azure" else VERTEX_MONITOR), "paused": True}
    section = azure(monitoring=block) if cloud == "azure" else gcp(monitoring=block)
    assert "prod monitors every serving deployment: ['blue'] take live traffic without a running monitor" in (
        error_of(cloud, section, "prod")
    )
    config = validate(cloud, section, "staging")  # elsewhere a monitor may rest
    endpoint = config.azure.ml.endpoints["fraud"] if cloud == "azure" else config.gcp.endpoints["fraud"]
    assert endpoint.monitors()["blue"].paused is True


def test_retraining_belongs_to_the_endpoint() -> None:
    section = azure()
    section["ml"]["endpoints"]["fraud"]["deployments"]["blue"]["monitoring"] = {
        **AZURE_MONITOR,
        "retraining": {
            "pipeline": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/"
            "workspaces/mlw/jobs/retrain",
            "schedule": {"cron": "0 4 * * 1"},
        },
    }
    assert "deployments.blue.monitoring.retraining: retraining belongs to the endpoint's monitoring block" in error_of(
        "azure", section
    )


def test_vertex_runs_one_job_per_endpoint() -> None:
    section = gcp(monitoring=VERTEX_MONITOR)
    deployments = section["endpoints"]["fraud"]["deployments"]
    deployments["green"] = {**deployments["blue"], "monitoring": {**VERTEX_MONITOR, "sampling_rate": 0.9}}
    section["endpoints"]["fraud"]["traffic"] = {"blue": 50, "green": 50}
    assert (
        "deployments.green.monitoring: Vertex AI runs one monitoring job per endpoint, so schedule, "
        "production_window_days, sampling_rate and paused must be the same" in error_of("gcp", section)
    )


def test_a_monitored_vertex_endpoint_logs_its_requests() -> None:
    endpoint = validate("gcp", gcp(monitoring={**VERTEX_MONITOR, "sampling_rate": 0.2})).gcp.endpoints["fraud"]
    assert endpoint.logging_sampling() == 0.2
    explicit = validate("gcp", gcp(request_logging_sampling=0.05)).gcp.endpoints["fraud"]
    assert explicit.logging_sampling() == 0.05


# --- Workloads and GPU pools ---------------------------------------------------------------------------------

WORKLOAD: dict[str, Any] = {
    "image": "nvcr.io/nvidia/tritonserver:25.01-py3",
    "gpu_pools": ["a100"],
    "max_replicas": 4,
    "scaling": {"signal": "queue_depth", "target": 8},
}


def with_workload(**changes: Any) -> dict[str, Any]:
    section = azure()
    section["teams"]["fraud"]["workloads"] = {"scorer": {**WORKLOAD, **changes}}
    return section


def test_workloads() -> None:
    workload = validate("azure", with_workload()).azure.teams["fraud"].workloads["scorer"]
    assert (workload.min_replicas, workload.scaling.queue_metric) == (1, "nv_inference_pending_request_count")
    assert "teams.fraud.workloads.scorer.gpu_pools: ['t4'] are not among gpu_pools ['a100']" in error_of(
        "azure", with_workload(gpu_pools=["t4"])
    )
    assert "min_replicas 0 needs scaling.activation_query" in error_of("azure", with_workload(min_replicas=0))
    to_zero = with_workload(min_replicas=0, scaling={**WORKLOAD["scaling"], "activation_query": "sum(rate(x[2m]))"})
    validate("azure", to_zero)
    assert "teams.fraud.workloads.scorer.min_replicas: prod workloads keep at least one replica" in error_of(
        "azure", to_zero, "prod"
    )


def test_workload_queries() -> None:
    assert monitoring.workload_query("queue_depth", cloud="gcp", namespace="fraud", workload="scorer") == (
        'sum(nv_inference_pending_request_count{namespace="fraud",pod=~"scorer-.*"})'
    )
    assert monitoring.workload_query("gpu_utilization", cloud="azure", namespace="fraud", workload="scorer") == (
        'sum(DCGM_FI_DEV_GPU_UTIL{exported_namespace="fraud",exported_pod=~"scorer-.*"})'
    )
    assert monitoring.workload_query("gpu_utilization", cloud="gcp", namespace="fraud", workload="scorer") == (
        'sum(kubernetes_io:container_accelerator_duty_cycle{monitored_resource="k8s_container",'
        'namespace_name="fraud",pod_name=~"scorer-.*"})'
    )


MIG_POOL = {"vm_size": "Standard_ND96asr_v4", "max_nodes": 2, "min_nodes": 0, "mig_profile": "MIG3g"}
MIG_WARNING = (
    "aiscale:azure.gpu_pools.mig.min_nodes: gpu_pools.mig.mig_profile partitions the GPUs with MIG and min_nodes is "
    "0: the cluster autoscaler does not scale MIG pools up from zero on MIG resource requests; keep min_nodes at 1 or "
    "more"
)


def test_a_mig_pool_that_must_scale_from_zero_is_an_error_in_prod() -> None:
    section = azure()
    section["gpu_pools"]["mig"] = MIG_POOL
    assert error_of("azure", section, "prod").endswith(MIG_WARNING.replace("aiscale:azure.", "aiscale:azure: ", 1))
    config = validate("azure", section, "staging")
    assert stack_warnings(config) == [MIG_WARNING]
    assert stack_warnings(validate("azure", {**section, "gpu_pools": {"mig": {**MIG_POOL, "min_nodes": 1}}})) == []
    partitioned = gcp()
    partitioned["gpu_pools"]["a100"] = {"machine_type": "a2-highgpu-1g", "max_nodes": 2, "partition_size": "1g.5gb"}
    assert stack_warnings(validate("gcp", partitioned)) == [
        "aiscale:gcp.gpu_pools.a100.min_nodes: gpu_pools.a100.partition_size partitions the GPUs with MIG and "
        "min_nodes is 0: the cluster autoscaler does not scale MIG pools up from zero on MIG resource requests; keep "
        "min_nodes at 1 or more"
    ]


def test_the_mig_warning_reaches_the_plan() -> None:
    section = azure()
    section["gpu_pools"]["mig"] = MIG_POOL
    config = {"aiscale:owner": "team", "aiscale:cost_center": "cc", "aiscale:azure": section}
    run = record_program(load_stack_config, stack="staging", config=config)
    assert [w for w in run.warnings if "mig_profile" in w] == [f"stacks/Pulumi.staging.yaml: {MIG_WARNING}"]
