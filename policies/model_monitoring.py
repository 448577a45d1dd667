"""Model monitoring: prod's serving deployments are watched for drift, and every monitor alerts someone.

A deployment *serves* unless the stack shows it takes no live traffic (the endpoint's ``traffic``, or the traffic
resource that sets it; mirror-only deployments do not serve). A monitor *covers* a deployment when it depends on
it: an Azure ML ``Schedule`` whose create-monitor action targets the deployment (its ``properties`` depend on it,
or its ``deploymentId`` names it), a Vertex AI monitoring job (aiscale's ``ModelMonitoringJob`` dynamic resource)
whose objectives depend on the deployed model.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from aiscale.policies._support import Rule, azure_type, each, has, items, known, stack_policy
from aiscale.policies.stack import (
    GCP_ALERT,
    ONLINE_DEPLOYMENT,
    ONLINE_ENDPOINT,
    VERTEX_DEPLOYMENT,
    covered,
    of_type,
    routed,
)

SCHEDULE = azure_type("machinelearningservices", "Schedule")
AZURE_TRAFFIC = "pulumi-python:dynamic/azureml:OnlineEndpointTraffic"
VERTEX_TRAFFIC = "pulumi-python:dynamic/vertex:EndpointTraffic"
VERTEX_MONITORING_JOB = "pulumi-python:dynamic/vertex:ModelMonitoringJob"
EVENT_SUBSCRIPTION = azure_type("eventgrid", "SystemTopicEventSubscription")
DRIFT_SIGNALS = ("DataDrift", "PredictionDrift")


def is_monitor(schedule: PolicyResource) -> bool:
    return known(schedule.props, "properties", "action", "actionType") == "CreateMonitor"


def drift_signals(schedule: PolicyResource) -> list[str]:
    signals = known(schedule.props, "properties", "action", "monitorDefinition", "signals") or {}
    found = [known(signals, key, "signalType") for key in signals] if hasattr(signals, "keys") else []
    return [str(kind) for kind in found if kind in DRIFT_SIGNALS]


def _target(schedule: PolicyResource) -> str:
    return str(known(schedule.props, "properties", "action", "monitorDefinition", "monitoringTarget", "deploymentId"))


def _named(schedule: PolicyResource, endpoint: Any, deployment: Any) -> bool:
    """Whether the monitor's target names the deployment (ARM id or ``azureml:<endpoint>:<deployment>``)."""
    target = _target(schedule).lower()
    return target == f"azureml:{endpoint}:{deployment}".lower() or target.endswith(
        f"/onlineendpoints/{endpoint}/deployments/{deployment}".lower()
    )


def _live_traffic(resources: list[PolicyResource]) -> dict[tuple[Any, Any], float]:
    """Live traffic share by (endpoint, deployment), where the stack says it."""
    shares: dict[tuple[Any, Any], float] = {}
    for endpoint in of_type(resources, ONLINE_ENDPOINT):
        traffic = known(endpoint.props, "properties", "traffic") or {}
        for deployment in traffic if hasattr(traffic, "keys") else []:
            shares[(known(endpoint.props, "endpointName"), deployment)] = float(traffic[deployment])
    for setter in of_type(resources, AZURE_TRAFFIC):
        traffic = known(setter.props, "traffic") or {}
        # The traffic resource lists every deployment: one it leaves out takes no live traffic.
        for deployment in items(known(setter.props, "deployments")):
            share = traffic[deployment] if hasattr(traffic, "keys") and deployment in traffic else 0
            shares[(known(setter.props, "endpoint_name"), deployment)] = float(share)
    return shares


def _drift_monitors(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[tuple[str, PolicyResource]]:
    if config.get("environment") != "prod":
        return  # dev and staging may monitor what they like: prod monitors every serving deployment
    resources = list(args.resources)
    shares = _live_traffic(resources)
    # A disabled schedule or a paused job keeps its history and watches nothing.
    monitors = [
        s
        for s in of_type(resources, SCHEDULE)
        if is_monitor(s) and drift_signals(s) and known(s.props, "properties", "isEnabled") is not False
    ]
    azure_watched = covered(monitors, {"azure-native": "properties"})
    for deployment in of_type(resources, ONLINE_DEPLOYMENT):
        endpoint, name = known(deployment.props, "endpointName"), known(deployment.props, "deploymentName")
        if shares.get((endpoint, name), 100.0) <= 0:
            continue
        if deployment.urn in azure_watched or any(_named(m, endpoint, name) for m in monitors):
            continue
        yield (
            f"serving deployment {name} of endpoint {endpoint} has no drift monitor (a model monitor schedule)",
            deployment,
        )
    jobs = [job for job in of_type(resources, VERTEX_MONITORING_JOB) if known(job.props, "paused") is not True]
    vertex_watched = covered(jobs, {"pulumi-python": "objectives"})
    for deployment in of_type(resources, VERTEX_DEPLOYMENT):
        name = known(deployment.props, "deployment_name")
        if _vertex_share(resources, deployment) <= 0:
            continue
        if deployment.urn not in vertex_watched:
            yield f"serving deployed model {name} has no model deployment monitoring job watching it", deployment


def _vertex_share(resources: list[PolicyResource], deployment: PolicyResource) -> float:
    """The deployed model's live share by the traffic resource that names it (100 when the stack does not say)."""
    name = known(deployment.props, "deployment_name")
    for setter in of_type(resources, VERTEX_TRAFFIC):
        ids = setter.property_dependencies.get("deployed_model_ids", [])
        if deployment.urn in {d.urn for d in ids}:
            traffic = known(setter.props, "traffic") or {}
            return float(traffic[name]) if name in traffic else 0.0
    return 100.0


def _monitor_routing(args: StackValidationArgs, _config: Mapping[str, Any]) -> Iterator[tuple[str, PolicyResource]]:
    resources = list(args.resources)
    alerts = [
        s
        for s in of_type(resources, EVENT_SUBSCRIPTION)
        if known(s.props, "destination", "endpointType") == "MonitorAlert"
        and has(s.props, "destination", "actionGroups")
    ]
    alerted = covered(alerts) | covered(a for a in of_type(resources, GCP_ALERT) if routed(a))
    for schedule in of_type(resources, SCHEDULE):
        if not is_monitor(schedule):
            continue
        settings = known(schedule.props, "properties", "action", "monitorDefinition", "alertNotificationSettings")
        emails = each(known(settings, "emailNotificationSettings", "emails"))
        if not emails and schedule.urn not in alerted:
            yield (
                f"model monitor {schedule.name} notifies nobody: no e-mail recipients and no Azure Monitor alert "
                "(Event Grid MonitorAlert subscription) on its runs",
                schedule,
            )
    for job in of_type(resources, VERTEX_MONITORING_JOB):
        if not each(known(job.props, "notification_channels")) and job.urn not in alerted:
            yield f"model monitoring job {job.name} notifies no channel and no routed alert reads its anomalies", job


POLICIES = [
    stack_policy(
        Rule(
            "ml-monitor-01",
            "Prod serving deployments have a drift monitor",
            "In prod, every deployment that takes live traffic (Azure ML online deployments, Vertex AI deployed "
            "models) is watched by a model monitor computing data or prediction drift.",
            Severity.HIGH,
            ("custom:model-monitoring",),
            "A deployment serves unless the stack shows it takes no live traffic; a monitor covers it when it "
            "depends on it (Azure ML Schedule with a CreateMonitor action and a DataDrift or PredictionDrift "
            "signal, or one naming it in monitoringTarget.deploymentId; aiscale's Vertex AI ModelMonitoringJob). "
            "Outside prod the policy reports nothing.",
            "Give the endpoint (or each serving deployment) a monitoring block; other programs add a monitor "
            "schedule (Azure ML) or a ModelDeploymentMonitoringJob (Vertex AI) for it.",
            "Model monitoring",
        ),
        (
            ONLINE_ENDPOINT,
            ONLINE_DEPLOYMENT,
            SCHEDULE,
            AZURE_TRAFFIC,
            VERTEX_TRAFFIC,
            VERTEX_DEPLOYMENT,
            VERTEX_MONITORING_JOB,
        ),
        _drift_monitors,
    ),
    stack_policy(
        Rule(
            "ml-monitor-02",
            "Model monitors alert someone",
            "Every model monitor routes its alerts: Azure ML monitors e-mail recipients or raise an Azure Monitor "
            "alert (an Event Grid MonitorAlert subscription with action groups); Vertex AI monitoring jobs notify "
            "Cloud Monitoring channels or a routed alert reads their anomaly logs.",
            Severity.MEDIUM,
            ("custom:model-monitoring", "custom:monitoring"),
            "alertNotificationSettings absent means nobody is told when a threshold is breached; an alert covers a "
            "monitor when it depends on it.",
            "Give the monitor alert e-mails (aiscale: monitoring.alerts.emails) and the stack's alert routing.",
            "Model monitoring",
        ),
        (SCHEDULE, VERTEX_MONITORING_JOB, EVENT_SUBSCRIPTION, GCP_ALERT),
        _monitor_routing,
    ),
]
