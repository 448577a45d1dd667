"""Azure ML model monitoring of an online endpoint's deployments, as configuration.

Per monitored deployment a ``machinelearningservices.Schedule`` with a create-monitor action: the deployment and
its model as the monitoring target, the signals with their thresholds (data drift and data quality on the collected
model inputs, prediction drift on the outputs) against the training data or a fixed past window, serverless Spark
running as the workspace's jobs identity (``MlWorkspace`` with ``model_monitoring``: attached to the workspace,
holding *AzureML Data Scientist* on it and *Storage Blob Data Contributor* on its storage), and e-mail
notification.

Azure ML notifies monitors by e-mail only (its GA API has no other notification type). The Azure Monitor path is
Event Grid: the workspace's system topic publishes ``RunStatusChanged``, and a subscription filtered on the tag a
monitor run sets when a threshold is breached (``azureml_modelmonitor_threshold_breached``) fires an Azure Monitor
alert through the stack's action group, with the ``model-drift`` runbook. An optional retraining ``Schedule`` runs a
referenced pipeline job again on its own schedule. :func:`monitor_spec` and :func:`retraining_spec` render the same
schedules as Azure ML YAML specs, which the tests load with azure-ai-ml's own loader.
"""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi_azure_native import eventgrid, machinelearningservices

from aiscale.components.common.azure_alerts import AzureAlertRoutingArgs, runbook
from aiscale.components.common.defaults import declare
from aiscale.components.common.model_monitoring import (
    DRIFT_RUNBOOK,
    MONITOR_DEFAULTS,
    ModelMonitorArgs,
    MonitorScheduleArgs,
    RetrainingArgs,
    check_monitor,
    schedule_kind,
)
from aiscale.components.common.options import child_options
from aiscale.components.common.tags import Tags, azure_tags
from aiscale.components.common.type_tokens import component_options, type_token
from aiscale.core import monitoring
from aiscale.core.errors import InvalidArgumentError

COMPONENT = type_token("AzureModelMonitor")
SPARK_RUNTIME = "3.4"
#: Event Grid publishes a monitor run's status change; a breached threshold shows in this run tag.
RUN_STATUS_CHANGED = "Microsoft.MachineLearningServices.RunStatusChanged"
BREACH_TAG = "data.RunTags.azureml_modelmonitor_threshold_breached"
BREACH_TEXT = "has failed due to one or more features violating metric thresholds"
#: Azure ML's e-mail recipient list holds at most 499 characters in total.
MAX_EMAIL_CHARACTERS = 499
_SIGNAL_TYPES = {"data_drift": "DataDrift", "prediction_drift": "PredictionDrift", "data_quality": "DataQuality"}
_THRESHOLDS = {
    ("data_drift", monitoring.NUMERICAL): machinelearningservices.NumericalDataDriftMetricThresholdArgs,
    ("data_drift", monitoring.CATEGORICAL): machinelearningservices.CategoricalDataDriftMetricThresholdArgs,
    ("prediction_drift", monitoring.NUMERICAL): machinelearningservices.NumericalPredictionDriftMetricThresholdArgs,
    ("prediction_drift", monitoring.CATEGORICAL): machinelearningservices.CategoricalPredictionDriftMetricThresholdArgs,
    ("data_quality", monitoring.NUMERICAL): machinelearningservices.NumericalDataQualityMetricThresholdArgs,
    ("data_quality", monitoring.CATEGORICAL): machinelearningservices.CategoricalDataQualityMetricThresholdArgs,
}


class CollectedDataArgs(TypedDict):
    """The data assets a deployment's data collector writes (``OnlineEndpoint.collected_data``)."""

    model_inputs: pulumi.Input[str]
    """ARM id of the model inputs data asset."""
    model_outputs: pulumi.Input[str]
    """ARM id of the model outputs data asset."""


class MonitoredDeploymentArgs(TypedDict):
    """A deployment to monitor, and what it is."""

    deployment_id: pulumi.Input[str]
    """ARM id of the online deployment."""
    model_id: NotRequired[pulumi.Input[str]]
    """ARM id of the model version it serves."""
    collected_data: CollectedDataArgs
    monitor: ModelMonitorArgs


class AzureModelMonitorArgs(TypedDict):
    """Arguments of :class:`AzureModelMonitor`."""

    endpoint_name: str
    """The online endpoint whose deployments are monitored."""
    workspace_name: pulumi.Input[str]
    """Azure ML workspace of the endpoint."""
    compute_identity_id: pulumi.Input[str]
    """ARM id of the user-assigned identity the monitoring jobs run as (``MlWorkspace.jobs_identity_id``)."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the workspace."""
    location: pulumi.Input[str]
    """Region of the workspace."""
    subscription_id: pulumi.Input[str]
    """Subscription of the workspace (ARM ids of data assets are built from it)."""
    deployments: Mapping[str, MonitoredDeploymentArgs]
    """The deployments to monitor, by deployment name."""
    alert_emails: Sequence[str]
    """Who Azure ML e-mails when a threshold is breached."""
    spark_instance_type: NotRequired[str]
    """Serverless Spark pool of the monitoring jobs."""
    alert_routing: NotRequired[AzureAlertRoutingArgs]
    """Also raise an Azure Monitor alert through the action group (needs ``events_topic_name``)."""
    events_topic_name: NotRequired[pulumi.Input[str]]
    """Event Grid system topic of the workspace (``MlWorkspace.events_topic_name``)."""
    retraining: NotRequired[RetrainingArgs]
    """Run a pipeline job again on a schedule."""
    tags: NotRequired[Tags]
    """Tags of the schedules."""


DEFAULTS = declare(AzureModelMonitorArgs, spark_instance_type=monitoring.AZURE_SPARK_INSTANCE_TYPES[0])
"""Defaults of the optional args of ``AzureModelMonitorArgs`` (the smallest Spark pool)."""


def _validate(args: AzureModelMonitorArgs) -> None:
    def fail(argument: str, problem: str) -> None:
        raise InvalidArgumentError(COMPONENT, argument, problem)

    if not args["deployments"]:
        fail("deployments", "name at least one deployment to monitor")
    for deployment, spec in args["deployments"].items():
        check_monitor(COMPONENT, monitoring.AZURE_ML, deployment, spec["monitor"])
    if not args["alert_emails"]:
        fail("alert_emails", "Azure ML notifies monitors by e-mail: give at least one address")
    if len(";".join(args["alert_emails"])) > MAX_EMAIL_CHARACTERS:
        fail("alert_emails", f"Azure ML takes at most {MAX_EMAIL_CHARACTERS} characters of recipients in total")
    instance_type = args.get("spark_instance_type", DEFAULTS["spark_instance_type"])
    if instance_type not in monitoring.AZURE_SPARK_INSTANCE_TYPES:
        fail(
            "spark_instance_type", f"{instance_type!r} is not one of {', '.join(monitoring.AZURE_SPARK_INSTANCE_TYPES)}"
        )
    if "alert_routing" in args and "events_topic_name" not in args:
        fail("events_topic_name", "the Azure Monitor alert subscribes to the workspace's Event Grid system topic")
    retraining = args.get("retraining")
    if retraining is not None:
        problem = monitoring.azure_pipeline_job_problem(retraining["pipeline"])
        if problem:
            fail("retraining.pipeline", problem)
        kind, value = schedule_kind(retraining["schedule"])
        if kind == "cron" and (problem := monitoring.cron_problem(str(value))):
            fail("retraining.schedule.cron", problem)
    azure_tags(COMPONENT, args.get("tags"))


def schedule_name(endpoint: str, deployment: str) -> str:
    """Azure ML name of a deployment's monitor schedule (the Event Grid filter matches it)."""
    return f"{endpoint}-{deployment}-monitor"


def _trigger(schedule: MonitorScheduleArgs) -> Any:
    kind, value = schedule_kind(schedule)
    if kind == "cron":
        return machinelearningservices.CronTriggerArgs(trigger_type="Cron", expression=str(value), time_zone="UTC")
    if kind == "daily_at_hour":
        return machinelearningservices.RecurrenceTriggerArgs(
            trigger_type="Recurrence",
            frequency="Day",
            interval=1,
            schedule=machinelearningservices.RecurrenceScheduleArgs(hours=[int(value)], minutes=[0]),
            time_zone="UTC",
        )
    return machinelearningservices.RecurrenceTriggerArgs(
        trigger_type="Recurrence", frequency="Hour", interval=int(value), time_zone="UTC"
    )


def _window(days: int) -> str:
    return f"P{days}D"


def data_asset_uri(asset_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """A data asset as a monitoring input: ``azureml:`` and its ARM id (what azure-ai-ml resolves references to)."""
    return pulumi.Output.concat("azureml:", asset_id)


def training_data_uri(subscription_id: str, resource_group: str, workspace: str, reference: str) -> str:
    """``azureml:<name>:<version>`` as the ``azureml:`` ARM id form of the workspace's data asset."""
    if reference.startswith("/subscriptions/"):
        return f"azureml:{reference}"
    _, name, version = reference.split(":")
    return (
        f"azureml:/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/"
        f"Microsoft.MachineLearningServices/workspaces/{workspace}/data/{name}/versions/{version}"
    )


def model_asset_id(subscription_id: str, resource_group: str, workspace: str, reference: str) -> str:
    """The ARM id of a model version given as ``azureml:<name>:<version>`` (an ARM id stays as it is)."""
    if reference.startswith("/subscriptions/"):
        return reference
    _, name, version = reference.split(":")
    return (
        f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/"
        f"Microsoft.MachineLearningServices/workspaces/{workspace}/models/{name}/versions/{version}"
    )


class AzureModelMonitor(pulumi.ComponentResource):
    """``<name>-<deployment>`` (monitor schedule) and ``<name>-<deployment>-alert`` per monitored deployment,
    ``<name>-retraining``."""

    schedules: dict[str, machinelearningservices.Schedule]
    """The monitor schedule of each deployment."""
    schedule_ids: pulumi.Output[dict[str, str]]

    def __init__(self, name: str, args: AzureModelMonitorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, component_options(opts))
        _validate(args)
        self.schedules = {
            deployment: self._monitor(name, deployment, spec, args) for deployment, spec in args["deployments"].items()
        }
        if "alert_routing" in args:
            for deployment in args["deployments"]:
                self._alert(name, deployment, args, args["alert_routing"])
        if "retraining" in args:
            self._retraining(name, args, args["retraining"])

        self.schedule_ids = pulumi.Output.all(
            **{deployment: schedule.id for deployment, schedule in self.schedules.items()}
        )
        self.register_outputs({"scheduleIds": self.schedule_ids})

    def _monitor(
        self,
        name: str,
        deployment: str,
        spec: MonitoredDeploymentArgs,
        args: AzureModelMonitorArgs,
    ) -> machinelearningservices.Schedule:
        """``<name>-<deployment>``: the monitor schedule of one deployment."""
        monitor = spec["monitor"]
        return machinelearningservices.Schedule(
            f"{name}-{deployment}",
            name=schedule_name(args["endpoint_name"], deployment),
            workspace_name=args["workspace_name"],
            resource_group_name=args["resource_group_name"],
            properties=machinelearningservices.SchedulePropertiesArgs(
                display_name=f"{args['endpoint_name']}/{deployment} model monitor",
                description=f"aiscale model monitor of deployment {deployment} of endpoint {args['endpoint_name']}",
                is_enabled=not monitor.get("paused", MONITOR_DEFAULTS["paused"]),
                trigger=_trigger(monitor["schedule"]),
                action=machinelearningservices.CreateMonitorActionArgs(
                    action_type="CreateMonitor",
                    monitor_definition=machinelearningservices.MonitorDefinitionArgs(
                        compute_configuration=machinelearningservices.MonitorServerlessSparkComputeArgs(
                            compute_type="ServerlessSpark",
                            instance_type=args.get("spark_instance_type", DEFAULTS["spark_instance_type"]),
                            runtime_version=SPARK_RUNTIME,
                            compute_identity=machinelearningservices.ManagedComputeIdentityArgs(
                                compute_identity_type="ManagedIdentity",
                                identity=machinelearningservices.ManagedServiceIdentityArgs(
                                    type="UserAssigned", user_assigned_identities=[args["compute_identity_id"]]
                                ),
                            ),
                        ),
                        monitoring_target=machinelearningservices.MonitoringTargetArgs(
                            task_type=monitor.get("task", MONITOR_DEFAULTS["task"]).capitalize(),
                            deployment_id=spec["deployment_id"],
                            model_id=spec.get("model_id"),
                        ),
                        signals={
                            signal: self._signal(signal, metric_spec["metric"], metric_spec["threshold"], spec, args)
                            for signal, metric_spec in monitor["signals"].items()
                        },
                        alert_notification_settings=machinelearningservices.MonitorNotificationSettingsArgs(
                            email_notification_settings=machinelearningservices.MonitorEmailNotificationSettingsArgs(
                                emails=list(args["alert_emails"])
                            )
                        ),
                    ),
                ),
                tags=args.get("tags"),
            ),
            opts=child_options(self),
        )

    def _signal(
        self, signal: str, metric: str, threshold: float, spec: MonitoredDeploymentArgs, args: AzureModelMonitorArgs
    ) -> Any:
        """One signal: production data (inputs, or outputs for prediction drift), reference, features, thresholds."""
        monitor = spec["monitor"]
        context = "model_outputs" if signal == "prediction_drift" else "model_inputs"
        collected_data = spec["collected_data"]
        collected = data_asset_uri(
            collected_data["model_outputs"] if signal == "prediction_drift" else collected_data["model_inputs"]
        )
        production = machinelearningservices.RollingInputDataArgs(
            input_data_type="Rolling",
            job_input_type="uri_folder",
            uri=collected,
            data_context=context,
            window_size=_window(monitor["production_window_days"]),
            window_offset="P0D",
        )
        reference = self._reference(monitor, collected, context, args)
        thresholds = [
            _THRESHOLDS[(signal, data_type)](
                data_type=data_type.capitalize(),
                metric=_pascal(metric),
                threshold=machinelearningservices.MonitoringThresholdArgs(value=threshold),
            )
            for data_type in monitoring.metric_data_types(monitoring.AZURE_ML, signal, metric)
        ]
        common: dict[str, Any] = {
            "signal_type": _SIGNAL_TYPES[signal],
            "production_data": production,
            "reference_data": reference,
            "metric_thresholds": thresholds,
            "notification_types": ["AmlNotification"],
        }
        if signal == "prediction_drift":
            return machinelearningservices.PredictionDriftMonitoringSignalArgs(**common)
        features = monitor.get("features")
        common["features"] = (
            machinelearningservices.FeatureSubsetArgs(filter_type="FeatureSubset", features=list(features))
            if features
            else machinelearningservices.AllFeaturesArgs(filter_type="AllFeatures")
        )
        if signal == "data_drift":
            return machinelearningservices.DataDriftMonitoringSignalArgs(**common)
        return machinelearningservices.DataQualityMonitoringSignalArgs(**common)

    @staticmethod
    def _reference(
        monitor: ModelMonitorArgs, collected: pulumi.Input[str], context: str, args: AzureModelMonitorArgs
    ) -> Any:
        """The training data (an MLTable with its target column), or a fixed window of the collected data."""
        reference = monitor["reference"]
        if "training_data" in reference:
            uri = pulumi.Output.all(args["subscription_id"], args["resource_group_name"], args["workspace_name"]).apply(
                lambda parts: training_data_uri(parts[0], parts[1], parts[2], reference["training_data"])
            )
            assert "target_column" in reference  # check_monitor: training data names its target column
            return machinelearningservices.FixedInputDataArgs(
                input_data_type="Fixed",
                job_input_type="mltable",
                uri=uri,
                data_context="training",
                columns={"target_column": reference["target_column"]},
            )
        assert "window_start" in reference and "window_end" in reference  # check_monitor: one of the two
        return machinelearningservices.StaticInputDataArgs(
            input_data_type="Static",
            job_input_type="uri_folder",
            uri=collected,
            data_context=context,
            window_start=f"{reference['window_start']}T00:00:00Z",
            window_end=f"{reference['window_end']}T00:00:00Z",
        )

    def _alert(self, name: str, deployment: str, args: AzureModelMonitorArgs, routing: AzureAlertRoutingArgs) -> None:
        """``<name>-<deployment>-alert``: a breached threshold of this monitor becomes an Azure Monitor alert."""
        monitor_name = schedule_name(args["endpoint_name"], deployment)
        schedule = self.schedules[deployment]
        assert "events_topic_name" in args  # _validate: alert routing subscribes to the workspace's topic
        eventgrid.SystemTopicEventSubscription(
            f"{name}-{deployment}-alert",
            event_subscription_name=f"{monitor_name}-drift",
            system_topic_name=args["events_topic_name"],
            resource_group_name=args["resource_group_name"],
            event_delivery_schema="CloudEventSchemaV1_0",
            filter=eventgrid.EventSubscriptionFilterArgs(
                included_event_types=[RUN_STATUS_CHANGED],
                # Both must hold: the run breached a threshold, and it is this monitor's run.
                advanced_filters=[
                    eventgrid.StringContainsAdvancedFilterArgs(
                        operator_type="StringContains", key=BREACH_TAG, values=[BREACH_TEXT]
                    ),
                    eventgrid.StringContainsAdvancedFilterArgs(
                        operator_type="StringContains", key=BREACH_TAG, values=[monitor_name]
                    ),
                ],
            ),
            destination=eventgrid.MonitorAlertEventSubscriptionDestinationArgs(
                endpoint_type="MonitorAlert",
                action_groups=[routing["action_group_id"]],
                severity="Sev2",
                description=(
                    f"Model monitor {monitor_name} of deployment {deployment} (endpoint {args['endpoint_name']}) "
                    f"breached a drift or data quality threshold. Runbook: {runbook(routing, DRIFT_RUNBOOK)}"
                ),
            ),
            opts=child_options(self, depends_on=[schedule]),
        )

    def _retraining(self, name: str, args: AzureModelMonitorArgs, retraining: RetrainingArgs) -> None:
        """``<name>-retraining``: the referenced pipeline job, run again on its schedule."""
        machinelearningservices.Schedule(
            f"{name}-retraining",
            name=f"{args['endpoint_name']}-retraining",
            workspace_name=args["workspace_name"],
            resource_group_name=args["resource_group_name"],
            properties=machinelearningservices.SchedulePropertiesArgs(
                display_name=f"{args['endpoint_name']} retraining",
                description=f"aiscale: retrain the model of endpoint {args['endpoint_name']}",
                is_enabled=True,
                trigger=_trigger(retraining["schedule"]),
                action=machinelearningservices.JobScheduleActionArgs(
                    action_type="CreateJob",
                    job_definition=machinelearningservices.PipelineJobArgs(
                        job_type="Pipeline",
                        source_job_id=retraining["pipeline"],
                        inputs={
                            key: machinelearningservices.LiteralJobInputArgs(job_input_type="literal", value=value)
                            for key, value in sorted(retraining.get("parameters", {}).items())
                        }
                        or None,
                    ),
                ),
                tags=args.get("tags"),
            ),
            opts=child_options(self),
        )


def _pascal(snake: str) -> str:
    """``jensen_shannon_distance`` → ``JensenShannonDistance`` (the ARM enum names of azure-ai-ml's metrics)."""
    return "".join(part.capitalize() for part in snake.split("_"))


def monitor_spec(
    endpoint: str, deployment: str, spec: MonitoredDeploymentArgs, args: AzureModelMonitorArgs
) -> dict[str, Any]:
    """The monitor schedule as an Azure ML YAML spec (CLI v2 ``create_monitor`` schema), data by reference."""
    monitor = spec["monitor"]
    signals: dict[str, Any] = {}
    for signal, metric_spec in monitor["signals"].items():
        context = "model_outputs" if signal == "prediction_drift" else "model_inputs"
        collected = f"azureml:{endpoint}-{deployment}-{context}:1"
        data_types = monitoring.metric_data_types(monitoring.AZURE_ML, signal, metric_spec["metric"])
        document: dict[str, Any] = {
            "type": signal,
            "production_data": {
                "input_data": {"path": collected, "type": "uri_folder"},
                "data_context": context,
                "data_window": {
                    "lookback_window_size": _window(monitor["production_window_days"]),
                    "lookback_window_offset": "P0D",
                },
            },
            "reference_data": _reference_spec(monitor, collected, context),
            "metric_thresholds": {
                data_type: {metric_spec["metric"]: metric_spec["threshold"]} for data_type in data_types
            },
            "alert_enabled": True,
        }
        if signal != "prediction_drift":
            features = monitor.get("features")
            document["features"] = list(features) if features else "all_features"
        signals[signal] = document
    return {
        "name": schedule_name(endpoint, deployment),
        "trigger": _trigger_spec(monitor["schedule"]),
        "create_monitor": {
            "compute": {
                "instance_type": args.get("spark_instance_type", DEFAULTS["spark_instance_type"]),
                "runtime_version": SPARK_RUNTIME,
            },
            "monitoring_target": {
                "ml_task": monitor.get("task", MONITOR_DEFAULTS["task"]),
                "endpoint_deployment_id": f"azureml:{endpoint}:{deployment}",
            },
            "monitoring_signals": signals,
            "alert_notification": {"emails": list(args["alert_emails"])},
        },
    }


def _reference_spec(monitor: ModelMonitorArgs, collected: str, context: str) -> dict[str, Any]:
    reference = monitor["reference"]
    if "training_data" in reference:
        assert "target_column" in reference  # check_monitor: training data names its target column
        return {
            "input_data": {"path": reference["training_data"], "type": "mltable"},
            "data_context": "training",
            "data_column_names": {"target_column": reference["target_column"]},
        }
    assert "window_start" in reference and "window_end" in reference  # check_monitor: one of the two
    return {
        "input_data": {"path": collected, "type": "uri_folder"},
        "data_context": context,
        "data_window": {"window_start": reference["window_start"], "window_end": reference["window_end"]},
    }


def _trigger_spec(schedule: MonitorScheduleArgs) -> dict[str, Any]:
    kind, value = schedule_kind(schedule)
    if kind == "cron":
        return {"type": "cron", "expression": value, "time_zone": "UTC"}
    if kind == "daily_at_hour":
        return {
            "type": "recurrence",
            "frequency": "day",
            "interval": 1,
            "schedule": {"hours": [value], "minutes": [0]},
            "time_zone": "UTC",
        }
    return {"type": "recurrence", "frequency": "hour", "interval": value, "time_zone": "UTC"}


def retraining_spec(endpoint: str, retraining: RetrainingArgs) -> dict[str, Any]:
    """The retraining schedule as an Azure ML YAML spec (CLI v2 job schedule, the pipeline job by ARM id)."""
    return {
        "name": f"{endpoint}-retraining",
        "trigger": _trigger_spec(retraining["schedule"]),
        "create_job": f"azureml:{retraining['pipeline']}",
    }
