"""The alert routing interface on Google Cloud: notification channels and runbook links.

Every Google Cloud component that alerts takes ``alert_routing: GcpAlertRoutingArgs`` (``GcpMonitoring.alert_routing()``
builds it); each alert policy notifies the channels and carries documentation with the runbook
``<runbook_base_url>/<alert kind>``. An alert *covers* the resource it watches by depending on it explicitly; the
policy pack reads that dependency (the same convention as :mod:`aiscale.components.common.azure_alerts`).

Cloud Monitoring metrics are queried in PromQL with their Managed Service for Prometheus names: a metric
``kubernetes.io/node/accelerator/duty_cycle`` of resource ``k8s_node`` is
``kubernetes_io:node_accelerator_duty_cycle{monitored_resource="k8s_node"}``.
"""

from collections.abc import Sequence
from typing import TypedDict

import pulumi
from pulumi_gcp import monitoring

from aiscale.components.common.options import child_options
from aiscale.components.common.tags import Labels
from aiscale.core.runbooks import runbook_url

SEVERITIES = ("CRITICAL", "ERROR", "WARNING")


class GcpAlertRoutingArgs(TypedDict):
    """Where a component's alerts go."""

    notification_channels: Sequence[pulumi.Input[str]]
    """Notification channel ids (``projects/<p>/notificationChannels/<id>``) every alert notifies."""
    runbook_base_url: str
    """Each alert links ``<runbook_base_url>/<alert kind>``."""


def runbook(args: GcpAlertRoutingArgs, page: str) -> str:
    """The runbook of an alert kind (``endpoint-error-rate``), by the one link convention (:mod:`aiscale.core.runbooks`)."""
    return runbook_url(args["runbook_base_url"], page)


def promql(display_name: str, query: pulumi.Input[str], duration_seconds: int) -> monitoring.AlertPolicyConditionArgs:
    """A PromQL condition: fires once ``query`` returns series for ``duration_seconds``."""
    return monitoring.AlertPolicyConditionArgs(
        display_name=display_name,
        condition_prometheus_query_language=monitoring.AlertPolicyConditionConditionPrometheusQueryLanguageArgs(
            query=query, duration=f"{duration_seconds}s", evaluation_interval="60s"
        ),
    )


def matched_log(display_name: str, log_filter: pulumi.Input[str]) -> monitoring.AlertPolicyConditionArgs:
    """A log-match condition: fires on each log entry the filter matches (needs a notification rate limit)."""
    return monitoring.AlertPolicyConditionArgs(
        display_name=display_name,
        condition_matched_log=monitoring.AlertPolicyConditionConditionMatchedLogArgs(filter=log_filter),
    )


def alert_policy(
    name: str,
    *,
    alert: str,
    runbook_page: str,
    display_name: str,
    summary: str,
    condition: monitoring.AlertPolicyConditionArgs,
    severity: str,
    project: pulumi.Input[str],
    args: GcpAlertRoutingArgs,
    watched: Sequence[pulumi.Resource],
    labels: Labels | None,
    parent: pulumi.Resource,
    rate_limit_seconds: int | None = None,
) -> monitoring.AlertPolicy:
    """``<name>-alert-<alert>``: one condition, routed to the notification channels, documented with its runbook."""
    url = runbook(args, runbook_page)
    return monitoring.AlertPolicy(
        f"{name}-alert-{alert}",
        project=project,
        display_name=display_name,
        combiner="OR",
        conditions=[condition],
        severity=severity,
        enabled=True,
        notification_channels=list(args["notification_channels"]),
        documentation=monitoring.AlertPolicyDocumentationArgs(
            subject=display_name,
            content=f"{summary}\n\nRunbook: {url}",
            mime_type="text/markdown",
            links=[monitoring.AlertPolicyDocumentationLinkArgs(display_name="Runbook", url=url)],
        ),
        alert_strategy=monitoring.AlertPolicyAlertStrategyArgs(
            auto_close="1800s",
            notification_rate_limit=monitoring.AlertPolicyAlertStrategyNotificationRateLimitArgs(
                period=f"{rate_limit_seconds}s"
            )
            if rate_limit_seconds is not None
            else None,
        ),
        user_labels=labels,
        opts=child_options(parent, depends_on=list(watched)),
    )
