"""Vertex AI model deployment monitoring and scheduled retraining as IaC: Pulumi dynamic resources over
google-cloud-aiplatform, the same pattern as :mod:`aiscale.components.gcp.vertex_deployment`.

pulumi-gcp has no resource for either, so two dynamic resources fill the gap:

- :class:`VertexModelMonitoringJob` — the endpoint's ``ModelDeploymentMonitoringJob`` (Vertex AI runs one per
  endpoint): per deployed model an objective config (skew against the training data and drift between windows, a
  threshold per feature or one for all), the schedule (every N hours) and window, request sampling, alerting to
  Cloud Monitoring notification channels with anomalies written to Cloud Logging, CMEK and labels. *create* creates
  it, *update* changes it in place (``UpdateModelDeploymentMonitoringJob`` with the exact field mask) and pauses or
  resumes it (``paused``), *delete* deletes it; a new endpoint or key replaces it.
- :class:`VertexPipelineSchedule` — a Vertex AI ``Schedule`` that runs a compiled pipeline template on a cron.

Request objects are built by pure functions (``*_request``); the client only sends them. Offline runs register
the resources and call nothing. A quota, permission or timeout error ends the update with a clear message, and an
update made of several calls undoes the calls already made when a later one fails: nothing is left half done.
"""

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, ResourceProvider

from aiscale.components.gcp.vertex_deployment import error_text, failure_kind
from aiscale.core import monitoring

if TYPE_CHECKING:
    from google.cloud import aiplatform_v1

DEFAULT_TIMEOUT_SECONDS = 600.0
#: Inputs whose change replaces the job: the endpoint it watches and the key that encrypts it.
JOB_REPLACING = ("endpoint", "kms_key_name")
#: What else a job update can change, and the field mask path of each (UpdateModelDeploymentMonitoringJob).
JOB_UPDATABLE = {
    "display_name": "display_name",
    "objectives": "model_deployment_monitoring_objective_configs",
    "monitor_interval_hours": "model_deployment_monitoring_schedule_config",
    "monitor_window_days": "model_deployment_monitoring_schedule_config",
    "sampling_rate": "logging_sampling_strategy",
    "notification_channels": "model_monitoring_alert_config",
    "labels": "labels",
}
SCHEDULE_REPLACING = ("location", "kms_key_name")
SCHEDULE_UPDATABLE = {"display_name": "display_name", "cron": "cron", "pipeline": "create_pipeline_job_request"}
SCHEDULE_PIPELINE_FIELDS = ("template_uri", "pipeline_root", "parameters", "service_account", "labels")


class VertexMonitoringError(Exception):
    """A Vertex AI monitoring or schedule call failed; the message names the resource and what to do."""


def location_of(resource: str) -> str:
    """``projects/p/locations/europe-west4`` from any resource name below a location."""
    parts = resource.split("/")
    if len(parts) < 4 or parts[0] != "projects" or parts[2] != "locations":
        raise VertexMonitoringError(f"{resource!r} is not a Vertex AI resource name (projects/*/locations/*/...)")
    return "/".join(parts[:4])


# --- Request builders (pure) ---------------------------------------------------------------------------------


def _thresholds(features: Sequence[str], threshold: float) -> dict[str, Any]:
    from google.cloud import aiplatform_v1  # noqa: PLC0415

    return {name: aiplatform_v1.ThresholdConfig(value=threshold) for name in features}


def objective_config(objective: Mapping[str, Any]) -> "aiplatform_v1.ModelDeploymentMonitoringObjectiveConfig":
    """One deployed model's objectives: skew against its training data and drift between windows."""
    from google.cloud import aiplatform_v1  # noqa: PLC0415

    config = aiplatform_v1.ModelMonitoringObjectiveConfig
    threshold = float(objective["threshold"])
    features = list(objective.get("features") or [])
    default = None if features else aiplatform_v1.ThresholdConfig(value=threshold)
    uri = objective["training_data"]
    dataset = config.TrainingDataset(target_field=objective["target_column"])
    if uri.startswith("bq://"):
        dataset.bigquery_source = aiplatform_v1.BigQuerySource(input_uri=uri)
    else:
        dataset.gcs_source = aiplatform_v1.GcsSource(uris=[uri])
        dataset.data_format = "jsonl" if uri.endswith(".jsonl") else "csv"
    return aiplatform_v1.ModelDeploymentMonitoringObjectiveConfig(
        deployed_model_id=objective["deployed_model_id"],
        objective_config=config(
            training_dataset=dataset,
            training_prediction_skew_detection_config=config.TrainingPredictionSkewDetectionConfig(
                skew_thresholds=_thresholds(features, threshold), default_skew_threshold=default
            ),
            prediction_drift_detection_config=config.PredictionDriftDetectionConfig(
                drift_thresholds=_thresholds(features, threshold), default_drift_threshold=default
            ),
        ),
    )


def monitoring_job(props: Mapping[str, Any]) -> "aiplatform_v1.ModelDeploymentMonitoringJob":
    """The job the props describe (without its server-side name)."""
    from google.cloud import aiplatform_v1  # noqa: PLC0415
    from google.protobuf import duration_pb2  # noqa: PLC0415

    return aiplatform_v1.ModelDeploymentMonitoringJob(
        display_name=props["display_name"],
        endpoint=props["endpoint"],
        model_deployment_monitoring_objective_configs=[
            objective_config(objective) for _, objective in sorted((props.get("objectives") or {}).items())
        ],
        model_deployment_monitoring_schedule_config=aiplatform_v1.ModelDeploymentMonitoringScheduleConfig(
            monitor_interval=duration_pb2.Duration(seconds=int(props["monitor_interval_hours"]) * 3600),
            monitor_window=duration_pb2.Duration(seconds=int(props["monitor_window_days"]) * 86400),
        ),
        logging_sampling_strategy=aiplatform_v1.SamplingStrategy(
            random_sample_config=aiplatform_v1.SamplingStrategy.RandomSampleConfig(
                sample_rate=float(props["sampling_rate"])
            )
        ),
        # Anomalies also go to Cloud Logging: the log-based alert with the runbook link reads them.
        model_monitoring_alert_config=aiplatform_v1.ModelMonitoringAlertConfig(
            enable_logging=True, notification_channels=list(props.get("notification_channels") or [])
        ),
        labels=dict(props.get("labels") or {}),
        encryption_spec=aiplatform_v1.EncryptionSpec(kms_key_name=props["kms_key_name"])
        if props.get("kms_key_name")
        else None,
    )


def create_job_request(props: Mapping[str, Any]) -> "aiplatform_v1.CreateModelDeploymentMonitoringJobRequest":
    from google.cloud import aiplatform_v1  # noqa: PLC0415

    return aiplatform_v1.CreateModelDeploymentMonitoringJobRequest(
        parent=location_of(props["endpoint"]), model_deployment_monitoring_job=monitoring_job(props)
    )


def update_job_request(
    name: str, props: Mapping[str, Any], changed: Sequence[str]
) -> "aiplatform_v1.UpdateModelDeploymentMonitoringJobRequest":
    """An update of exactly the changed fields (the mask names each field Vertex AI lists as updatable)."""
    from google.cloud import aiplatform_v1  # noqa: PLC0415
    from google.protobuf import field_mask_pb2  # noqa: PLC0415

    job = monitoring_job(props)
    job.name = name
    paths = sorted({JOB_UPDATABLE[key] for key in changed})
    return aiplatform_v1.UpdateModelDeploymentMonitoringJobRequest(
        model_deployment_monitoring_job=job, update_mask=field_mask_pb2.FieldMask(paths=paths)
    )


def _parameter_value(text: str) -> Any:
    """A parameter as Vertex AI reads it: numbers and true/false as such, anything else as text."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return value if isinstance(value, bool | int | float) else text


def pipeline_schedule(props: Mapping[str, Any]) -> "aiplatform_v1.Schedule":
    from google.cloud import aiplatform_v1  # noqa: PLC0415

    parent = props["location"]
    return aiplatform_v1.Schedule(
        display_name=props["display_name"],
        cron=f"TZ=UTC {props['cron']}",
        max_concurrent_run_count=1,
        create_pipeline_job_request=aiplatform_v1.CreatePipelineJobRequest(
            parent=parent,
            pipeline_job=aiplatform_v1.PipelineJob(
                display_name=props["display_name"],
                template_uri=props["template_uri"],
                runtime_config=aiplatform_v1.PipelineJob.RuntimeConfig(
                    gcs_output_directory=props["pipeline_root"],
                    parameter_values={
                        key: _parameter_value(str(value))
                        for key, value in sorted((props.get("parameters") or {}).items())
                    },
                ),
                service_account=props.get("service_account") or "",
                labels=dict(props.get("labels") or {}),
                encryption_spec=aiplatform_v1.EncryptionSpec(kms_key_name=props["kms_key_name"])
                if props.get("kms_key_name")
                else None,
            ),
        ),
    )


def create_schedule_request(props: Mapping[str, Any]) -> "aiplatform_v1.CreateScheduleRequest":
    from google.cloud import aiplatform_v1  # noqa: PLC0415

    return aiplatform_v1.CreateScheduleRequest(parent=props["location"], schedule=pipeline_schedule(props))


def update_schedule_request(
    name: str, props: Mapping[str, Any], changed: Sequence[str]
) -> "aiplatform_v1.UpdateScheduleRequest":
    from google.cloud import aiplatform_v1  # noqa: PLC0415
    from google.protobuf import field_mask_pb2  # noqa: PLC0415

    schedule = pipeline_schedule(props)
    schedule.name = name
    paths = sorted({SCHEDULE_UPDATABLE[key] for key in changed})
    return aiplatform_v1.UpdateScheduleRequest(schedule=schedule, update_mask=field_mask_pb2.FieldMask(paths=paths))


# --- The client -----------------------------------------------------------------------------------------------


class MonitoringClient(Protocol):
    """The Vertex AI calls the providers make. Long-running calls block until done or ``timeout``."""

    def create_job(self, request: Any) -> str:
        """The new job's resource name."""
        ...

    def update_job(self, request: Any, timeout: float) -> None: ...

    def pause_job(self, name: str) -> None: ...

    def resume_job(self, name: str) -> None: ...

    def delete_job(self, name: str, timeout: float) -> None: ...

    def job_paused(self, name: str) -> bool: ...

    def create_schedule(self, request: Any) -> str:
        """The new schedule's resource name."""
        ...

    def update_schedule(self, request: Any) -> None: ...

    def pause_schedule(self, name: str) -> None: ...

    def resume_schedule(self, name: str) -> None: ...

    def delete_schedule(self, name: str, timeout: float) -> None: ...


class AiplatformMonitoringClient:
    """The real client: JobService and ScheduleService on the location's regional API, with Application Default
    Credentials (``gcloud auth application-default login``, workload identity federation in CI)."""

    def __init__(self, location: str) -> None:
        from google.cloud import aiplatform_v1  # noqa: PLC0415

        options = {"api_endpoint": f"{location.split('/')[3]}-aiplatform.googleapis.com"}
        self.jobs = aiplatform_v1.JobServiceClient(client_options=options)
        self.schedules = aiplatform_v1.ScheduleServiceClient(client_options=options)

    def create_job(self, request: Any) -> str:
        return str(self.jobs.create_model_deployment_monitoring_job(request=request).name)

    def update_job(self, request: Any, timeout: float) -> None:
        self.jobs.update_model_deployment_monitoring_job(request=request).result(timeout=timeout)

    def pause_job(self, name: str) -> None:
        self.jobs.pause_model_deployment_monitoring_job(name=name)

    def resume_job(self, name: str) -> None:
        self.jobs.resume_model_deployment_monitoring_job(name=name)

    def delete_job(self, name: str, timeout: float) -> None:
        self.jobs.delete_model_deployment_monitoring_job(name=name).result(timeout=timeout)

    def job_paused(self, name: str) -> bool:
        from google.cloud import aiplatform_v1  # noqa: PLC0415

        state = self.jobs.get_model_deployment_monitoring_job(name=name).state
        return bool(state == aiplatform_v1.JobState.JOB_STATE_PAUSED)

    def create_schedule(self, request: Any) -> str:
        return str(self.schedules.create_schedule(request=request).name)

    def update_schedule(self, request: Any) -> None:
        self.schedules.update_schedule(request=request)

    def pause_schedule(self, name: str) -> None:
        self.schedules.pause_schedule(name=name)

    def resume_schedule(self, name: str) -> None:
        self.schedules.resume_schedule(name=name)

    def delete_schedule(self, name: str, timeout: float) -> None:
        self.schedules.delete_schedule(name=name).result(timeout=timeout)


def _describe(error: BaseException, what: str, where: str, timeout: float) -> VertexMonitoringError:
    """A failure as the user should read it, with what to do next."""
    kind = failure_kind(error)
    if kind == "quota":
        return VertexMonitoringError(
            f"{what} {where}: quota exhausted ({error_text(error)}); Vertex AI limits monitoring jobs and schedules "
            "per project and region: request more quota or remove unused ones"
        )
    if kind == "permission":
        return VertexMonitoringError(
            f"{what} {where}: permission denied ({error_text(error)}); the deploying identity needs Vertex AI "
            "Administrator (roles/aiplatform.admin) or the matching aiplatform.* permissions"
        )
    if kind == "timeout":
        return VertexMonitoringError(
            f"{what} {where}: did not finish within {timeout:g} s; the operation may still complete in Vertex AI — "
            "check it, then run `pulumi refresh` and `pulumi up` again"
        )
    return VertexMonitoringError(f"{what} {where}: {error_text(error)}")


Step = tuple[str, Callable[[], None], Callable[[], None] | None]
"""What a step does, how, and how to undo it."""


def run_steps(steps: Sequence[Step], where: str, timeout: float) -> None:
    """Run the steps in order; when one fails, undo those already done (last first) and raise a clear error."""
    done: list[Step] = []
    for step in steps:
        what, do, _undo = step
        try:
            do()
        except Exception as error:
            failures = []
            for undo_what, _, undo in reversed(done):
                if undo is None:
                    continue
                try:
                    undo()
                except Exception as cleanup:
                    failures.append(f"undoing {undo_what} failed too ({error_text(cleanup)})")
            described = _describe(error, what, where, timeout)
            note = "; ".join(failures) if failures else "nothing was changed" if not done else "earlier steps undone"
            raise VertexMonitoringError(f"{described}. {note[0].upper()}{note[1:]}.") from None
        done.append(step)


def _normal(value: Any) -> Any:
    """Numbers arrive as floats or ints depending on where they were last serialised: 2.0 and 2 are the same."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {key: _normal(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_normal(item) for item in value]
    return value


def _changed(olds: Mapping[str, Any], news: Mapping[str, Any], keys: Sequence[str]) -> list[str]:
    return [key for key in keys if _normal(olds.get(key)) != _normal(news.get(key))]


class _Provider(ResourceProvider):
    def __init__(
        self, client: MonitoringClient | None = None, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    ) -> None:
        super().__init__()
        self.client = client
        self.timeout_seconds = timeout_seconds

    def _active(self, location: str) -> MonitoringClient:
        return self.client if self.client is not None else AiplatformMonitoringClient(location)


class MonitoringJobProvider(_Provider):
    """CRUD of an endpoint's model deployment monitoring job."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        if not news.get("objectives"):
            failures.append(CheckFailure("objectives", "monitor at least one deployed model"))
        if not 1 <= int(news.get("monitor_interval_hours") or 0) <= 720:
            failures.append(CheckFailure("monitor_interval_hours", "must be 1 to 720 hours"))
        if not 0 < float(news.get("sampling_rate") or 0) <= 1:
            failures.append(CheckFailure("sampling_rate", "must be above 0 and at most 1"))
        for deployment, objective in (news.get("objectives") or {}).items():
            problem = monitoring.threshold_problem("distribution_distance", float(objective.get("threshold") or 0))
            if problem:
                failures.append(CheckFailure(f"objectives.{deployment}.threshold", problem))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = _changed(olds, news, JOB_REPLACING)
        changed = replaces + _changed(olds, news, [*JOB_UPDATABLE, "paused"])
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=True)

    def create(self, props: dict[str, Any]) -> CreateResult:
        client = self._active(props["endpoint"])
        created: dict[str, str] = {}
        steps: list[Step] = [
            (
                "creating the model monitoring job",
                lambda: created.update(name=client.create_job(create_job_request(props))),
                lambda: client.delete_job(created["name"], self.timeout_seconds),
            )
        ]
        if props.get("paused"):
            steps.append(("pausing the new model monitoring job", lambda: client.pause_job(created["name"]), None))
        run_steps(steps, f"for endpoint {props['endpoint']}", self.timeout_seconds)
        name = created["name"]
        return CreateResult(name, {**props, "job_name": name, "job_id": name.rsplit("/", 1)[-1]})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> Any:
        from pulumi.dynamic import UpdateResult  # noqa: PLC0415

        client = self._active(news["endpoint"])
        changed = _changed(olds, news, list(JOB_UPDATABLE))
        steps: list[Step] = []
        pausing = bool(news.get("paused")) and not olds.get("paused")
        resuming = not news.get("paused") and bool(olds.get("paused"))
        if pausing:
            steps.append(
                ("pausing the model monitoring job", lambda: client.pause_job(id_), lambda: client.resume_job(id_))
            )
        if changed:
            steps.append(
                (
                    "updating the model monitoring job",
                    lambda: client.update_job(update_job_request(id_, news, changed), self.timeout_seconds),
                    lambda: client.update_job(update_job_request(id_, olds, changed), self.timeout_seconds),
                )
            )
        if resuming:
            steps.append(("resuming the model monitoring job", lambda: client.resume_job(id_), None))
        run_steps(steps, f"{id_}", self.timeout_seconds)
        return UpdateResult({**news, "job_name": id_, "job_id": id_.rsplit("/", 1)[-1]})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        paused = self._active(props["endpoint"]).job_paused(id_)
        return ReadResult(id_, {**props, "paused": paused})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        try:
            self._active(props["endpoint"]).delete_job(id_, self.timeout_seconds)
        except Exception as error:
            raise _describe(error, "deleting the model monitoring job", id_, self.timeout_seconds) from None


class PipelineScheduleProvider(_Provider):
    """CRUD of a schedule that runs a compiled pipeline."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        problem = monitoring.cron_problem(str(news.get("cron") or ""))
        if problem:
            failures.append(CheckFailure("cron", problem))
        if not str(news.get("pipeline_root") or "").startswith("gs://"):
            failures.append(CheckFailure("pipeline_root", "a gs:// location for the pipeline's artifacts"))
        return CheckResult(news, failures)

    @staticmethod
    def _changes(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
        changed = _changed(olds, news, ["display_name", "cron"])
        if _changed(olds, news, SCHEDULE_PIPELINE_FIELDS):
            changed.append("pipeline")
        return changed

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = _changed(olds, news, SCHEDULE_REPLACING)
        changed = replaces + self._changes(olds, news) + _changed(olds, news, ["paused"])
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=True)

    def create(self, props: dict[str, Any]) -> CreateResult:
        client = self._active(props["location"])
        created: dict[str, str] = {}
        steps: list[Step] = [
            (
                "creating the pipeline schedule",
                lambda: created.update(name=client.create_schedule(create_schedule_request(props))),
                lambda: client.delete_schedule(created["name"], self.timeout_seconds),
            )
        ]
        if props.get("paused"):
            steps.append(("pausing the new pipeline schedule", lambda: client.pause_schedule(created["name"]), None))
        run_steps(steps, f"in {props['location']}", self.timeout_seconds)
        return CreateResult(created["name"], {**props, "schedule_name": created["name"]})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> Any:
        from pulumi.dynamic import UpdateResult  # noqa: PLC0415

        client = self._active(news["location"])
        changed = self._changes(olds, news)
        steps: list[Step] = []
        if news.get("paused") and not olds.get("paused"):
            steps.append(
                (
                    "pausing the pipeline schedule",
                    lambda: client.pause_schedule(id_),
                    lambda: client.resume_schedule(id_),
                )
            )
        if changed:
            steps.append(
                (
                    "updating the pipeline schedule",
                    lambda: client.update_schedule(update_schedule_request(id_, news, changed)),
                    lambda: client.update_schedule(update_schedule_request(id_, olds, changed)),
                )
            )
        if not news.get("paused") and olds.get("paused"):
            steps.append(("resuming the pipeline schedule", lambda: client.resume_schedule(id_), None))
        run_steps(steps, id_, self.timeout_seconds)
        return UpdateResult({**news, "schedule_name": id_})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        try:
            self._active(props["location"]).delete_schedule(id_, self.timeout_seconds)
        except Exception as error:
            raise _describe(error, "deleting the pipeline schedule", id_, self.timeout_seconds) from None


class VertexModelMonitoringJob(pulumi.dynamic.Resource, module="vertex", name="ModelMonitoringJob"):
    """An endpoint's model deployment monitoring job (``pulumi-python:dynamic/vertex:ModelMonitoringJob``)."""

    job_name: pulumi.Output[str]
    """Resource name (``projects/*/locations/*/modelDeploymentMonitoringJobs/<id>``)."""
    job_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        props: Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
        provider: MonitoringJobProvider | None = None,
    ) -> None:
        super().__init__(provider or MonitoringJobProvider(), name, {**props, "job_name": None, "job_id": None}, opts)


class VertexPipelineSchedule(pulumi.dynamic.Resource, module="vertex", name="PipelineSchedule"):
    """A schedule running a compiled pipeline (``pulumi-python:dynamic/vertex:PipelineSchedule``)."""

    schedule_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        props: Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
        provider: PipelineScheduleProvider | None = None,
    ) -> None:
        super().__init__(provider or PipelineScheduleProvider(), name, {**props, "schedule_name": None}, opts)
