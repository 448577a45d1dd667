"""Vertex AI model deployment monitoring of an endpoint, with a log-based alert and optional scheduled retraining.

Vertex AI runs one ``ModelDeploymentMonitoringJob`` per endpoint (:class:`VertexModelMonitoringJob`): an objective
config per monitored deployed model (skew against its training data and drift between windows, with the data
drift threshold), every N hours over a window of days, sampling the endpoint's requests, alerting the stack's
notification channels, CMEK and labels. The job also writes each anomaly to Cloud Logging; a log-based alert on
those entries notifies the same channels with the ``model-drift`` runbook. With ``retraining``, a Vertex AI
schedule (:class:`VertexPipelineSchedule`) runs the compiled retraining pipeline on its cron.
"""

from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pulumi

from aiscale.components.common.customer_managed_key import GcpCustomerManagedKeyArgs
from aiscale.components.common.gcp_alerts import GcpAlertRoutingArgs, alert_policy, matched_log
from aiscale.components.common.model_monitoring import (
    DRIFT_RUNBOOK,
    MONITOR_DEFAULTS,
    ModelMonitorArgs,
    RetrainingArgs,
    check_monitor,
    schedule_kind,
)
from aiscale.components.common.options import child_options
from aiscale.components.common.tags import Labels, gcp_labels
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.components.gcp.vertex_monitoring import VertexModelMonitoringJob, VertexPipelineSchedule
from aiscale.core import monitoring
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("VertexModelMonitor")
ANOMALY_LOG = "aiplatform.googleapis.com%2Fmodel_monitoring_anomaly"
JOB_RESOURCE = "aiplatform.googleapis.com/ModelDeploymentMonitoringJob"


class VertexMonitoredDeploymentArgs(TypedDict):
    """A deployed model to monitor, and its monitor."""

    deployed_model_id: pulumi.Input[str]
    """``VertexModelDeployment.deployed_model_id``."""
    monitor: ModelMonitorArgs


class VertexModelMonitorArgs(TypedDict):
    """Arguments of :class:`VertexModelMonitor`."""

    endpoint_name: str
    """Name of the endpoint in the stack (display names, alert texts)."""
    endpoint: pulumi.Input[str]
    """Resource name of the endpoint (``projects/*/locations/*/endpoints/*``)."""
    project: str
    """Project of the endpoint."""
    region: str
    """Region of the endpoint (and of the retraining schedule)."""
    deployments: Mapping[str, VertexMonitoredDeploymentArgs]
    """The deployed models to monitor, by deployment name."""
    sampling_rate: float
    """Share of the endpoint's requests the job analyses."""
    customer_managed_key: NotRequired[GcpCustomerManagedKeyArgs]
    """Encrypts the job, its logs and the retraining runs; the Vertex AI service agent needs the key role."""
    alert_routing: NotRequired[GcpAlertRoutingArgs]
    """Alert the notification channels, and a log-based alert on anomalies with the runbook."""
    retraining: NotRequired[RetrainingArgs]
    """Run a compiled pipeline on a schedule (cron, UTC)."""
    retraining_service_account: NotRequired[pulumi.Input[str]]
    """Identity the retraining runs as (default: the Compute Engine default service account, Vertex AI's own)."""
    labels: NotRequired[Labels]
    """Labels of the monitoring job and the retraining runs."""


def _validate(args: VertexModelMonitorArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    if not args["deployments"]:
        fail("deployments", "name at least one deployed model to monitor")
    jobs = set()
    for deployment, spec in args["deployments"].items():
        monitor = spec["monitor"]
        check_monitor(COMPONENT, monitoring.VERTEX_AI, deployment, monitor)
        jobs.add(
            (
                schedule_kind(monitor["schedule"]),
                monitor["production_window_days"],
                monitor.get("paused", MONITOR_DEFAULTS["paused"]),
            )
        )
    if len(jobs) > 1:
        fail(
            "deployments",
            "Vertex AI runs one job per endpoint: give every deployment the same schedule, window and paused",
        )
    if not 0 < args["sampling_rate"] <= 1:
        fail("sampling_rate", "must be above 0 and at most 1")
    retraining = args.get("retraining")
    if retraining is not None:
        kind, value = schedule_kind(retraining["schedule"])
        if monitoring.schedule_cron(kind, value) is None:
            fail("retraining.schedule", f"every {value} hours is no cron interval (use a divisor of 24, or cron)")
        if kind == "cron" and (problem := monitoring.cron_problem(str(value))):
            fail("retraining.schedule.cron", problem)
        if not retraining.get("pipeline_root", "").startswith("gs://"):
            fail("retraining.pipeline_root", "a gs:// location where the pipeline writes its artifacts")
    gcp_labels(COMPONENT, args.get("labels"))


def _objective(spec: VertexMonitoredDeploymentArgs) -> dict[str, Any]:
    reference = spec["monitor"]["reference"]
    # check_monitor: Vertex AI compares with training data, which names its target column.
    assert "training_data" in reference and "target_column" in reference
    return {
        "deployed_model_id": spec["deployed_model_id"],
        "threshold": spec["monitor"]["signals"]["data_drift"]["threshold"],
        "features": list(spec["monitor"].get("features", [])),
        "training_data": reference["training_data"],
        "target_column": reference["target_column"],
    }


def job_props(args: VertexModelMonitorArgs) -> dict[str, Any]:
    """The monitoring job's inputs: one objective per deployed model, job-wide schedule, window and sampling."""
    first = next(iter(args["deployments"].values()))["monitor"]
    _, interval = schedule_kind(first["schedule"])
    key = args.get("customer_managed_key")
    routing = args.get("alert_routing")
    return {
        "display_name": f"{args['endpoint_name']} model monitor",
        "endpoint": args["endpoint"],
        "objectives": {deployment: _objective(spec) for deployment, spec in args["deployments"].items()},
        "monitor_interval_hours": int(interval),
        "monitor_window_days": first["production_window_days"],
        "sampling_rate": args["sampling_rate"],
        "notification_channels": list(routing["notification_channels"]) if routing is not None else [],
        "labels": dict(args.get("labels", {})),
        "kms_key_name": key["key_id"] if key is not None else None,
        "paused": first.get("paused", MONITOR_DEFAULTS["paused"]),
    }


def anomaly_filter(project: str, job_id: str) -> str:
    """The Cloud Logging entries a monitoring job writes for each anomaly it finds."""
    return (
        f'logName="projects/{project}/logs/{ANOMALY_LOG}"\n'
        f'resource.type="{JOB_RESOURCE}"\n'
        f'resource.labels.model_deployment_monitoring_job="{job_id}"'
    )


class VertexModelMonitor(pulumi.ComponentResource):
    """``<name>-job`` (monitoring job), ``<name>-alert-drift``, ``<name>-retraining``."""

    job_name: pulumi.Output[str]
    """Resource name of the monitoring job."""

    def __init__(self, name: str, args: VertexModelMonitorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts))
        _validate(args)
        # Not annotated: dynamic resources are no schema outputs.
        self.job = VertexModelMonitoringJob(f"{name}-job", job_props(args), opts=child_options(self))
        if "alert_routing" in args:
            self._alert(name, args, args["alert_routing"])
        if "retraining" in args:
            self.retraining = self._retraining(name, args, args["retraining"])

        self.job_name = self.job.job_name
        self.register_outputs({"jobName": self.job_name})

    def _alert(self, name: str, args: VertexModelMonitorArgs, routing: GcpAlertRoutingArgs) -> None:
        """``<name>-alert-drift``: every anomaly the job logs, at most one notification an hour."""
        log_filter = self.job.job_id.apply(lambda job_id: anomaly_filter(args["project"], job_id))
        alert_policy(
            name,
            alert="drift",
            runbook_page=DRIFT_RUNBOOK,
            display_name=f"{args['endpoint_name']}: model drift or skew detected",
            summary=f"The model monitoring job of endpoint {args['endpoint_name']} found features whose distance "
            "from the training data (skew) or from the previous window (drift) is above the threshold.",
            condition=matched_log("model monitoring anomaly logged", log_filter),
            severity="WARNING",
            project=args["project"],
            args=routing,
            watched=[self.job],
            labels=dict(args.get("labels", {})),
            parent=self,
            rate_limit_seconds=3600,
        )

    def _retraining(
        self, name: str, args: VertexModelMonitorArgs, retraining: RetrainingArgs
    ) -> VertexPipelineSchedule:
        """``<name>-retraining``: the compiled pipeline, run on its cron (UTC)."""
        kind, value = schedule_kind(retraining["schedule"])
        key = args.get("customer_managed_key")
        assert "pipeline_root" in retraining  # _validate: Vertex AI pipelines write under a gs:// root
        props: dict[str, Any] = {
            "display_name": f"{args['endpoint_name']} retraining",
            "location": f"projects/{args['project']}/locations/{args['region']}",
            "cron": monitoring.schedule_cron(kind, value),
            "template_uri": retraining["pipeline"],
            "pipeline_root": retraining["pipeline_root"],
            "parameters": dict(retraining.get("parameters", {})),
            "service_account": args.get("retraining_service_account"),
            "labels": dict(args.get("labels", {})),
            "kms_key_name": key["key_id"] if key is not None else None,
            "paused": False,
        }
        return VertexPipelineSchedule(f"{name}-retraining", props, opts=child_options(self))
