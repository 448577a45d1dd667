"""Vertex AI model monitoring: the request-log dataset of the endpoint, the monitoring job with its log-based alert
and the retraining schedule as children, and the two dynamic resources' providers driven with fake aiplatform
clients that check the exact request objects — quota, permission and timeout failures included, nothing left half
done."""

import concurrent.futures
import copy
from typing import Any

import pytest
from google.api_core import exceptions
from google.cloud import aiplatform_v1
from google.protobuf import duration_pb2, field_mask_pb2

from aiscale.components.common.gcp_alerts import GcpAlertRoutingArgs
from aiscale.components.common.model_monitoring import ModelMonitorArgs
from aiscale.components.gcp.model_monitor import VertexModelMonitor, VertexModelMonitorArgs, anomaly_filter, job_props
from aiscale.components.gcp.vertex_endpoint import VertexEndpoint
from aiscale.components.gcp.vertex_monitoring import (
    MonitoringJobProvider,
    PipelineScheduleProvider,
    VertexMonitoringError,
)
from aiscale.core.engine import record_program
from aiscale.core.errors import InvalidArgumentError
from tests.conftest import changed, children, find
from tests.test_component_vertex import ENDPOINT, KEY
from tests.test_component_vertex import endpoint_args as vertex_endpoint_args

ROUTING: GcpAlertRoutingArgs = {
    "notification_channels": ["projects/p-unit/notificationChannels/1"],
    "runbook_base_url": "https://runbooks.example.com/aiscale",
}
MONITOR: ModelMonitorArgs = {
    "signals": {"data_drift": {"metric": "distribution_distance", "threshold": 0.15}},
    "reference": {"training_data": "gs://models/fraud/train.csv", "target_column": "is_fraud"},
    "schedule": {"every_hours": 24},
    "production_window_days": 7,
}
TEMPLATE = "https://europe-west4-kfp.pkg.dev/p-unit/pipelines/fraud-retrain/v3"


def monitor_args(**changes: Any) -> VertexModelMonitorArgs:
    base: VertexModelMonitorArgs = {
        "endpoint_name": "fraud",
        "endpoint": ENDPOINT,
        "project": "p-unit",
        "region": "europe-west4",
        "deployments": {
            "blue": {"deployed_model_id": "111", "monitor": copy.deepcopy(MONITOR)},
            "green": {
                "deployed_model_id": "222",
                "monitor": {
                    **copy.deepcopy(MONITOR),
                    "features": ["amount", "merchant"],
                    "reference": {"training_data": "bq://p-unit.training.fraud_v4", "target_column": "is_fraud"},
                },
            },
        },
        "sampling_rate": 0.2,
        "customer_managed_key": {"key_id": KEY},
        "alert_routing": ROUTING,
        "retraining": {
            "pipeline": TEMPLATE,
            "pipeline_root": "gs://p-unit-pipelines/fraud",
            "schedule": {"daily_at_hour": 4},
            "parameters": {"window_days": "90", "dry_run": "false", "region": "europe-west4"},
        },
        "labels": {"owner": "ml"},
    }
    return changed(base, changes)


def test_monitor_children() -> None:
    run = record_program(lambda: VertexModelMonitor("mon", monitor_args()))
    assert children(run, find(run, "aiscale:index:VertexModelMonitor", "mon")) == [
        ("pulumi-python:dynamic/vertex:ModelMonitoringJob", "mon-job"),
        ("gcp:monitoring/alertPolicy:AlertPolicy", "mon-alert-drift"),
        ("pulumi-python:dynamic/vertex:PipelineSchedule", "mon-retraining"),
    ]


def test_one_job_for_the_endpoint_with_an_objective_per_deployed_model() -> None:
    run = record_program(lambda: VertexModelMonitor("mon", monitor_args()))
    job = find(run, "pulumi-python:dynamic/vertex:ModelMonitoringJob", "mon-job")
    assert {k: v for k, v in job.inputs.items() if k != "__provider"} == {
        "display_name": "fraud model monitor",
        "endpoint": ENDPOINT,
        "objectives": {
            "blue": {
                "deployed_model_id": "111",
                "features": [],
                "target_column": "is_fraud",
                "threshold": 0.15,
                "training_data": "gs://models/fraud/train.csv",
            },
            "green": {
                "deployed_model_id": "222",
                "features": ["amount", "merchant"],
                "target_column": "is_fraud",
                "threshold": 0.15,
                "training_data": "bq://p-unit.training.fraud_v4",
            },
        },
        "monitor_interval_hours": 24,
        "monitor_window_days": 7,
        "sampling_rate": 0.2,
        "notification_channels": ["projects/p-unit/notificationChannels/1"],
        "labels": {"owner": "ml"},
        "kms_key_name": KEY,
        "paused": False,
    }


def test_anomalies_raise_a_log_based_alert_with_the_runbook() -> None:
    run = record_program(lambda: VertexModelMonitor("mon", monitor_args()))
    job = find(run, "pulumi-python:dynamic/vertex:ModelMonitoringJob", "mon-job")
    alert = find(run, "gcp:monitoring/alertPolicy:AlertPolicy", "mon-alert-drift")
    condition = alert.inputs["conditions"][0]
    # The job's id is known once the job exists.
    assert condition == {
        "conditionMatchedLog": {"filter": "[unknown]"},
        "displayName": "model monitoring anomaly logged",
    }
    assert alert.inputs["alertStrategy"]["notificationRateLimit"] == {"period": "3600s"}
    assert alert.inputs["documentation"]["links"] == [
        {"displayName": "Runbook", "url": "https://runbooks.example.com/aiscale/model-drift"}
    ]
    assert alert.inputs["notificationChannels"] == ["projects/p-unit/notificationChannels/1"]
    assert job.urn in alert.dependencies


def test_the_anomaly_filter_names_the_job() -> None:
    assert anomaly_filter("p-unit", "555") == (
        'logName="projects/p-unit/logs/aiplatform.googleapis.com%2Fmodel_monitoring_anomaly"\n'
        'resource.type="aiplatform.googleapis.com/ModelDeploymentMonitoringJob"\n'
        'resource.labels.model_deployment_monitoring_job="555"'
    )


def test_retraining_schedule() -> None:
    run = record_program(lambda: VertexModelMonitor("mon", monitor_args()))
    schedule = find(run, "pulumi-python:dynamic/vertex:PipelineSchedule", "mon-retraining")
    assert {k: v for k, v in schedule.inputs.items() if k != "__provider"} == {
        "cron": "0 4 * * *",
        "display_name": "fraud retraining",
        "kms_key_name": KEY,
        "labels": {"owner": "ml"},
        "location": "projects/p-unit/locations/europe-west4",
        "parameters": {"dry_run": "false", "region": "europe-west4", "window_days": "90"},
        "paused": False,
        "pipeline_root": "gs://p-unit-pipelines/fraud",
        "template_uri": TEMPLATE,
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sampling_rate": 0}, "sampling_rate: must be above 0 and at most 1"),
        (
            {"retraining": {"pipeline": TEMPLATE, "pipeline_root": "gs://r", "schedule": {"every_hours": 5}}},
            "retraining.schedule: every 5 hours is no cron interval",
        ),
        (
            {"retraining": {"pipeline": TEMPLATE, "schedule": {"cron": "0 4 * * 1"}}},
            "retraining.pipeline_root: a gs:// location",
        ),
    ],
)
def test_monitor_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: VertexModelMonitor("mon", monitor_args(**changes)))
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("monitor", "message"),
    [
        (
            {**MONITOR, "signals": {"data_quality": {"metric": "null_value_rate", "threshold": 0.1}}},
            "monitors.blue.signals.data_quality: Vertex AI model deployment monitoring watches input features only",
        ),
        (
            {**MONITOR, "reference": {"window_start": "2026-05-04", "window_end": "2026-05-10"}},
            "monitors.blue.reference.window_start: Vertex AI compares serving data with its training data",
        ),
        ({**MONITOR, "schedule": {"cron": "0 3 * * *"}}, "monitors.blue.schedule.cron: Vertex AI runs a monitor every"),
    ],
)
def test_what_vertex_ai_cannot_monitor_is_refused(monitor: ModelMonitorArgs, message: str) -> None:
    args = monitor_args()
    args["deployments"]["blue"]["monitor"] = monitor
    with pytest.raises(InvalidArgumentError) as caught:
        record_program(lambda: VertexModelMonitor("mon", args))
    assert message in str(caught.value)


def test_deployments_of_one_job_share_its_schedule() -> None:
    args = monitor_args()
    args["deployments"]["green"]["monitor"]["production_window_days"] = 1
    with pytest.raises(InvalidArgumentError, match="Vertex AI runs one job per endpoint"):
        record_program(lambda: VertexModelMonitor("mon", args))


def test_a_paused_monitor_is_a_paused_job() -> None:
    args = monitor_args()
    for deployment in args["deployments"].values():
        deployment["monitor"]["paused"] = True
    run = record_program(lambda: VertexModelMonitor("mon", args))
    assert find(run, "pulumi-python:dynamic/vertex:ModelMonitoringJob", "mon-job").inputs["paused"] is True
    # One job: its deployments pause together or not at all.
    args["deployments"]["green"]["monitor"]["paused"] = False
    with pytest.raises(InvalidArgumentError, match="the same schedule, window and paused"):
        record_program(lambda: VertexModelMonitor("mon", args))


# --- The request-log dataset the endpoint logs to ----------------------------------------------------------------


def test_the_endpoint_creates_its_request_log_dataset() -> None:
    args = vertex_endpoint_args(request_logging={"sampling_rate": 0.2, "retention_days": 30}, protect=True)
    run = record_program(lambda: VertexEndpoint("ep", args))
    assert children(run, find(run, "aiscale:index:VertexEndpoint", "ep"))[:2] == [
        ("gcp:bigquery/dataset:Dataset", "ep-request-logs"),
        ("gcp:vertex/aiEndpoint:AiEndpoint", "ep-endpoint"),
    ]
    dataset = find(run, "gcp:bigquery/dataset:Dataset", "ep-request-logs")
    assert dataset.protect
    assert dataset.inputs == {
        "datasetId": "fraud_request_logs",
        "defaultEncryptionConfiguration": {"kmsKeyName": KEY},
        "defaultTableExpirationMs": 30 * 86_400_000,
        "deleteContentsOnDestroy": False,
        "description": "aiscale: sampled requests and responses of Vertex AI endpoint fraud",
        "labels": {"owner": "ml"},
        "location": "europe-west4",
        "project": "p-unit",
    }
    endpoint = find(run, "gcp:vertex/aiEndpoint:AiEndpoint", "ep-endpoint")
    assert endpoint.inputs["predictRequestResponseLoggingConfig"] == {
        "bigqueryDestination": {"outputUri": "bq://p-unit.fraud_request_logs.request_response_logging"},
        "enabled": True,
        "samplingRate": 0.2,
    }
    assert dataset.urn in endpoint.property_dependencies["predictRequestResponseLoggingConfig"]


def test_a_given_table_needs_no_dataset() -> None:
    args = vertex_endpoint_args(request_logging={"sampling_rate": 0.1, "bigquery_table": "bq://p-unit.logs.fraud"})
    run = record_program(lambda: VertexEndpoint("ep", args))
    assert not [r for r in run.registrations if r.type == "gcp:bigquery/dataset:Dataset"]


# --- The monitoring job provider against a fake aiplatform client --------------------------------------------------

JOB_NAME = "projects/p-unit/locations/europe-west4/modelDeploymentMonitoringJobs/555"


class FakeMonitoring:
    """Records the calls with their request objects; fails a chosen call with a chosen error."""

    def __init__(self, fail: dict[str, BaseException] | None = None, paused: bool = False) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.fail = fail or {}
        self.paused = paused
        self.jobs: set[str] = set()
        self.schedules: set[str] = set()

    def _call(self, name: str, request: Any) -> None:
        self.calls.append((name, request))
        if name in self.fail:
            raise self.fail.pop(name)

    def create_job(self, request: Any) -> str:
        self._call("create_job", request)
        self.jobs.add(JOB_NAME)
        return JOB_NAME

    def update_job(self, request: Any, timeout: float) -> None:
        self._call("update_job", request)

    def pause_job(self, name: str) -> None:
        self._call("pause_job", name)
        self.paused = True

    def resume_job(self, name: str) -> None:
        self._call("resume_job", name)
        self.paused = False

    def delete_job(self, name: str, timeout: float) -> None:
        self._call("delete_job", name)
        self.jobs.discard(name)

    def job_paused(self, name: str) -> bool:
        return self.paused

    def create_schedule(self, request: Any) -> str:
        self._call("create_schedule", request)
        self.schedules.add("projects/p-unit/locations/europe-west4/schedules/777")
        return "projects/p-unit/locations/europe-west4/schedules/777"

    def update_schedule(self, request: Any) -> None:
        self._call("update_schedule", request)

    def pause_schedule(self, name: str) -> None:
        self._call("pause_schedule", name)

    def resume_schedule(self, name: str) -> None:
        self._call("resume_schedule", name)

    def delete_schedule(self, name: str, timeout: float) -> None:
        self._call("delete_schedule", name)
        self.schedules.discard(name)


def props() -> dict[str, Any]:
    # Numbers as the engine hands them to a provider: floats.
    values = job_props(monitor_args())
    return {**values, "monitor_interval_hours": 24.0, "monitor_window_days": 7.0}


def expected_job(**changes: Any) -> aiplatform_v1.ModelDeploymentMonitoringJob:
    config = aiplatform_v1.ModelMonitoringObjectiveConfig
    threshold = aiplatform_v1.ThresholdConfig(value=0.15)
    job = aiplatform_v1.ModelDeploymentMonitoringJob(
        display_name="fraud model monitor",
        endpoint=ENDPOINT,
        model_deployment_monitoring_objective_configs=[
            aiplatform_v1.ModelDeploymentMonitoringObjectiveConfig(
                deployed_model_id="111",
                objective_config=config(
                    training_dataset=config.TrainingDataset(
                        gcs_source=aiplatform_v1.GcsSource(uris=["gs://models/fraud/train.csv"]),
                        data_format="csv",
                        target_field="is_fraud",
                    ),
                    training_prediction_skew_detection_config=config.TrainingPredictionSkewDetectionConfig(
                        default_skew_threshold=threshold
                    ),
                    prediction_drift_detection_config=config.PredictionDriftDetectionConfig(
                        default_drift_threshold=threshold
                    ),
                ),
            ),
            aiplatform_v1.ModelDeploymentMonitoringObjectiveConfig(
                deployed_model_id="222",
                objective_config=config(
                    training_dataset=config.TrainingDataset(
                        bigquery_source=aiplatform_v1.BigQuerySource(input_uri="bq://p-unit.training.fraud_v4"),
                        target_field="is_fraud",
                    ),
                    training_prediction_skew_detection_config=config.TrainingPredictionSkewDetectionConfig(
                        skew_thresholds={"amount": threshold, "merchant": threshold}
                    ),
                    prediction_drift_detection_config=config.PredictionDriftDetectionConfig(
                        drift_thresholds={"amount": threshold, "merchant": threshold}
                    ),
                ),
            ),
        ],
        model_deployment_monitoring_schedule_config=aiplatform_v1.ModelDeploymentMonitoringScheduleConfig(
            monitor_interval=duration_pb2.Duration(seconds=86_400),
            monitor_window=duration_pb2.Duration(seconds=7 * 86_400),
        ),
        logging_sampling_strategy=aiplatform_v1.SamplingStrategy(
            random_sample_config=aiplatform_v1.SamplingStrategy.RandomSampleConfig(sample_rate=0.2)
        ),
        model_monitoring_alert_config=aiplatform_v1.ModelMonitoringAlertConfig(
            enable_logging=True, notification_channels=["projects/p-unit/notificationChannels/1"]
        ),
        labels={"owner": "ml"},
        encryption_spec=aiplatform_v1.EncryptionSpec(kms_key_name=KEY),
    )
    for key, value in changes.items():
        setattr(job, key, value)
    return job


def test_create_sends_the_exact_job() -> None:
    fake = FakeMonitoring()
    result = MonitoringJobProvider(fake).create(props())
    assert fake.calls == [
        (
            "create_job",
            aiplatform_v1.CreateModelDeploymentMonitoringJobRequest(
                parent="projects/p-unit/locations/europe-west4", model_deployment_monitoring_job=expected_job()
            ),
        )
    ]
    assert result.outs is not None
    assert (result.id, result.outs["job_id"], result.outs["job_name"]) == (JOB_NAME, "555", JOB_NAME)


def test_update_sends_exactly_the_changed_fields() -> None:
    fake = FakeMonitoring()
    olds = {**props(), "job_name": JOB_NAME}
    news = {**props(), "sampling_rate": 0.5, "monitor_interval_hours": 12}
    diff = MonitoringJobProvider(fake).diff(JOB_NAME, olds, news)
    assert (diff.changes, diff.replaces) == (True, [])
    MonitoringJobProvider(fake).update(JOB_NAME, olds, news)
    job = expected_job(name=JOB_NAME)
    job.logging_sampling_strategy.random_sample_config.sample_rate = 0.5
    job.model_deployment_monitoring_schedule_config.monitor_interval = duration_pb2.Duration(seconds=12 * 3600)
    assert fake.calls == [
        (
            "update_job",
            aiplatform_v1.UpdateModelDeploymentMonitoringJobRequest(
                model_deployment_monitoring_job=job,
                update_mask=field_mask_pb2.FieldMask(
                    paths=["logging_sampling_strategy", "model_deployment_monitoring_schedule_config"]
                ),
            ),
        )
    ]


def test_numbers_as_floats_are_no_change_and_a_new_endpoint_replaces() -> None:
    provider = MonitoringJobProvider(FakeMonitoring())
    assert provider.diff(JOB_NAME, props(), job_props(monitor_args())).changes is False
    moved = provider.diff(JOB_NAME, props(), {**props(), "endpoint": ENDPOINT.replace("1234567890", "42")})
    assert (moved.changes, moved.replaces, moved.delete_before_replace) == (True, ["endpoint"], True)


def test_pause_and_resume() -> None:
    fake = FakeMonitoring()
    provider = MonitoringJobProvider(fake)
    provider.update(JOB_NAME, props(), {**props(), "paused": True})
    assert fake.calls == [("pause_job", JOB_NAME)]
    read = provider.read(JOB_NAME, props())
    assert read.outs is not None
    assert read.outs["paused"] is True
    provider.update(JOB_NAME, {**props(), "paused": True}, props())
    assert fake.calls[-1] == ("resume_job", JOB_NAME)


def test_quota_on_create_is_clear_and_creates_nothing() -> None:
    fake = FakeMonitoring(fail={"create_job": exceptions.ResourceExhausted("Quota exceeded for monitoring jobs")})
    with pytest.raises(VertexMonitoringError) as caught:
        MonitoringJobProvider(fake).create(props())
    assert str(caught.value) == (
        f"creating the model monitoring job for endpoint {ENDPOINT}: quota exhausted (ResourceExhausted: Quota "
        "exceeded for monitoring jobs); Vertex AI limits monitoring jobs and schedules per project and region: "
        "request more quota or remove unused ones. Nothing was changed."
    )
    assert fake.jobs == set()


def test_a_failure_after_create_removes_the_new_job() -> None:
    fake = FakeMonitoring(
        fail={"pause_job": exceptions.PermissionDenied("aiplatform.modelDeploymentMonitoringJobs.pause")}
    )
    with pytest.raises(VertexMonitoringError) as caught:
        MonitoringJobProvider(fake).create({**props(), "paused": True})
    assert "permission denied (PermissionDenied: aiplatform.modelDeploymentMonitoringJobs.pause)" in str(caught.value)
    assert "roles/aiplatform.admin" in str(caught.value)
    assert str(caught.value).endswith("Earlier steps undone.")
    assert [name for name, _ in fake.calls] == ["create_job", "pause_job", "delete_job"]
    assert fake.jobs == set()


def test_a_timeout_during_an_update_undoes_the_pause() -> None:
    fake = FakeMonitoring(fail={"update_job": concurrent.futures.TimeoutError()})
    news = {**props(), "paused": True, "sampling_rate": 0.5}
    with pytest.raises(VertexMonitoringError) as caught:
        MonitoringJobProvider(fake, timeout_seconds=30).update(JOB_NAME, props(), news)
    assert f"updating the model monitoring job {JOB_NAME}: did not finish within 30 s" in str(caught.value)
    assert "pulumi refresh" in str(caught.value)
    assert [name for name, _ in fake.calls] == ["pause_job", "update_job", "resume_job"]
    assert fake.paused is False


def test_a_failed_resume_reverts_the_update() -> None:
    fake = FakeMonitoring(fail={"resume_job": exceptions.ServiceUnavailable("try again")}, paused=True)
    olds = {**props(), "paused": True}
    news = {**props(), "paused": False, "sampling_rate": 0.5}
    with pytest.raises(
        VertexMonitoringError, match=r"resuming the model monitoring job .* ServiceUnavailable: try again"
    ):
        MonitoringJobProvider(fake).update(JOB_NAME, olds, news)
    updates = [request for name, request in fake.calls if name == "update_job"]
    assert [
        u.model_deployment_monitoring_job.logging_sampling_strategy.random_sample_config.sample_rate for u in updates
    ] == [
        0.5,
        0.2,
    ]


def test_delete() -> None:
    fake = FakeMonitoring()
    fake.jobs.add(JOB_NAME)
    MonitoringJobProvider(fake).delete(JOB_NAME, props())
    assert fake.calls == [("delete_job", JOB_NAME)] and fake.jobs == set()


def test_check_refuses_bad_props() -> None:
    result = MonitoringJobProvider(FakeMonitoring()).check({}, {**props(), "objectives": {}, "sampling_rate": 2})
    assert [(f.property, f.reason) for f in result.failures] == [
        ("objectives", "monitor at least one deployed model"),
        ("sampling_rate", "must be above 0 and at most 1"),
    ]


# --- The pipeline schedule provider ------------------------------------------------------------------------------

SCHEDULE_NAME = "projects/p-unit/locations/europe-west4/schedules/777"


def schedule_props() -> dict[str, Any]:
    run = record_program(lambda: VertexModelMonitor("mon", monitor_args()))
    inputs = find(run, "pulumi-python:dynamic/vertex:PipelineSchedule", "mon-retraining").inputs
    return {k: v for k, v in inputs.items() if k != "__provider"}


def test_schedule_create_sends_the_exact_schedule() -> None:
    fake = FakeMonitoring()
    result = PipelineScheduleProvider(fake).create(schedule_props())
    assert fake.calls == [
        (
            "create_schedule",
            aiplatform_v1.CreateScheduleRequest(
                parent="projects/p-unit/locations/europe-west4",
                schedule=aiplatform_v1.Schedule(
                    display_name="fraud retraining",
                    cron="TZ=UTC 0 4 * * *",
                    max_concurrent_run_count=1,
                    create_pipeline_job_request=aiplatform_v1.CreatePipelineJobRequest(
                        parent="projects/p-unit/locations/europe-west4",
                        pipeline_job=aiplatform_v1.PipelineJob(
                            display_name="fraud retraining",
                            template_uri=TEMPLATE,
                            runtime_config=aiplatform_v1.PipelineJob.RuntimeConfig(
                                gcs_output_directory="gs://p-unit-pipelines/fraud",
                                # Numbers and true/false go as such; the rest as text.
                                parameter_values={"dry_run": False, "region": "europe-west4", "window_days": 90},
                            ),
                            labels={"owner": "ml"},
                            encryption_spec=aiplatform_v1.EncryptionSpec(kms_key_name=KEY),
                        ),
                    ),
                ),
            ),
        )
    ]
    assert result.id == SCHEDULE_NAME


def test_schedule_update_masks_the_cron_and_pipeline() -> None:
    fake = FakeMonitoring()
    olds = schedule_props()
    news = {**olds, "cron": "0 5 * * 1", "parameters": {**olds["parameters"], "window_days": "30"}}
    PipelineScheduleProvider(fake).update(SCHEDULE_NAME, olds, news)
    (name, request), *_ = fake.calls
    assert name == "update_schedule"
    assert request.update_mask == field_mask_pb2.FieldMask(paths=["create_pipeline_job_request", "cron"])
    assert (request.schedule.name, request.schedule.cron) == (SCHEDULE_NAME, "TZ=UTC 0 5 * * 1")


def test_schedule_failures_are_clear() -> None:
    fake = FakeMonitoring(fail={"create_schedule": exceptions.PermissionDenied("aiplatform.schedules.create")})
    with pytest.raises(VertexMonitoringError, match="creating the pipeline schedule in projects/p-unit/locations"):
        PipelineScheduleProvider(fake).create(schedule_props())
    assert fake.schedules == set()
    bad = PipelineScheduleProvider(fake).check({}, {**schedule_props(), "cron": "every day", "pipeline_root": ""})
    assert [f.property for f in bad.failures] == ["cron", "pipeline_root"]
