"""Model monitoring and workload autoscaling sections of the stack configuration, the same words on both clouds.

A ``monitoring`` block sits on an endpoint (it monitors every deployment) or on a deployment (its own). What a
platform cannot do is refused here with the valid choices, by the rules of :mod:`aiscale.core.monitoring` that the
components and the policy pack apply too.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from aiscale.core import monitoring
from aiscale.core.config.base import StrictModel, preset
from aiscale.core.config.common import KubernetesQuantity

FeatureName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$")]
"""A column of the model's inputs (or outputs)."""
ParameterName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$")]


class SignalConfig(StrictModel):
    """One monitoring signal: the metric it computes and the threshold that raises an alert."""

    metric: str | None = None
    """Azure ML: ``jensen_shannon_distance`` (default for drift), ``population_stability_index``,
    ``normalized_wasserstein_distance``, ``two_sample_kolmogorov_smirnov_test``, ``pearsons_chi_squared_test``;
    ``null_value_rate`` (default for data quality), ``data_type_error_rate``, ``out_of_bounds_rate``. Vertex AI:
    ``distribution_distance`` (its only one)."""
    threshold: float = Field(gt=0, le=1000)
    """Value of the metric above which the signal alerts."""


class SignalsConfig(StrictModel):
    """Which signals a monitor computes (at least one)."""

    data_drift: SignalConfig | None = None
    """Drift of the model's inputs from the reference data."""
    prediction_drift: SignalConfig | None = None
    """Drift of the model's outputs (Azure ML only)."""
    data_quality: SignalConfig | None = None
    """Null, out-of-range and mistyped values in the inputs (Azure ML only)."""

    @model_validator(mode="after")
    def _some(self) -> SignalsConfig:
        if not self.given():
            raise ValueError(f"give at least one of {', '.join(monitoring.SIGNALS)}")
        return self

    def given(self) -> dict[str, SignalConfig]:
        return {name: signal for name in monitoring.SIGNALS if (signal := getattr(self, name)) is not None}


class PastWindowConfig(StrictModel):
    """A fixed window of past production data (Azure ML only)."""

    start: str
    """First day, ``YYYY-MM-DD``."""
    end: str
    """Last day, ``YYYY-MM-DD``."""

    @field_validator("start", "end")
    @classmethod
    def _date(cls, value: str) -> str:
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
        return value


class ReferenceDataConfig(StrictModel):
    """What production data is compared with: the training data, or a fixed past window of production data."""

    training_data: str | None = None
    """Azure ML: a data asset (``azureml:<name>:<version>``, an MLTable); Vertex AI: ``gs://.../*.csv`` or
    ``*.jsonl``, or ``bq://<project>.<dataset>.<table>``."""
    target_column: FeatureName | None = None
    """Column of the training data the model predicts (required with ``training_data``)."""
    past_window: PastWindowConfig | None = None

    @model_validator(mode="after")
    def _one(self) -> ReferenceDataConfig:
        if (self.training_data is None) == (self.past_window is None):
            raise ValueError("give exactly one of training_data and past_window")
        if self.training_data is not None and self.target_column is None:
            raise ValueError("training_data needs target_column (the column the model predicts)")
        if self.past_window is not None and self.target_column is not None:
            raise ValueError("target_column applies to training_data")
        return self


class ScheduleConfig(StrictModel):
    """When a job runs: exactly one of every N hours, daily at an hour (UTC), or a cron expression (UTC)."""

    every_hours: int | None = Field(default=None, ge=1, le=720)
    daily_at_hour: int | None = Field(default=None, ge=0, le=23)
    cron: str | None = None
    """Five fields: minute hour day-of-month month day-of-week."""

    @model_validator(mode="after")
    def _one(self) -> ScheduleConfig:
        given = self.given()
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(monitoring.SCHEDULE_KINDS)}")
        if self.cron is not None:
            problem = monitoring.cron_problem(self.cron)
            if problem:
                raise ValueError(f"cron: {problem}")
        return self

    def given(self) -> dict[str, int | str]:
        return {kind: value for kind in monitoring.SCHEDULE_KINDS if (value := getattr(self, kind)) is not None}

    def kind(self) -> str:
        return next(iter(self.given()))

    def value(self) -> int | str:
        return self.given()[self.kind()]


class RetrainingConfig(StrictModel):
    """A retraining pipeline run on a schedule (the endpoint's monitoring block only)."""

    pipeline: str
    """Azure ML: ARM id of a pipeline job to run again (``/subscriptions/.../jobs/<name>``); Vertex AI: a compiled
    pipeline template (``gs://.../pipeline.json`` or ``https://<region>-kfp.pkg.dev/...``)."""
    schedule: ScheduleConfig
    parameters: dict[ParameterName, str | int | float | bool] = Field(default_factory=dict)
    """Pipeline parameters (Azure ML: literal inputs; Vertex AI: runtime parameter values)."""
    pipeline_root: Annotated[str, StringConstraints(pattern=r"^gs://[a-z0-9._-]{3,222}(/.*)?$")] | None = None
    """Vertex AI: where the pipeline writes its artifacts (required there)."""


class ModelMonitoringConfig(StrictModel):
    """Model monitoring of endpoint deployments: signals, reference data, schedule, sampling, retraining."""

    PLATFORM: ClassVar[str]

    signals: SignalsConfig
    features: Literal["all"] | list[FeatureName] = "all"
    """Input features the data drift and data quality signals cover: ``all`` or a list."""
    production_window_days: int = Field(default=7, ge=1, le=90)
    """Days of production data each run analyses."""
    reference: ReferenceDataConfig
    schedule: ScheduleConfig = preset(dev={"every_hours": 168}, staging={"every_hours": 24}, prod={"every_hours": 24})
    """When the monitor runs (dev: weekly, to stay cheap)."""
    sampling_rate: float = preset(dev=0.1, staging=0.25, prod=0.5, gt=0, le=1)
    """Share of requests collected for monitoring (Azure ML data collector, Vertex AI logging sample)."""
    task: Literal["classification", "regression"] = "classification"
    """What the model does (Azure ML's monitoring target)."""
    retraining: RetrainingConfig | None = None
    paused: bool = False
    """Stop the monitor's runs and keep it with its history (Azure ML disables the schedule, Vertex AI pauses the
    job). A paused monitor watches nothing: it does not count for prod's serving deployments."""

    @model_validator(mode="after")
    def _platform(self) -> ModelMonitoringConfig:
        platform = self.PLATFORM
        for name, signal in self.signals.given().items():
            problem = monitoring.signal_problem(platform, name)
            if problem:
                raise ValueError(f"signals.{name}: {problem}")
            metric = signal.metric or monitoring.DEFAULT_METRICS[platform][name]
            problem = monitoring.metric_problem(platform, name, metric) or monitoring.threshold_problem(
                metric, signal.threshold
            )
            if problem:
                raise ValueError(f"signals.{name}.{'metric' if signal.metric else 'threshold'}: {problem}")
        reference = self.reference
        if reference.training_data is not None:
            problem = monitoring.training_data_problem(platform, reference.training_data)
            if problem:
                raise ValueError(f"reference.training_data: {problem}")
        if reference.past_window is not None:
            problem = monitoring.past_window_problem(platform, reference.past_window.start, reference.past_window.end)
            if problem:
                raise ValueError(f"reference.past_window: {problem}")
        problem = monitoring.schedule_problem(platform, self.schedule.kind())
        if problem:
            raise ValueError(f"schedule.{self.schedule.kind()}: {problem}")
        return self

    def signal_metrics(self) -> dict[str, tuple[str, float]]:
        """Each signal's metric (the platform default when unset) and threshold."""
        defaults = monitoring.DEFAULT_METRICS[self.PLATFORM]
        return {
            name: (signal.metric or defaults[name], signal.threshold) for name, signal in self.signals.given().items()
        }

    def job_settings(self) -> tuple[object, ...]:
        """What a job-wide monitor shares across deployments (Vertex AI runs one job per endpoint)."""
        return (self.schedule, self.production_window_days, self.sampling_rate, self.paused)


class AzureModelMonitoringConfig(ModelMonitoringConfig):
    """Azure ML model monitoring: a data collector on the deployment and a monitor schedule on serverless Spark."""

    PLATFORM = monitoring.AZURE_ML

    rolling_rate: Literal["Minute", "Hour", "Day"] = "Hour"
    """How often the data collector starts a new folder of collected data."""
    spark_instance_type: Literal[
        "standard_e4s_v3", "standard_e8s_v3", "standard_e16s_v3", "standard_e32s_v3", "standard_e64s_v3"
    ] = preset(dev="standard_e4s_v3", staging="standard_e4s_v3", prod="standard_e8s_v3")
    """Serverless Spark pool of the monitoring job."""

    @model_validator(mode="after")
    def _retraining_pipeline(self) -> AzureModelMonitoringConfig:
        if self.retraining is not None:
            problem = monitoring.azure_pipeline_job_problem(self.retraining.pipeline)
            if problem:
                raise ValueError(f"retraining.pipeline: {problem}")
            if self.retraining.pipeline_root is not None:
                raise ValueError(
                    "retraining.pipeline_root: applies to Vertex AI (Azure ML jobs write to the workspace)"
                )
        return self


class VertexModelMonitoringConfig(ModelMonitoringConfig):
    """Vertex AI model deployment monitoring: request logging to BigQuery and one monitoring job per endpoint."""

    PLATFORM = monitoring.VERTEX_AI

    @model_validator(mode="after")
    def _retraining_schedule(self) -> VertexModelMonitoringConfig:
        retraining = self.retraining
        if retraining is None:
            return self
        schedule = retraining.schedule
        if monitoring.schedule_cron(schedule.kind(), schedule.value()) is None:
            raise ValueError(
                f"retraining.schedule.every_hours: Vertex AI schedules take cron: {schedule.value()} hours is no "
                "cron interval (use a divisor of 24, 168, daily_at_hour or cron)"
            )
        if retraining.pipeline_root is None:
            raise ValueError("retraining.pipeline_root: required on Vertex AI (where the pipeline writes artifacts)")
        if not retraining.pipeline.startswith(("gs://", "https://")):
            raise ValueError(
                "retraining.pipeline: a compiled pipeline template on Vertex AI (gs://.../pipeline.json or an "
                "Artifact Registry https://<region>-kfp.pkg.dev/... URL)"
            )
        return self


class OffPeakScalingConfig(StrictModel):
    """Lower instance bounds during quiet hours (an Azure Monitor autoscale recurrence profile)."""

    days: list[Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]] = Field(
        min_length=1
    )
    start_hour: int = Field(ge=0, le=23)
    """Hour the off-peak bounds start (in ``time_zone``)."""
    end_hour: int = Field(ge=0, le=23)
    """Hour the normal bounds come back."""
    time_zone: str = "UTC"
    """Windows time zone name (``W. Europe Standard Time``) or ``UTC``."""
    min_instances: int = Field(ge=1, le=100)
    max_instances: int = Field(ge=1, le=100)

    @model_validator(mode="after")
    def _bounds(self) -> OffPeakScalingConfig:
        if self.min_instances > self.max_instances:
            raise ValueError(
                f"min_instances ({self.min_instances}) must not exceed max_instances ({self.max_instances})"
            )
        if self.start_hour == self.end_hour:
            raise ValueError("start_hour and end_hour must differ")
        return self


class WorkloadScalingConfig(StrictModel):
    """What a team's inference workload scales on (a KEDA Prometheus trigger on the managed Prometheus)."""

    signal: Literal["queue_depth", "gpu_utilization"] = "queue_depth"
    """``queue_depth``: requests waiting per replica; ``gpu_utilization``: DCGM GPU utilisation per replica (%)."""
    target: float = Field(gt=0, le=100_000)
    """Value per replica the autoscaler holds."""
    queue_metric: Annotated[str, StringConstraints(pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")] = (
        monitoring.DEFAULT_QUEUE_METRIC
    )
    """Gauge of waiting requests the model server exports (default: Triton's)."""
    activation_query: Annotated[str, StringConstraints(min_length=1, max_length=2000)] | None = None
    """PromQL measured outside the workload's pods (a gateway's request rate to it): above 0 it wakes a workload
    scaled to zero. Required with ``min_replicas: 0``."""


class InferenceWorkloadConfig(StrictModel):
    """A team's GPU model server on the cluster, autoscaled by KEDA."""

    image: Annotated[str, StringConstraints(pattern=r"^[a-z0-9.-]+(:[0-9]+)?/[^\s:@]+([:@][^\s]+)$")]
    """Model server image with a tag or digest."""
    gpu_pools: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,25}$")]] = Field(min_length=1)
    """GPU pools of the cluster the pods may run on."""
    min_replicas: int = Field(default=1, ge=0, le=1000)
    """0 scales to zero when idle (not in prod; needs ``scaling.activation_query``)."""
    max_replicas: int = Field(ge=1, le=1000)
    gpus_per_replica: int = Field(default=1, ge=1, le=16)
    cpu: KubernetesQuantity = "4"
    memory: KubernetesQuantity = "16Gi"
    port: int = Field(default=8000, ge=1, le=65535)
    """HTTP port of the model server (Triton: 8000)."""
    metrics_port: int = Field(default=8002, ge=1, le=65535)
    """Port of the model server's Prometheus metrics (Triton: 8002)."""
    scaling: WorkloadScalingConfig

    @model_validator(mode="after")
    def _bounds(self) -> InferenceWorkloadConfig:
        if self.min_replicas > self.max_replicas:
            raise ValueError(f"min_replicas ({self.min_replicas}) must not exceed max_replicas ({self.max_replicas})")
        if self.port == self.metrics_port:
            raise ValueError("port and metrics_port must differ")
        if self.min_replicas == 0 and self.scaling.activation_query is None:
            raise ValueError(
                "min_replicas 0 needs scaling.activation_query: with no pod running, none reports its load, so a "
                "query measured outside the pods must wake the workload"
            )
        return self


WorkloadName = Annotated[str, StringConstraints(pattern=r"^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$")]
"""A workload's name: its Deployment, Service and ScaledObject are called so in the team's namespace."""


class TeamWorkloadsConfig(StrictModel):
    """The inference workloads a team runs on the platform's cluster (both clouds)."""

    workloads: dict[WorkloadName, InferenceWorkloadConfig] = Field(default_factory=dict)
    """Model servers deployed in the team's namespace, each autoscaled by KEDA."""


def workload_problem(environment: str, teams: Mapping[str, TeamWorkloadsConfig], pools: set[str]) -> str | None:
    """A workload on a GPU pool the cluster does not have, or one that scales to zero in prod."""
    for team_name, team in teams.items():
        for name, workload in team.workloads.items():
            unknown = sorted(set(workload.gpu_pools) - pools)
            if unknown:
                return (
                    f"teams.{team_name}.workloads.{name}.gpu_pools: {unknown} are not among gpu_pools {sorted(pools)}"
                )
            problem = monitoring.scale_to_zero_problem(environment, workload.min_replicas)
            if problem:
                return f"teams.{team_name}.workloads.{name}.min_replicas: {problem}"
    return None


def mig_pool_problems(pools: Mapping[str, tuple[int, bool]], field: str) -> list[tuple[str, str]]:
    """(path, problem) of every MIG-partitioned pool that must scale up from zero: an error in prod (the cloud's
    config raises it), a warning elsewhere (:func:`aiscale.core.config.loader.stack_warnings`)."""
    found = []
    for name, (min_nodes, partitioned) in sorted(pools.items()):
        problem = monitoring.mig_scale_from_zero_problem(min_nodes, partitioned, f"gpu_pools.{name}.{field}")
        if problem:
            found.append((f"gpu_pools.{name}.min_nodes", problem))
    return found
