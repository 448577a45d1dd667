"""Platform monitoring: Log Analytics, an Azure Monitor workspace for Prometheus metrics, and alert routing.

Components send diagnostics to :attr:`Monitoring.log_analytics_workspace_id` and route their alerts through
:meth:`Monitoring.alerts_args` (the action group plus the runbook base URL), so every alert reaches the same
people and links its runbook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import monitor, operationalinsights

from aiscale.components.common.azure_alerts import AlertsArgs
from aiscale.components.common.options import child_options
from aiscale.core.errors import InvalidArgumentError

COMPONENT = "aiscale:azure:Monitoring"


class MonitoringArgs(TypedDict):
    """Arguments of :class:`Monitoring`."""

    name_prefix: str
    """Prefix of the workspace, Prometheus workspace and action group names."""
    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str]
    log_retention_days: int
    alert_emails: Sequence[str]
    runbook_base_url: str
    webhook_url: NotRequired[pulumi.Input[str]]
    """Secret incoming-webhook URL (chat or paging); kept a Pulumi secret."""
    tags: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    protect: NotRequired[bool]
    """Protect the Log Analytics and Azure Monitor workspaces (they hold the logs and metrics)."""


def _validate(args: MonitoringArgs) -> None:
    if not 30 <= args["log_retention_days"] <= 730:
        raise InvalidArgumentError(COMPONENT, "log_retention_days", f"{args['log_retention_days']} is outside 30-730")
    if not args["alert_emails"]:
        raise InvalidArgumentError(COMPONENT, "alert_emails", "at least one address")
    if not args["runbook_base_url"].startswith("https://"):
        raise InvalidArgumentError(COMPONENT, "runbook_base_url", "must be an https:// URL")


class Monitoring(pulumi.ComponentResource):
    """``<name>-logs``, ``<name>-prometheus``, ``<name>-action-group``."""

    logs: operationalinsights.Workspace
    prometheus: monitor.AzureMonitorWorkspace
    action_group: monitor.ActionGroup
    log_analytics_workspace_id: pulumi.Output[str]
    monitor_workspace_id: pulumi.Output[str]
    action_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        _validate(args)
        group, location, tags, prefix, protect = (
            args["resource_group_name"],
            args["location"],
            args.get("tags"),
            args["name_prefix"],
            args.get("protect", False),
        )
        self.runbook_base_url = args["runbook_base_url"].rstrip("/")

        self.logs = operationalinsights.Workspace(
            f"{name}-logs",
            workspace_name=f"{prefix}-logs",
            resource_group_name=group,
            location=location,
            sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
            retention_in_days=args["log_retention_days"],
            features=operationalinsights.WorkspaceFeaturesArgs(
                disable_local_auth=True, enable_log_access_using_only_resource_permissions=True
            ),
            tags=tags,
            opts=child_options(self, protect=protect),
        )
        self.prometheus = monitor.AzureMonitorWorkspace(
            f"{name}-prometheus",
            azure_monitor_workspace_name=f"{prefix}-prometheus",
            resource_group_name=group,
            location=location,
            tags=tags,
            opts=child_options(self, protect=protect),
        )
        webhook = args.get("webhook_url")
        self.action_group = monitor.ActionGroup(
            f"{name}-action-group",
            action_group_name=f"{prefix}-alerts",
            group_short_name=prefix[:12],
            resource_group_name=group,
            location="global",
            enabled=True,
            email_receivers=[
                monitor.MicrosoftCommonEmailReceiverArgs(
                    name=f"email-{index}", email_address=address, use_common_alert_schema=True
                )
                for index, address in enumerate(args["alert_emails"])
            ],
            webhook_receivers=[
                monitor.WebhookReceiverArgs(
                    name="webhook", service_uri=pulumi.Output.secret(webhook), use_common_alert_schema=True
                )
            ]
            if webhook is not None
            else None,
            tags=tags,
            opts=child_options(self),
        )

        self.log_analytics_workspace_id = self.logs.id
        self.monitor_workspace_id = self.prometheus.id
        self.action_group_id = self.action_group.id
        self.register_outputs(
            {
                "logAnalyticsWorkspaceId": self.log_analytics_workspace_id,
                "monitorWorkspaceId": self.monitor_workspace_id,
                "actionGroupId": self.action_group_id,
            }
        )

    def alerts_args(self) -> AlertsArgs:
        """The alert routing every component's ``alerts`` argument takes."""
        return {
            "action_group_id": self.action_group_id,
            "runbook_base_url": self.runbook_base_url,
            "monitor_workspace_id": self.monitor_workspace_id,
            "log_analytics_workspace_id": self.log_analytics_workspace_id,
        }
