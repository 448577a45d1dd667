"""The alert routing interface on Azure: where alerts go, where their runbooks live, where they are evaluated.

Every Azure component that alerts takes ``alert_routing: AzureAlertRoutingArgs`` (``AzureMonitoring.alert_routing()``
builds it), names each alert's runbook ``<runbook_base_url>/<alert>`` in its description (metric and log alerts)
or ``runbook_url`` annotation (Prometheus rules), and notifies the action group. An alert *covers* the resource it
watches by depending on it (its ``scopes`` or an explicit ``depends_on``); the policy pack reads that dependency to
check that every endpoint and GPU pool has an alert routed somewhere. The Google Cloud counterpart is
:mod:`aiscale.components.common.gcp_alerts`.
"""

from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import alertsmanagement, monitor

from aiscale.components.common.options import child_options
from aiscale.components.common.tags import Tags
from aiscale.core.runbooks import runbook_url


class AzureAlertRoutingArgs(TypedDict):
    """Where a component's alerts go and where they are evaluated."""

    action_group_id: pulumi.Input[str]
    """Action group every alert notifies."""
    runbook_base_url: str
    """Each alert links ``<runbook_base_url>/<alert kind>``."""
    monitor_workspace_id: NotRequired[pulumi.Input[str]]
    """Azure Monitor workspace holding Prometheus metrics (for PromQL alerts: GPU pools)."""
    log_analytics_workspace_id: NotRequired[pulumi.Input[str]]
    """Log Analytics workspace receiving the diagnostics (for log-query alerts: endpoint error rates)."""
    workspace_location: NotRequired[pulumi.Input[str]]
    """Region of the workspaces, where Prometheus rule groups and log alerts are created (default: the
    component's region)."""


def runbook(args: AzureAlertRoutingArgs, page: str) -> str:
    """The runbook of an alert kind (``endpoint-error-rate``), by the one link convention (:mod:`aiscale.core.runbooks`)."""
    return runbook_url(args["runbook_base_url"], page)


def metric_alert(
    name: str,
    *,
    rule_name: str,
    alert: str,
    runbook_page: str,
    description: str,
    scope: pulumi.Input[str],
    metric_namespace: str,
    criterion: monitor.MetricCriteriaArgs,
    severity: int,
    window: str,
    args: AzureAlertRoutingArgs,
    resource_group_name: pulumi.Input[str],
    tags: Tags | None,
    parent: pulumi.Resource,
) -> monitor.MetricAlert:
    """``<name>-alert-<alert>``: a metric alert on one resource, routed to the action group."""
    return monitor.MetricAlert(
        f"{name}-alert-{alert}",
        rule_name=rule_name,
        resource_group_name=resource_group_name,
        location="global",
        description=f"{description} Runbook: {runbook(args, runbook_page)}",
        severity=severity,
        enabled=True,
        scopes=[scope],
        target_resource_type=metric_namespace,
        evaluation_frequency="PT1M",
        window_size=window,
        auto_mitigate=True,
        criteria=monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
            odata_type="Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria", all_of=[criterion]
        ),
        actions=[monitor.MetricAlertActionArgs(action_group_id=args["action_group_id"])],
        tags=tags,
        opts=child_options(parent),
    )


def log_alert(
    name: str,
    *,
    rule_name: str,
    alert: str,
    runbook_page: str,
    description: str,
    query: str,
    measure_column: str,
    threshold: float,
    severity: int,
    args: AzureAlertRoutingArgs,
    workspace_id: pulumi.Input[str],
    resource_group_name: pulumi.Input[str],
    location: pulumi.Input[str],
    watched: Sequence[pulumi.Resource],
    tags: Tags | None,
    parent: pulumi.Resource,
) -> monitor.ScheduledQueryRule:
    """``<name>-alert-<alert>``: a log-query alert over the Log Analytics workspace, routed to the action group.

    Its scope is the workspace, so it depends explicitly on the ``watched`` resources it is about.
    """
    return monitor.ScheduledQueryRule(
        f"{name}-alert-{alert}",
        rule_name=rule_name,
        resource_group_name=resource_group_name,
        location=location,
        kind="LogAlert",
        description=f"{description} Runbook: {runbook(args, runbook_page)}",
        severity=severity,
        enabled=True,
        scopes=[workspace_id],
        evaluation_frequency="PT5M",
        window_size="PT15M",
        auto_mitigate=True,
        criteria=monitor.ScheduledQueryRuleCriteriaArgs(
            all_of=[
                monitor.ConditionArgs(
                    query=query,
                    time_aggregation="Maximum",
                    metric_measure_column=measure_column,
                    # The API's operators are Equals, GreaterThan, ...; the SDK's ConditionOperator enum shares its
                    # token with another API's filter operators (eq, gt, ...), so the text is given, as it allows.
                    operator="GreaterThan",
                    threshold=threshold,
                    failing_periods=monitor.ConditionFailingPeriodsArgs(
                        min_failing_periods_to_alert=1, number_of_evaluation_periods=1
                    ),
                )
            ]
        ),
        actions=monitor.ActionsArgs(
            action_groups=[args["action_group_id"]], custom_properties={"runbook": runbook(args, runbook_page)}
        ),
        tags=tags,
        opts=child_options(parent, depends_on=list(watched)),
    )


def activity_log_alert(
    name: str,
    *,
    rule_name: str,
    alert: str,
    runbook_page: str,
    description: str,
    operations: Sequence[str],
    scope: pulumi.Input[str],
    args: AzureAlertRoutingArgs,
    resource_group_name: pulumi.Input[str],
    tags: Tags | None,
    parent: pulumi.Resource,
) -> monitor.ActivityLogAlert:
    """``<name>-alert-<alert>``: an activity log alert on any of ``operations`` succeeding under ``scope`` (a
    subscription or resource group id, matched as a prefix of the event's resource id), routed to the action
    group with the runbook in its description and in the notification's webhook properties."""
    url = runbook(args, runbook_page)
    return monitor.ActivityLogAlert(
        f"{name}-alert-{alert}",
        activity_log_alert_name=rule_name,
        resource_group_name=resource_group_name,
        location="global",
        description=f"{description} Runbook: {url}",
        enabled=True,
        scopes=[scope],
        condition=monitor.AlertRuleAllOfConditionArgs(
            all_of=[
                monitor.AlertRuleAnyOfOrLeafConditionArgs(field="category", equals="Administrative"),
                monitor.AlertRuleAnyOfOrLeafConditionArgs(field="status", equals="Succeeded"),
                monitor.AlertRuleAnyOfOrLeafConditionArgs(
                    any_of=[
                        monitor.AlertRuleLeafConditionArgs(field="operationName", equals=operation)
                        for operation in operations
                    ]
                ),
            ]
        ),
        actions=monitor.ActionListArgs(
            action_groups=[
                monitor.ActionGroupArgs(action_group_id=args["action_group_id"], webhook_properties={"runbook": url})
            ]
        ),
        tags=tags,
        opts=child_options(parent),
    )


class PrometheusAlert(TypedDict):
    """One PromQL alert rule of a rule group."""

    alert: str
    runbook_page: str
    expression: str
    for_minutes: int
    severity: int
    summary: str


def prometheus_alerts(
    name: str,
    *,
    rule_group_name: str,
    cluster_name: pulumi.Input[str],
    rules: Sequence[PrometheusAlert],
    args: AzureAlertRoutingArgs,
    monitor_workspace_id: pulumi.Input[str],
    resource_group_name: pulumi.Input[str],
    location: pulumi.Input[str],
    watched: Sequence[pulumi.Resource],
    tags: Tags | None,
    parent: pulumi.Resource,
) -> alertsmanagement.PrometheusRuleGroup:
    """``<name>-alerts``: PromQL alerts evaluated by managed Prometheus on the monitor workspace.

    Depends explicitly on the ``watched`` resources (the rule group's scope is the monitor workspace).
    """
    return alertsmanagement.PrometheusRuleGroup(
        f"{name}-alerts",
        rule_group_name=rule_group_name,
        resource_group_name=resource_group_name,
        location=location,
        cluster_name=cluster_name,
        scopes=[monitor_workspace_id],
        interval="PT1M",
        enabled=True,
        description=f"aiscale alerts for {rule_group_name}",
        rules=[
            alertsmanagement.PrometheusRuleArgs(
                alert=rule["alert"],
                expression=rule["expression"],
                for_=_iso_minutes(rule["for_minutes"]),
                severity=rule["severity"],
                enabled=True,
                annotations={"summary": rule["summary"], "runbook_url": runbook(args, rule["runbook_page"])},
                actions=[alertsmanagement.PrometheusRuleGroupActionArgs(action_group_id=args["action_group_id"])],
                resolve_configuration=alertsmanagement.PrometheusRuleResolveConfigurationArgs(
                    auto_resolved=True, time_to_resolve="PT10M"
                ),
            )
            for rule in rules
        ],
        tags=tags,
        opts=child_options(parent, depends_on=list(watched)),
    )


def _iso_minutes(minutes: int) -> str:
    """ISO 8601 duration (``PT30M``, ``PT2H``): Prometheus rule ``for`` values take whole hours as hours."""
    return f"PT{minutes // 60}H" if minutes % 60 == 0 else f"PT{minutes}M"
